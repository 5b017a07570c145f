"""Opaque ids, and the check that keeps NHS numbers out of them."""

from __future__ import annotations

import re
from typing import Final

from .exceptions import InvalidInputError

__all__ = ["OPAQUE_ID", "check_opaque_id", "looks_like_nhs_number"]

#: Opaque ids and references: 1-128 of ``A-Z a-z 0-9 _ . : -``, starting with a letter or digit.
OPAQUE_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
_TEN_DIGITS: Final = re.compile(r"(?<!\d)\d{10}(?!\d)")


def looks_like_nhs_number(text: str) -> bool:
    """
    Whether *text* holds a run of exactly ten digits that passes the NHS number check digit.

    The check: weights 10 down to 2 on the first nine digits; 11 minus the sum
    modulo 11 (11 counting as 0, 10 being invalid) must equal the tenth digit.
    """
    for match in _TEN_DIGITS.finditer(text):
        digits = [int(c) for c in match.group()]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=False)) % 11
        if check == 11:
            check = 0
        if check != 10 and check == digits[9]:
            return True
    return False


def check_opaque_id(value: object, field: str) -> str:
    """
    Return *value* if it is an opaque id, else raise naming *field* (never echoing the value).

    An opaque id is 1 to 128 of letters, digits and ``_.:-``, starting with a
    letter or digit. One that holds what looks like an NHS number is refused:
    ids reach history records, events and logs, where no identifier may go.

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
