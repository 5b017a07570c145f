"""
Canonical JSON (RFC 8785) for history records.

Library records hold only strings, integers within +/-2**53, booleans, null, lists
and objects with ASCII keys. For those, orjson with sorted keys gives exactly the
RFC 8785 bytes (no whitespace, UTF-8 text unescaped, the same short escapes for
control characters), about fifty times faster than the ``rfc8785`` package.
``canonical_json`` checks that a value lies in that set and takes the fast path;
anything else goes through ``rfc8785``. A property test proves the two
byte-identical on every value of the set.
"""

from __future__ import annotations

from typing import Any, Final

import orjson
import rfc8785

from ..exceptions import InvalidInputError

__all__ = ["canonical_json", "canonical_json_trusted"]

_SAFE_INT: Final = 2**53 - 1
# Dates and dataclasses are refused, as the standard json module would, not converted.
_OPTIONS: Final = (
    orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def _encode(value: object) -> bytes:
    return orjson.dumps(value, option=_OPTIONS)


def _fast_ok(value: object) -> bool:
    """Whether *value* lies in the set where ``json`` equals RFC 8785."""
    cls = type(value)
    if cls is str:
        text: str = value  # type: ignore[assignment]
        return text.isascii() or _utf8_ok(text)
    if cls is int:
        return -_SAFE_INT <= value <= _SAFE_INT  # type: ignore[operator]
    if value is None or cls is bool:
        return True
    if cls is dict:
        return all(
            type(k) is str and k.isascii() and _fast_ok(v)
            for k, v in value.items()  # type: ignore[attr-defined]
        )
    if cls is list or cls is tuple:
        return all(_fast_ok(v) for v in value)  # type: ignore[attr-defined]
    return False


def _utf8_ok(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def canonical_json(value: object) -> bytes:
    """
    The RFC 8785 canonical JSON bytes of *value*.

    Added in version 0.1.0.

    Raises:
        InvalidInputError: *value* cannot be canonicalised (a float out of range, an
            integer beyond 2**53, a lone surrogate, a type JSON lacks).

    """
    if _fast_ok(value):
        return _encode(value)
    try:
        return rfc8785.dumps(value)  # type: ignore[arg-type]
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as error:
        raise InvalidInputError(
            f"value cannot be written as canonical JSON ({type(error).__name__})",
            field="record",
        ) from None


def canonical_json_trusted(record: dict[str, Any]) -> bytes:
    """
    The canonical JSON of a record the library built itself, by the fast path directly.

    Sound because every record the library builds lies in the fast path's set: its
    keys are the library's own names and lifecycle names (checked ASCII
    snake_case when a lifecycle is built), its integers are small, and its strings
    are ids, codes, ISO dates and times, and lifecycle names. A property test
    compares it with ``rfc8785`` on generated records and on every record of
    the test suite's stateful runs.
    """
    return _encode(record)
