r"""
The tamper-evident history: hash-chained records, verification, export and import.

Each record's hash is SHA-256 over a documented byte layout (docs: "The history
hash chain"):

```text
b"sw-history-v1\n" + previous hash (64 lowercase hex digits, ASCII) + b"\n" + body
```

where the body is the RFC 8785 canonical JSON of the record, and the first
record's previous hash is 64 zeros. Records are immutable: a record holds its
body as bytes, and every view of it is a fresh copy.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, Final

import attrs

from ..exceptions import HistoryIntegrityError, InvalidInputError
from ._canonical import canonical_json, canonical_json_trusted

__all__ = [
    "GENESIS",
    "HASH_PREFIX",
    "SCHEMA_VERSION",
    "ChainHead",
    "ChainVerification",
    "HistoryRecord",
    "history_from_json",
    "history_to_json",
    "record_hash",
    "verify",
]

GENESIS: Final = "0" * 64
"""The previous hash of a case's first record."""
HASH_PREFIX: Final = b"sw-history-v1\n"
"""The version prefix of the hashed bytes."""
SCHEMA_VERSION: Final = 2
"""
The schema version of records this release writes: 2 adds ``state_digest`` (records of
schema 1 are still read).
"""
_EXPORT_FORMAT: Final = "safeguarding-workflow/history"
#: The version of the export document's own shape (its records carry their own schema).
_EXPORT_VERSION: Final = 1
_EXPORT_KEYS: Final = frozenset({"format", "version", "records"})
_ITEM_KEYS: Final = frozenset({"prev", "hash", "record"})
#: The body's keys that a record also holds as fields (a store's columns), in field order.
_FIELDS: Final = ("seq", "tenant", "case", "id", "kind", "event", "idempotency_key")
#: A hash as the chain writes it: 64 lowercase hexadecimal digits, ASCII only.
_HASH: Final = re.compile(r"[0-9a-f]{64}")


def record_hash(prev: str, body: bytes) -> str:
    """
    The hash of a record: SHA-256 over the version prefix, *prev*, a newline and *body*.

    Added in version 0.1.0.
    """
    return hashlib.sha256(HASH_PREFIX + prev.encode("ascii") + b"\n" + body).hexdigest()


@attrs.frozen
class HistoryRecord:
    """
    One record of a case's append-only history.

    Added in version 0.1.0.

    Attributes:
        tenant_id: The tenant.
        case_id: The case.
        sequence: Its position, from 1.
        event_id: Its unique id (the id of the event it emits).
        kind: ``opened``, ``step``, ``correction``, ``facts_updated`` or ``deadlines_recomputed``.
        event: The step's event, or the kind for records that are not steps.
        prev: The previous record's hash (`GENESIS` for the first).
        body: The record's canonical JSON bytes.
        hash: The hash of *prev* and *body* (`record_hash()`).
        idempotency_key: The key of the command that produced it, if any (it is in the
            body too; kept here so stores need not parse the body).

    """

    tenant_id: str
    case_id: str
    sequence: int
    event_id: str
    kind: str
    event: str
    prev: str
    body: bytes = attrs.field(repr=False)
    hash: str
    #: The idempotency key of the command that produced the record, if it had one.
    idempotency_key: str | None = None

    @classmethod
    def seal(cls, record: dict[str, Any], prev: str) -> HistoryRecord:
        """
        Canonicalise *record*, chain it to *prev* and hash it.

        For records the library builds (see ``canonical_json_trusted``).
        *record* must hold the keys ``tenant``, ``case``, ``seq``, ``id``,
        ``kind`` and ``event``.
        """
        body = canonical_json_trusted(record)
        # By position, in field order: keywords cost more on every command.
        return cls(
            record["tenant"],
            record["case"],
            record["seq"],
            record["id"],
            record["kind"],
            record["event"],
            prev,
            body,
            record_hash(prev, body),
            record.get("idempotency_key"),
        )

    @property
    def data(self) -> dict[str, Any]:
        """The record as JSON values: a fresh copy each time, so nothing can alter the record."""
        value: dict[str, Any] = json.loads(self.body)
        return value

    def to_dict(self) -> dict[str, Any]:
        """
        The record in export form as JSON values: ``{"prev": …, "hash": …, "record": {…}}``.

        The form each record takes in `history_to_json()`'s document; its schema is
        ``schemas.schema("history_record")``. A fresh copy each time.

        Added in version 0.1.0.
        """
        return {"prev": self.prev, "hash": self.hash, "record": self.data}

    def to_json(self) -> str:
        """
        `to_dict()` as text: its RFC 8785 canonical JSON, so equal records give equal text.

        Added in version 0.1.0.
        """
        return canonical_json(self.to_dict()).decode("utf-8")

    @classmethod
    def from_json(cls, text: str | bytes) -> HistoryRecord:
        """
        A record from the text `to_json()` gives: `from_dict()` of the parsed JSON.

        Added in version 0.1.0.

        Raises:
            InvalidInputError: the text is not JSON, or the record is malformed.

        """
        if not isinstance(text, str | bytes | bytearray):
            raise InvalidInputError("a history record must be given as JSON text", field="history")
        try:
            item = json.loads(text)
        except (ValueError, RecursionError):
            raise _malformed() from None
        return cls.from_dict(item)

    @classmethod
    def from_dict(cls, item: object) -> HistoryRecord:
        """
        A record from its export form, re-canonicalised; the hash is kept as stored, to be verified.

        Nothing is coerced: the item must hold exactly ``prev``, ``hash`` and ``record``;
        both hashes must be 64 lowercase hexadecimal digits; the record must be an object
        whose ``tenant``, ``case``, ``id``, ``kind`` and ``event`` are strings, whose
        ``seq`` is a whole number from 1 (not ``true``, not ``1.0``), and whose
        ``idempotency_key``, if any, is a string.

        Added in version 0.1.0.

        Raises:
            InvalidInputError: the item is malformed.

        """
        if type(item) is not dict or item.keys() != _ITEM_KEYS:
            raise _malformed()
        record, prev, stored = item["record"], item["prev"], item["hash"]
        if type(record) is not dict or not is_hash(prev) or not is_hash(stored):
            raise _malformed()
        values = [record.get(k) for k in ("tenant", "case", "id", "kind", "event")]
        texts = [v for v in values if type(v) is str]
        sequence, key = record.get("seq"), record.get("idempotency_key")
        if (
            len(texts) != len(values)
            or type(sequence) is not int
            or sequence < 1
            or (key is not None and type(key) is not str)
        ):
            raise _malformed()
        try:
            body = canonical_json(record)
        except (InvalidInputError, TypeError, RecursionError):  # orjson: too deep is a TypeError
            raise _malformed() from None
        tenant, case, event_id, kind, event = texts
        return cls(tenant, case, sequence, event_id, kind, event, prev, body, stored, key)


@attrs.frozen
class ChainHead:
    """
    The last record of a case's chain, kept outside the database to detect truncation.

    Added in version 0.1.0.
    """

    tenant_id: str
    case_id: str
    sequence: int
    hash: str


@attrs.frozen
class ChainVerification:
    """
    The result of `verify()`.

    Added in version 0.1.0.

    Attributes:
        ok: Whether the chain verified.
        records: How many records were checked.
        position: Sequence number (1-based) of the first break, if any.
        problem: What was found there (see `HistoryIntegrityError`).
        message: A sentence saying so.

    """

    ok: bool
    records: int
    position: int | None = None
    problem: str | None = None
    message: str = "the chain verifies"

    def raise_for_problem(self) -> None:
        """Raise `HistoryIntegrityError` if the chain did not verify."""
        if not self.ok:
            raise HistoryIntegrityError(
                self.message, position=self.position or 0, problem=self.problem or "altered"
            )


def verify(records: Sequence[HistoryRecord], head: ChainHead | None = None) -> ChainVerification:
    """
    Check one case's records, in stored order, and say where the first break is.

    Detects a record altered (its hash does not match its bytes, or its fields do not
    match its body), missing (a gap in the sequence), inserted (a repeated sequence
    number), reordered (a sequence number out of order), a broken link (a previous
    hash that does not match), malformed (a body that is not a JSON object, or fields
    of the wrong type) and, given a kept *head*, a truncated or rewritten tail.

    Added in version 0.1.0.

    Raises:
        InvalidInputError: *records* is not a sequence of `HistoryRecord`, or *head*
            is not a well-formed `ChainHead`.

    """
    return verify_parsed(records, None, head)


def check_arguments(records: object, head: object) -> None:
    """Refuse *records* that are not a sequence of records, and a malformed *head*."""
    if not isinstance(records, list | tuple) or not all(
        isinstance(r, HistoryRecord) for r in records
    ):
        raise InvalidInputError(
            "'records' must be a list or tuple of HistoryRecord", field="records"
        )
    if head is not None and (
        not isinstance(head, ChainHead)
        or type(head.sequence) is not int
        or head.sequence < 1
        or type(head.hash) is not str
    ):
        raise InvalidInputError(
            "'head' must be None or a ChainHead with a sequence from 1", field="head"
        )


def _well_formed(record: HistoryRecord) -> bool:
    """Whether a record's fields have the types the chain needs (a store row may not)."""
    return (
        type(record.sequence) is int
        and type(record.body) is bytes
        and type(record.prev) is str
        and record.prev.isascii()
        and type(record.hash) is str
    )


def verify_parsed(
    records: Sequence[HistoryRecord],
    datas: Sequence[object] | None,
    head: ChainHead | None = None,
) -> ChainVerification:
    """`verify()`, given the records' bodies already parsed (so a rebuild parses once)."""
    check_arguments(records, head)
    prev = GENESIS
    first = records[0] if records else None
    for index, record in enumerate(records):
        expected = index + 1
        if not _well_formed(record):
            return _broken(records, expected, "malformed", "is not a well-formed record")
        if first is not None and (record.tenant_id, record.case_id) != (
            first.tenant_id,
            first.case_id,
        ):
            return _broken(records, expected, "foreign", "belongs to another case")
        if record.sequence != expected:
            if record.sequence > expected:
                return _broken(records, expected, "missing", "is missing")
            seen = any(r.sequence == record.sequence for r in records[:index])
            problem = "inserted" if seen else "reordered"
            return _broken(records, expected, problem, "is out of place")
        if record_hash(record.prev, record.body) != record.hash:
            return _broken(records, expected, "altered", "was altered")
        if record.prev != prev:
            return _broken(records, expected, "broken_link", "does not follow the record before it")
        try:
            body = record.data if datas is None else datas[index]
        except (ValueError, RecursionError):
            return _broken(records, expected, "malformed", "is not a well-formed record")
        if type(body) is not dict:
            return _broken(records, expected, "malformed", "is not a well-formed record")
        # Exact types: ``true`` equals 1 in Python, so a body saying ``"seq": true`` must
        # not pass for record 1.
        fields = tuple(body.get(k) for k in _FIELDS)
        if type(fields[0]) is not int or fields != (
            record.sequence,
            record.tenant_id,
            record.case_id,
            record.event_id,
            record.kind,
            record.event,
            record.idempotency_key,
        ):
            return _broken(records, expected, "altered", "was altered")
        prev = record.hash
    if head is not None:
        count = len(records)
        if count < head.sequence:
            return _broken(records, count + 1, "truncated", "is missing: the chain was truncated")
        if count > head.sequence:
            kept = records[head.sequence - 1]
            if kept.hash != head.hash:
                return _broken(records, head.sequence, "altered", "does not match the kept head")
        elif prev != head.hash:
            return _broken(records, count, "altered", "does not match the kept head")
    return ChainVerification(True, len(records))


def _broken(
    records: Sequence[HistoryRecord], position: int, problem: str, what: str
) -> ChainVerification:
    return ChainVerification(
        False, len(records), position, problem, f"record {position} of the history {what}"
    )


def history_to_json(records: Iterable[HistoryRecord]) -> str:
    """
    Export one or more cases' records as a JSON document.

    Added in version 0.1.0.
    """
    document = {
        "format": _EXPORT_FORMAT,
        "version": _EXPORT_VERSION,
        "records": [r.to_dict() for r in records],
    }
    return json.dumps(document, ensure_ascii=False, indent=1)


def is_hash(value: object) -> bool:
    """Whether *value* is a hash as the chain writes it: 64 lowercase hex digits."""
    return type(value) is str and _HASH.fullmatch(value) is not None


def _malformed() -> InvalidInputError:
    return InvalidInputError("an exported history record is malformed", field="history")


def export_items(text: object) -> list[object]:
    """
    The record items of an export document, after checking the document around them.

    The items themselves are left to `HistoryRecord.from_dict`.

    Raises:
        InvalidInputError: the text is not JSON, is nested too deeply to read, or is not
            a history export of this schema version with exactly its three keys.

    """
    if not isinstance(text, str | bytes | bytearray):
        raise InvalidInputError("the history export must be str or bytes", field="history")
    try:
        document = json.loads(text)
    except RecursionError:
        raise InvalidInputError(
            "the history export is nested too deeply to read", field="history"
        ) from None
    except ValueError:
        raise InvalidInputError("the history export is not JSON", field="history") from None
    if type(document) is not dict or document.get("format") != _EXPORT_FORMAT:
        raise InvalidInputError("the document is not a history export", field="history")
    version = document.get("version")
    if type(version) is not int or version != _EXPORT_VERSION:
        raise InvalidInputError(
            "the history export has a schema version this release does not read",
            field="history",
        )
    items = document.get("records")
    if type(items) is not list:
        raise InvalidInputError("the history export has no record list", field="history")
    if document.keys() != _EXPORT_KEYS:
        raise InvalidInputError(
            "the history export holds keys besides format, version and records", field="history"
        )
    return items


def history_from_json(text: str | bytes) -> tuple[HistoryRecord, ...]:
    """
    Import an export, verifying every case's chain before returning it.

    Added in version 0.1.0.

    Raises:
        InvalidInputError: the document is malformed (not JSON, nested too deeply, a
            record of the wrong shape) or of a newer version.
        HistoryIntegrityError: a chain does not verify; says where.

    """
    records = tuple(HistoryRecord.from_dict(item) for item in export_items(text))
    by_case: dict[tuple[str, str], list[HistoryRecord]] = {}
    for record in records:
        by_case.setdefault((record.tenant_id, record.case_id), []).append(record)
    for chain in by_case.values():
        verify(chain).raise_for_problem()
    return records
