"""The case store interface: what every store, the library's or a host's, implements."""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import attrs
import pendulum

from .._case import Case
from ..exceptions import InvalidInputError
from ..history._chain import HistoryRecord

__all__ = ["CaseStore", "DueDeadline"]


class CaseStore(abc.ABC):
    """
    Where cases and their histories live.

    A store keeps, per tenant and case, the latest case record and the history
    records in order. `create()` and `append()` store a case record and
    its history record together or not at all, and `append()` refuses with
    `ConcurrencyConflict` when the case
    has moved on from the version the command read.

    A command reads the case and writes its next record inside
    `transaction()`; a store whose reads and writes can share one database
    transaction (`SqlStore`) makes the scope one
    transaction, so a command costs one commit. The defaults suit a store without
    transactions: the scope is the store itself.

    Added in version 0.1.0.
    """

    @contextmanager
    def transaction(self) -> Iterator[CaseStore]:
        """
        A scope for one command: reads and the write inside it share one transaction.

        Yields the store to read and write through. Leaving the scope by an
        exception stores nothing of the command.

        Added in version 0.1.0.
        """
        yield self

    def after_commit(self, record: HistoryRecord, callback: Callable[[], object]) -> None:
        """
        Run *callback* once *record*, which this store wrote, has committed.

        The workflow hands it the delivery of each command's event once the command's
        scope has closed, so subscribers never hear of a record that is not stored. The
        default runs it at once: a store that commits its own writes has committed them
        by then. A store that writes inside its host's transaction (`SqlStore.bound()`)
        holds it until the host commits, and drops it if the record never commits.

        Added in version 0.1.0.
        """
        callback()

    def load(
        self, tenant_id: str, case_id: str, idempotency_key: str | None
    ) -> tuple[Case, HistoryRecord | None]:
        """
        The latest record of a case, and the record an idempotency key produced, if any.

        The keyed record is `find()`'s: the tenant's, on whichever case. The default
        calls `get()` and `find()`; a store may answer both at once.

        Added in version 0.1.0.
        """
        case = self.get(tenant_id, case_id)
        if idempotency_key is None:
            return case, None
        return case, self.find(tenant_id, case_id, idempotency_key)

    @abc.abstractmethod
    def get(self, tenant_id: str, case_id: str) -> Case:
        """The latest record of a case; `CaseNotFoundError` if none."""

    @abc.abstractmethod
    def history(self, tenant_id: str, case_id: str) -> tuple[HistoryRecord, ...]:
        """A case's history records, in order; `CaseNotFoundError` if none."""

    def record(self, tenant_id: str, case_id: str, sequence: int) -> HistoryRecord:
        """
        One of a case's history records, by its sequence number (the opening record is 1).

        A correction reads the record it corrects this way, and nothing else of the
        history, so it costs the same however long the case. The default reads the whole
        history and picks the record, so every store has it; a store that can read one
        record by its key (the SQL and memory stores do) overrides it.

        Added in version 0.1.0.

        Raises:
            CaseNotFoundError: no such case.
            InvalidInputError: the case has no record of that sequence number.

        """
        history = self.history(tenant_id, case_id)
        if type(sequence) is not int or not 1 <= sequence <= len(history):
            raise InvalidInputError("'sequence' names no record of the case", field="sequence")
        return history[sequence - 1]

    @abc.abstractmethod
    def find(self, tenant_id: str, case_id: str, idempotency_key: str) -> HistoryRecord | None:
        """
        The record a command with this idempotency key produced in the tenant, if any.

        A key names one command of a tenant, so the record is found whichever of the
        tenant's cases it is on (*case_id* is the case the new command names; the record
        may be another's), and never in another tenant. `append()` refuses a second record
        under a key of the tenant with `ConcurrencyConflict`. The workflow compares the
        record with the command: a retry of the same command returns its first outcome,
        and any other is refused with `IdempotencyKeyReused`.
        """

    @abc.abstractmethod
    def create(self, case: Case, record: HistoryRecord) -> None:
        """Store a new case and its first record; `CaseExistsError` if it exists."""

    @abc.abstractmethod
    def append(self, case: Case, record: HistoryRecord, expected_version: int) -> None:
        """Store a case's new record and next history record, if still at *expected_version*."""


@attrs.frozen
class DueDeadline:
    """
    One row of an overdue or due-soon query: enough to act on without loading the case.

    Added in version 0.1.0.
    """

    tenant_id: str
    case_id: str
    kind: str
    due: pendulum.Date
    rule_ids: tuple[str, ...]
    projected: bool
