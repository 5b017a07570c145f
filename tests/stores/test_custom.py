"""
A store written outside the library passes the shipped contract.

``DictStore`` is what a host might write: plain dicts behind one lock, records kept
as tuples of their fields and rebuilt on the way out. It shares no code with
``MemoryStore``; passing :class:`~safeguarding_workflow.testing.StoreContract`
is what shows it fit to run a workflow.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import attrs
import pendulum

import safeguarding_workflow as sw
from safeguarding_workflow.stores import RegisterRow
from safeguarding_workflow.testing import StoreContract

#: A history record's fields, in the order HistoryRecord takes them.
Row = tuple[str, str, int, str, str, str, str, bytes, str, str | None]


class DictStore(sw.CaseStore):
    """Cases in a dict by tenant, then by case id; histories as lists of rows."""

    def __init__(self) -> None:
        self._tenants: dict[str, dict[str, tuple[sw.Case, list[Row]]]] = {}
        self._lock = threading.RLock()
        self._registers: dict[tuple[str, str], RegisterRow] = {}

    def _cases(self, tenant_id: str) -> dict[str, tuple[sw.Case, list[Row]]]:
        return self._tenants.setdefault(tenant_id, {})

    def _entry(self, tenant_id: str, case_id: str) -> tuple[sw.Case, list[Row]]:
        entry = self._cases(tenant_id).get(case_id)
        if entry is None:
            raise sw.CaseNotFoundError("no such case", field="case_id")
        return entry

    def get(self, tenant_id: str, case_id: str) -> sw.Case:
        with self._lock:
            return self._entry(tenant_id, case_id)[0]

    def history(self, tenant_id: str, case_id: str) -> tuple[sw.HistoryRecord, ...]:
        with self._lock:
            rows = list(self._entry(tenant_id, case_id)[1])
        return tuple(sw.HistoryRecord(*row) for row in rows)

    def find(self, tenant_id: str, case_id: str, idempotency_key: str) -> sw.HistoryRecord | None:
        # A key names one command of the tenant: look on every case of it.
        with self._lock:
            rows = [row for _, rows in self._cases(tenant_id).values() for row in rows]
        for row in rows:
            if row[-1] == idempotency_key:
                return sw.HistoryRecord(*row)
        return None

    def create(self, case: sw.Case, record: sw.HistoryRecord) -> None:
        with self._lock:
            cases = self._cases(case.tenant_id)
            if case.case_id in cases:
                raise sw.CaseExistsError("the case exists", field="case_id")
            cases[case.case_id] = (case, [attrs.astuple(record)])

    def register_row(self, tenant_id: str, case_id: str) -> RegisterRow | None:
        return self._registers.get((tenant_id, case_id))

    def register_rows(self, tenant_id: str) -> Iterator[tuple[str, RegisterRow]]:
        with self._lock:
            rows = sorted((c, r) for (t, c), r in self._registers.items() if t == tenant_id)
        yield from rows

    def append_with_register(
        self,
        case: sw.Case,
        record: sw.HistoryRecord,
        expected_version: int,
        register: RegisterRow | None,
    ) -> None:
        with self._lock:  # reentrant: the append and the row under one hold
            self.append(case, record, expected_version)
            if register is None:  # a disposal
                self._registers.pop((case.tenant_id, case.case_id), None)
            else:
                self._registers[(case.tenant_id, case.case_id)] = register

    def append(self, case: sw.Case, record: sw.HistoryRecord, expected_version: int) -> None:
        with self._lock:
            current, rows = self._entry(case.tenant_id, case.case_id)
            if current.version != expected_version:
                raise sw.ConcurrencyConflict("the case moved on", field="expected_version")
            key = record.idempotency_key
            if key is not None and self.find(case.tenant_id, case.case_id, key) is not None:
                raise sw.ConcurrencyConflict("the key was used", field="idempotency_key")
            self._cases(case.tenant_id)[case.case_id] = (case, [*rows, attrs.astuple(record)])

    def deadlines_due(
        self,
        tenant_id: str,
        first: pendulum.Date | None,
        last: pendulum.Date,
        *,
        after: tuple[pendulum.Date, str, str] | None = None,
        rule_id: str | None = None,
        limit: int = 100,
    ) -> list[sw.DueDeadline]:
        # The one read behind overdue() and due_soon(): a scan, sorted by the page key.
        with self._lock:
            cases = [case for case, _ in self._cases(tenant_id).values()]
        rows = sorted(
            (
                (d.due, case.case_id, d.kind, case, d)
                for case in cases
                for d in case.deadlines
                if d.is_open and d.due is not None and d.due <= last
                if (first is None or d.due >= first) and (rule_id is None or rule_id in d.rule_ids)
            ),
            key=lambda row: row[:3],
        )
        return [
            sw.DueDeadline(
                tenant_id,
                case.case_id,
                d.kind,
                due,
                d.rule_ids,
                d.projected,
                local_authority=case.local_authority,
                state=case.state,
                lifecycle=case.lifecycle,
            )
            for due, _, _, case, d in rows
            if after is None or (due, case.case_id, d.kind) > after
        ][:limit]


class TestDictStore(StoreContract):
    def make_store(self) -> DictStore:
        """A new, empty dict store."""
        return DictStore()
