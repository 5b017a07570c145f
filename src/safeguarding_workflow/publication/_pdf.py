"""
Read a PDF for the leak check, with pypdf: every page's text layer and what surrounds it.

`read_pdf` reads:

- each page's text layer (``page.extract_text()``), one body segment per page;
- annotations: their contents (text notes, free text, pop-ups, ...) as comments, their
  authors as properties, and link addresses as body text;
- form fields' values;
- the document information dictionary (title, author, subject, keywords, creator,
  producer and any custom entry) and the XMP metadata (``dc:title``, ``dc:creator``,
  ``dc:description``, ``dc:subject``, ``pdf:Keywords``, ...);
- outline (bookmark) titles, and the names of attached files.

What it cannot read, it names as `Unreadable`: a page with no text layer (scanned?),
each image on a page that has text too, each attached file, and a page whose text could
not be extracted. An encrypted PDF that does not open with an empty password is refused.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from collections.abc import Iterator
from typing import Any

from safeguarding_workflow.exceptions import ConfigurationError, InvalidInputError

from ._document import Part, ReadDocument, Segment, Unreadable

__all__ = ["read_pdf"]

_NOT_A_PDF = "'document' is not a readable PDF file"
_ENCRYPTED = "'document' is an encrypted PDF that does not open without a password"
_MISSING_EXTRA = "reading PDF needs the 'pdf' extra: pip install 'safeguarding-workflow[pdf]'"

#: Information dictionary entries that hold dates or flags, never text.
_INFO_SKIPPED = frozenset({"/CreationDate", "/ModDate", "/Trapped"})
#: XMP fields read, by pypdf attribute and label.
_XMP_FIELDS = (
    ("dc_title", "dc:title"),
    ("dc_creator", "dc:creator"),
    ("dc_description", "dc:description"),
    ("dc_subject", "dc:subject"),
    ("dc_contributor", "dc:contributor"),
    ("dc_publisher", "dc:publisher"),
    ("dc_rights", "dc:rights"),
    ("dc_source", "dc:source"),
    ("pdf_keywords", "pdf:Keywords"),
    ("pdf_producer", "pdf:Producer"),
    ("xmp_creator_tool", "xmp:CreatorTool"),
)
#: How deep form XObjects are followed when looking for images.
_MAX_FORM_DEPTH = 8


def _texts(value: object) -> Iterator[str]:
    """The non-empty strings in an XMP value: a string, a list, or a language map."""
    if value is None:
        return
    if isinstance(value, str):
        if value.strip():
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def _images(resources: Any, depth: int = 0) -> Iterator[str]:
    """The names of image XObjects in a resource dictionary, and in its form XObjects'."""
    if resources is None or depth > _MAX_FORM_DEPTH:
        return
    resources = resources.get_object()
    xobjects = resources.get("/XObject")
    if xobjects is None:
        return
    xobjects = xobjects.get_object()
    for name in xobjects:
        xobject = xobjects[name].get_object()
        subtype = xobject.get("/Subtype")
        if subtype == "/Image":
            yield str(name).lstrip("/")
        elif subtype == "/Form":
            yield from _images(xobject.get("/Resources"), depth + 1)


def _outline_titles(outline: Any) -> Iterator[str]:
    for item in outline:
        if isinstance(item, list):
            yield from _outline_titles(item)
        else:
            title = getattr(item, "title", None)
            if isinstance(title, str) and title.strip():
                yield title


def _field_values(value: Any) -> Iterator[str]:
    if value is None:
        return
    if isinstance(value, list | tuple):
        for item in value:
            yield from _field_values(item)
        return
    text = str(value)
    if text.startswith("/"):  # a name: a checkbox's or choice's state
        text = text[1:]
        if text in ("Off", "Yes", "On"):
            return
    if text.strip():
        yield text


def read_pdf(path: str | os.PathLike[str]) -> ReadDocument:
    """
    Read a PDF: each page's text, annotations, form fields and metadata.

    Pages give one body segment each (``page`` from 1). Annotations' contents are
    comments; the information dictionary, XMP metadata, outline titles, annotation
    authors and attachment names are properties; form field values are body text. A page
    with no text layer, each image on a page with text, and each attached file are
    `Unreadable`.

    Added in version 0.1.0.

    Args:
        path: The file.

    Returns:
        The segments in reading order, the unreadable parts, and the SHA-256 of the
        file's bytes.

    Raises:
        InvalidInputError: The file does not exist, is not a PDF, or is encrypted and
            does not open with an empty password (``field="document"``).
        ConfigurationError: pypdf is not installed (the ``pdf`` extra).

    """
    try:
        import pypdf
        from pypdf.errors import PdfReadWarning
    except ImportError:
        raise ConfigurationError(_MISSING_EXTRA, field="document") from None
    try:
        with open(path, "rb") as file:
            data = file.read()
    except (OSError, TypeError, ValueError):
        raise InvalidInputError(_NOT_A_PDF, field="document") from None
    digest = hashlib.sha256(data).hexdigest()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PdfReadWarning)
        try:
            reader = pypdf.PdfReader(io.BytesIO(data))
        except Exception:  # pypdf raises many kinds for a malformed file
            raise InvalidInputError(_NOT_A_PDF, field="document") from None
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:
                raise InvalidInputError(_ENCRYPTED, field="document") from None
            if opened == pypdf.PasswordType.NOT_DECRYPTED:
                raise InvalidInputError(_ENCRYPTED, field="document")
        try:
            segments, unreadable = _read(reader)
        except InvalidInputError:
            raise
        except Exception:
            raise InvalidInputError(_NOT_A_PDF, field="document") from None
    return ReadDocument(segments=tuple(segments), unreadable=tuple(unreadable), digest=digest)


def _read(reader: Any) -> tuple[list[Segment], list[Unreadable]]:
    body: list[Segment] = []
    comments: list[Segment] = []
    properties: list[Segment] = []
    authors: list[Segment] = []
    unreadable: list[Unreadable] = []

    for number, page in enumerate(reader.pages, start=1):
        text: str | None
        try:
            text = page.extract_text() or ""
        except Exception:
            unreadable.append(Unreadable(Part.BODY, "page text could not be extracted", number))
            text = None
        if text is not None:
            if text.strip():
                body.append(Segment(Part.BODY, text, page=number))
                try:
                    images = list(_images(page.get("/Resources")))
                except Exception:
                    images = ["images"]
                unreadable.extend(
                    Unreadable(Part.BODY, "image on page: text in images is not read", number, name)
                    for name in images
                )
            else:
                unreadable.append(
                    Unreadable(Part.BODY, "page has no text layer (scanned?)", number)
                )
        _read_annotations(page, number, body, comments, authors)

    fields = reader.get_fields() or {}
    for field in fields.values():
        for field_value in _field_values(field.get("/V")):
            body.append(Segment(Part.BODY, field_value, label="form field"))

    metadata = reader.metadata or {}
    for key in metadata:
        if str(key) in _INFO_SKIPPED:
            continue
        info_value = metadata.get(key)
        if isinstance(info_value, str) and info_value.strip():
            properties.append(Segment(Part.PROPERTY, str(info_value), label=str(key)))

    xmp = None
    try:
        xmp = reader.xmp_metadata
    except Exception:
        unreadable.append(Unreadable(Part.PROPERTY, "XMP metadata could not be read"))
    if xmp is not None:
        for attribute, label in _XMP_FIELDS:
            try:
                value = getattr(xmp, attribute)
            except Exception:
                unreadable.append(
                    Unreadable(Part.PROPERTY, "XMP metadata could not be read", label=label)
                )
                continue
            properties.extend(Segment(Part.PROPERTY, text, label=label) for text in _texts(value))

    properties.extend(
        Segment(Part.PROPERTY, title, label="outline") for title in _outline_titles(reader.outline)
    )

    for index, name in enumerate(reader.attachments, start=1):
        if str(name).strip():
            properties.append(Segment(Part.PROPERTY, str(name), label="attachment name"))
        unreadable.append(Unreadable(Part.BODY, "attached file", label=f"attachment {index}"))

    return [*body, *comments, *properties, *authors], unreadable


def _read_annotations(
    page: Any,
    number: int,
    body: list[Segment],
    comments: list[Segment],
    authors: list[Segment],
) -> None:
    annotations = page.get("/Annots")
    if annotations is None:
        return
    seen: set[str] = set()
    for reference in annotations.get_object():
        annotation = reference.get_object()
        contents = annotation.get("/Contents")
        if contents is not None:
            text = str(contents)
            if text.strip() and text not in seen:
                seen.add(text)
                comments.append(Segment(Part.COMMENT, text, page=number, label="annotation"))
        for key, label in (("/T", "annotation author"), ("/Subj", "annotation subject")):
            value = annotation.get(key)
            if value is not None and annotation.get("/Subtype") != "/Widget":
                segment = Segment(Part.PROPERTY, str(value), page=number, label=label)
                if str(value).strip() and segment not in authors:
                    authors.append(segment)
        action = annotation.get("/A")
        if action is not None:
            uri = action.get_object().get("/URI")
            if uri is not None and str(uri).strip():
                body.append(Segment(Part.BODY, str(uri), page=number, label="link"))
