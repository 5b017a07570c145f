"""
Opaque ids and references, and the check that keeps NHS numbers out of them.

Two forms. Ids (`check_opaque_id`: tenants, cases, actors, roles, relays, consumers)
name what the library keys its storage and permissions by, and keep to letters, digits
and ``_.:-``. References (`check_reference`: a payload's ``ref`` and ``refs``, a
correction's ``reason_ref``, idempotency keys) point into the host's own records and
also take slashes and single spaces, as reference numbers are written
(``SIN 2025/031``). Both refuse an NHS number in any written form.

An NHS number is ten digits, the last a check digit (modulus 11). People write
it in many ways: ``943 476 5919``, ``943-476-5919``, ``943.476.5919``, with
digits of another script (Arabic-Indic, Devanagari, fullwidth), inside other
text (``nhs:943/476/5919-x``). `looks_like_nhs_number` therefore looks at the
digits, not at the way they are written:

1. every digit character of any script (``str.isdigit``, valued by
   ``unicodedata.digit``) becomes its ASCII digit;
2. a letter ends a run of digits; anything else (spaces, hyphens, dots,
   colons, slashes, underscores, any other punctuation or symbol) is a
   separator and is dropped;
3. every window of ten consecutive digits in a run is an NHS number if its
   check digit is right.

Letters end a run so that ordinary ids are not read as numbers: a uuid's hex
(``9f1c2e40a1b2…``) is split by its letters, and a date (``2024-01-05``) has
eight digits. What is left is the false positive that cannot be told apart
from a real number: a run of ten or more digits (counting through separators,
such as ``2024-01-05 10:30:00``) in which some window happens to pass the check,
about one window in eleven. Ids made of letters and digits, like
`DefaultIds`' uuids (which skip the rare uuid that holds such a
run), are not affected.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

from .exceptions import InvalidInputError

__all__ = [
    "OPAQUE_ID",
    "OPAQUE_REF",
    "REF_MAX_LENGTH",
    "check_opaque_id",
    "check_reference",
    "looks_like_nhs_number",
]

#: Opaque ids: 1-128 of ``A-Z a-z 0-9 _ . : -``, starting with a letter or digit. The
#: ids that name things the library keys its storage by (tenants, cases) and the actors
#: and roles of commands.
OPAQUE_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")

#: Opaque references: what an id may hold, plus ``/``, and single spaces before parts that
#: hold a digit (``SIN 2025/031``, ``LCSPR 2024/07``), starting with a letter or digit; at
#: most `REF_MAX_LENGTH` characters (checked apart: a pattern that counted them could not
#: also say where a space may go). References point into the host's own records (a
#: notification's reference, the note of why a step was corrected, an idempotency key).
#: A space only before a part with a digit keeps words out: a name written ``Zebedee
#: Quillfeather`` is no reference, while ``SIN 2025/031`` is.
OPAQUE_REF: Final = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9_.:/-]*(?: [A-Za-z0-9_.:/-]*[0-9][A-Za-z0-9_.:/-]*)*"
)
#: The longest reference, in characters.
REF_MAX_LENGTH: Final = 128

#: Ten ASCII digits with nothing but separators between them: ASCII text without it holds
#: no NHS number, so most ids are answered by this one search.
_ASCII_CANDIDATE: Final = re.compile(r"(?:[0-9][^A-Za-z0-9]*){9}[0-9]")
#: What the normalised text marks a letter with: it ends a run of digits.
_BREAK: Final = " "
#: ASCII normalised in one ``str.translate``: digits kept, letters a break, the rest dropped.
_ASCII_TABLE: Final[dict[int, str | None]] = {
    code: chr(code) if chr(code).isdigit() else _BREAK if chr(code).isalpha() else None
    for code in range(128)
}
#: The weights of the first nine digits of an NHS number.
_WEIGHTS: Final = (10, 9, 8, 7, 6, 5, 4, 3, 2)


@lru_cache(maxsize=4096)
def _normalised_char(char: str) -> str:
    """A character of text that is not ASCII, normalised (see the module docstring)."""
    value = unicodedata.digit(char, None)
    if value is not None:
        return str(value)
    return _BREAK if char.isalpha() else ""


def _digit_runs(text: str) -> list[str]:
    """The runs of digits in *text*, each as ASCII digits with its separators dropped."""
    if text.isascii():
        normal = text.translate(_ASCII_TABLE)
    else:
        normal = "".join([_normalised_char(char) for char in text])
    return [run for run in normal.split(_BREAK) if run]


def _passes_check(digits: str) -> bool:
    """Whether ten ASCII digits end in the right NHS check digit."""
    total = sum(int(d) * w for d, w in zip(digits[:9], _WEIGHTS, strict=True))
    check = (11 - total % 11) % 11  # 11 counts as 0; 10 can be no digit
    return check == int(digits[9])


def looks_like_nhs_number(text: str) -> bool:
    """
    Whether *text* holds an NHS number in any written form (see the module docstring).

    True when some ten consecutive digits, of any script and with any separators
    but no letters between them, pass the NHS check digit: weights 10 down to 2 on
    the first nine digits, and 11 minus their sum modulo 11 (11 counting as 0, 10
    being invalid) must be the tenth.

    Added in version 0.1.0.
    """
    if text.isascii() and _ASCII_CANDIDATE.search(text) is None:
        return False
    for run in _digit_runs(text):
        for start in range(len(run) - 9):
            if _passes_check(run[start : start + 10]):
                return True
    return False


def check_opaque_id(value: object, field: str) -> str:
    """
    Return *value* if it is an opaque id, else raise naming *field* (never echoing the value).

    An opaque id is 1 to 128 of letters, digits and ``_.:-``, starting with a
    letter or digit. One that holds an NHS number in any written form (see
    `looks_like_nhs_number`) is refused: ids reach history records, events and
    logs, where no identifier may go.

    Added in version 0.1.0.
    """
    if type(value) is not str or not OPAQUE_ID.fullmatch(value):
        raise InvalidInputError(
            f"{field!r} must be an opaque id: 1 to 128 of letters, digits and '_.:-'",
            field=field,
        )
    if looks_like_nhs_number(value):
        raise InvalidInputError(
            f"{field!r} looks like it holds an NHS number: use an opaque id instead",
            field=field,
        )
    return value


def check_reference(value: object, field: str) -> str:
    """
    Return *value* if it is an opaque reference, else raise naming *field* (never echoing it).

    A reference is what an opaque id may be, plus slashes and single spaces, as the
    reference numbers of real systems are written (``SIN 2025/031``): 1 to 128 of
    letters, digits, ``_.:/-`` and spaces, starting with a letter or digit, each space
    followed by a part that holds a digit (so never two in a row, none at the end, and
    no run of words such as a person's name). One that
    holds an NHS number in any written form (``943 476 5919``, ``943/476/5919``, digits
    of any script, any separators between digit groups; see `looks_like_nhs_number`)
    is refused, as an id is.

    Added in version 0.1.0.
    """
    if type(value) is not str or len(value) > REF_MAX_LENGTH or not OPAQUE_REF.fullmatch(value):
        raise InvalidInputError(
            f"{field!r} must be an opaque reference: 1 to 128 of letters, digits, '_.:/-' "
            "and single spaces, starting with a letter or digit, each space before a part "
            "with a digit in it",
            field=field,
        )
    if looks_like_nhs_number(value):
        raise InvalidInputError(
            f"{field!r} looks like it holds an NHS number: use an opaque reference instead",
            field=field,
        )
    return value
