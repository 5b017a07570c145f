"""Case stores: a small interface, and the in-memory implementation."""

from __future__ import annotations

import abc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import final

from ._case import Case
from ._history import HistoryRecord
from .exceptions import CaseExistsError, CaseNotFoundError, ConcurrencyConflict

__all__ = ["CaseStore", "MemoryStore"]


class CaseStore(abc.ABC):
    """
    Where cases and their histories live.

    A store keeps, per tenant and case, the latest case record and the history
    records in order. :meth:`create` and :meth:`append` store a case record and
    its history record together or not at all, and :meth:`append` refuses with
    :class:`~safeguarding_workflow.exceptions.ConcurrencyConflict` when the case
    has moved on from the version the command read.

    A command reads the case and writes its next record inside
    :meth:`transaction`; a store whose reads and writes can share one database
    transaction (:class:`~safeguarding_workflow.SqlStore`) makes the scope one
    transaction, so a command costs one commit. The defaults suit a store without
    transactions: the scope is the store itself.

    .. versionadded:: 0.1.0
    """

    @contextmanager
    def transaction(self) -> Iterator[CaseStore]:
        """
        A scope for one command: reads and the write inside it share one transaction.

        Yields the store to read and write through. Leaving the scope by an
        exception stores nothing of the command.

        .. versionadded:: 0.1.0
        """
        yield self

    def load(
        self, tenant_id: str, case_id: str, idempotency_key: str | None
    ) -> tuple[Case, HistoryRecord | None]:
        """
        The latest record of a case, and the record an idempotency key produced, if any.

        The default calls :meth:`get` and :meth:`find`; a store may answer both at once.

        .. versionadded:: 0.1.0
        """
        case = self.get(tenant_id, case_id)
        if idempotency_key is None:
            return case, None
        return case, self.find(tenant_id, case_id, idempotency_key)

    @abc.abstractmethod
    def get(self, tenant_id: str, case_id: str) -> Case:
        """The latest record of a case; :class:`CaseNotFoundError` if none."""

    @abc.abstractmethod
    def history(self, tenant_id: str, case_id: str) -> tuple[HistoryRecord, ...]:
        """A case's history records, in order; :class:`CaseNotFoundError` if none."""

    @abc.abstractmethod
    def find(self, tenant_id: str, case_id: str, idempotency_key: str) -> HistoryRecord | None:
        """The record a command with this idempotency key produced, if any."""

    @abc.abstractmethod
    def create(self, case: Case, record: HistoryRecord) -> None:
        """Store a new case and its first record; :class:`CaseExistsError` if it exists."""

    @abc.abstractmethod
    def append(self, case: Case, record: HistoryRecord, expected_version: int) -> None:
        """Store a case's new record and next history record, if still at *expected_version*."""


@final
class MemoryStore(CaseStore):
    """
    Keeps cases in memory: for tests, and for hosts that keep no history of their own.

    Thread-safe: one lock serialises writes, so racing commands on one case get
    exactly one winner and :class:`ConcurrencyConflict` for the rest.

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_cases", "_histories", "_keys", "_lock")

    def __init__(self) -> None:
        self._cases: dict[tuple[str, str], Case] = {}
        self._histories: dict[tuple[str, str], list[HistoryRecord]] = {}
        self._keys: dict[tuple[str, str, str], HistoryRecord] = {}
        self._lock = threading.Lock()

    def find(self, tenant_id: str, case_id: str, idempotency_key: str) -> HistoryRecord | None:
        """The record a command with this idempotency key produced, if any."""
        return self._keys.get((tenant_id, case_id, idempotency_key))

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
                if (*key, idempotency_key) in self._keys:
                    raise ConcurrencyConflict(
                        "a command with this idempotency key was stored meanwhile",
                        field="idempotency_key",
                    )
                self._keys[(*key, idempotency_key)] = record
            self._histories[key].append(record)
            self._cases[key] = case

    def __len__(self) -> int:
        return len(self._cases)
