"""
Redaction: an anonymised copy of a text or Markdown report, checked again.

Each person found gets the pseudonym the partners chose for them ("Child R", "Mother",
"Sibling 1"), the same one everywhere; everything else found is removed or generalised
("a school in the area"). The copy is checked again against the same register, and the
second report is part of the result: whatever is left (a near-miss the first pass
counted as someone else, a pseudonym that is itself a name) shows there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from ..exceptions import InvalidInputError
from ._check import FindingKind, LeakReport, _index, check
from ._register import Register

__all__ = ["DEFAULT_REPLACEMENTS", "Redacted", "redact"]

DEFAULT_REPLACEMENTS: Final[Mapping[str, str]] = {
    "name": "[name removed]",
    "date_of_birth": "[date of birth removed]",
    "postcode": "[postcode removed]",
    "nhs_number": "[NHS number removed]",
    "school": "a school in the area",
    "address": "an address in the area",
    "other": "[detail removed]",
}
"""What a finding of each kind becomes when no pseudonym applies (`redact`'s ``generalise``)."""


@attrs.frozen(repr=False)
class Redacted:
    """
    A redacted copy of a report: its text, what was replaced, and its own leak check.

    Added in version 0.1.0.

    Attributes:
        text: The anonymised text.
        replaced: How many findings of each kind were replaced.
        report: The leak check of *text* against the same register: clean when the
            redaction left nothing behind.
        source_digest: The digest of the text redacted (``LeakReport.digest``).

    """

    text: str
    replaced: Mapping[str, int]
    report: LeakReport
    source_digest: str

    def __repr__(self) -> str:
        return (
            f"Redacted(replaced={dict(self.replaced)!r}, clean={self.report.clean}, "
            f"text=<{len(self.text)} characters>)"
        )

    __str__ = __repr__


def _replacements(value: object) -> dict[str, str]:
    if value is None:
        return dict(DEFAULT_REPLACEMENTS)
    if not isinstance(value, Mapping):
        raise InvalidInputError("'generalise' must map finding kinds to text", field="generalise")
    merged = dict(DEFAULT_REPLACEMENTS)
    for kind, text in value.items():
        if kind not in DEFAULT_REPLACEMENTS:
            raise InvalidInputError("'generalise' keys must be finding kinds", field="generalise")
        if type(text) is not str:
            raise InvalidInputError("'generalise' values must be strings", field="generalise")
        merged[str(kind)] = text
    return merged


def redact(
    document: str,
    register: Any,
    *,
    pseudonyms: Mapping[str, str] | None = None,
    generalise: Mapping[str, str] | None = None,
) -> Redacted:
    """
    An anonymised copy of a text or Markdown report, with consistent pseudonyms.

    *pseudonyms* maps each person to the pseudonym the partners chose: by person id for
    a case's identifier register, by the person's first (main) name for a
    `publication.Register`. A name found for a person without a pseudonym, or one
    shared by several (a family's surname on its own), becomes ``"[name removed]"``;
    every other finding becomes its kind's entry of *generalise*, or of
    `DEFAULT_REPLACEMENTS` ("a school in the area"). A possessive stays ("Child R's").
    The copy is checked again, and the result says whether it is clean.

    ``.docx`` and PDF documents are not redacted here: check them, and redact in the
    tools that wrote them.

    Example:
        ```python
        from safeguarding_workflow import publication

        register = publication.Register(
            names=[["Zebedee Quillfeather", "Zeb"]], schools=["Puddleby Primary School"]
        )
        redacted = publication.redact(
            "Zeb's teacher at Puddleby Primary School said Zebedee Quillfeather was tired.",
            register,
            pseudonyms={"Zebedee Quillfeather": "Child R"},
        )
        assert redacted.text == "Child R's teacher at a school in the area said Child R was tired."
        assert redacted.report.clean
        ```

    Added in version 0.1.0.

    Raises:
        InvalidInputError: *document* is not text; a pseudonym names no person of the
            register or is not a non-empty string; *generalise* names an unknown kind.

    """
    if not isinstance(document, str):
        raise InvalidInputError(
            "'document' must be text or Markdown: redact .docx and PDF in their own tools",
            field="document",
        )
    if not isinstance(register, Register):
        register = Register.of(register)
    names = pseudonyms or {}
    if not isinstance(names, Mapping):
        raise InvalidInputError("'pseudonyms' must map people to pseudonyms", field="pseudonyms")
    keys = register.keys
    by_person: dict[int, str] = {}
    for key, pseudonym in names.items():
        if key not in keys:
            raise InvalidInputError(
                "'pseudonyms' names someone who is not in the register", field="pseudonyms"
            )
        if type(pseudonym) is not str or not pseudonym.strip():
            raise InvalidInputError(
                "'pseudonyms' values must be non-empty strings", field="pseudonyms"
            )
        by_person[keys.index(key)] = pseudonym.strip()
    replacements = _replacements(generalise)
    _index(register)  # built once for both checks
    report = check(document, register)
    pieces: list[str] = []
    position = 0
    replaced: dict[str, int] = {}
    for finding in report.findings:
        if finding.start < position:
            continue
        if finding.kind is FindingKind.NAME and finding.person in by_person:
            text = by_person[finding.person]
        else:
            text = replacements[str(finding.kind)]
        pieces += [document[position : finding.start], text]
        position = finding.end
        replaced[str(finding.kind)] = replaced.get(str(finding.kind), 0) + 1
    pieces.append(document[position:])
    anonymised = "".join(pieces)
    pseudonymous = Register(
        names=register.names,
        dates_of_birth=register.dates_of_birth,
        postcodes=register.postcodes,
        nhs_numbers=register.nhs_numbers,
        schools=register.schools,
        addresses=register.addresses,
        facts=register.facts,
        pseudonyms=(*register.pseudonyms, *by_person.values()),
        keys=register.keys,
    )
    return Redacted(anonymised, replaced, check(anonymised, pseudonymous), report.digest)
