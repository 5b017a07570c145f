"""The optional ``.docx`` and PDF readers: every part a reader could see comes back."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from safeguarding_workflow.exceptions import InvalidInputError
from safeguarding_workflow.publication._document import Part, ReadDocument
from safeguarding_workflow.publication._docx import read_docx
from safeguarding_workflow.publication._pdf import read_pdf

docx = pytest.importorskip("docx")
fpdf = pytest.importorskip("fpdf")


def _png(width: int = 4, height: int = 4) -> bytes:
    """A tiny grey PNG, made without Pillow."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _texts(document: ReadDocument, part: Part, label: str | None = None) -> list[str]:
    return [
        segment.text
        for segment in document.segments
        if segment.part is part and (label is None or segment.label == label)
    ]


def _everything_but(document: ReadDocument, part: Part) -> str:
    return "\n".join(segment.text for segment in document.segments if segment.part is not part)


# -- .docx -----------------------------------------------------------------------------------

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

_FOOTNOTES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:footnotes {_W}>
<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
<w:footnote w:type="continuationSeparator" w:id="0">
<w:p><w:r><w:t>Separator Gubbins</w:t></w:r></w:p></w:footnote>
<w:footnote w:id="2">
<w:p><w:r><w:t>Zebedee Quillfeather was born on 1 April 2099.</w:t></w:r></w:p></w:footnote>
<w:footnote w:id="3">
<w:p><w:r><w:t>Kept: </w:t></w:r>
<w:del w:id="81" w:author="Hortensia Fogbottom">
<w:r><w:delText>Footnote Grimsditch</w:delText></w:r></w:del></w:p></w:footnote>
</w:footnotes>"""

_ENDNOTES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:endnotes {_W}>
<w:endnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:endnote>
<w:endnote w:id="1"><w:p><w:r><w:t>Endnote Plumtree Academy</w:t></w:r></w:p></w:endnote>
</w:endnotes>"""

_CUSTOM = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
 xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Case worker">
<vt:lpwstr>Custom Bramblewood</vt:lpwstr></property>
</Properties>"""

#: Paragraphs put into the body before its closing section properties.
_BODY_XML = """
<w:p><w:r><w:t xml:space="preserve">Now living at </w:t></w:r>
<w:del w:id="91" w:author="Hortensia Fogbottom" w:date="2099-01-01T00:00:00Z">
<w:r><w:delText>12 Imaginary Lane</w:delText></w:r></w:del>
<w:ins w:id="92" w:author="Hortensia Fogbottom" w:date="2099-01-01T00:00:00Z">
<w:r><w:t>Inserted Wobblebury</w:t></w:r></w:ins></w:p>
<w:p><w:moveFrom w:id="93" w:author="Hortensia Fogbottom">
<w:r><w:t>Moved Snorkelwick</w:t></w:r></w:moveFrom></w:p>
<w:p><w:r><w:t>See the note</w:t></w:r><w:r><w:footnoteReference w:id="2"/></w:r></w:p>
<w:p><w:r><w:pict><v:shape id="box1" style="width:100pt;height:50pt" alt="Shape Figgleston">
<v:textbox><w:txbxContent><w:p><w:r><w:t>Textbox Wibblewick</w:t></w:r></w:p></w:txbxContent>
</v:textbox></v:shape></w:pict></w:r></w:p>
"""


def _add_part(
    files: dict[str, bytes], name: str, xml: str, content_type: str, rel_type: str, owner: str
) -> None:
    """Put a part in the package with its relationship and content-type override."""
    files[name] = xml.encode()
    directory, base = owner.rsplit("/", 1) if "/" in owner else ("", owner)
    rels_name = f"{directory}/_rels/{base}.rels" if directory else "_rels/.rels"
    target = name.removeprefix(f"{directory}/") if directory else name
    rels = files[rels_name].decode()
    count = len(re.findall("<Relationship ", rels))
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rIdTest{count}" Type="{rel_type}" Target="{target}"/></Relationships>',
    )
    files[rels_name] = rels.encode()
    types = files["[Content_Types].xml"].decode()
    types = types.replace(
        "</Types>", f'<Override PartName="/{name}" ContentType="{content_type}"/></Types>'
    )
    files["[Content_Types].xml"] = types.encode()


_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument"


def _make_docx(path: Path) -> None:
    document = docx.Document()
    document.core_properties.title = "Quillfeather family"
    document.core_properties.author = "Ottoline Spratt"
    document.core_properties.subject = "Subject Puddlecombe"
    document.core_properties.keywords = "Keyword Tumbleweed"
    document.core_properties.comments = "Description Higglesby"
    document.core_properties.last_modified_by = "Editor Wigglesworth"
    document.core_properties.category = "Category Nettlefold"
    document.add_paragraph("Opening Paragraph Applethwaite")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Table Cellwright"
    table.cell(0, 1).text = "943 476 5919"
    paragraph = document.add_paragraph()
    run = paragraph.add_run("A remark on the school")
    document.add_comment(
        run, "Ask Marigold about Dingleford Primary", author="Marigold Fennimore", initials="MF"
    )
    document.add_picture(io.BytesIO(_png()))
    document.inline_shapes[0]._inline.docPr.set("descr", "Photo of Puddleby pond")
    section = document.sections[0]
    section.header.paragraphs[0].text = "Header Thistlewaite"
    section.footer.paragraphs[0].text = "Footer Pumpernickel"
    section.different_first_page_header_footer = True
    section.first_page_header.paragraphs[0].text = "First Page Crumblebottom"
    buffer = io.BytesIO()
    document.save(buffer)

    with zipfile.ZipFile(buffer) as source:
        files = {name: source.read(name) for name in source.namelist()}
    body = files["word/document.xml"].decode()
    closing = body.rindex("<w:sectPr")
    files["word/document.xml"] = (body[:closing] + _BODY_XML + body[closing:]).encode()
    _add_part(
        files,
        "word/footnotes.xml",
        _FOOTNOTES,
        f"{_TYPES}.wordprocessingml.footnotes+xml",
        f"{_RELS}/footnotes",
        "word/document.xml",
    )
    _add_part(
        files,
        "word/endnotes.xml",
        _ENDNOTES,
        f"{_TYPES}.wordprocessingml.endnotes+xml",
        f"{_RELS}/endnotes",
        "word/document.xml",
    )
    _add_part(
        files,
        "docProps/custom.xml",
        _CUSTOM,
        f"{_TYPES}.custom-properties+xml",
        f"{_RELS}/custom-properties",
        "",
    )
    files["word/embeddings/oleObject1.bin"] = b"\xd0\xcf\x11\xe0 not really an OLE object"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in files.items():
            target.writestr(name, data)


@pytest.fixture(scope="module")
def docx_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("docx") / "review.docx"
    _make_docx(path)
    return path


@pytest.fixture(scope="module")
def read(docx_path: Path) -> ReadDocument:
    return read_docx(docx_path)


def test_docx_body_reads_as_now(read: ReadDocument) -> None:
    """Paragraphs, table cells, insertions and text boxes are body text, in order."""
    body = "\n".join(_texts(read, Part.BODY))
    for marker in (
        "Opening Paragraph Applethwaite",
        "Table Cellwright",
        "943 476 5919",
        "A remark on the school",
        "Inserted Wobblebury",
        "Textbox Wibblewick",
    ):
        assert marker in body
    assert body.index("Opening Paragraph") < body.index("Table Cellwright")
    assert body.index("Table Cellwright") < body.index("Inserted Wobblebury")
    assert "Now living at Inserted Wobblebury" in body
    assert read.segments[0].part is Part.BODY


def test_docx_deleted_and_moved_text_is_a_tracked_change_not_body(read: ReadDocument) -> None:
    """Deleted and moved-from text is read as tracked changes, in every part, never as body."""
    changes = _texts(read, Part.TRACKED_CHANGE)
    assert "12 Imaginary Lane" in changes
    assert "Moved Snorkelwick" in changes
    assert "Footnote Grimsditch" in changes
    body = "\n".join(_texts(read, Part.BODY))
    assert "Imaginary" not in body
    assert "Snorkelwick" not in body
    labels = [s.label for s in read.segments if s.part is Part.TRACKED_CHANGE]
    assert "deletion 1" in labels
    assert any(label.startswith("moved-from") for label in labels)


def test_docx_headers_and_footers(read: ReadDocument) -> None:
    """Every header and footer, first-page ones included, labelled by part name."""
    headers = {s.label: s.text for s in read.segments if s.part is Part.HEADER}
    footers = {s.label: s.text for s in read.segments if s.part is Part.FOOTER}
    assert "Header Thistlewaite" in headers.values()
    assert "First Page Crumblebottom" in headers.values()
    assert "Footer Pumpernickel" in footers.values()
    assert all(re.fullmatch(r"header\d+\.xml", label) for label in headers)
    assert all(re.fullmatch(r"footer\d+\.xml", label) for label in footers)


def test_docx_footnotes_and_endnotes(read: ReadDocument) -> None:
    """Footnotes and endnotes are read; separators are not."""
    notes = {s.label: s.text for s in read.segments if s.part is Part.FOOTNOTE}
    assert "Zebedee Quillfeather" in notes["footnote 2"]
    assert notes["endnote 1"] == "Endnote Plumtree Academy"
    assert "Separator Gubbins" not in "\n".join(notes.values())
    assert "Zebedee" not in _everything_but(read, Part.FOOTNOTE)


def test_docx_comments_and_their_authors(read: ReadDocument) -> None:
    """A comment's text is a comment; its author and initials are properties."""
    comments = [s for s in read.segments if s.part is Part.COMMENT]
    assert ["Ask Marigold about Dingleford Primary"] == [s.text for s in comments]
    assert comments[0].label == "comment 0"
    authors = _texts(read, Part.PROPERTY, "comment author")
    assert "Marigold Fennimore" in authors
    assert "MF" in authors


def test_docx_revision_authors_are_properties(read: ReadDocument) -> None:
    """Tracked changes' authors identify people too."""
    assert ["Hortensia Fogbottom"] == _texts(read, Part.PROPERTY, "revision author")


def test_docx_alt_text(read: ReadDocument) -> None:
    """A picture's description and a VML shape's alt text are alt text."""
    alt = {s.text: s.label for s in read.segments if s.part is Part.ALT_TEXT}
    assert "Photo of Puddleby pond" in alt
    assert re.fullmatch(r"image\d+\.png", alt["Photo of Puddleby pond"])
    assert "Shape Figgleston" in alt


def test_docx_properties(read: ReadDocument) -> None:
    """Core and custom properties, labelled by element name; empty ones skipped."""
    properties = {s.label: s.text for s in read.segments if s.part is Part.PROPERTY}
    assert properties["dc:title"] == "Quillfeather family"
    assert properties["dc:creator"] == "Ottoline Spratt"
    assert properties["dc:subject"] == "Subject Puddlecombe"
    assert properties["cp:keywords"] == "Keyword Tumbleweed"
    assert properties["dc:description"] == "Description Higglesby"
    assert properties["cp:lastModifiedBy"] == "Editor Wigglesworth"
    assert properties["cp:category"] == "Category Nettlefold"
    assert properties["custom property"] == "Custom Bramblewood"
    assert all(s.text.strip() for s in read.segments if s.part is Part.PROPERTY)
    assert "cp:contentStatus" not in properties  # empty in the file


def test_docx_segments_in_reading_order(read: ReadDocument) -> None:
    """Body, headers and footers, notes, comments, changes, alt text, properties."""
    order = [
        Part.BODY,
        Part.HEADER,
        Part.FOOTNOTE,
        Part.COMMENT,
        Part.TRACKED_CHANGE,
        Part.ALT_TEXT,
        Part.PROPERTY,
    ]
    rank = {part: index for index, part in enumerate(order)}
    rank[Part.FOOTER] = rank[Part.HEADER]
    ranks = [rank[segment.part] for segment in read.segments]
    assert ranks == sorted(ranks)


def test_docx_images_and_objects_are_unreadable(read: ReadDocument) -> None:
    """Each embedded image and object is named as unreadable."""
    images = [u for u in read.unreadable if u.reason.startswith("embedded image")]
    assert [re.fullmatch(r"image\d+\.png", u.label) is not None for u in images] == [True]
    assert images[0].part is Part.BODY
    objects = [u for u in read.unreadable if u.reason == "embedded object"]
    assert ["oleObject1.bin"] == [u.label for u in objects]


def test_docx_digest(docx_path: Path, read: ReadDocument) -> None:
    """The digest is the SHA-256 of the file's bytes."""
    assert hashlib.sha256(docx_path.read_bytes()).hexdigest() == read.digest


def test_docx_plain_document_has_no_tracked_changes(tmp_path: Path) -> None:
    """A document without changes, comments or notes has none."""
    document = docx.Document()
    document.add_paragraph("Plain Pennyworth")
    path = tmp_path / "plain.docx"
    document.save(path)
    read = read_docx(path)
    assert ["Plain Pennyworth"] == _texts(read, Part.BODY)
    assert not _texts(read, Part.TRACKED_CHANGE)
    assert not _texts(read, Part.COMMENT)
    assert not [u for u in read.unreadable if u.reason.startswith("embedded image")]


@pytest.mark.parametrize(
    "content", [b"Zebedee Quillfeather, 12 Imaginary Lane", b"PK\x03\x04 Zebedee broken zip"]
)
def test_docx_not_a_docx_is_refused_without_echo(tmp_path: Path, content: bytes) -> None:
    """A file that is not a .docx is invalid input, and the error holds none of its text."""
    path = tmp_path / "Zebedee.docx"
    path.write_bytes(content)
    with pytest.raises(InvalidInputError) as caught:
        read_docx(path)
    assert "document" == caught.value.field
    assert "Zebedee" not in str(caught.value)
    assert "Zebedee" not in repr(caught.value)
    assert caught.value.__context__ is None


def test_docx_zip_without_a_document_is_refused(tmp_path: Path) -> None:
    """A zip that is not a Word package is invalid input."""
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "Zebedee")
    with pytest.raises(InvalidInputError) as caught:
        read_docx(path)
    assert "document" == caught.value.field


def test_docx_missing_file_is_refused(tmp_path: Path) -> None:
    """A file that does not exist is invalid input, its path not echoed."""
    with pytest.raises(InvalidInputError) as caught:
        read_docx(tmp_path / "Quillfeather.docx")
    assert "document" == caught.value.field
    assert "Quillfeather" not in str(caught.value)


# -- PDF -------------------------------------------------------------------------------------

_XMP = """<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">XMP Gooseberry</rdf:li></rdf:Alt>
</dc:description>
<pdf:Keywords>XMP Keyword Huckleberry</pdf:Keywords>
</rdf:Description></rdf:RDF></x:xmpmeta>"""


def _make_pdf(path: Path, *, user_password: str | None = None) -> None:
    pytest.importorskip("PIL")
    pdf = fpdf.FPDF()
    pdf.set_title("Quillfeather family")
    pdf.set_author("Ottoline Spratt")
    pdf.set_subject("Subject Puddlecombe")
    pdf.set_keywords("Keyword Tumbleweed")
    pdf.set_xmp_metadata(_XMP)
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.start_section("Outline Snodgrass")
    pdf.cell(text="Zebedee Quillfeather lives in Puddleby.")
    pdf.image(io.BytesIO(_png()), x=10, y=40, w=20)
    pdf.text_annotation(x=10, y=80, text="Marigold says ask the school", title="Reviewer Fogg")
    pdf.add_page()
    pdf.image(io.BytesIO(_png()), x=10, y=10, w=100)
    pdf.add_page()
    pdf.cell(text="Page three Nettlebed")
    if user_password is not None:
        pdf.set_encryption(owner_password="owner-secret", user_password=user_password)
    pdf.output(str(path))


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "review.pdf"
    _make_pdf(path)
    return path


@pytest.fixture(scope="module")
def read_pdf_document(pdf_path: Path) -> ReadDocument:
    return read_pdf(pdf_path)


def test_pdf_body_per_page(read_pdf_document: ReadDocument) -> None:
    """Each page with text gives a body segment with its page number."""
    pages = {s.page: s.text for s in read_pdf_document.segments if s.part is Part.BODY}
    assert "Zebedee Quillfeather lives in Puddleby." in pages[1]
    assert 2 not in pages
    assert "Page three Nettlebed" in pages[3]


def test_pdf_scanned_page_and_images_are_unreadable(read_pdf_document: ReadDocument) -> None:
    """A page with no text is unreadable; so is an image on a page with text."""
    unreadable = {(u.page, u.reason) for u in read_pdf_document.unreadable}
    assert (2, "page has no text layer (scanned?)") in unreadable
    assert (1, "image on page: text in images is not read") in unreadable
    assert (3, "image on page: text in images is not read") not in unreadable
    assert (2, "image on page: text in images is not read") not in unreadable


def test_pdf_annotations(read_pdf_document: ReadDocument) -> None:
    """An annotation's contents are a comment on its page; its author a property."""
    comments = [s for s in read_pdf_document.segments if s.part is Part.COMMENT]
    assert [("Marigold says ask the school", 1, "annotation")] == [
        (s.text, s.page, s.label) for s in comments
    ]
    assert "Reviewer Fogg" in _texts(read_pdf_document, Part.PROPERTY, "annotation author")


def test_pdf_metadata_and_outline(read_pdf_document: ReadDocument) -> None:
    """The information dictionary, XMP metadata and outline titles are properties."""
    properties = [(s.label, s.text) for s in read_pdf_document.segments if s.part is Part.PROPERTY]
    assert ("/Title", "Quillfeather family") in properties
    assert ("/Author", "Ottoline Spratt") in properties
    assert ("/Subject", "Subject Puddlecombe") in properties
    assert ("/Keywords", "Keyword Tumbleweed") in properties
    assert ("dc:description", "XMP Gooseberry") in properties
    assert ("pdf:Keywords", "XMP Keyword Huckleberry") in properties
    assert ("outline", "Outline Snodgrass") in properties
    assert all(text.strip() for _, text in properties)


def test_pdf_digest(pdf_path: Path, read_pdf_document: ReadDocument) -> None:
    """The digest is the SHA-256 of the file's bytes."""
    assert hashlib.sha256(pdf_path.read_bytes()).hexdigest() == read_pdf_document.digest


def test_pdf_encrypted_with_a_password_is_refused(tmp_path: Path) -> None:
    """A PDF that does not open with an empty password is invalid input."""
    path = tmp_path / "locked.pdf"
    _make_pdf(path, user_password="Zebedee-secret")
    with pytest.raises(InvalidInputError) as caught:
        read_pdf(path)
    assert "document" == caught.value.field
    assert "Zebedee" not in str(caught.value)


def test_pdf_encrypted_with_an_empty_password_is_read(tmp_path: Path) -> None:
    """A PDF encrypted only against changes (empty user password) is read."""
    path = tmp_path / "owner-only.pdf"
    _make_pdf(path, user_password="")
    read = read_pdf(path)
    assert any("Quillfeather" in text for text in _texts(read, Part.BODY))


@pytest.mark.parametrize("content", [b"Zebedee Quillfeather", b"%PDF-1.7\n Zebedee broken"])
def test_pdf_not_a_pdf_is_refused_without_echo(tmp_path: Path, content: bytes) -> None:
    """A file that is not a PDF is invalid input, and the error holds none of its text."""
    path = tmp_path / "Zebedee.pdf"
    path.write_bytes(content)
    with pytest.raises(InvalidInputError) as caught:
        read_pdf(path)
    assert "document" == caught.value.field
    assert "Zebedee" not in str(caught.value)


def test_pdf_missing_file_is_refused(tmp_path: Path) -> None:
    """A file that does not exist is invalid input."""
    with pytest.raises(InvalidInputError) as caught:
        read_pdf(tmp_path / "Quillfeather.pdf")
    assert "document" == caught.value.field


def test_pdf_without_pypdf_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, pdf_path: Path
) -> None:
    """Without pypdf, reading a PDF names the extra to install."""
    from safeguarding_workflow.exceptions import ConfigurationError

    monkeypatch.setitem(sys.modules, "pypdf", None)
    with pytest.raises(ConfigurationError) as caught:
        read_pdf(pdf_path)
    assert "document" == caught.value.field
    assert "'pdf' extra" in str(caught.value)
