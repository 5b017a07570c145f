"""The in-memory case store: for tests, and for hosts that keep no history of their own."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import final

import pendulum

from .._case import Case
from ..exceptions import CaseExistsError, CaseNotFoundError, ConcurrencyConflict, InvalidInputError
from ..history._chain import HistoryRecord
from ._base import CaseStore, DueDeadline, RegisterRow

__all__ = ["MemoryStore"]


@final
class MemoryStore(CaseStore):
    """
    Keeps cases in memory: for tests, and for hosts that keep no history of their own.

    Thread-safe: one lock serialises writes, so racing commands on one case get
    exactly one winner and `ConcurrencyConflict` for the rest.

    Added in version 0.1.0.
    """

    __slots__ = ("_cases", "_histories", "_keys", "_lock", "_registers")

    def __init__(self) -> None:
        self._cases: dict[tuple[str, str], Case] = {}
        self._histories: dict[tuple[str, str], list[HistoryRecord]] = {}
        #: The record each idempotency key stored, by tenant and key: a key names one
        #: command of a tenant, whichever case it is on.
        self._keys: dict[tuple[str, str], HistoryRecord] = {}
        self._lock = threading.Lock()
        #: Each case's sealed register and wrapped data key, outside the history.
        self._registers: dict[tuple[str, str], RegisterRow] = {}

    def find(self, tenant_id: str, case_id: str, idempotency_key: str) -> HistoryRecord | None:
        """The record a command with this idempotency key produced in the tenant, on any case."""
        return self._keys.get((tenant_id, idempotency_key))

    def get(self, tenant_id: str, case_id: str) -> Case:
        """The latest record of a case."""
        try:
            return self._cases[(tenant_id, case_id)]
        except KeyError:
            raise CaseNotFoundError("no case with this tenant and id", field="case_id") from None

    def history(self, tenant_id: str, case_id: str) -> tuple[HistoryRecord, ...]:
        """A case's history records, in order."""
        try:
            return tuple(self._histories[(tenant_id, case_id)])
        except KeyError:
            raise CaseNotFoundError("no case with this tenant and id", field="case_id") from None

    def record(self, tenant_id: str, case_id: str, sequence: int) -> HistoryRecord:
        """One of a case's history records, by its sequence number, without copying the rest."""
        try:
            history = self._histories[(tenant_id, case_id)]
        except KeyError:
            raise CaseNotFoundError("no case with this tenant and id", field="case_id") from None
        if type(sequence) is not int or not 1 <= sequence <= len(history):
            raise InvalidInputError("'sequence' names no record of the case", field="sequence")
        return history[sequence - 1]

    def create(self, case: Case, record: HistoryRecord) -> None:
        """Store a new case and its first record."""
        key = (case.tenant_id, case.case_id)
        with self._lock:
            if key in self._cases:
                raise CaseExistsError("a case with this tenant and id exists", field="case_id")
            self._cases[key] = case
            self._histories[key] = [record]

    def append(self, case: Case, record: HistoryRecord, expected_version: int) -> None:
        """Store a case's new record and history record, if it is still at *expected_version*."""
        self._append(case, record, expected_version, None)

    def append_with_register(
        self,
        case: Case,
        record: HistoryRecord,
        expected_version: int,
        register: RegisterRow | None,
    ) -> None:
        """`append()`, and the case's register row replaced (None: deleted), under one lock."""
        if register is not None and not isinstance(register, RegisterRow):
            raise InvalidInputError("'register' must be a RegisterRow or None", field="register")
        self._append(case, record, expected_version, register, write_register=True)

    def register_row(self, tenant_id: str, case_id: str) -> RegisterRow | None:
        """The case's sealed register and wrapped data key, or None."""
        return self._registers.get((tenant_id, case_id))

    def case_ids(self, tenant_id: str) -> Sequence[str]:
        """Every case id of *tenant_id*, in order."""
        with self._lock:
            return sorted(c for t, c in self._cases if t == tenant_id)

    def register_rows(self, tenant_id: str) -> Iterator[tuple[str, RegisterRow]]:
        """Every register of *tenant_id*, by case id."""
        with self._lock:
            rows = sorted((c, row) for (t, c), row in self._registers.items() if t == tenant_id)
        yield from rows

    def _append(
        self,
        case: Case,
        record: HistoryRecord,
        expected_version: int,
        register: RegisterRow | None,
        *,
        write_register: bool = False,
    ) -> None:
        key = (case.tenant_id, case.case_id)
        with self._lock:
            current = self._cases.get(key)
            if current is None:
                raise CaseNotFoundError("no case with this tenant and id", field="case_id")
            if current.version != expected_version:
                raise ConcurrencyConflict(
                    "the case changed since the command read it; re-read and retry",
                    field="expected_version",
                )
            idempotency_key = record.idempotency_key
            if idempotency_key is not None:
                if (case.tenant_id, idempotency_key) in self._keys:
                    raise ConcurrencyConflict(
                        "a command with this idempotency key was stored meanwhile",
                        field="idempotency_key",
                    )
                self._keys[(case.tenant_id, idempotency_key)] = record
            self._histories[key].append(record)
            self._cases[key] = case
            if register is not None:
                self._registers[key] = register
            elif write_register:
                self._registers.pop(key, None)

    def deadlines_due(
        self,
        tenant_id: str,
        first: pendulum.Date | None,
        last: pendulum.Date,
        *,
        after: tuple[pendulum.Date, str, str] | None = None,
        rule_id: str | None = None,
        limit: int = 100,
    ) -> Sequence[DueDeadline]:
        """
        Open deadlines of one tenant due from *first* to *last*, by a scan of its cases.

        Added in version 0.1.0.
        """
        rows = [
            DueDeadline(
                tenant_id,
                case.case_id,
                d.kind,
                d.due,
                d.rule_ids,
                d.projected,
                local_authority=case.local_authority,
                state=case.state,
                lifecycle=case.lifecycle,
                local_authority_given=case.local_authority_given,
            )
            for (tenant, _), case in list(self._cases.items())
            if tenant == tenant_id
            for d in case.deadlines
            if d.is_open
            and d.due is not None
            and d.due <= last
            and (first is None or d.due >= first)
            and (rule_id is None or rule_id in d.rule_ids)
            and (after is None or (d.due, case.case_id, d.kind) > after)
        ]
        rows.sort(key=lambda r: (r.due, r.case_id, r.kind))
        return rows[:limit]

    def __len__(self) -> int:
        return len(self._cases)
