"""
The store on Django's own database connection: commands join the host's ``atomic()``.

`DjangoStore` is the SQL store (`SqlStore`, its tables and SQL unchanged) run on a
SQLAlchemy connection lent over Django's DB-API connection (see `_lent`), in bound mode:
every statement runs in the transaction Django has open on the calling thread's
connection. Django keeps the transactions: each write is an ``atomic()`` block of its
own, a savepoint inside the host's block or a transaction outside one, and events go
to subscribers through ``transaction.on_commit``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Final, final

import pendulum
from django.db import DatabaseError as DjangoDatabaseError
from django.db import connections as django_connections
from django.db import transaction as django_transaction

from ..._case import Case
from ...exceptions import ConcurrencyConflict, ConfigurationError, StoreError
from ...history._chain import ChainHead, HistoryRecord
from ...stores._base import CaseStore, DueDeadline, RegisterRow
from ...stores._sql._cache import CACHE_BYTES
from ...stores._sql._schema import create_all
from ...stores._sql._store import SqlStore
from ._lent import lent, lent_engine

__all__ = ["DjangoStore"]

#: What a database says when another writer holds the rows or won a race.
_BUSY: Final = ("locked", "serializ", "deadlock")


@contextmanager
def _translated() -> Iterator[None]:
    """
    Django's database errors as the library's, naming only the error's kind.

    The store's own statements raise the library's errors already; what Django raises is
    its own work: connecting, and beginning, committing or rolling back a block. A lock
    or serialisation failure there is a conflict; anything else a `StoreError`, without
    the driver's message (it can hold bound values).
    """
    try:
        yield
    except DjangoDatabaseError as error:
        if any(word in str(error).lower() for word in _BUSY):
            raise ConcurrencyConflict(
                "the case is being changed by another writer; re-read and retry",
                field="expected_version",
            ) from None
        raise StoreError(
            f"the database refused the work ({type(error).__name__})", field="store"
        ) from None


@final
class DjangoStore(CaseStore):
    """
    Cases and histories in a Django project's database, on Django's own connection.

    Added in version 0.1.0.

    A command joins the transaction Django has open: inside the host's
    ``transaction.atomic()`` block it commits or rolls back with the host's own writes.
    Each write is an ``atomic()`` block of its own: a savepoint inside the host's block,
    so a refused or conflicting command leaves the host's transaction usable, or a
    transaction of its own outside one. Subscribers hear of a command through
    ``transaction.on_commit``: once the host's outermost block has committed, never if
    it rolls back (outside a block, at once, since the command has committed).

    The tables and SQL are `SqlStore`'s, run over Django's DB-API connection for the
    alias in the calling thread; the app's migrations create the tables (``manage.py
    migrate``). SQLite, and PostgreSQL through psycopg 3.

    Args:
        using: The alias of the database in Django's ``DATABASES``.
        prefix: Prefix of the table names; the app's migrations create ``sw_``'s.
        cache_bytes: The budget of the cases the store keeps after reading or storing
            them (as for `SqlStore`).

    Raises:
        ConfigurationError: *using* names no database, or one that is not SQLite or
            PostgreSQL through psycopg 3.

    """

    def __init__(
        self, using: str = "default", *, prefix: str = "sw_", cache_bytes: int = CACHE_BYTES
    ) -> None:
        self.using = using
        self.prefix = prefix
        self._sql = SqlStore(lent_engine(using), prefix=prefix, cache_bytes=cache_bytes)

    def __repr__(self) -> str:
        return f"DjangoStore(using={self.using!r}, prefix={self.prefix!r})"

    @contextmanager
    def sql(self) -> Iterator[SqlStore]:
        """
        The SQL store on the calling thread's Django connection, in its open transaction.

        For what `SqlStore` does beyond a `CaseStore`
        (``purge_outbox``, ``mark_consumed``, ``tables``): use it inside the block only.

        Added in version 0.1.0.
        """
        with _translated(), lent(self._sql.engine) as connection:
            yield self._sql.bound(connection)

    @contextmanager
    def _written(self) -> Iterator[SqlStore]:
        """The SQL store in an ``atomic()`` block of its own: all of a write, or none."""
        with _translated(), django_transaction.atomic(using=self.using), self.sql() as sql:
            yield sql

    def create_schema(self) -> None:
        """
        Create the tables, indexes and append-only triggers if missing, in one block.

        The app's migration does this for the ``sw_`` tables (``manage.py migrate``);
        this is for a store of another prefix.

        Added in version 0.1.0.

        Raises:
            StoreError: the database holds a schema newer than this release reads.

        """
        atomic = django_transaction.atomic(using=self.using)
        with _translated(), atomic, lent(self._sql.engine) as connection:
            create_all(connection, self.prefix)

    # -- the command scope --------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[CaseStore]:
        """
        One command's reads and writes in one ``atomic()`` block, inside the host's if open.

        Added in version 0.1.0.
        """
        with self._written() as sql:
            yield sql

    def after_commit(self, record: HistoryRecord, callback: Callable[[], object]) -> None:
        """
        Run *callback* through ``transaction.on_commit``: once the host's commit has happened.

        Dropped if the block the command ran in rolls back; at once when no block is
        open (the command has committed on its own).

        Added in version 0.1.0.
        """
        django_transaction.on_commit(callback, using=self.using)

    # -- CaseStore ------------------------------------------------------------------------

    def load(
        self, tenant_id: str, case_id: str, idempotency_key: str | None
    ) -> tuple[Case, HistoryRecord | None]:
        """The latest record of a case and the tenant's record of *idempotency_key*."""
        with self.sql() as sql:
            return sql.load(tenant_id, case_id, idempotency_key)

    def get(self, tenant_id: str, case_id: str) -> Case:
        """The latest record of a case; `CaseNotFoundError` if none."""
        with self.sql() as sql:
            return sql.get(tenant_id, case_id)

    def history(self, tenant_id: str, case_id: str) -> tuple[HistoryRecord, ...]:
        """A case's history records, in order; `CaseNotFoundError` if none."""
        with self.sql() as sql:
            return sql.history(tenant_id, case_id)

    def record(self, tenant_id: str, case_id: str, sequence: int) -> HistoryRecord:
        """One of a case's history records, by its sequence number."""
        with self.sql() as sql:
            return sql.record(tenant_id, case_id, sequence)

    def find(self, tenant_id: str, case_id: str, idempotency_key: str) -> HistoryRecord | None:
        """The record a command with this idempotency key produced in the tenant, if any."""
        with self.sql() as sql:
            return sql.find(tenant_id, case_id, idempotency_key)

    def create(self, case: Case, record: HistoryRecord) -> None:
        """Store a new case and its first record, in an ``atomic()`` block."""
        with self._written() as sql:
            sql.create(case, record)

    def append(self, case: Case, record: HistoryRecord, expected_version: int) -> None:
        """Store a case's next record if still at *expected_version*, in an ``atomic()`` block."""
        with self._written() as sql:
            sql.append(case, record, expected_version)

    def append_with_register(
        self, case: Case, record: HistoryRecord, expected_version: int, register: RegisterRow | None
    ) -> None:
        """`append()` and the case's register row (None: deleted), in one ``atomic()`` block."""
        with self._written() as sql:
            sql.append_with_register(case, record, expected_version, register)

    def register_row(self, tenant_id: str, case_id: str) -> RegisterRow | None:
        """The case's sealed register and wrapped data key, or None."""
        with self.sql() as sql:
            return sql.register_row(tenant_id, case_id)

    def register_rows(self, tenant_id: str) -> Iterator[tuple[str, RegisterRow]]:
        """Every register of a tenant, as ``(case_id, row)`` pairs in case id order."""
        with self.sql() as sql:
            rows = list(sql.register_rows(tenant_id))
        yield from rows

    def scrub(self) -> bool:
        """
        After a disposal has committed, what `SqlStore.scrub()` does, on Django's connection.

        SQLite: ``PRAGMA wal_checkpoint(TRUNCATE)`` (False if another connection kept it
        from completing: call again later). PostgreSQL: ``VACUUM FULL`` of the register
        table. Call it outside any ``atomic()`` block, once the disposal's has committed.

        Added in version 0.1.0.

        Raises:
            ConfigurationError: called inside an ``atomic()`` block.
            StoreError: the database refused.

        """
        connection = django_connections[self.using]
        if connection.in_atomic_block:
            raise ConfigurationError(
                "call scrub() once the disposal's atomic() block has committed, outside it",
                field="scrub",
            )
        table = self._sql.tables["register"]
        with _translated(), connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                row = cursor.fetchone()
                return row is None or int(row[0]) == 0
            cursor.execute(f"VACUUM FULL {connection.ops.quote_name(table.name)}")
        return True

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
        """Open deadlines of one tenant due from *first* to *last* (see `SqlStore`)."""
        with self.sql() as sql:
            return sql.deadlines_due(
                tenant_id, first, last, after=after, rule_id=rule_id, limit=limit
            )

    def heads(self, tenant_id: str | None = None) -> list[ChainHead]:
        """
        The head of every case's chain (of one tenant, or all), from the cases table.

        Added in version 0.1.0.
        """
        with self.sql() as sql:
            return sql.heads(tenant_id)

    def case_ids(self, tenant_id: str) -> Sequence[str]:
        """
        Every case id of a tenant, in order.

        Added in version 0.1.0.
        """
        with self.sql() as sql:
            return sql.case_ids(tenant_id)
