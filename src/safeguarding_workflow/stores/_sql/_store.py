"""
The SQL case store: one SQLAlchemy Core code path for SQLite and PostgreSQL.

`SqlStore` is what a store does with a connection: a command's transaction scope, its
reads and writes through the compiled statements, and running the admin queries. What
it stands on lives beside it, one concern a module: the tables and triggers in
`_schema`, the compiled statements and error translation in `_driver`, the row shapes
in `_rows`, the kept-recent-cases cache in `_cache`, the SQLite engine in `_engine`, and
the SQL of the admin queries in `_queries`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, final

import orjson
import pendulum
import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine

from ..._case import Case, Deadline
from ..._dates import instant_text
from ..._records import recorded_at_of
from ...exceptions import (
    CaseExistsError,
    CaseNotFoundError,
    ConcurrencyConflict,
    ConfigurationError,
    InvalidInputError,
    SafeguardingWorkflowError,
    StoreError,
)
from ...history._chain import ChainHead, HistoryRecord
from .._base import CaseStore, DueDeadline, DueRow, RegisterRow
from ._cache import CACHE_BYTES, CACHE_CASES, _Recent
from ._driver import (
    _CHANGED,
    _Driver,
    _driver_statements,
    _pipelines,
    _postgresql_append,
    _statements,
    _translated,
    _unbatched,
)
from ._engine import _BEGUN, _READING, check_sqlite_settings, mark_writer, sqlite_engine, writer
from ._host import Verifier, committed_keys, found, held
from ._queries import (
    case_ids_query,
    consumed_insert,
    due_rows,
    heads_query,
    overdue_query,
    purge_statement,
)
from ._rows import _deadline_rows, _iso_date, _record, case_row, history_row, outbox_row
from ._schema import _tables, create_all

__all__ = ["DueDeadline", "SqlStore"]


def _text(value: object, field: str) -> str:
    """
    *value* if it is text every engine binds: a str, encodable as UTF-8, without NUL.

    An id of another type would reach the driver as a bound parameter and fail there
    (or, on SQLite, quietly match nothing); it is refused by field, never echoed.
    """
    if type(value) is not str or "\x00" in value:
        raise InvalidInputError(f"{field!r} must be a string", field=field)
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInputError(f"{field!r} must be a string", field=field) from None
    return value


def _checkpoint(raw: Any) -> bool:
    """The WAL checkpointed and truncated on *raw*: True unless another connection kept it."""
    cursor = raw.cursor()
    try:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        row = cursor.fetchone()
    finally:
        cursor.close()
    return row is None or int(row[0]) == 0


def _immediate(raw: Any, view: SqlStore) -> Iterator[SqlStore]:
    """
    *view* in a SQLite transaction of its own on the driver connection *raw*.

    ``BEGIN IMMEDIATE`` (the write lock from the command's read to its commit), then
    ``COMMIT``, or a rollback if the scope raised; the WAL is checkpointed after a
    commit that deleted a register (see `SqlStore.scrub`). Delegated to with
    ``yield from`` by the command scopes, so it costs no context manager of its own.
    """
    raw.cursor().execute("BEGIN IMMEDIATE")
    try:
        yield view
    except BaseException:
        raw.rollback()
        raise
    raw.commit()
    if view._disposed:
        _checkpoint(raw)


def _disposed(shared: _Shared, _engine: Engine) -> None:
    """The engine was disposed: each thread's own connection is replaced at its next use."""
    shared.generation += 1


def _run_one(driver: _Driver, raw: Any, keys: dict[str, Any]) -> Any:
    """One row of a read on a command's connection, or None (see `_Recent.case`)."""
    cursor = raw.cursor()
    driver.run(cursor, keys)
    return cursor.fetchone()


@contextmanager
def _refused(engine: Engine, what: str) -> Iterator[None]:
    """
    A database error on a read or a purge as `StoreError`, naming only the error's kind.

    The driver's message is not kept: it can hold the statement's bound parameters.
    A file that is not a database, a database without the store's tables, a connection
    that fails: each is a library error, never the driver's own.
    """
    dbapi_error = engine.dialect.loaded_dbapi.Error
    try:
        yield
    except (sa.exc.SQLAlchemyError, dbapi_error) as error:
        cause = getattr(error, "orig", None) or error
        raise StoreError(
            f"the database could not answer the {what} ({type(cause).__name__})", field="store"
        ) from None


def _sync_engine(engine: object) -> None:
    """
    Refuse an engine `SqlStore` cannot drive, naming the fix: an async engine above all.

    An `AsyncEngine` (or its ``sync_engine``, whose driver awaits) would be accepted
    and then fail at the first command with an obscure error of SQLAlchemy's; it is
    refused here, pointing at `AsyncSqlStore`.
    """
    if isinstance(engine, Engine) and not engine.dialect.is_async:
        return
    if isinstance(engine, Engine) or hasattr(engine, "sync_engine"):
        raise ConfigurationError(
            "'engine' is an async engine: SqlStore needs a synchronous one "
            "(sqlalchemy.create_engine); for an AsyncEngine use "
            "safeguarding_workflow.stores.AsyncSqlStore, "
            "driven by safeguarding_workflow.aio.AsyncWorkflow",
            field="engine",
        )
    raise ConfigurationError(
        "'engine' must be a SQLAlchemy Engine (sqlalchemy.create_engine)", field="engine"
    )


class _Shared:
    """What every view of one store shares: tables and statements, built once."""

    __slots__ = (
        "batched",
        "compiled",
        "dialect",
        "driver",
        "generation",
        "held",
        "overdue_queries",
        "pipeline",
        "postgresql_append",
        "postgresql_append_kept",
        "recent",
        "statements",
        "tables",
        "verifier",
        "writer",
    )

    #: Reads back which records of a host's transaction committed (set by SqlStore).
    verifier: Verifier
    #: The engine the store's own writes begin on: on SQLite, marked a writer (set by SqlStore).
    writer: Engine

    def __init__(
        self, tables: dict[str, sa.Table], dialect: sa.Dialect, cache_bytes: int = CACHE_BYTES
    ) -> None:
        pipeline = _pipelines(dialect)
        self.batched = pipeline is not None
        postgresql = dialect.name == "postgresql"
        self.postgresql_append = (
            _postgresql_append(tables, dialect, kept=False) if postgresql else None
        )
        self.postgresql_append_kept = (
            _postgresql_append(tables, dialect, kept=True) if postgresql else None
        )
        self.pipeline = pipeline or _unbatched
        self.recent = _Recent(CACHE_CASES, cache_bytes)
        self.tables = tables
        self.statements = _statements(tables)
        self.driver = _driver_statements(tables, dialect, self.statements)
        self.overdue_queries: dict[tuple[bool, bool, bool], _Driver] = {}
        self.dialect = dialect
        #: Core statements compiled for a SQLite command scope's reads (see _RawScope), by id.
        self.compiled: dict[int, tuple[object, _Driver]] = {}
        #: Each thread's own driver connection on SQLite (see SqlStore._own_connection),
        #: and the engine's disposals so far: a connection held from before one is closed.
        self.held = threading.local()
        self.generation = 0


@final
class _Held:
    """A thread's own driver connection to a SQLite file, closed when it is let go."""

    __slots__ = ("connection", "generation", "pid")

    def __init__(self, connection: Any, generation: int) -> None:
        self.connection = connection
        self.generation = generation
        self.pid = os.getpid()

    def __del__(self) -> None:
        if self.pid == os.getpid():  # a forked child leaves its parent's connection alone
            with contextlib.suppress(Exception):
                self.connection.close()


@final
class _RawResult:
    """What a read in a SQLite command scope returns: `first()` and `all()` of a cursor."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def first(self) -> Any:
        """The first row, or None."""
        return self._cursor.fetchone()

    def all(self) -> list[Any]:
        """Every row."""
        rows: list[Any] = self._cursor.fetchall()
        return rows


@final
class _RawScope:
    """
    A SQLite command scope's connection: the thread's own driver connection to the file.

    A command on SQLite runs its statements on the driver's cursor between a ``BEGIN
    IMMEDIATE`` and a ``COMMIT`` of its own, so SQLAlchemy's `Connection` around the
    driver's connection did nothing but cost about 40 µs a command to build and close.
    This stands in for it in the store's views: `connection` is the driver's connection
    (the thread's own: see `SqlStore._own_connection`), the scope is always in its
    transaction, and `execute` runs the store's Core reads (a correction's record, a
    retry's history) compiled once, on the driver's cursor. Nothing else of a
    `Connection` is asked of a command scope.
    """

    __slots__ = ("_shared", "connection")

    def __init__(self, connection: Any, shared: _Shared) -> None:
        self.connection = connection
        self._shared = shared

    def in_transaction(self) -> bool:
        """Always: the scope began its transaction when it opened."""
        return True

    def execute(self, statement: Any, parameters: dict[str, Any] | None = None) -> _RawResult:
        """Run one of the store's Core statements on the driver's cursor."""
        compiled = self._shared.compiled.get(id(statement))
        if compiled is None or compiled[0] is not statement:
            compiled = (statement, _Driver.of(statement, self._shared.dialect))
            self._shared.compiled[id(statement)] = compiled
        cursor = self.connection.cursor()
        compiled[1].run(cursor, parameters or {})
        return _RawResult(cursor)


@final
class SqlStore(CaseStore):
    """
    Cases and histories in SQL: SQLite (a file, the embedded default) or PostgreSQL.

    Added in version 0.1.0.

    Each write runs in one transaction, the store's own or the host's: the case
    row, its history record, its deadline rows and its outbox row commit together
    or not at all. A writer that lost a race gets
    `ConcurrencyConflict` and nothing of
    its command is stored.

    Args:
        engine: A SQLAlchemy engine (see `sqlite()` and `postgresql()`).
        prefix: Prefix of the table names, so they sit beside the host's tables.
        schema: PostgreSQL schema to hold the tables, if not the default.
        connection: A connection in the host's transaction; writes then join it and
            commit (or roll back) with the host's own (see `bound()`).
        cache_bytes: The budget, in bytes, of the cases the store keeps after storing or
            reading them, so a command need not decode its case's snapshot again: at
            most 1,024 cases, each counting four times its snapshot's length (16 MiB by
            default; 0 keeps none). A kept case is used only while its row holds the
            very snapshot, version and head it was kept with; any other row is read
            only once it matches its chain's last record (its ``state_digest``).

    """

    __slots__ = (
        "_autocommit",
        "_connection",
        "_disposed",
        "_host",
        "_kept_text",
        "_loaded",
        "_shared",
        "engine",
        "prefix",
        "schema",
    )

    def __init__(
        self,
        engine: Engine,
        *,
        prefix: str = "sw_",
        schema: str | None = None,
        connection: Connection | None = None,
        cache_bytes: int = CACHE_BYTES,
    ) -> None:
        _sync_engine(engine)
        self._setup(engine, prefix, schema, connection, cache_bytes)
        check_sqlite_settings(engine)

    def _setup(
        self,
        engine: Engine,
        prefix: str,
        schema: str | None,
        connection: Connection | None,
        cache_bytes: int,
    ) -> None:
        """What `__init__` does once the engine is known to be synchronous (see `_async`)."""
        if not prefix.replace("_", "").isalnum() or not prefix.isascii():
            raise ConfigurationError("'prefix' must be letters, digits and '_'", field="prefix")
        if type(cache_bytes) is not int or cache_bytes < 0:
            raise ConfigurationError(
                "'cache_bytes' must be a whole number of bytes, 0 or more", field="cache_bytes"
            )
        self.engine = engine
        self.prefix = prefix
        self.schema = schema
        self._shared = _Shared(_tables(sa.MetaData(), prefix, schema), engine.dialect, cache_bytes)
        if engine.dialect.name == "sqlite":  # threads' own connections close after a disposal
            sa_event.listen(engine, "engine_disposed", functools.partial(_disposed, self._shared))
        # Reads back the records of a host's transaction on a connection of the engine's
        # own (see publish); it holds no connection, so held deliveries keep none alive.
        self._shared.verifier = functools.partial(
            committed_keys, engine, self._shared.tables["history"]
        )
        self._shared.writer = writer(engine)
        self._connection = connection
        self._loaded: Case | None = None
        # The snapshot text of _loaded when load served it from the kept cases, unread.
        self._kept_text: str | None = None
        self._autocommit = False  # a PostgreSQL command scope: each statement commits itself
        self._disposed = False  # a register row was deleted in this scope (see scrub)
        # On the host's connection, in the host's transaction: events wait for its commit.
        self._host = connection is not None

    @classmethod
    def sqlite(cls, path: str, *, prefix: str = "sw_", cache_bytes: int = CACHE_BYTES) -> SqlStore:
        """
        A store on a SQLite file, its tables created if missing.

        Added in version 0.1.0.
        """
        store = cls(sqlite_engine(path), prefix=prefix, cache_bytes=cache_bytes)
        store.create_schema()
        return store

    @classmethod
    def postgresql(
        cls,
        url: str,
        *,
        prefix: str = "sw_",
        schema: str | None = None,
        cache_bytes: int = CACHE_BYTES,
    ) -> SqlStore:
        """
        A store on PostgreSQL through psycopg 3 (``synchronous_commit=on``), tables created.

        Added in version 0.1.0.
        """
        engine = sa.create_engine(url, connect_args={"options": "-c synchronous_commit=on"})
        store = cls(engine, prefix=prefix, schema=schema, cache_bytes=cache_bytes)
        store.create_schema()
        return store

    def bound(self, connection: Connection) -> SqlStore:
        """
        The same store, writing inside the host's transaction on *connection*.

        The host begins and commits (or rolls back) the transaction; a rollback
        leaves nothing of the library's writes.

        Subscribers hear of the commands only once the host has committed: a workflow on
        the view holds each command's event with the connection, drops it if the
        transaction (or a savepoint the command ran in) rolls back, and delivers it when
        the host calls `publish()` after its commit. The outbox rows commit with the
        host's transaction, so the relay needs nothing more.

        On SQLite, a connection not yet in a transaction is marked a writer
        (`WRITER_OPTION`): the host's ``connection.begin()`` then takes the write lock at
        once (``BEGIN IMMEDIATE``), so two hosts' commands never deadlock on upgrading a
        read lock. Bind before you begin; a transaction begun already stays deferred (mark
        it yourself when you begin it, e.g. ``Session.connection(execution_options=...)``).

        Added in version 0.1.0.
        """
        if isinstance(connection, Connection) and not connection.in_transaction():
            mark_writer(connection)
        view = self._view(connection)
        view._host = True
        return view

    def _view(self, connection: Connection) -> SqlStore:
        """The same store on *connection*: a command scope's, or (see `bound()`) the host's."""
        view = object.__new__(SqlStore)
        view.engine, view.prefix, view.schema = self.engine, self.prefix, self.schema
        view._shared = self._shared
        view._connection = connection
        view._loaded = None
        view._kept_text = None
        view._autocommit = False
        view._disposed = False
        view._host = False
        return view

    def after_commit(self, record: HistoryRecord, callback: Callable[[], object]) -> None:
        """
        Run *callback* once *record* has committed: at once, or once the host's commit has.

        On a view in the host's transaction (`bound()`) it is held with the connection
        until the host has committed and calls `publish()`, and dropped if the record
        never commits.

        Added in version 0.1.0.
        """
        connection = self._connection
        if not self._host or connection is None:
            callback()
            return
        held(connection).add(callback, record, self._shared.verifier)

    def publish(self) -> int:
        """
        Deliver the events of commands in the host's transactions that committed; how many.

        Call it once your commit has returned, on any view of the connection (`bound()`):
        the events of every workflow on the connection go to their subscribers in the
        order their commands were stored, each once. An event is delivered only when its
        transaction has ended and another connection reads its record back: one rolled
        back, with its transaction, a savepoint or a commit that failed, is dropped. The
        events of the transaction still open wait for a later call. A store outside a
        host's transaction delivers as each command ends, so for it this does nothing.

        Added in version 0.1.0.
        """
        connection = self._connection
        if not self._host or connection is None:
            return 0
        queue = found(connection)
        if queue is None:
            return 0
        ended = queue.ended(connection.get_transaction() is not None)
        committed: set[tuple[str, str, int, str]] = set()
        for verifier in {id(d.verifier): d.verifier for d in ended}.values():
            keys = [d.key for d in ended if d.verifier is verifier]
            committed |= verifier(keys)
        delivered = [d for d in ended if d.key in committed]
        for index, delivery in enumerate(delivered):
            try:
                delivery.callback()
            except BaseException:  # a dispatcher that raises: the rest wait for the next call
                queue.deliveries[:0] = delivered[index + 1 :]
                raise
        return len(delivered)

    @contextmanager
    def transaction(self) -> Iterator[SqlStore]:
        """
        One database transaction for one command: its reads, its writes and one commit.

        Inside the host's transaction (`bound()`) the scope joins it instead.
        On SQLite the transaction begins immediately (it takes the write lock first).

        Added in version 0.1.0.
        """
        if self._connection is not None:
            yield self
            return
        if self.engine.dialect.name == "sqlite":
            # This thread's driver connection, BEGIN IMMEDIATE and COMMIT: the write lock
            # from the read to the commit, and no SQLAlchemy Connection (_RawScope).
            with _translated(self.engine, ConcurrencyConflict), self._own_connection() as raw:
                scope = _RawScope(raw, self._shared)
                yield from _immediate(raw, self._view(scope))  # type: ignore[arg-type]
            return
        with (
            _translated(self.engine, ConcurrencyConflict),
            self.engine.connect() as connection,
            self._scope(connection) as view,
        ):
            yield view

    @contextmanager
    def _scope(self, connection: Connection) -> Iterator[SqlStore]:
        """
        A command's transaction on *connection*, fresh from the engine: `transaction()`'s.

        The async store runs it on the connection of an `AsyncConnection` (see `_async`).
        """
        if self.engine.dialect.name == "sqlite":
            # BEGIN IMMEDIATE and COMMIT on the driver's connection: the write lock from the
            # read to the commit, without SQLAlchemy's transaction bookkeeping around them.
            connection.execution_options(**{_BEGUN: True})
            yield from _immediate(connection.connection, self._view(connection))
            return
        if not self._shared.batched:
            with connection.begin():
                yield self._view(connection)
            return
        # PostgreSQL: the read is one statement and the writes are another, which commits
        # itself (see append), so the driver runs in autocommit mode: no BEGIN, no COMMIT.
        connection.execution_options(isolation_level="AUTOCOMMIT")
        view = self._view(connection)
        view._autocommit = True
        yield view

    @contextmanager
    def _batch(self, connection: Connection) -> Iterator[None]:
        """
        Statements sent together, their results read at the end (one round trip on psycopg).

        Only in a transaction the store owns: on the host's connection statements go one
        by one. A statement's error can surface while later ones are still being queued;
        it is kept and raised once the batch has ended. After an error the connection is
        dropped from the pool: psycopg prepares a statement on its fifth use, and one
        skipped after the failure could be taken as prepared when it is not.
        """
        if not self._shared.batched or (self._connection is not None and not self._autocommit):
            yield
            return
        errors: list[Exception] = []
        dbapi_error = self.engine.dialect.loaded_dbapi.Error
        try:
            with self._shared.pipeline(connection.connection):
                try:
                    yield
                except dbapi_error as error:
                    errors.append(error)
        except dbapi_error as error:
            errors.append(error)
        if errors:
            connection.invalidate()
            raise errors[0]

    # -- schema ---------------------------------------------------------------------------

    def create_schema(self, *, connection: Connection | None = None) -> None:
        """
        Create the tables, indexes and append-only triggers if missing; refuse a newer schema.

        By default in a transaction of the store's own, committed before it returns. Given
        the host's *connection* (or on a view from `bound()`, its connection), it runs in
        the host's transaction instead, begun if none is open, and commits or rolls back
        with it: the host's own schema and the store's can be created together.

        Added in version 0.1.0.

        Args:
            connection: A connection of the host's, on the store's database.

        Raises:
            StoreError: the database holds a schema newer than this release reads.
            ConfigurationError: *connection* is not a SQLAlchemy Connection.

        """
        if connection is None:
            connection = self._connection
        elif not isinstance(connection, Connection):
            raise ConfigurationError(
                "'connection' must be a SQLAlchemy Connection", field="connection"
            )
        if connection is None:
            with self._shared.writer.begin() as own:
                create_all(own, self.prefix, self.schema)
            return
        if not connection.in_transaction():
            mark_writer(connection)
            connection.begin()  # the host's to commit
        create_all(connection, self.prefix, self.schema)

    # -- transactions ---------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        if self._connection is not None:
            if not self._autocommit and not self._connection.in_transaction():
                self._connection.begin()  # the host's to commit; begun for the driver's cursor
            yield self._connection
            return
        with self._shared.writer.begin() as connection:
            yield connection

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with _refused(self.engine, "read"):
            if self._connection is not None:
                yield self._connection
                return
            with self.engine.connect() as connection:
                connection.execution_options(**{_READING: True})
                yield connection

    @contextmanager
    def _own_connection(self) -> Iterator[Any]:
        """
        The calling thread's own driver connection to the SQLite file, made once and kept.

        For the store's own transactions: a command, a keyed read. Checking a connection
        out of SQLAlchemy's pool and back in costs about 30 µs, more than a command's
        statements together; so each thread that runs the store's own transactions keeps
        one connection, made by the engine (its settings applied) and then detached from
        the pool, which no longer counts it. It is never shared: a transaction begun on
        the same thread while one is open gets a connection of its own. It is closed when
        its thread ends, when a transaction on it fails in the database or driver (a
        refusal of the library's leaves it as it was), and after ``engine.dispose()``, at
        the thread's next transaction. A forked child makes its own and leaves its
        parent's alone.
        """
        shared = self._shared
        held: _Held | None = getattr(shared.held, "connection", None)
        shared.held.connection = None  # in use
        if held is None or held.generation != shared.generation or held.pid != os.getpid():
            fairy = self.engine.raw_connection()
            held = _Held(fairy.dbapi_connection, shared.generation)
            fairy.detach()  # ours now: the pool makes itself another when it needs one
        try:
            yield held.connection
        except SafeguardingWorkflowError:
            shared.held.connection = held  # refused by the library: the connection is sound
            raise
        shared.held.connection = held

    @contextmanager
    def _read_keyed(self) -> Iterator[Connection]:
        """
        `_read()` for the store's own prebuilt reads (a case, its records, its register).

        On SQLite outside a scope it runs them on the pool's driver connection in a
        deferred transaction of its own (one snapshot for all of them), without a
        SQLAlchemy `Connection` around it (`_RawScope`): about 20 µs a read.
        """
        if self._connection is not None or self._shared.dialect.name != "sqlite":
            with self._read() as connection:
                yield connection
            return
        with _refused(self.engine, "read"), self._own_connection() as raw:
            raw.cursor().execute("BEGIN")
            try:
                yield _RawScope(raw, self._shared)  # type: ignore[misc]
            finally:
                raw.rollback()

    # -- CaseStore ------------------------------------------------------------------------

    def get(self, tenant_id: str, case_id: str) -> Case:
        """
        The latest record of a case, once its row is checked against its history.

        Raises:
            CaseNotFoundError: no such case.
            HistoryIntegrityError: the row is not the case its chain's last record
                produced (``snapshot_mismatch``).

        """
        _text(tenant_id, "tenant_id")
        _text(case_id, "case_id")
        statements = self._shared.statements
        keys = {"k_tenant": tenant_id, "k_case": case_id}
        with self._read_keyed() as connection:
            row = connection.execute(statements["get"], keys).first()
            return self._shared.recent.case(
                tenant_id,
                case_id,
                row,
                lambda number: connection.execute(
                    statements["head_record"], {**keys, "k_sequence": number}
                ).first(),
                lambda: connection.execute(statements["get"], keys).first(),
            )

    def load(
        self, tenant_id: str, case_id: str, idempotency_key: str | None
    ) -> tuple[Case, HistoryRecord | None]:
        """
        The latest record of a case and the tenant's record of *idempotency_key*: one round trip.

        In a command's transaction, a command without a key on a case this store kept
        (one it wrote or read lately) is served the kept case without reading it: the
        write that follows updates the case row only if the row still holds that very
        case (its version, head and snapshot text), so a case changed by another process,
        or edited behind the library's back, is never written over. If the write finds
        another row, or the command is refused, the workflow asks again
        (`_served_unread`), and this time the row is read and checked against its
        history, as every other read is.

        Added in version 0.1.0.
        """
        driver = self._shared.driver
        if idempotency_key is None and self._connection is not None:
            unread, self._kept_text = self._kept_text is not None, None
            kept = None if unread else self._shared.recent.peek(tenant_id, case_id)
            if kept is not None:
                self._kept_text, self._loaded = kept
                return kept[1], None
        keys = {"k_tenant": tenant_id, "k_case": case_id, "k_key": idempotency_key}
        with self._write() as connection:
            raw = connection.connection
            get, find = raw.cursor(), raw.cursor()
            if idempotency_key is None:
                driver["get"].run(get, keys)
                first = None
            else:
                with self._batch(connection):
                    driver["get"].run(get, keys)
                    driver["find"].run(find, keys)
                first = find.fetchone()
            row = get.fetchone()
            case = self._shared.recent.case(
                tenant_id,
                case_id,
                row,
                lambda number: _run_one(driver["head_record"], raw, {**keys, "k_sequence": number}),
                lambda: _run_one(driver["get"], raw, keys),
            )
        if self._connection is not None:
            self._loaded = case  # read in the write's transaction: append writes what changed
        return case, None if first is None else _record(tenant_id, first[0], first[1:])

    def _served_unread(self) -> bool:
        """Whether `load` last served a kept case unread (see `load`)."""
        return self._kept_text is not None

    def history(self, tenant_id: str, case_id: str) -> tuple[HistoryRecord, ...]:
        """A case's history records, in sequence order."""
        _text(tenant_id, "tenant_id")
        _text(case_id, "case_id")
        with self._read_keyed() as connection:
            rows = connection.execute(
                self._shared.statements["history"], {"k_tenant": tenant_id, "k_case": case_id}
            ).all()
        if not rows:
            raise CaseNotFoundError("no case with this tenant and id", field="case_id")
        return tuple(_record(tenant_id, case_id, r) for r in rows)

    def record(self, tenant_id: str, case_id: str, sequence: int) -> HistoryRecord:
        """
        One of a case's history records, by its sequence number: one row by its primary key.

        Added in version 0.1.0.
        """
        _text(tenant_id, "tenant_id")
        _text(case_id, "case_id")
        if type(sequence) is not int or not 1 <= sequence <= 2**31 - 1:
            raise InvalidInputError("'sequence' names no record of the case", field="sequence")
        keys = {"k_tenant": tenant_id, "k_case": case_id, "k_sequence": sequence}
        statements = self._shared.statements
        with self._read_keyed() as connection:
            row = connection.execute(statements["record"], keys).first()
            # Told apart only when there is no row: no case, or no such record of it.
            no_case = row is None and connection.execute(statements["get"], keys).first() is None
        if row is not None:
            return _record(tenant_id, case_id, row)
        if no_case:
            raise CaseNotFoundError("no case with this tenant and id", field="case_id")
        raise InvalidInputError("'sequence' names no record of the case", field="sequence")

    def find(self, tenant_id: str, case_id: str, idempotency_key: str) -> HistoryRecord | None:
        """
        The record a command with this idempotency key produced in the tenant, on any case.

        Added in version 0.1.0.
        """
        with self._read_keyed() as connection:
            row = connection.execute(
                self._shared.statements["find"],
                {"k_tenant": tenant_id, "k_key": idempotency_key},
            ).first()
        return None if row is None else _record(tenant_id, row[0], row[1:])

    def create(self, case: Case, record: HistoryRecord) -> None:
        """Store a new case with its first record, deadlines and outbox row, in one transaction."""
        driver = self._shared.driver
        row = case_row(case)
        with _translated(self.engine, CaseExistsError), self._write() as connection:
            raw = connection.connection
            cursor = raw.cursor()
            with self._batch(connection):
                if self._autocommit:  # several statements: one transaction all the same
                    cursor.execute("BEGIN")
                driver["insert_case"].run(cursor, row)
                self._insert_record(cursor, case, record, case.deadlines)
                if self._autocommit:
                    cursor.execute("COMMIT")
        self._shared.recent.keep(case, row["snapshot"])

    def append(self, case: Case, record: HistoryRecord, expected_version: int) -> None:
        """
        Store a case's next record, if the case is still at *expected_version*.

        On PostgreSQL the writes are one statement, each hanging on the case row's
        UPDATE at *expected_version*: a command that lost a race writes nothing, and in
        a command scope the statement commits itself. On SQLite the statements run one
        by one under the write lock taken when the scope began, and the UPDATE's row
        count is checked before the commit.
        """
        self._append(case, record, expected_version, None)

    def append_with_register(
        self,
        case: Case,
        record: HistoryRecord,
        expected_version: int,
        register: RegisterRow | None,
    ) -> None:
        """
        `append()`, and the case's register row written (None: deleted), in one transaction.

        The statements run one by one after the case row's UPDATE at *expected_version*
        (on PostgreSQL between a BEGIN and a COMMIT of their own in a command scope), so
        a command that lost a race, or failed, leaves neither its record nor its row.

        On SQLite the connection's ``secure_delete`` is on before the row is written or
        deleted, so the bytes a replaced or deleted row held are overwritten with zeros,
        and after a transaction of the store's own that deleted one, the WAL is
        checkpointed and truncated (``PRAGMA wal_checkpoint(TRUNCATE)``): nothing of the
        row stays in the database file or its WAL. In the host's transaction (`bound()`),
        or on PostgreSQL, call `scrub()` after the commit.

        Added in version 0.1.0.
        """
        if register is not None and not isinstance(register, RegisterRow):
            raise InvalidInputError("'register' must be a RegisterRow or None", field="register")
        self._append(case, record, expected_version, register, write_register=True)

    def register_rows(self, tenant_id: str) -> Iterator[tuple[str, RegisterRow]]:
        """
        Every register of a tenant, as ``(case_id, row)`` pairs in case id order.

        Read in one snapshot, then yielded.

        Added in version 0.1.0.
        """
        keys = {"k_tenant": _text(tenant_id, "tenant_id")}
        with self._read() as connection:
            rows = connection.execute(self._shared.statements["registers"], keys).all()
        for row in rows:
            yield str(row[0]), RegisterRow(str(row[1]), bytes(row[2]), bytes(row[3]))

    def scrub(self) -> bool:
        """
        Leave no copy of deleted register rows where the database keeps old pages.

        After a disposal (`append_with_register` with None) committed in the host's
        transaction, or on PostgreSQL, call this once the transaction has committed.
        On SQLite it checkpoints the WAL into the database file and truncates it to
        nothing (the deleted bytes were already overwritten with zeros, as
        ``secure_delete`` is on for every register write); it returns False if a reader
        or writer of another connection kept the checkpoint from completing (call again
        later). On PostgreSQL it runs ``VACUUM FULL`` on the register table, which writes
        the live rows to new files and removes the old ones, dead rows with them; it
        takes the table's exclusive lock for the time it runs. What the server's WAL,
        its archive and backups hold of the deleted rows is theirs to age out: the
        identifier register how-to says how key rotation covers them.

        Added in version 0.1.0.

        Raises:
            StoreError: the database refused (on PostgreSQL, a role that does not own
                the table).

        """
        self._disposed = False
        if self._shared.dialect.name == "sqlite":
            with _refused(self.engine, "scrub"):
                raw = self.engine.raw_connection()
                try:
                    return _checkpoint(raw)
                finally:
                    raw.close()
        with _refused(self.engine, "scrub"), self.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            return self._scrub_on(connection)

    def _scrub_on(self, connection: Connection) -> bool:
        """`scrub()` on *connection*, outside any transaction (the async store's way in)."""
        if self._shared.dialect.name == "sqlite":
            return _checkpoint(connection.connection)
        table = self._shared.tables["register"]
        name = self._shared.dialect.identifier_preparer.format_table(table)
        connection.exec_driver_sql(f"VACUUM FULL {name}")
        return True

    def register_row(self, tenant_id: str, case_id: str) -> RegisterRow | None:
        """
        The case's sealed register and wrapped data key, or None: one row by its key.

        Added in version 0.1.0.
        """
        _text(tenant_id, "tenant_id")
        _text(case_id, "case_id")
        keys = {"k_tenant": tenant_id, "k_case": case_id}
        with self._read_keyed() as connection:
            row = connection.execute(self._shared.statements["register"], keys).first()
        if row is None:
            return None
        return RegisterRow(str(row[0]), bytes(row[1]), bytes(row[2]))

    def _append(
        self,
        case: Case,
        record: HistoryRecord,
        expected_version: int,
        register: RegisterRow | None,
        *,
        write_register: bool = False,
    ) -> None:
        driver = self._shared.driver
        row = case_row(case)
        row.update(k_tenant=case.tenant_id, k_case=case.case_id, k_version=expected_version)
        read = self._read_at(case, expected_version)
        loaded, kept_text = self._loaded, self._kept_text
        kept = read and kept_text is not None  # decided on a kept case: the row must be it
        if kept and loaded is not None:
            row.update(k_head=loaded.head, k_snapshot=kept_text)
        if record.sequence != expected_version + 1 or case.version != record.sequence:
            raise InvalidInputError(
                "the record must be the case's next, after 'expected_version'",
                field="expected_version",
            )
        if not write_register and self._shared.postgresql_append is not None:
            self._append_postgresql(case, record, row, read, kept)
            return
        with _translated(self.engine, ConcurrencyConflict), self._write() as connection:
            raw = connection.connection
            update, cursor = raw.cursor(), raw.cursor()
            own = self._autocommit  # a PostgreSQL command scope: one transaction all the same
            if own:
                cursor.execute("BEGIN")
            try:
                driver["update_kept_case" if kept else "update_case"].run(update, row)
                if update.rowcount != 1:
                    raise ConcurrencyConflict(_CHANGED, field="expected_version")
                self._insert_record(cursor, case, record, self._changed(case, record, read))
                if write_register and self._shared.dialect.name == "sqlite":
                    # Zeros over the bytes of a replaced or deleted row (see scrub()).
                    cursor.execute("PRAGMA secure_delete=ON")
                if write_register and register is None:
                    keys = {"k_tenant": case.tenant_id, "k_case": case.case_id}
                    driver["delete_register"].run(cursor, keys)
                    self._disposed = True
                elif register is not None:
                    driver["upsert_register"].run(
                        cursor,
                        {
                            "tenant_id": case.tenant_id,
                            "case_id": case.case_id,
                            "kek_id": register.kek_id,
                            "wrapped_key": register.wrapped_key,
                            "sealed": register.sealed,
                        },
                    )
            except BaseException:
                if own:
                    with contextlib.suppress(self.engine.dialect.loaded_dbapi.Error):
                        cursor.execute("ROLLBACK")
                raise
            if own:
                cursor.execute("COMMIT")
        self._kept_text = None
        self._shared.recent.keep(case, row["snapshot"])
        if self._disposed and self._connection is None:
            self.scrub()  # the store's own transaction, committed on leaving _write()

    def _append_postgresql(
        self, case: Case, record: HistoryRecord, row: dict[str, Any], read: bool, kept: bool
    ) -> None:
        """`append()` on PostgreSQL: one statement, all of its writes or none."""
        deadlines = _deadline_rows(case, self._changed(case, record, read), iso=True)
        outbox = outbox_row(record, recorded_at_of(record))
        params = {
            **history_row(record),
            **row,
            "d_kind": [d["kind"] for d in deadlines],
            "d_status": [d["status"] for d in deadlines],
            "d_due": [d["due"] for d in deadlines],
            "d_rule_ids": [d["rule_ids"] for d in deadlines],
            "d_projected": [d["projected"] for d in deadlines],
            "o_event": outbox["event"],
            "available_at": outbox["available_at"],
        }
        with _translated(self.engine, ConcurrencyConflict), self._write() as connection:
            cursor = connection.connection.cursor()
            shared = self._shared
            cursor.execute(
                shared.postgresql_append_kept if kept else shared.postgresql_append, params
            )
            count = cursor.fetchone()
            if count is None or count[0] != 1:
                raise ConcurrencyConflict(_CHANGED, field="expected_version")
        self._kept_text = None
        self._shared.recent.keep(case, row["snapshot"])

    def _read_at(self, case: Case, expected_version: int) -> bool:
        """Whether this transaction read *case* at *expected_version* (see `load()`)."""
        loaded = self._loaded
        return (
            loaded is not None
            and loaded.version == expected_version
            and loaded.case_id == case.case_id
            and loaded.tenant_id == case.tenant_id
        )

    def _changed(self, case: Case, record: HistoryRecord, read: bool) -> tuple[Deadline, ...]:
        """
        The deadlines a record changed, whose rows are to be written.

        Against the case read in this transaction when there is one (*read*: the version
        check makes it the row being replaced); else from the record, which lists every
        deadline it changed.
        """
        if read and self._loaded is not None:
            before = {d.kind: d for d in self._loaded.deadlines}
            # A deadline the command left alone is the very object it read: no comparison.
            return tuple(
                d for d in case.deadlines if (was := before.get(d.kind)) is not d and was != d
            )
        kinds = {c["kind"] for c in orjson.loads(record.body)["changes"].get("deadlines", ())}
        return tuple(d for d in case.deadlines if d.kind in kinds)

    def _insert_record(
        self, cursor: Any, case: Case, record: HistoryRecord, deadlines: Sequence[Deadline]
    ) -> None:
        """Write a record's history row, the rows of *deadlines* and the record's outbox row."""
        driver = self._shared.driver
        statement = driver["insert_history"]
        statement.run(cursor, history_row(record))
        statement = driver["upsert_deadline"]
        for row in _deadline_rows(case, deadlines, iso=True):
            # one by one: psycopg's executemany would end the pipeline's round trip early
            statement.run(cursor, row)
        statement = driver["insert_outbox"]
        row = outbox_row(record, recorded_at_of(record))
        statement.run(cursor, row)

    # -- outbox -----------------------------------------------------------------------------

    @property
    def tables(self) -> dict[str, sa.Table]:
        """The store's tables, by role (``cases``, ``history``, ``deadlines``, ``outbox``, …)."""
        return dict(self._shared.tables)

    def purge_outbox(self, delivered_before: str | dt.date) -> int:
        """
        Delete outbox rows delivered before *delivered_before*; return how many.

        Dead rows are kept until an operator deals with them.

        Added in version 0.1.0.

        Args:
            delivered_before: A timezone-aware datetime (any zone; compared in UTC), or a
                date (the start of that day in UTC). The UTC text it took before
                (``2024-01-31T09:00:00.000000Z`` or ``2024-01-31``) is still accepted.

        Raises:
            InvalidInputError: *delivered_before* is a naive datetime, text in another
                form, or another type.
            StoreError: the database could not do it (not a store's database, say).

        """
        delivered_before = instant_text(delivered_before, "delivered_before")
        with _refused(self.engine, "purge"), self._write() as connection:
            result = connection.execute(
                purge_statement(self._shared.tables["outbox"], delivered_before)
            )
        return int(result.rowcount)

    def mark_consumed(self, consumer: str, event_id: str) -> bool:
        """
        Record that *consumer* handled *event_id*; False if it already had.

        Added in version 0.1.0.
        """
        try:
            with self._write() as connection:
                connection.execute(
                    consumed_insert(self._shared.tables["consumed"], consumer, event_id)
                )
        except sa.exc.IntegrityError:
            return False
        return True

    # -- queries --------------------------------------------------------------------------

    def deadlines_due(
        self,
        tenant_id: str,
        first: pendulum.Date | None,
        last: pendulum.Date,
        *,
        after: tuple[pendulum.Date, str, str] | None = None,
        rule_id: str | None = None,
        limit: int = 100,
    ) -> list[DueDeadline]:
        """
        Open deadlines of one tenant due from *first* to *last*: one index-driven SELECT.

        Answered from the deadlines table's partial index on open deadlines, in the
        index's order, each row joined to its case row by primary key for the case's
        state, lifecycle and authority; never by loading cases. `overdue()` and
        `due_soon()` stand on it.

        Added in version 0.1.0.
        """
        rows = self._due_rows(tenant_id, first, last, after=after, rule_id=rule_id, limit=limit)
        return [
            DueDeadline(
                row[1],
                row[2],
                row[3],
                row[0],
                row[4],
                row[5],
                local_authority=row[6],
                state=row[7],
                lifecycle=row[8],
                local_authority_given=row[9],
            )
            for row in rows
        ]

    def _due_rows(
        self,
        tenant_id: str,
        first: pendulum.Date | None,
        last: pendulum.Date,
        *,
        after: tuple[pendulum.Date, str, str] | None,
        rule_id: str | None,
        limit: int,
    ) -> list[DueRow]:
        """`deadlines_due()` as tuples, built straight from the SELECT's rows (see `CaseStore`)."""
        if type(limit) is not int or not 1 <= limit <= 10_000:
            raise InvalidInputError("'limit' must be from 1 to 10000", field="limit")
        _text(tenant_id, "tenant_id")
        if rule_id is not None:
            _text(rule_id, "rule_id")
        shape = (first is not None, rule_id is not None, after is not None)
        query = self._shared.overdue_queries.get(shape)
        if query is None:
            query = self._shared.overdue_queries[shape] = overdue_query(
                self._shared.tables, self.engine.dialect, *shape
            )
        params: dict[str, Any] = {
            "k_tenant": tenant_id,
            "k_last": _iso_date(last, "as_of"),
            "k_limit": limit,
        }
        if first is not None:
            params["k_first"] = _iso_date(first, "as_of")
        if rule_id is not None:
            params["k_rule"] = f"% {rule_id} %"
        if after is not None:
            if not isinstance(after, tuple) or len(after) != 3:
                raise InvalidInputError("'after' must be a (due, case_id, kind) key", field="after")
            params["k_after_due"] = _iso_date(after[0], "after")
            params["k_after_case"] = _text(after[1], "after")
            params["k_after_kind"] = _text(after[2], "after")
        with self._read() as connection:
            cursor = connection.connection.cursor()
            query.run(cursor, params)
            rows = cursor.fetchall()
        return due_rows(tenant_id, rows, self.engine.dialect)

    def heads(self, tenant_id: str | None = None) -> list[ChainHead]:
        """
        The head of every case's chain (of one tenant, or all), from the cases table.

        Keep them outside the database (signed: ``sign_heads``) to detect a chain
        rewritten or cut back later.

        Added in version 0.1.0.
        """
        if tenant_id is not None:
            _text(tenant_id, "tenant_id")
        query = heads_query(self._shared.tables["cases"], tenant_id)
        with self._read() as connection:
            rows = connection.execute(query).all()
        return [ChainHead(r.tenant_id, r.case_id, r.version, r.head) for r in rows]

    def case_ids(self, tenant_id: str) -> Sequence[str]:
        """
        Every case id of a tenant, in order.

        Added in version 0.1.0.
        """
        query = case_ids_query(self._shared.tables["cases"], _text(tenant_id, "tenant_id"))
        with self._read() as connection:
            rows = connection.execute(query).all()
        return [r.case_id for r in rows]
