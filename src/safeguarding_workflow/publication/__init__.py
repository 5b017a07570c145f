"""
Publication: check a report for identifiers before it is published, and redact it.

`check(document, register)` reads a report (text or Markdown, ``.docx``, and PDF with the
``pdf`` extra) and finds what could identify the child or their family:
the case's registered names, dates of birth, postcodes, NHS numbers, schools and
addresses in every common written form, near-misses, and generic patterns. Its
`LeakReport` holds the findings in document order, each with kind, offsets, severity
and part, and is clean only when nothing was found and nothing was left unread. See the
publication how-to.

Added in version 0.1.0.
"""

from ._check import FindingKind, LeakFinding, LeakReport, Severity, check
from ._document import Part, ReadDocument, Segment, Unreadable
from ._redact import DEFAULT_REPLACEMENTS, Redacted, redact
from ._register import Register

__all__ = [
    "DEFAULT_REPLACEMENTS",
    "FindingKind",
    "LeakFinding",
    "LeakReport",
    "Part",
    "ReadDocument",
    "Redacted",
    "Register",
    "Segment",
    "Severity",
    "Unreadable",
    "check",
    "redact",
]
