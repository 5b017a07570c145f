"""
A document as the leak check reads it: its parts' text, in order, and what it could not read.

Readers (plain text and Markdown in the core; ``.docx`` and PDF as optional extras) turn
a document into `Segment` values: one piece of text each, from one part of the document
(its body, a header, a footnote, a comment, a tracked change, a property, an image's alt
text), with the page it is on where the format has pages. What a reader finds but cannot
read (a scanned page, text in an image, an embedded object) is an `Unreadable`: the
check's result then is never clean.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

__all__ = ["Part", "ReadDocument", "Segment", "Unreadable"]


class Part(enum.StrEnum):
    """
    Where in a document a piece of text, or a finding, is.

    Added in version 0.1.0.
    """

    #: The main text.
    BODY = "body"
    #: A page header.
    HEADER = "header"
    #: A page footer.
    FOOTER = "footer"
    #: A footnote or an endnote.
    FOOTNOTE = "footnote"
    #: A reviewer's comment.
    COMMENT = "comment"
    #: Text inserted or deleted under tracked changes (deleted text included).
    TRACKED_CHANGE = "tracked_change"
    #: A document property or metadata field (title, author, subject, keywords, ...).
    PROPERTY = "property"
    #: An image's alternative text or description.
    ALT_TEXT = "alt_text"


@attrs.frozen
class Segment:
    """
    One piece of a document's text, from one part.

    Added in version 0.1.0.

    Attributes:
        part: Where it is.
        text: The text, as a reader would see or could recover it.
        page: The page it is on (from 1), where the format has pages; else None.
        label: What it is within the part, with no text of its own (``"dc:title"``,
            ``"comment 3"``, ``"header1.xml"``); "" when there is nothing to add.

    """

    part: Part = attrs.field(converter=Part)
    text: str = attrs.field(repr=lambda _: "<text>")
    page: int | None = None
    label: str = ""


@attrs.frozen
class Unreadable:
    """
    Something in a document the check could not read: the result is then not clean.

    Added in version 0.1.0.

    Attributes:
        part: Where it is.
        reason: Why, in words that hold none of the document's text (``"page has no
            text layer (scanned?)"``, ``"embedded image"``).
        page: The page, where the format has pages.
        label: What it is within the part (``"image3.png"``).

    """

    part: Part = attrs.field(converter=Part)
    reason: str
    page: int | None = None
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        """
        The JSON form: ``part``, ``reason``, ``page``, ``label``.

        Added in version 0.1.0.
        """
        return {
            "part": str(self.part),
            "reason": self.reason,
            "page": self.page,
            "label": self.label,
        }


@attrs.frozen
class ReadDocument:
    """
    What a reader gives the check: the segments in reading order, and the unreadable parts.

    Added in version 0.1.0.

    Attributes:
        segments: The text, part by part, in the order a reader meets it (the body
            first, then headers and footers, footnotes, comments, tracked changes,
            alt text, properties).
        unreadable: What could not be read.
        digest: SHA-256 (hex) of the document's bytes as stored: the exact version
            checked.

    """

    segments: tuple[Segment, ...]
    unreadable: tuple[Unreadable, ...]
    digest: str
