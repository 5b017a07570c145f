"""
Masking identifiers in log events: a structlog processor and a `logging` filter for hosts.

The library logs opaque ids, codes and counts only, and never configures logging. A host's
own code, though, may log what it holds (a name in an error message, a postcode in a
field), and exception text can quote anything. This module masks two things in what the
host logs, replacing each occurrence with the fixed `MASK` (never a hash, which could be
brute-forced from a small set such as dates of birth):

1. **The identifiers of the case in hand**, bound for the duration of a block with
   `masking` (a context variable, so each thread and asyncio task has its own; there is
   never a global list of everyone's identifiers). They are matched regardless of case,
   accents and apostrophes (both sides casefolded, decomposed with NFKD and stripped of
   combining marks), through any punctuation between their words, and inside longer
   strings; a value of fewer than four letters or digits only as a whole word. A date of
   birth bound as ``2015-03-14`` is also found as ``14/03/2015``, ``14.3.2015`` and
   ``14 March 2015``.
2. **Globally, only high-precision patterns**: NHS numbers by their check digit in any
   written form (the rule of `looks_like_nhs_number`, so an id the library accepts is
   never masked), and full UK postcodes (position-aware, any case).

Each bound set is compiled once, when its block is entered; an event with nothing bound
and no digit in it costs a few microseconds.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import decimal
import fractions
import itertools
import logging
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from functools import lru_cache
from typing import Any, Final, Protocol

import structlog

from .._identifiers import _normalised_char, _passes_check, looks_like_nhs_number
from ..exceptions import InvalidInputError

__all__ = ["MASK", "MaskingFilter", "mask", "mask_identifiers", "masking"]

MASK: Final = "[redacted]"
"""
What every masked occurrence becomes.

It holds letters, so masking an NHS number leaves no digits to join with its
neighbours, and no digits, so it is never masked itself.
"""

#: Values shorter than this (in letters and digits) are matched as whole words only: a
#: nickname ``Jo`` is masked in ``Jo's`` but not in ``job``.
_SHORT: Final = 4
#: Apostrophes a name may be written with or without (``O'Brien``, ``OBrien``, or
#: typographic ones). Folding drops them, in values and in text alike (but see `_Bound`).
_APOSTROPHES: Final = frozenset("'\u2018\u2019\u02bc`")
#: After the first character of a whole-word fragment: no letter or digit before it.
_BEFORE: Final = r"(?<![^\W_].)"
#: Between the words of a value: any punctuation or space, or none (``Mary-Jane``,
#: ``Mary Jane``, ``MaryJane``; ``SW1A 1AA``, ``SW1A1AA``).
_GAP: Final = r"[\W_]*"
#: Between the digits of a number: one separator at most (``943 476 5919``).
_DIGIT_GAP: Final = r"[\W_]?"
_WORD: Final = re.compile(r"[^\W_]+")
_ISO_DATE: Final = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
#: The months as dates are written: full, or abbreviated (``sep``, ``sept``).
_MONTHS: Final = (
    "jan(?:uary)?",
    "feb(?:ruary)?",
    "mar(?:ch)?",
    "apr(?:il)?",
    "may",
    "june?",
    "july?",
    "aug(?:ust)?",
    "sep(?:t|tember)?",
    "oct(?:ober)?",
    "nov(?:ember)?",
    "dec(?:ember)?",
)

#: A full UK postcode, position by position (outward code A9, A99, AA9, AA99, A9A or
#: AA9A with the letters each position allows; inward code 9AA without C, I, K, M, O, V),
#: in any case, with or without the space, not inside a longer word.
_POSTCODE: Final = re.compile(
    r"""
    (?<![A-Za-z0-9])
    (?:
        GIR[ \t\u00a0]{0,2}0AA
      | (?:
            [A-PR-UWYZ][0-9][0-9]?
          | [A-PR-UWYZ][A-HK-Y][0-9][0-9]?
          | [A-PR-UWYZ][0-9][A-HJKPSTUW]
          | [A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]
        )
        [ \t\u00a0]{0,2}
        [0-9][ABD-HJLNP-UW-Z]{2}
    )
    (?![A-Za-z0-9])
    """,
    re.VERBOSE | re.IGNORECASE | re.ASCII,
)
_ASCII_DIGIT: Final = re.compile(r"[0-9]")

#: Values that hold no text a renderer could print an identifier from.
_PLAIN: Final = (
    bool,
    float,
    complex,
    type(None),
    datetime.date,
    datetime.time,
    datetime.timedelta,
    decimal.Decimal,
    fractions.Fraction,
    uuid.UUID,
)
#: How deep nested containers are walked; deeper ones are masked through their repr.
_MAX_DEPTH: Final = 32
#: structlog's own bookkeeping keys (`structlog.stdlib.ProcessorFormatter`), left alone.
_META: Final = frozenset({"_record", "_from_structlog"})
#: The attributes every `logging.LogRecord` has; any other one came in through ``extra``.
_RECORD_FIELDS: Final = frozenset(
    {*vars(logging.LogRecord("", 0, "", 0, "", (), None)), "message", "asctime", "taskName"}
)


class _HasValues(Protocol):
    """Anything with a ``values()`` method giving strings, such as a `Register`."""

    def values(self) -> Iterable[str]:
        """Every identifying string."""


def _compiled(fragments: Iterable[str]) -> re.Pattern[str] | None:
    """
    One pattern of *fragments*, grouped by their first character, longest first in a group.

    Every fragment starts with a literal letter or digit, so the pattern is an alternation
    of literals each followed by a group: the regex engine skips in C the positions no
    fragment starts at, and at the others tries one group. Longest first, so a full name
    is masked whole before one of its parts.
    """
    ordered = sorted(fragments, key=lambda f: (f[0], -len(f), f))
    if not ordered:
        return None
    groups = itertools.groupby(ordered, key=lambda f: f[0])
    return re.compile("|".join(f"{first}(?:{'|'.join(f[1:] for f in fs)})" for first, fs in groups))


class _Bound:
    """
    The identifiers bound in one context, as regex fragments and compiled.

    Folded text drops apostrophes (``O'Brien`` is ``obrien``), except around whole words:
    ``Jo's`` must not become ``jos``, where ``Jo`` is no longer a word. Text without an
    apostrophe folds the same both ways and is searched once, with `pattern`; text with
    one is searched with `split` patterns: the whole-word fragments keeping its
    apostrophes, the others dropping them. Those two are compiled when first needed.
    """

    __slots__ = ("_split", "fragments", "pattern")

    def __init__(self, fragments: frozenset[str]) -> None:
        self.fragments = fragments
        self.pattern = _compiled(fragments)
        self._split: tuple[re.Pattern[str] | None, re.Pattern[str] | None] | None = None

    def split(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        """The whole-word fragments compiled, and the others."""
        if self._split is None:
            words = _compiled(f for f in self.fragments if f[1:].startswith(_BEFORE))
            anywhere = _compiled(f for f in self.fragments if not f[1:].startswith(_BEFORE))
            self._split = (words, anywhere)
        return self._split


_BOUND: Final[contextvars.ContextVar[_Bound | None]] = contextvars.ContextVar(
    "safeguarding_workflow_masking", default=None
)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character casefolded, decomposed (NFKD), without combining marks or apostrophes."""
    if char in _APOSTROPHES:
        return ""
    bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    folded = unicodedata.normalize("NFKD", bare.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c) and c not in _APOSTROPHES)


def _fold_char_keeping_apostrophes(char: str) -> str:
    """One character folded as `_fold_char` does, but an apostrophe kept as ``'``."""
    return "'" if char in _APOSTROPHES else _fold_char(char)


def _word_pattern(word: str) -> str:
    """A regex for one folded word: its digits through one separator each, or its letters."""
    return _DIGIT_GAP.join(word) if word.isdigit() else word


def _whole_word(body: str) -> str:
    """
    *body* (which starts with one letter or digit) matched only where no letter or digit touches it.

    The check on the character before is put after the first character, so that every
    branch of the bound pattern starts with a literal: the regex engine then skips, in C,
    every position whose character starts no bound value.
    """
    return rf"{body[0]}{_BEFORE}{body[1:]}(?![^\W_])"


def _date_fragments(year: str, month: str, day: str) -> list[str]:
    """The day-first forms of an ISO date: ``14/03/2015``, ``14.3.2015``, ``14th March 2015``."""
    number = int(month)
    if not 1 <= number <= 12 or not 1 <= int(day) <= 31:
        return []
    days = (day, day[1]) if day.startswith("0") else (day,)
    m = f"0?{number}" if month.startswith("0") else month
    ordinal = "(?:st|nd|rd|th)?"
    name = _MONTHS[number - 1]
    forms = [f"{d}(?:{_GAP}{m}|{ordinal}{_GAP}{name}){_GAP}{year}" for d in days]
    forms += [f"{name}{_GAP}{d}{ordinal}{_GAP}{year}" for d in days]
    return [_whole_word(form) for form in forms]


def _fragments(value: str) -> list[str]:
    """The regex fragments that find *value* in folded text (none for a value with no word)."""
    # An apostrophe parts words here (``O'Brien`` is ``o``, ``brien``): the gap between
    # words may be empty, so ``OBrien`` and ``O Brien`` are found as well.
    words = _WORD.findall("".join([_fold_char_keeping_apostrophes(c) for c in value]))
    if not words:
        return []
    body = _GAP.join(_word_pattern(word) for word in words)
    found = [_whole_word(body) if sum(map(len, words)) < _SHORT else body]
    iso = _ISO_DATE.fullmatch(value.strip())
    if iso is not None:
        found += _date_fragments(*iso.groups())
    return found


def _identifying_strings(values: Iterable[str] | _HasValues) -> list[str]:
    """The strings *values* gives, checked (never echoing them)."""
    source: object = values
    getter = getattr(values, "values", None)
    if callable(getter):
        source = getter()
    if isinstance(source, str | bytes) or not isinstance(source, Iterable):
        raise InvalidInputError(
            "'values' must be an iterable of strings (or have a values() method giving one), "
            "not a single string",
            field="values",
        )
    strings = list(source)
    if not all(isinstance(s, str) for s in strings):
        raise InvalidInputError("'values' must hold strings only", field="values")
    return strings


@contextlib.contextmanager
def masking(values: Iterable[str] | _HasValues) -> Iterator[None]:
    """
    Mask *values* in everything logged in this thread or task until the block ends.

    *values* is an iterable of strings, or anything with a ``values()`` method that gives
    one (a [`Register`][safeguarding_workflow.personal.Register]; a ``dict``'s values).
    They are added to those already bound, so blocks nest, and the previous set is back
    when the block exits, however it exits. The set is bound in a context variable: other
    threads and other asyncio tasks never see it (a task created inside the block starts
    with a copy, as asyncio copies the context). The values are compiled into one pattern
    when the block is entered, not at each event.

    Examples:
        >>> from safeguarding_workflow.personal import mask, masking
        >>> with masking(["Zoë O'Brien"]):
        ...     mask("Called ZOE OBRIEN's school")
        "Called [redacted]'s school"

    Added in version 0.1.0.

    Raises:
        InvalidInputError: *values* is a single string, not iterable, or holds something
            other than strings (``field="values"``). Nothing is bound then.

    """
    found = {f for value in _identifying_strings(values) for f in _fragments(value)}
    outer = _BOUND.get()
    if outer is not None:
        if found <= outer.fragments:
            found = set()
        else:
            found |= outer.fragments
    token = _BOUND.set(_Bound(frozenset(found)) if found else outer)
    try:
        yield
    finally:
        _BOUND.reset(token)


def _mask_bound(text: str, bound: _Bound) -> str:
    """*text* with every occurrence of the bound identifiers masked."""
    if "'" not in text and "`" not in text:
        if text.isascii():
            # Such text folds by lowercasing, in place: a match's span is its span in text.
            return _replace(text, text.lower(), bound.pattern)
        if not _APOSTROPHES.intersection(text):
            return _splice(text, _folded_spans(text, bound.pattern, _fold_char))
    words, anywhere = bound.split()
    spans = _folded_spans(text, words, _fold_char_keeping_apostrophes)
    spans += _folded_spans(text, anywhere, _fold_char)
    return _splice(text, sorted(spans))


def _folded_spans(
    text: str, pattern: re.Pattern[str] | None, fold: Callable[[str], str]
) -> list[tuple[int, int]]:
    """Where *pattern* matches *text* folded by *fold*, as spans of *text*."""
    if pattern is None:
        return []
    pieces: list[str] = []
    ends: list[int] = []
    for index, char in enumerate(text):
        piece = fold(char)
        pieces.append(piece)
        ends.extend([index + 1] * len(piece))
    spans = []
    for match in pattern.finditer("".join(pieces)):
        start, stop = match.span()
        if start == stop:
            continue
        begin, end = ends[start] - 1, ends[stop - 1]
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1  # combining marks after the last letter
        spans.append((begin, end))
    return spans


def _replace(text: str, folded: str, pattern: re.Pattern[str] | None) -> str:
    """*text* with the spans *pattern* matches in its length-preserving *folded* form masked."""
    if pattern is None:
        return text
    return _splice(text, [m.span() for m in pattern.finditer(folded) if m.end() > m.start()])


def _splice(text: str, spans: list[tuple[int, int]]) -> str:
    """*text* with each of *spans* (by start, possibly overlapping) replaced by `MASK`."""
    if not spans:
        return text
    out: list[str] = []
    position = 0
    for start, end in spans:
        if end <= position:
            continue
        if start >= position:
            out += [text[position:start], MASK]
        position = end
    out.append(text[position:])
    return "".join(out)


def _mask_nhs_numbers(text: str) -> str:
    """*text* with every NHS number masked, found by the rule of `looks_like_nhs_number`."""
    spans: list[tuple[int, int]] = []
    run: list[tuple[str, int]] = []  # (ASCII digit, index in text) of the current digit run

    def close() -> None:
        digits = "".join(d for d, _ in run)
        spans.extend(
            (run[start][1], run[start + 9][1] + 1)
            for start in range(len(digits) - 9)
            if _passes_check(digits[start : start + 10])
        )
        run.clear()

    for index, char in enumerate(text):
        normal = _normalised_char(char)
        if normal == " ":  # a letter ends a run
            close()
        elif normal:
            run.append((normal, index))
    close()
    return _splice(text, spans)


def _mask_patterns(text: str) -> str:
    """*text* with NHS numbers and full postcodes masked (both need a digit)."""
    if text.isascii() and _ASCII_DIGIT.search(text) is None:
        return text
    if looks_like_nhs_number(text):
        text = _mask_nhs_numbers(text)
    if _POSTCODE.search(text) is None:
        return text
    return _POSTCODE.sub(MASK, text)


def mask(text: str) -> str:
    """
    *text* with the identifiers bound by `masking`, NHS numbers and full postcodes masked.

    Each occurrence becomes `MASK`. The bound identifiers are masked first, then the
    global patterns. *text* itself is returned when nothing in it is masked.

    Added in version 0.1.0.
    """
    bound = _BOUND.get()
    masked = text if bound is None else _mask_bound(text, bound)
    return _mask_patterns(masked)


def _mask_value(value: Any, depth: int = 0) -> Any:
    """*value* masked: strings, containers walked, other objects through their text."""
    if isinstance(value, str):
        masked = mask(value)
        return value if masked is value else masked
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, int):
        if -(10**9) < value < 10**9:
            return value
        text = str(value)
        return value if mask(text) is text else MASK
    if depth < _MAX_DEPTH:
        if isinstance(value, dict):
            items = [
                (_mask_value(k, depth + 1), _mask_value(v, depth + 1)) for k, v in value.items()
            ]
            same = all(
                k is k0 and v is v0 for (k, v), (k0, v0) in zip(items, value.items(), strict=True)
            )
            return value if same else dict(items)
        if isinstance(value, list | tuple | set | frozenset):
            masked_items = [_mask_value(item, depth + 1) for item in value]
            if all(m is i for m, i in zip(masked_items, value, strict=True)):
                return value
            kind = next(k for k in (list, tuple, set, frozenset) if isinstance(value, k))
            return kind(masked_items)
    # Anything else is printed by renderers through repr() or str(): mask through those.
    shown = repr(value)
    masked = mask(shown)
    if masked is not shown:
        return masked
    text = str(value)
    masked = mask(text)
    return value if masked is text else masked


def mask_identifiers(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """
    A structlog processor that masks identifiers in the whole event (see `mask`).

    Every key and value is masked: the message (``event``), nested dicts, lists, tuples
    and sets (copied, never changed in place), integers holding an NHS number, and any
    other object whose ``repr()`` or ``str()`` holds an identifier (replaced by its masked
    ``repr()``). Put it after the processors that turn exceptions and stacks into text
    (`format_exc_info`, `dict_tracebacks`, `StackInfoRenderer`) and after
    `PositionalArgumentsFormatter`, and before the renderer. If it meets an ``exc_info``
    still unrendered, it renders it as text itself (`format_exc_info`), so no later
    renderer can print the exception unmasked. Put `TimeStamper` after it: timestamps
    hold no identifier, and a run of their digits can pass the NHS check digit.

    Added in version 0.1.0.
    """
    if "exc_info" in event_dict:
        structlog.processors.format_exc_info(logger, method_name, event_dict)
    changed: list[tuple[str, Any, Any]] = []
    for key, value in event_dict.items():
        if key in _META:
            continue
        masked_key = mask(key) if isinstance(key, str) else key
        masked = _mask_value(value)
        if masked is not value or masked_key is not key:
            changed.append((key, masked_key, masked))
    for key, masked_key, masked in changed:
        if masked_key is key:
            event_dict[key] = masked
        else:
            del event_dict[key]
            event_dict[masked_key] = masked
    return event_dict


class MaskingFilter(logging.Filter):
    """
    A `logging` filter that masks identifiers in records (see `mask`), for hosts on `logging`.

    Add it to each *handler* (a filter on a logger does not see records propagated from
    its children): ``handler.addFilter(MaskingFilter())``. It formats the message with its
    arguments and masks the result (an identifier split between the two is found whole),
    masks the ``extra`` fields and the stack text, and renders the exception as masked
    text (``exc_text``, with ``exc_info`` cleared so no formatter prints it again). It
    never drops a record.

    Added in version 0.1.0.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask *record* in place; always keep it."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not break the host's logging
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = mask(message), ()
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _RECORD_FIELDS:
                setattr(record, name, _mask_value(value))
        if hasattr(record, "message"):
            record.message = mask(record.message)
        return True
