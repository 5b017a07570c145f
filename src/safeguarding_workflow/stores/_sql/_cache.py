"""
The kept-recent-cases cache: cases this process stored or read lately, with their snapshot text.

A read whose row holds the very text kept with a case takes that case instead of decoding
the JSON again. The cache is one per store, shared by all its views (see `SqlStore.bound`),
and needs no database: it is consulted only with the snapshot text a row holds, compared
in full, so a case changed elsewhere is never served from it.

It is bounded twice: at most `CACHE_CASES` cases, and at most a budget of bytes
(`SqlStore`'s ``cache_bytes``, `CACHE_BYTES` by default). A kept case counts
`ENTRY_FACTOR` times its snapshot's length: the text itself, and the case decoded from
it, which measures about three times the text (a fresh case, a closed one, one with 50
children). Ordinary cases hit the count first; the budget keeps a few unusually large
cases (many children, a long history of steps) from growing the process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, Final

import orjson

from ..._case import Case
from ..._codec import case_from_json
from ..._records import state_digest
from ...exceptions import (
    CaseNotFoundError,
    ConcurrencyConflict,
    HistoryIntegrityError,
    InvalidInputError,
)

#: The most cases a store keeps.
CACHE_CASES: Final = 1024
#: The default budget of a store's kept cases, in bytes (16 MiB): 1,024 ordinary cases fit
#: (a closed case of one child counts about 12 KB), and a few huge ones cannot crowd it.
CACHE_BYTES: Final = 16 * 1024 * 1024
#: What a kept case counts against the budget, per character of its snapshot text.
ENTRY_FACTOR: Final = 4
#: How many times a read takes a case row again when a writer moved the case on while
#: the row was checked, before it gives up with a conflict.
_READS: Final = 3


class _Recent:
    """
    Cases this process stored or read lately, each with its snapshot text.

    A read whose row holds the very same text takes the kept case instead of
    decoding the text again. The text is compared in full, so a case changed by
    another process, or a write that rolled back, is never served from here; and
    cases are immutable values, equal to what their text decodes to (their times
    are kept in UTC), so sharing them is safe.

    At most *size* cases, together counting at most *budget* bytes (each
    `ENTRY_FACTOR` times its text's length); the least recently kept go first, and
    a case that alone exceeds the budget is not kept.
    """

    __slots__ = ("_budget", "_bytes", "_items", "_lock", "_size")

    def __init__(self, size: int, budget: int = CACHE_BYTES) -> None:
        self._items: OrderedDict[tuple[str, str], tuple[str, Case]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size
        self._budget = budget
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def bytes(self) -> int:
        """What the kept cases count against the budget."""
        return self._bytes

    def kept(self) -> Iterator[tuple[str, str]]:
        """The (tenant, case) of each kept case, the least recently kept first."""
        return iter(list(self._items))

    def peek(self, tenant_id: str, case_id: str) -> tuple[str, Case] | None:
        """The kept snapshot text and case of a case, or None: unchecked against any row."""
        return self._items.get((tenant_id, case_id))

    def case(
        self,
        tenant_id: str,
        case_id: str,
        row: Any,
        head_record: Callable[[int], Any],
        reread: Callable[[], Any],
    ) -> Case:
        """
        The case in a ``cases`` row, once the row is checked against its chain's last record.

        *row* is the store's ``get`` read: the snapshot, version and head. A kept case
        whose text, version and head are the row's is taken as it is: it was stored or
        checked with them, so such a read reads nothing more. Any other row is checked
        (`snapshot_problem`) against the record it names, which *head_record* reads by
        its sequence: its hash, its body and whether a record follows it. A record that
        follows may be a writer's that committed after the row was read (on PostgreSQL
        the two reads are two statements), so the row is read again (*reread*): if it
        moved on, the new row is checked instead; if not, the row was pointed back.

        Raises:
            CaseNotFoundError: there is no row.
            HistoryIntegrityError: the row is not the case its chain's last record
                produced (``snapshot_mismatch``, naming the case and the record).
            InvalidInputError: the snapshot is malformed.
            ConcurrencyConflict: the case kept changing while it was read.

        """
        for _ in range(_READS):
            if row is None:
                raise CaseNotFoundError("no case with this tenant and id", field="case_id")
            text, version, head = row[0], row[1], row[2]
            kept = self._items.get((tenant_id, case_id))
            if kept is not None and kept[0] == text:
                case = kept[1]
                if case.version == version and case.head == head:
                    return case
            case = decode_snapshot(text, version, head)
            if case.tenant_id != tenant_id or case.case_id != case_id:
                raise InvalidInputError("a stored case is malformed", field="case")
            record = head_record(version)
            following = version + 1 if record is not None and record[2] else None
            found = snapshot_problem(
                text, version, head, None if record is None else record[:2], following
            )
            if found is None:
                self.keep(case, text)
                return case
            if following is not None:
                fresh = reread()
                if fresh is None or (fresh[1], fresh[2]) != (version, head):
                    row = fresh  # a writer moved the case on meanwhile: check its row
                    continue
            position, problem, message = found
            raise HistoryIntegrityError(
                message, position=position, problem=problem, tenant_id=tenant_id, case_id=case_id
            )
        raise ConcurrencyConflict(
            "the case kept changing while it was read; re-read and retry", field="case_id"
        )

    def keep(self, case: Case, text: str) -> None:
        """Keep *case* with its snapshot *text*, forgetting the oldest beyond the bounds."""
        key = (case.tenant_id, case.case_id)
        cost = ENTRY_FACTOR * len(text)
        items = self._items
        with self._lock:
            old = items.pop(key, None)
            if old is not None:
                self._bytes -= ENTRY_FACTOR * len(old[0])
            if cost > self._budget:
                return
            items[key] = (text, case)
            self._bytes += cost
            while len(items) > self._size or self._bytes > self._budget:
                dropped, _ = items.popitem(last=False)[1]
                self._bytes -= ENTRY_FACTOR * len(dropped)


def decode_snapshot(text: object, version: object, head: object) -> Case:
    """
    The case in a snapshot text, its version and head taken from the row's own columns.

    A snapshot holds the case's state only (`state_json`); one written before the
    records carried a digest also holds a version and head, which the columns override.

    Raises:
        InvalidInputError: the text is not a stored case.

    """
    try:
        data = orjson.loads(text)  # type: ignore[arg-type]  # anything else is malformed
        if type(data) is not dict:
            raise TypeError
        data["version"], data["head"] = version, head
    except (ValueError, TypeError):
        raise InvalidInputError("a stored case is malformed", field="case") from None
    return case_from_json(data)


def snapshot_problem(
    text: str, version: int, head: str, record: Any, following: int | None
) -> tuple[int, str, str] | None:
    """
    Why a case row is not the case its chain's last record produced, or None if it is.

    *text*, *version* and *head* are the row's snapshot, version and head. *record* is
    the hash and body of the record the row names (the one at *version*), None if there
    is none; *following* the sequence of a record after it, None if there is none. The
    row must name its chain's last record, by sequence and hash, and that record's
    ``state_digest`` must be the SHA-256 of the snapshot's text (records of schema 1
    carry none: only the version and head are checked). Returns the position, the
    problem (``snapshot_mismatch`` or ``malformed``) and a sentence naming no value but
    a record's position.
    """
    if following is not None:
        return following, "snapshot_mismatch", f"record {following} follows the stored case"
    if record is None:
        return version, "snapshot_mismatch", "the stored case names no record of its history"
    record_hash, body = record
    if record_hash != head:
        return version, "snapshot_mismatch", f"the stored case's head is not record {version}"
    try:
        data = orjson.loads(body)
        schema, digest = data["schema"], data.get("state_digest")
    except (ValueError, TypeError, KeyError, AttributeError):
        return version, "malformed", f"record {version} of the history is not a well-formed record"
    if type(schema) is int and schema < 2 and digest is None:
        return None  # written before records carried a digest
    try:
        matches = type(digest) is str and state_digest(text.encode("utf-8")) == digest
    except (AttributeError, UnicodeEncodeError):
        matches = False
    if not matches:
        return version, "snapshot_mismatch", f"the stored case does not match record {version}"
    return None
