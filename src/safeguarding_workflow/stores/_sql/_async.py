"""
The SQL store on SQLAlchemy's `AsyncEngine`: the sync store's own code, run by the event loop.

SQLAlchemy's asyncio extension runs synchronous code on an async driver through
`AsyncConnection.run_sync()`: the code runs in a greenlet, and each statement it sends
is awaited on the event loop in its place. `AsyncSqlStore` runs `SqlStore`'s reads,
writes and command scope that way, on one `AsyncConnection` per call or command, so the
statements, the snapshot and history checks, the version checks and the translation of
the driver's errors are the sync store's, not a copy of them. The drivers are aiosqlite
(``sqlite+aiosqlite://``) and psycopg's async connection (``postgresql+psycopg://``);
the SQLite settings (WAL, ``synchronous=FULL``, a writer's ``BEGIN IMMEDIATE``) are the
sync engine's hooks, set on the async engine's ``sync_engine``.

One difference: psycopg's pipeline mode is not used on the async driver (an async
pipeline cannot be entered from the synchronous code), so on PostgreSQL a command is a
plain ``BEGIN`` ... ``COMMIT`` with its statements sent one by one.
"""

from __future__ import annotations

import datetime as dt
import inspect
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
from typing import Any, TypeVar, final

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from ..._case import Case
from ..._clock import Clock
from ..._events import CloudEvent
from ...exceptions import ConcurrencyConflict, ConfigurationError, SqliteSettingsWarning
from ...history._chain import ChainHead, HistoryRecord
from .._base import CaseStore, DueDeadline, RegisterRow
from ._cache import CACHE_BYTES
from ._driver import _translated
from ._engine import _CONFIGURED, _JOURNAL, _READING, _SYNCHRONOUS_FULL, _sqlite_hooks
from ._outbox import (
    RelayReport,
    _claim_rows,
    _Outcomes,
    _RelaySettings,
    exponential_backoff,
)
from ._queries import consumed_insert
from ._schema import create_all
from ._store import SqlStore, _refused

__all__ = ["AsyncOutboxRelay", "AsyncSqlStore", "AsyncStoreScope"]

_T = TypeVar("_T")


def async_sqlite_engine(path: str) -> AsyncEngine:
    """An async engine on a SQLite file (aiosqlite), with the sync store's SQLite settings."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    _sqlite_hooks(engine.sync_engine)
    return engine


def _check_sqlite_on_connect(engine: AsyncEngine) -> None:
    """
    `check_sqlite_settings` for an async engine, asked on its first connection.

    The sync store asks a SQLite file's engine for its journal mode and synchronous
    setting when it is made; an async engine cannot be asked before it is awaited, so
    the question goes to the first connection the engine makes, and an engine without
    WAL and ``synchronous=FULL`` gets the same `SqliteSettingsWarning`. An engine with
    the store's hooks (`AsyncSqlStore.sqlite`, `configure_sqlite_engine`) and an
    in-memory database are not asked.
    """
    sync = engine.sync_engine
    if sync.dialect.name != "sqlite" or getattr(sync, _CONFIGURED, False):
        return
    database = sync.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return

    def check(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous")
        synchronous = cursor.fetchone()[0]
        cursor.close()
        if str(journal).lower() == _JOURNAL and int(synchronous or 0) >= _SYNCHRONOUS_FULL:
            return
        warnings.warn(
            SqliteSettingsWarning(
                "the async store was given a SQLite engine without WAL and synchronous=FULL: "
                "a crash can lose committed commands and readers wait for writers; use "
                "AsyncSqlStore.sqlite(path) or pass the engine through "
                "safeguarding_workflow.stores.configure_sqlite_engine(engine)"
            ),
            stacklevel=2,
        )

    sa_event.listen(sync, "connect", check, once=True)


def _writer(base: SqlStore) -> AsyncEngine:
    """The async engine the store's own writes begin on (on SQLite, marked a writer)."""
    return AsyncEngine(base._shared.writer)


def _leave(
    _connection: Connection,
    scope: AbstractContextManager[SqlStore],
    error: BaseException | None,
) -> None:
    """Leave a command scope entered in an earlier greenlet: commit, or roll back on *error*."""
    if error is None:
        scope.__exit__(None, None, None)
    else:
        scope.__exit__(type(error), error, error.__traceback__)


@final
class _OneConnection(CaseStore):
    """
    The store on one command's connection, in a greenlet: what `AsyncWorkflow` runs on.

    `transaction()` is `SqlStore.transaction()` on this connection instead of a new one;
    each other call runs in a transaction of its own (a workflow opens a case with
    `create()` alone).
    """

    __slots__ = ("_base", "_connection")

    def __init__(self, base: SqlStore, connection: Connection) -> None:
        self._base = base
        self._connection = connection

    @contextmanager
    def transaction(self) -> Iterator[CaseStore]:
        with (
            _translated(self._base.engine, ConcurrencyConflict),
            self._base._scope(self._connection) as view,
        ):
            yield view

    def get(self, tenant_id: str, case_id: str) -> Case:
        with self.transaction() as store:
            return store.get(tenant_id, case_id)

    def history(self, tenant_id: str, case_id: str) -> tuple[HistoryRecord, ...]:
        with self.transaction() as store:
            return store.history(tenant_id, case_id)

    def find(self, tenant_id: str, case_id: str, idempotency_key: str) -> HistoryRecord | None:
        with self.transaction() as store:
            return store.find(tenant_id, case_id, idempotency_key)

    def create(self, case: Case, record: HistoryRecord) -> None:
        with self.transaction() as store:
            store.create(case, record)

    def append(self, case: Case, record: HistoryRecord, expected_version: int) -> None:
        with self.transaction() as store:
            store.append(case, record, expected_version)

    def append_with_register(
        self, case: Case, record: HistoryRecord, expected_version: int, register: RegisterRow | None
    ) -> None:
        with self.transaction() as store:
            store.append_with_register(case, record, expected_version, register)

    def register_row(self, tenant_id: str, case_id: str) -> RegisterRow | None:
        with self.transaction() as store:
            return store.register_row(tenant_id, case_id)

    def register_rows(self, tenant_id: str) -> Iterator[tuple[str, RegisterRow]]:
        with self.transaction() as store:
            rows = list(store.register_rows(tenant_id))
        yield from rows

    def case_ids(self, tenant_id: str) -> Sequence[str]:
        with self.transaction() as store:
            return store.case_ids(tenant_id)


@final
class AsyncStoreScope:
    """
    One command's transaction on an `AsyncSqlStore`: what `AsyncSqlStore.transaction()` yields.

    Its reads and writes share the scope's one database transaction, as those of
    `SqlStore.transaction()` do: on SQLite it holds the write lock from the first read to
    the commit; an `append()` refused for a stale version raises `ConcurrencyConflict`.

    Added in version 0.1.0.
    """

    __slots__ = ("_connection", "_store")

    def __init__(self, connection: AsyncConnection, store: SqlStore) -> None:
        self._connection = connection
        self._store = store

    async def _run(self, call: Callable[[], _T]) -> _T:
        return await self._connection.run_sync(lambda _: call())

    async def get(self, tenant_id: str, case_id: str) -> Case:
        """The latest record of a case, read in the scope; `CaseNotFoundError` if none."""
        return await self._run(lambda: self._store.get(tenant_id, case_id))

    async def load(
        self, tenant_id: str, case_id: str, idempotency_key: str | None
    ) -> tuple[Case, HistoryRecord | None]:
        """The latest record of a case and the tenant's record of *idempotency_key*, if any."""
        return await self._run(lambda: self._store.load(tenant_id, case_id, idempotency_key))

    async def history(self, tenant_id: str, case_id: str) -> tuple[HistoryRecord, ...]:
        """A case's history records, in order, read in the scope."""
        return await self._run(lambda: self._store.history(tenant_id, case_id))

    async def record(self, tenant_id: str, case_id: str, sequence: int) -> HistoryRecord:
        """One of a case's history records, by its sequence number."""
        return await self._run(lambda: self._store.record(tenant_id, case_id, sequence))

    async def find(
        self, tenant_id: str, case_id: str, idempotency_key: str
    ) -> HistoryRecord | None:
        """The record a command with this idempotency key produced in the tenant, if any."""
        return await self._run(lambda: self._store.find(tenant_id, case_id, idempotency_key))

    async def create(self, case: Case, record: HistoryRecord) -> None:
        """Store a new case with its first record; `CaseExistsError` if it exists."""
        await self._run(lambda: self._store.create(case, record))

    async def append(self, case: Case, record: HistoryRecord, expected_version: int) -> None:
        """Store a case's next record, if still at *expected_version*."""
        await self._run(lambda: self._store.append(case, record, expected_version))

    async def append_with_register(
        self, case: Case, record: HistoryRecord, expected_version: int, register: RegisterRow | None
    ) -> None:
        """`append()`, and the case's register row written, in the scope's transaction."""
        await self._run(
            lambda: self._store.append_with_register(case, record, expected_version, register)
        )

    async def register_row(self, tenant_id: str, case_id: str) -> RegisterRow | None:
        """The case's sealed register and wrapped data key, read in the scope, or None."""
        return await self._run(lambda: self._store.register_row(tenant_id, case_id))

    async def register_rows(self, tenant_id: str) -> list[tuple[str, RegisterRow]]:
        """Every register of a tenant as ``(case_id, row)`` pairs, read in the scope."""
        return await self._run(lambda: list(self._store.register_rows(tenant_id)))


@final
class AsyncSqlStore:
    """
    Cases and histories in SQL for asyncio hosts: `SqlStore` on SQLAlchemy's `AsyncEngine`.

    The same tables, statements and guarantees as `SqlStore` (one transaction per
    command; the case row, its history record, deadlines and outbox row commit together
    or not at all; `ConcurrencyConflict` for a writer that lost a race; snapshots checked
    against their history), with every method awaited. Drive commands through
    `safeguarding_workflow.aio.AsyncWorkflow`; relay the outbox with `AsyncOutboxRelay`.

    Added in version 0.1.0.

    Args:
        engine: An async engine: ``create_async_engine("sqlite+aiosqlite:///...")`` (see
            `sqlite()`, which adds the store's SQLite settings) or
            ``create_async_engine("postgresql+psycopg://...")`` (see `postgresql()`).
        prefix: Prefix of the table names, as for `SqlStore`.
        schema: PostgreSQL schema to hold the tables, if not the default.
        cache_bytes: The budget of cases kept after storing or reading them, as for
            `SqlStore`.

    Raises:
        ConfigurationError: *engine* is not an `AsyncEngine` (a synchronous engine goes to
            `SqlStore`), or a bad *prefix* or *cache_bytes*.

    """

    __slots__ = ("_base", "engine")

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        prefix: str = "sw_",
        schema: str | None = None,
        cache_bytes: int = CACHE_BYTES,
    ) -> None:
        if not isinstance(engine, AsyncEngine):
            if isinstance(engine, Engine):
                raise ConfigurationError(
                    "'engine' is a synchronous engine: AsyncSqlStore needs an AsyncEngine "
                    "(sqlalchemy.ext.asyncio.create_async_engine); for a synchronous engine "
                    "use SqlStore",
                    field="engine",
                )
            raise ConfigurationError(
                "'engine' must be a SQLAlchemy AsyncEngine (create_async_engine)", field="engine"
            )
        base = object.__new__(SqlStore)
        base._setup(engine.sync_engine, prefix, schema, None, cache_bytes)
        self.engine = engine
        self._base = base
        _check_sqlite_on_connect(engine)

    @classmethod
    async def sqlite(
        cls, path: str, *, prefix: str = "sw_", cache_bytes: int = CACHE_BYTES
    ) -> AsyncSqlStore:
        """
        A store on a SQLite file through aiosqlite, with `SqlStore.sqlite()`'s settings.

        Its tables are created if missing.

        Added in version 0.1.0.
        """
        store = cls(async_sqlite_engine(path), prefix=prefix, cache_bytes=cache_bytes)
        await store.create_schema()
        return store

    @classmethod
    async def postgresql(
        cls,
        url: str,
        *,
        prefix: str = "sw_",
        schema: str | None = None,
        cache_bytes: int = CACHE_BYTES,
    ) -> AsyncSqlStore:
        """
        A store on PostgreSQL through psycopg's async driver (``synchronous_commit=on``).

        *url* names the driver: ``postgresql+psycopg://user@host/db``. Tables are created.

        Added in version 0.1.0.
        """
        engine = create_async_engine(url, connect_args={"options": "-c synchronous_commit=on"})
        store = cls(engine, prefix=prefix, schema=schema, cache_bytes=cache_bytes)
        await store.create_schema()
        return store

    @property
    def prefix(self) -> str:
        """The prefix of the store's table names."""
        return self._base.prefix

    @property
    def schema(self) -> str | None:
        """The PostgreSQL schema of the store's tables, if not the default."""
        return self._base.schema

    @property
    def tables(self) -> dict[str, sa.Table]:
        """The store's tables, by role (``cases``, ``history``, ``deadlines``, ``outbox``, …)."""
        return self._base.tables

    async def create_schema(self) -> None:
        """
        Create the tables, indexes and append-only triggers if missing; refuse a newer schema.

        Added in version 0.1.0.
        """
        async with _writer(self._base).begin() as connection:
            await connection.run_sync(create_all, self._base.prefix, self._base.schema)

    # -- running the sync store's code ------------------------------------------------------

    async def _read(self, call: Callable[[SqlStore], _T]) -> _T:
        """*call* on the store on a reading connection (SQLite begins it deferred)."""
        base = self._base
        with _refused(base.engine, "read"):
            async with self.engine.connect() as connection:
                await connection.execution_options(**{_READING: True})
                return await connection.run_sync(lambda sync: call(base._view(sync)))

    async def _write(self, call: Callable[[SqlStore], _T]) -> _T:
        """*call* on the store in one write transaction of its own, committed."""
        base = self._base
        with _translated(base.engine, ConcurrencyConflict):
            async with _writer(base).begin() as connection:
                return await connection.run_sync(lambda sync: call(base._view(sync)))

    async def _command(self, call: Callable[[CaseStore], _T]) -> _T:
        """
        *call* on the store on one connection, in one greenlet: a command of `AsyncWorkflow`.

        The sync workflow runs whole inside it; its `transaction()` is the sync store's
        scope on this connection, so the command is one transaction that has committed
        when *call* returns.
        """
        base = self._base
        with _translated(base.engine, ConcurrencyConflict):
            async with self.engine.connect() as connection:
                return await connection.run_sync(lambda sync: call(_OneConnection(base, sync)))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncStoreScope]:
        """
        One database transaction for one command, as `SqlStore.transaction()`: ``async with``.

        Leaving it by an exception stores nothing of what was written in it.

        Added in version 0.1.0.
        """
        with _translated(self._base.engine, ConcurrencyConflict):
            async with self.engine.connect() as connection:
                scope = self._base._scope(connection.sync_connection)  # type: ignore[arg-type]
                view = await connection.run_sync(lambda _: scope.__enter__())
                try:
                    yield AsyncStoreScope(connection, view)
                except BaseException as error:
                    await connection.run_sync(_leave, scope, error)
                    raise
                await connection.run_sync(_leave, scope, None)

    # -- CaseStore, awaited --------------------------------------------------------------------

    async def get(self, tenant_id: str, case_id: str) -> Case:
        """
        The latest record of a case, once its row is checked against its history.

        Added in version 0.1.0.

        Raises:
            CaseNotFoundError: no such case.
            HistoryIntegrityError: the row is not the case its chain's last record produced.

        """
        return await self._read(lambda store: store.get(tenant_id, case_id))

    async def load(
        self, tenant_id: str, case_id: str, idempotency_key: str | None
    ) -> tuple[Case, HistoryRecord | None]:
        """
        The latest record of a case and the tenant's record of *idempotency_key*, if any.

        Added in version 0.1.0.
        """
        return await self._write(lambda store: store.load(tenant_id, case_id, idempotency_key))

    async def history(self, tenant_id: str, case_id: str) -> tuple[HistoryRecord, ...]:
        """
        A case's history records, in order; `CaseNotFoundError` if none.

        Added in version 0.1.0.
        """
        return await self._read(lambda store: store.history(tenant_id, case_id))

    async def record(self, tenant_id: str, case_id: str, sequence: int) -> HistoryRecord:
        """
        One of a case's history records, by its sequence number (the opening record is 1).

        Added in version 0.1.0.
        """
        return await self._read(lambda store: store.record(tenant_id, case_id, sequence))

    async def find(
        self, tenant_id: str, case_id: str, idempotency_key: str
    ) -> HistoryRecord | None:
        """
        The record a command with this idempotency key produced in the tenant, on any case.

        Added in version 0.1.0.
        """
        return await self._read(lambda store: store.find(tenant_id, case_id, idempotency_key))

    async def create(self, case: Case, record: HistoryRecord) -> None:
        """
        Store a new case with its first record, in one transaction; `CaseExistsError` if it exists.

        Added in version 0.1.0.
        """
        await self._write(lambda store: store.create(case, record))

    async def append(self, case: Case, record: HistoryRecord, expected_version: int) -> None:
        """
        Store a case's next record, if the case is still at *expected_version*.

        Added in version 0.1.0.

        Raises:
            ConcurrencyConflict: the case has moved on.

        """
        await self._write(lambda store: store.append(case, record, expected_version))

    async def append_with_register(
        self, case: Case, record: HistoryRecord, expected_version: int, register: RegisterRow | None
    ) -> None:
        """
        `append()`, and the case's register row written, in one transaction.

        Added in version 0.1.0.

        Raises:
            ConcurrencyConflict: the case has moved on; nothing is stored.

        """
        await self._write(
            lambda store: store.append_with_register(case, record, expected_version, register)
        )

    async def register_row(self, tenant_id: str, case_id: str) -> RegisterRow | None:
        """
        The case's sealed register and wrapped data key, or None.

        Added in version 0.1.0.
        """
        return await self._read(lambda store: store.register_row(tenant_id, case_id))

    async def register_rows(self, tenant_id: str) -> list[tuple[str, RegisterRow]]:
        """
        Every register of a tenant, as ``(case_id, row)`` pairs in case id order.

        Added in version 0.1.0.
        """
        return await self._read(lambda store: list(store.register_rows(tenant_id)))

    # -- queries and the outbox -------------------------------------------------------------

    async def overdue(self, *args: Any, **kwargs: Any) -> list[DueDeadline]:
        """
        `SqlStore.overdue()`, awaited: the same arguments and rows.

        Added in version 0.1.0.
        """
        return await self._read(lambda store: store.overdue(*args, **kwargs))

    async def due_soon(self, *args: Any, **kwargs: Any) -> list[DueDeadline]:
        """
        `SqlStore.due_soon()`, awaited: the same arguments and rows.

        Added in version 0.1.0.
        """
        return await self._read(lambda store: store.due_soon(*args, **kwargs))

    async def deadlines_due(self, *args: Any, **kwargs: Any) -> Sequence[DueDeadline]:
        """
        `SqlStore.deadlines_due()`, awaited: the one read behind `overdue()` and `due_soon()`.

        Added in version 0.1.0.
        """
        return await self._read(lambda store: store.deadlines_due(*args, **kwargs))

    async def heads(self, tenant_id: str | None = None) -> list[ChainHead]:
        """
        The head of every case's chain (of one tenant, or all), as `SqlStore.heads()`.

        Added in version 0.1.0.
        """
        return await self._read(lambda store: store.heads(tenant_id))

    async def case_ids(self, tenant_id: str) -> Sequence[str]:
        """
        Every case id of a tenant, in order.

        Added in version 0.1.0.
        """
        return await self._read(lambda store: store.case_ids(tenant_id))

    async def scrub(self) -> bool:
        """
        Leave no copy of deleted register rows where the database keeps old pages.

        As `SqlStore.scrub()`: call it after a disposal (`AsyncWorkflow.dispose`) has
        committed. On SQLite the disposal's own transaction already checkpointed and
        truncated the WAL, so this is needed only after a disposal in a transaction of
        the host's (`transaction()`); on PostgreSQL it runs ``VACUUM FULL`` on the
        register table and is needed after every disposal.

        Added in version 0.1.0.

        Raises:
            StoreError: the database refused (on PostgreSQL, a role that does not own
                the table).

        """
        base = self._base
        with _refused(base.engine, "scrub"):
            async with self.engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                return await connection.run_sync(lambda sync: base._view(sync)._scrub_on(sync))

    async def purge_outbox(self, delivered_before: str) -> int:
        """
        Delete outbox rows delivered before *delivered_before*, as `SqlStore.purge_outbox()`.

        Added in version 0.1.0.
        """
        return await self._write(lambda store: store.purge_outbox(delivered_before))

    async def mark_consumed(self, consumer: str, event_id: str) -> bool:
        """
        Record that *consumer* handled *event_id*; False if it already had.

        Added in version 0.1.0.
        """
        statement = consumed_insert(self.tables["consumed"], consumer, event_id)
        try:
            async with self.engine.begin() as connection:
                await connection.execute(statement)
        except sa.exc.IntegrityError:
            return False
        return True


@final
class AsyncOutboxRelay(_RelaySettings):
    """
    Delivers an `AsyncSqlStore`'s outbox to a handler: `OutboxRelay`, awaited.

    The same claims, order per case, back-off and dead-lettering as `OutboxRelay`, on
    the same rows: an async relay and a sync one may share an outbox. The handler may
    be a coroutine function; what it returns is awaited before the row is marked
    delivered, so delivery is at least once.

    Added in version 0.1.0.

    Args:
        store: The store whose outbox to relay.
        handler: Called with each event (awaited if it returns an awaitable);
            returning means delivered, raising means retry.
        clock: Tells the time (leases, back-off).
        relay_id: Opaque id of this relay, recorded on the rows it claims.
        batch_size: Rows claimed per pass.
        max_attempts: Failures before a row is dead-lettered.
        backoff: Wait after the n-th failure (`exponential_backoff()` by default).

    """

    __slots__ = ("store",)

    def __init__(
        self,
        store: AsyncSqlStore,
        handler: Callable[[CloudEvent], object],
        *,
        clock: Clock,
        relay_id: str = "relay",
        batch_size: int = 100,
        max_attempts: int = 10,
        backoff: Callable[[int], dt.timedelta] = exponential_backoff,
    ) -> None:
        if not isinstance(store, AsyncSqlStore):
            raise ConfigurationError("'store' must be an AsyncSqlStore", field="store")
        self._set_up(handler, clock, relay_id, batch_size, max_attempts, backoff)
        self.store = store

    async def run_once(self) -> RelayReport:
        """
        Claim a batch of deliverable rows and deliver them, in order.

        Added in version 0.1.0.
        """
        outcomes = _Outcomes(
            self.store.tables,
            self.clock,
            self.relay_id,
            self.batch_size,
            self.max_attempts,
            self.backoff,
        )
        engine = _writer(self.store._base)  # on SQLite, transactions that take the write lock
        async with engine.begin() as connection:
            rows = await connection.run_sync(_claim_rows, outcomes)
        tally = outcomes.tally()
        for row in rows:
            event = outcomes.event(row)
            statement = tally.blocked(row, event)
            if statement is None:
                try:
                    result = self.handler(event)
                    if inspect.isawaitable(result):
                        await result
                except Exception as error:
                    statement = tally.failed(row, event, error)
                else:
                    statement = tally.delivered(row)
            async with engine.begin() as connection:
                await connection.execute(statement)
        return tally.report()

    async def run_until_idle(self, max_passes: int = 1000) -> RelayReport:
        """
        Run passes until one delivers nothing; return the totals.

        Added in version 0.1.0.
        """
        totals = [0, 0, 0]
        for _ in range(max_passes):
            report = await self.run_once()
            totals = [
                totals[0] + report.delivered,
                totals[1] + report.failed,
                totals[2] + report.dead,
            ]
            if not (report.delivered or report.dead):
                break
        return RelayReport(*totals)
