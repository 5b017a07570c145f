"""
Read a Word ``.docx`` file for the leak check: every part a reader could see or recover.

`read_docx` opens the file as the OOXML package it is (a zip of XML parts) and reads:

- the body as it reads now (paragraphs, tables, text boxes, shapes' text, content
  controls, text inserted under tracked changes; deleted text left out), hidden text
  included; then the glossary (building blocks), charts' and diagrams' text, and the
  targets of hyperlinks;
- every header and footer of every section;
- footnotes and endnotes (not the separators);
- comments, and their authors;
- tracked changes: each deletion's text and each moved-from passage, in every part;
- images' alternative text (DrawingML ``descr``/``title``, VML ``alt``/``title``);
- properties: core (title, subject, creator, keywords, description, last modified by,
  category, status, ...), extended (company, manager, hyperlink base, titles of parts),
  custom properties, document variables, comment and revision authors, custom XML data.

What it cannot read, it names as `Unreadable`: embedded images (text in an image is not
read), the package thumbnail, embedded objects, and any part whose XML does not parse.

The package is read with the standard library's XML parser (expat, which refuses
entity expansion attacks); a part that declares a DTD is not parsed at all.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from xml.etree import ElementTree as ET

import attrs

from safeguarding_workflow.exceptions import InvalidInputError

from ._document import Part, ReadDocument, Segment, Unreadable

__all__ = ["read_docx"]

_NOT_A_DOCX = "'document' is not a readable .docx file"

#: WordprocessingML's namespaces: transitional and strict.
_W = frozenset(
    {
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://purl.oclc.org/ooxml/wordprocessingml/main",
    }
)
_DRAWING = frozenset(
    {
        "http://schemas.openxmlformats.org/drawingml/2006/main",
        "http://purl.oclc.org/ooxml/drawingml/main",
    }
)
_REL = frozenset(
    {
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "http://purl.oclc.org/ooxml/officeDocument/relationships",
    }
)
_VML = "urn:schemas-microsoft-com:vml"
_OFFICE = "urn:schemas-microsoft-com:office:office"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_W15 = "http://schemas.microsoft.com/office/word/2012/wordml"

#: The prefixes labels use for core properties' namespaces.
_CORE_PREFIXES = {
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://schemas.openxmlformats.org/package/2006/metadata/core-properties": "cp",
}
#: Core properties that hold dates or counters, never text.
_CORE_SKIPPED = frozenset({"created", "modified", "lastPrinted", "revision"})
#: Extended (app.xml) properties that can hold identifying text.
_APP_READ = ("Company", "Manager", "HyperlinkBase", "TitlesOfParts")

#: Largest XML part read (uncompressed): a guard against decompression bombs.
_MAX_PART_BYTES = 256 * 1024 * 1024

_IMAGE_REASON = "embedded image: text in images is not read"
_OBJECT_REASON = "embedded object"
_FOOTNOTE_SKIPPED_TYPES = frozenset({"separator", "continuationSeparator", "continuationNotice"})


class _PartUnreadable(Exception):
    """A part of the package that is missing, too large or not well-formed XML."""


def _split(tag: str) -> tuple[str, str]:
    """An element's or attribute's (namespace, local name)."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _is_w(element: ET.Element, local: str) -> bool:
    namespace, name = _split(element.tag)
    return name == local and namespace in _W


def _w_attribute(element: ET.Element, local: str) -> str | None:
    """The value of a WordprocessingML attribute (``w:author``), in either namespace."""
    for key, value in element.attrib.items():
        namespace, name = _split(key)
        if name == local and namespace in _W:
            return value
    return None


def _attribute(element: ET.Element, local: str, namespaces: Iterable[str] = ("",)) -> str | None:
    for key, value in element.attrib.items():
        namespace, name = _split(key)
        if name == local and namespace in namespaces:
            return value
    return None


@attrs.frozen
class _Relationship:
    id: str
    kind: str  # the relationship type's last path segment: "header", "image", ...
    target: str  # a part name in the package, or the external address
    external: bool


class _Package:
    """The zip's parts, parsed on demand."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self._archive = archive
        self.names = [info.filename for info in archive.infolist() if not info.is_dir()]
        self._sizes = {info.filename: info.file_size for info in archive.infolist()}

    def has(self, name: str) -> bool:
        return name in self._sizes

    def xml(self, name: str) -> ET.Element:
        """The part's root element; `_PartUnreadable` if it cannot be read."""
        size = self._sizes.get(name)
        if size is None or size > _MAX_PART_BYTES:
            raise _PartUnreadable
        try:
            raw = self._archive.read(name)
        except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError):
            raise _PartUnreadable from None
        if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
            raise _PartUnreadable
        try:
            # No DTD (refused above); expat itself guards against entity expansion.
            return ET.fromstring(raw)
        except ET.ParseError:
            raise _PartUnreadable from None

    def relationships(self, part: str) -> list[_Relationship]:
        """The relationships of ``part`` ("" for the package), in the order stored."""
        directory, base = posixpath.split(part)
        rels_name = posixpath.join(directory, "_rels", f"{base}.rels")
        if not self.has(rels_name):
            return []
        try:
            root = self.xml(rels_name)
        except _PartUnreadable:
            return []
        found: list[_Relationship] = []
        for element in root.iter():
            if _split(element.tag)[1] != "Relationship":
                continue
            kind = element.get("Type", "").rstrip("/").rsplit("/", 1)[-1]
            target = element.get("Target", "")
            external = element.get("TargetMode", "") == "External"
            if not external:
                if target.startswith("/"):
                    target = target.lstrip("/")
                else:
                    target = posixpath.normpath(posixpath.join(directory, target))
            found.append(_Relationship(element.get("Id", ""), kind, target, external))
        return found


def _relationship_ids(package: _Package, part: str) -> dict[str, _Relationship]:
    """The relationships of ``part`` by id."""
    return {relationship.id: relationship for relationship in package.relationships(part)}


# -- text --------------------------------------------------------------------------------------


def _paragraphs(container: ET.Element) -> list[str]:
    """The paragraphs in ``container`` as they read now, text boxes after their anchor."""
    out: list[str] = []
    _collect_blocks(container, out)
    return out


def _collect_blocks(element: ET.Element, out: list[str]) -> None:
    for child in element:
        namespace, local = _split(child.tag)
        if namespace in _W and local == "p":
            nested: list[str] = []
            out.append(_inline_text(child, nested))
            out.extend(nested)
        elif namespace in _W and local in ("del", "moveFrom"):
            continue
        elif namespace == _MC and local == "AlternateContent":
            for branch in _alternatives(child, _collect_blocks_into):
                out.extend(branch)
        else:
            _collect_blocks(child, out)


def _collect_blocks_into(element: ET.Element) -> list[str]:
    out: list[str] = []
    _collect_blocks(element, out)
    return out


def _alternatives(
    element: ET.Element, read: Callable[[ET.Element], list[str]]
) -> Iterator[list[str]]:
    """Each branch of ``mc:AlternateContent`` once: a fallback only if it reads differently."""
    seen: list[list[str]] = []
    for branch in element:
        if _split(branch.tag)[1] not in ("Choice", "Fallback"):
            continue
        result = read(branch)
        if result not in seen:
            seen.append(result)
            yield result


def _inline_text(element: ET.Element, nested: list[str]) -> str:
    """The text of a paragraph's runs; paragraphs of text boxes in it go to ``nested``."""
    pieces: list[str] = []
    for child in element:
        namespace, local = _split(child.tag)
        if namespace in _W:
            if local == "t":
                pieces.append(child.text or "")
                continue
            if local == "tab" or local == "ptab":
                pieces.append("\t")
                continue
            if local in ("br", "cr"):
                pieces.append("\n")
                continue
            if local == "noBreakHyphen":
                pieces.append("-")
                continue
            if local in ("del", "moveFrom", "delText", "delInstrText", "instrText"):
                continue
            if local == "txbxContent":
                nested.extend(_paragraphs(child))
                continue
            if local == "p":
                inner: list[str] = []
                nested.append(_inline_text(child, inner))
                nested.extend(inner)
                continue
        elif namespace in _DRAWING and local == "t":
            pieces.append(child.text or "")
            continue
        elif namespace == _MC and local == "AlternateContent":
            for branch in _alternatives(child, _inline_branch):
                pieces.append(branch[0])
                nested.extend(branch[1:])
            continue
        pieces.append(_inline_text(child, nested))
    return "".join(pieces)


def _inline_branch(element: ET.Element) -> list[str]:
    nested: list[str] = []
    text = _inline_text(element, nested)
    return [text, *nested]


def _join(paragraphs: Iterable[str]) -> str:
    return "\n".join(paragraphs)


def _has_text(text: str) -> bool:
    return bool(text.strip())


def _field_codes(root: ET.Element) -> list[str]:
    """Field instructions (``HYPERLINK "mailto:..."``), which a reader can reveal."""
    return [
        text
        for element in root.iter()
        if _is_w(element, "instrText") and _has_text(text := element.text or "")
    ]


# -- the reader ----------------------------------------------------------------------------------


@attrs.define
class _Reading:
    """What the reader has found so far, by kind, to be put in reading order at the end."""

    body: list[Segment] = attrs.Factory(list)
    headers: list[Segment] = attrs.Factory(list)
    notes: list[Segment] = attrs.Factory(list)
    comments: list[Segment] = attrs.Factory(list)
    changes: list[Segment] = attrs.Factory(list)
    alt_text: list[Segment] = attrs.Factory(list)
    properties: list[Segment] = attrs.Factory(list)
    authors: list[Segment] = attrs.Factory(list)
    unreadable: list[Unreadable] = attrs.Factory(list)
    deletions: int = 0
    moves: int = 0
    drawings: int = 0
    #: Media part name -> the part that first refers to it.
    media_parts: dict[str, Part] = attrs.Factory(dict)

    def author(self, label: str, value: str | None) -> None:
        if value is None or not _has_text(value):
            return
        segment = Segment(Part.PROPERTY, value, label=label)
        if segment not in self.authors:
            self.authors.append(segment)

    def segments(self) -> tuple[Segment, ...]:
        return (
            *self.body,
            *self.headers,
            *self.notes,
            *self.comments,
            *self.changes,
            *self.alt_text,
            *self.properties,
            *self.authors,
        )


def _read_story(
    package: _Package, reading: _Reading, name: str, root: ET.Element, part: Part
) -> None:
    """What every story part has besides its text: changes, alt text, links, authors, media."""
    for element in root.iter():
        namespace, local = _split(element.tag)
        if namespace in _W and local == "del":
            text = "".join(
                child.text or ""
                for child in element.iter()
                if _is_w(child, "delText") or _is_w(child, "delInstrText")
            )
            if _has_text(text):
                reading.deletions += 1
                reading.changes.append(
                    Segment(Part.TRACKED_CHANGE, text, label=f"deletion {reading.deletions}")
                )
        elif namespace in _W and local == "moveFrom":
            nested: list[str] = []
            text = _join([_inline_text(element, nested), *nested])
            if _has_text(text):
                reading.moves += 1
                reading.changes.append(
                    Segment(Part.TRACKED_CHANGE, text, label=f"moved-from {reading.moves}")
                )
        if namespace in _W and local != "comment":
            reading.author("revision author", _w_attribute(element, "author"))

    by_id = _relationship_ids(package, name)
    _read_alt_text(reading, root, by_id)
    for relationship in by_id.values():
        if relationship.external and relationship.kind == "hyperlink":
            reading.body.append(Segment(Part.BODY, relationship.target, label="hyperlink"))
        elif not relationship.external and relationship.kind == "image":
            reading.media_parts.setdefault(relationship.target, part)
    for code in _field_codes(root):
        reading.body.append(Segment(Part.BODY, code, label="field code"))


def _read_alt_text(reading: _Reading, root: ET.Element, by_id: dict[str, _Relationship]) -> None:
    for element in root.iter():
        namespace, local = _split(element.tag)
        if local in ("inline", "anchor") and "wordprocessingDrawing" in namespace:
            label = _drawing_label(reading, element, by_id, "blip", "embed")
            texts: list[str] = []
            for child in element.iter():
                if _split(child.tag)[1] in ("docPr", "cNvPr"):
                    for attribute in ("descr", "title"):
                        value = child.get(attribute)
                        if value is not None and _has_text(value) and value not in texts:
                            texts.append(value)
            reading.alt_text.extend(Segment(Part.ALT_TEXT, text, label=label) for text in texts)
        elif namespace == _VML and local in ("shape", "rect", "oval", "roundrect", "image"):
            label = _drawing_label(reading, element, by_id, "imagedata", "id")
            texts = []
            for value in (element.get("alt"), element.get("title")):
                if value is not None and _has_text(value) and value not in texts:
                    texts.append(value)
            for child in element.iter():
                if _split(child.tag) == (_VML, "imagedata"):
                    value = _attribute(child, "title", (_OFFICE,))
                    if value is not None and _has_text(value) and value not in texts:
                        texts.append(value)
            reading.alt_text.extend(Segment(Part.ALT_TEXT, text, label=label) for text in texts)


def _drawing_label(
    reading: _Reading,
    element: ET.Element,
    by_id: dict[str, _Relationship],
    reference: str,
    attribute: str,
) -> str:
    """The name of the image a drawing shows, else ``"drawing n"``."""
    for child in element.iter():
        if _split(child.tag)[1] == reference:
            relationship = by_id.get(_attribute(child, attribute, _REL) or "")
            if relationship is not None and not relationship.external:
                return posixpath.basename(relationship.target)
    reading.drawings += 1
    return f"drawing {reading.drawings}"


def _read_notes(
    package: _Package, reading: _Reading, name: str, root: ET.Element, kind: str
) -> None:
    for note in root:
        if not (_is_w(note, "footnote") or _is_w(note, "endnote")):
            continue
        if (_w_attribute(note, "type") or "normal") in _FOOTNOTE_SKIPPED_TYPES:
            continue
        text = _join(_paragraphs(note))
        if _has_text(text):
            label = f"{kind} {_w_attribute(note, 'id') or ''}".strip()
            reading.notes.append(Segment(Part.FOOTNOTE, text, label=label))
    _read_story(package, reading, name, root, Part.FOOTNOTE)


def _read_comments(package: _Package, reading: _Reading, name: str, root: ET.Element) -> None:
    for index, comment in enumerate(element for element in root if _is_w(element, "comment")):
        text = _join(_paragraphs(comment))
        if _has_text(text):
            label = f"comment {_w_attribute(comment, 'id') or index}"
            reading.comments.append(Segment(Part.COMMENT, text, label=label))
        reading.author("comment author", _w_attribute(comment, "author"))
        reading.author("comment author", _w_attribute(comment, "initials"))
    _read_story(package, reading, name, root, Part.COMMENT)


def _read_people(reading: _Reading, root: ET.Element) -> None:
    for element in root.iter():
        if _split(element.tag)[1] == "person":
            reading.author("comment author", _attribute(element, "author", (_W15,)))
        elif _split(element.tag)[1] == "presenceInfo":
            reading.author("comment author", _attribute(element, "userId", (_W15,)))


def _read_core(reading: _Reading, root: ET.Element) -> None:
    for element in root:
        namespace, local = _split(element.tag)
        if local in _CORE_SKIPPED:
            continue
        text = "".join(element.itertext()).strip()
        if text:
            prefix = _CORE_PREFIXES.get(namespace)
            label = f"{prefix}:{local}" if prefix else local
            reading.properties.append(Segment(Part.PROPERTY, text, label=label))


def _read_app(reading: _Reading, root: ET.Element) -> None:
    for element in root:
        local = _split(element.tag)[1]
        if local not in _APP_READ:
            continue
        values = (
            [text.strip() for text in element.itertext() if text.strip()]
            if local == "TitlesOfParts"
            else ["".join(element.itertext()).strip()]
        )
        reading.properties.extend(
            Segment(Part.PROPERTY, value, label=local) for value in values if value
        )


def _read_custom(reading: _Reading, root: ET.Element) -> None:
    for element in root:
        if _split(element.tag)[1] != "property":
            continue
        name = element.get("name", "")
        if _has_text(name):
            reading.properties.append(Segment(Part.PROPERTY, name, label="custom property name"))
        value = "".join(element.itertext()).strip()
        if value:
            reading.properties.append(Segment(Part.PROPERTY, value, label="custom property"))


def _read_settings(reading: _Reading, root: ET.Element) -> None:
    for element in root.iter():
        if _is_w(element, "docVar"):
            value = _w_attribute(element, "val")
            if value is not None and _has_text(value):
                reading.properties.append(Segment(Part.PROPERTY, value, label="document variable"))


def _all_text(root: ET.Element) -> str:
    return _join(text.strip() for text in root.itertext() if text.strip())


def _main_document(package: _Package) -> str:
    for relationship in package.relationships(""):
        if relationship.kind == "officeDocument" and not relationship.external:
            return relationship.target
    return "word/document.xml"


def _read_package(package: _Package) -> _Reading:
    reading = _Reading()
    main = _main_document(package)
    try:
        document = package.xml(main)
    except _PartUnreadable:
        raise InvalidInputError(_NOT_A_DOCX, field="document") from None
    if _split(document.tag)[1] != "document":
        raise InvalidInputError(_NOT_A_DOCX, field="document")

    reading.body.append(Segment(Part.BODY, _join(_paragraphs(document))))
    _read_story(package, reading, main, document, Part.BODY)

    def part_of(name: str, part: Part) -> ET.Element | None:
        try:
            return package.xml(name)
        except _PartUnreadable:
            reading.unreadable.append(
                Unreadable(part, "part could not be read", label=posixpath.basename(name))
            )
            return None

    read_parts = {main}
    for relationship in package.relationships(main):
        target = relationship.target
        if relationship.external or target in read_parts:
            continue
        kind = relationship.kind
        if kind in ("header", "footer"):
            part = Part.HEADER if kind == "header" else Part.FOOTER
            root = part_of(target, part)
            if root is not None:
                text = _join(_paragraphs(root))
                if _has_text(text):
                    reading.headers.append(Segment(part, text, label=posixpath.basename(target)))
                _read_story(package, reading, target, root, part)
        elif kind in ("footnotes", "endnotes"):
            root = part_of(target, Part.FOOTNOTE)
            if root is not None:
                _read_notes(package, reading, target, root, kind[:-1])
        elif kind == "comments":
            root = part_of(target, Part.COMMENT)
            if root is not None:
                _read_comments(package, reading, target, root)
        elif kind == "people":
            root = part_of(target, Part.PROPERTY)
            if root is not None:
                _read_people(reading, root)
        elif kind == "settings":
            root = part_of(target, Part.PROPERTY)
            if root is not None:
                _read_settings(reading, root)
        elif kind == "glossaryDocument":
            root = part_of(target, Part.BODY)
            if root is not None:
                text = _join(_paragraphs(root))
                if _has_text(text):
                    reading.body.append(Segment(Part.BODY, text, label="glossary"))
                _read_story(package, reading, target, root, Part.BODY)
        elif kind in ("chart", "diagramData"):
            root = part_of(target, Part.BODY)
            if root is not None:
                text = _all_text(root)
                if _has_text(text):
                    reading.body.append(Segment(Part.BODY, text, label=posixpath.basename(target)))
        else:
            continue
        read_parts.add(target)

    _read_package_properties(package, reading)
    _find_unreadable(package, reading)
    return reading


def _read_package_properties(package: _Package, reading: _Reading) -> None:
    readers: dict[str, Callable[[_Reading, ET.Element], None]] = {
        "core-properties": _read_core,
        "extended-properties": _read_app,
        "custom-properties": _read_custom,
    }
    for relationship in package.relationships(""):
        read = readers.get(relationship.kind)
        if read is None or relationship.external or not package.has(relationship.target):
            continue
        try:
            root = package.xml(relationship.target)
        except _PartUnreadable:
            reading.unreadable.append(
                Unreadable(
                    Part.PROPERTY,
                    "part could not be read",
                    label=posixpath.basename(relationship.target),
                )
            )
            continue
        read(reading, root)
    for name in package.names:
        if re.fullmatch(r"customXml/item\d*\.xml", name):
            try:
                text = _all_text(package.xml(name))
            except _PartUnreadable:
                continue
            if _has_text(text):
                reading.properties.append(Segment(Part.PROPERTY, text, label=name))


def _find_unreadable(package: _Package, reading: _Reading) -> None:
    images: dict[str, Part] = {}
    objects: set[str] = set()
    thumbnails: set[str] = set()
    for name in package.names:
        if name.endswith(".rels"):
            continue
        directory = posixpath.dirname(name)
        if directory.endswith("/media") or directory == "media":
            images.setdefault(name, reading.media_parts.get(name, Part.BODY))
        elif directory.endswith("/embeddings") or directory == "embeddings":
            objects.add(name)
    for relationship in package.relationships(""):
        if relationship.kind == "thumbnail" and package.has(relationship.target):
            thumbnails.add(relationship.target)
    for name, part in reading.media_parts.items():
        if package.has(name):
            images.setdefault(name, part)
    for name in sorted(images):
        reading.unreadable.append(
            Unreadable(images[name], _IMAGE_REASON, label=posixpath.basename(name))
        )
    for name in sorted(objects):
        reading.unreadable.append(
            Unreadable(Part.BODY, _OBJECT_REASON, label=posixpath.basename(name))
        )
    for name in sorted(thumbnails):
        reading.unreadable.append(
            Unreadable(
                Part.PROPERTY,
                "document thumbnail: text in images is not read",
                label=posixpath.basename(name),
            )
        )


def read_docx(path: str | os.PathLike[str]) -> ReadDocument:
    """
    Read a ``.docx`` file: every part's text, and what could not be read.

    The body comes first (as it reads now: tracked insertions in, deletions out), then
    headers and footers, footnotes and endnotes, comments, tracked deletions and moved
    text, images' alt text, and properties (core, extended, custom, comment and revision
    authors). Embedded images, embedded objects and the thumbnail are `Unreadable`.

    Added in version 0.1.0.

    Args:
        path: The file.

    Returns:
        The segments in reading order, the unreadable parts, and the SHA-256 of the
        file's bytes.

    Raises:
        InvalidInputError: The file does not exist, cannot be read, or is not a
            ``.docx`` (``field="document"``).

    """
    try:
        with open(path, "rb") as file:
            data = file.read()
    except (OSError, TypeError, ValueError):
        raise InvalidInputError(_NOT_A_DOCX, field="document") from None
    digest = hashlib.sha256(data).hexdigest()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise InvalidInputError(_NOT_A_DOCX, field="document") from None
    with archive:
        reading = _read_package(_Package(archive))
    return ReadDocument(
        segments=reading.segments(),
        unreadable=tuple(reading.unreadable),
        digest=digest,
    )
