"""
Engine construction and its hooks: the SQLite engine, and the execution options the store sets.

SQLite needs its own connection settings (WAL, `synchronous=FULL`, a busy timeout) and
its own BEGIN, so that the library's writers take the write lock at once while every
other transaction begins deferred: the host's readers sharing the engine never wait for
a writer. The hooks here read the execution options the store sets on a connection
(`_WRITING`, `_BEGUN`) to know which BEGIN to emit. PostgreSQL needs no hook, and its
engine is made in `SqlStore.postgresql`.

Public here: `sqlite_engine` (an engine made the way the store expects),
`configure_sqlite_engine` (the same hooks on the host's own engine), `WRITER_OPTION` (the
execution option that makes a host's transaction begin as a writer) and the check behind
`SqliteSettingsWarning`.
"""

from __future__ import annotations

import warnings
from typing import Any, Final, TypeVar

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine

from ...exceptions import ConfigurationError, SqliteSettingsWarning

__all__ = [
    "WRITER_OPTION",
    "check_sqlite_settings",
    "configure_sqlite_engine",
    "mark_writer",
    "sqlite_engine",
    "writer",
]

#: The execution option marking a connection that only reads (SQLite begins it deferred,
#: as it does any connection not marked a writer).
_READING: Final = "safeguarding_workflow_reading"

#: The execution option marking a connection whose transaction the store began by hand.
_BEGUN: Final = "safeguarding_workflow_begun"

WRITER_OPTION: Final = "safeguarding_workflow_writing"
"""
The execution option that marks a SQLite connection a writer.

On an engine with the store's hooks (`sqlite_engine`, `configure_sqlite_engine`), a
connection whose execution options hold it set to True begins its transactions with
``BEGIN IMMEDIATE``, taking the write lock first; every other transaction begins deferred.
Set it on a connection of yours that fires commands through `SqlStore.bound` after it has
begun, or on an ORM session's: ``session.connection(execution_options={WRITER_OPTION:
True})``.

Added in version 0.1.0.
"""
_WRITING: Final = WRITER_OPTION

_E = TypeVar("_E")

#: The attribute an engine with the hooks carries, so they are installed once.
_CONFIGURED: Final = "_safeguarding_workflow_sqlite"

#: What the store expects of SQLite: the journal mode, and synchronous at least FULL (2).
_JOURNAL: Final = "wal"
_SYNCHRONOUS_FULL: Final = 2


def sqlite_engine(path: str) -> Engine:
    """
    An engine on a SQLite file as the store expects it: WAL, ``synchronous=FULL``, two BEGINs.

    What `SqlStore.sqlite` builds, for a host that shares the engine with its own code (an
    ORM, say): give it to `SqlStore` and to the host's sessions alike. The store's writers
    begin with ``BEGIN IMMEDIATE``; every other transaction (the host's, the store's
    reads) begins deferred and, under WAL, never waits for a writer. See
    `configure_sqlite_engine` for an engine the host makes itself.

    Added in version 0.1.0.

    Args:
        path: The database file (created if missing).

    """
    engine = sa.create_engine(f"sqlite+pysqlite:///{path}")
    _sqlite_hooks(engine)
    return engine


def configure_sqlite_engine(engine: _E) -> _E:
    """
    Install the store's SQLite hooks on the host's own engine; returns the engine.

    For a host that makes its engine itself (its own URL, pool or connect arguments). The
    hooks are those of `sqlite_engine`:

    - on connect: ``PRAGMA journal_mode=WAL``, ``PRAGMA synchronous=FULL``,
      ``PRAGMA foreign_keys=ON``, ``PRAGMA busy_timeout=30000``, and the driver's own
      transaction handling turned off (``isolation_level = None``, SQLAlchemy's recipe
      for pysqlite), so that the next hook decides how each transaction begins;
    - on begin: ``BEGIN IMMEDIATE`` for a connection marked a writer (the store's own
      writes, a view from `SqlStore.bound`, or a connection the host marks with
      `WRITER_OPTION`), and a deferred ``BEGIN`` for every other, so a read-only host
      transaction takes no lock.

    Installed once per engine (a second call does nothing). Connections already in the
    engine's pool lack them, so the pool is emptied: call it before the engine is used.
    An `AsyncEngine` (aiosqlite) gets them on its ``sync_engine``.

    Added in version 0.1.0.

    Args:
        engine: A SQLAlchemy `Engine` (or `AsyncEngine`) on SQLite.

    Raises:
        ConfigurationError: *engine* is not a SQLAlchemy engine on SQLite.

    """
    target = getattr(engine, "sync_engine", engine)
    if not isinstance(target, Engine):
        raise ConfigurationError("'engine' must be a SQLAlchemy Engine", field="engine")
    if target.dialect.name != "sqlite":
        raise ConfigurationError(
            "'engine' must be on SQLite: PostgreSQL needs no hooks", field="engine"
        )
    if not getattr(target, _CONFIGURED, False):
        target.dispose(close=False)  # pooled connections were made without the hooks
        _sqlite_hooks(target)
    return engine


def _sqlite_hooks(engine: Engine) -> None:
    """
    The store's SQLite settings and BEGIN on *engine*: `sqlite_engine`'s, and the async one's.

    On an async engine they go on its ``sync_engine``: the driver connection is then
    SQLAlchemy's adaptor of aiosqlite's, which takes the same settings.
    """
    setattr(engine, _CONFIGURED, True)

    @sa_event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's recipe: we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa_event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # Only the library's writers (and connections a host marks) take the write lock
        # first; everyone else begins deferred, and under WAL never waits for a writer.
        options = connection.get_execution_options()
        if not options.get(_BEGUN, False):  # a command scope has begun it already
            writes = options.get(_WRITING, False) and not options.get(_READING, False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def writer(engine: Engine) -> Engine:
    """
    *engine* with its connections marked writers (on SQLite; any other engine as it is).

    An option engine over the same pool and hooks (SQLAlchemy's
    ``Engine.execution_options``): what the store's own writes begin on, made once a
    store, since making one costs some 25 microseconds.
    """
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{_WRITING: True})


def mark_writer(connection: Connection) -> None:
    """Mark *connection* a writer: its next transaction begins ``BEGIN IMMEDIATE`` on SQLite."""
    if connection.dialect.name == "sqlite" and not connection.get_execution_options().get(_WRITING):
        connection.execution_options(**{_WRITING: True})


def check_sqlite_settings(engine: Engine) -> None:
    """
    Warn (`SqliteSettingsWarning`) when a SQLite file's engine runs without WAL or FULL sync.

    An engine with the store's hooks (`sqlite_engine`, `configure_sqlite_engine`) is
    taken as it is. Another engine on a SQLite file is asked once, on a connection of its
    own: ``PRAGMA journal_mode`` must be ``wal`` and ``PRAGMA synchronous`` FULL (2) or
    EXTRA (3). An in-memory database, or an engine whose URL names no file (one that
    lends the host's connections through a ``creator``), is not asked: it holds nothing
    across a crash, or its settings are its owner's. An engine that cannot connect is
    not warned about: the store's first use reports it.

    Added in version 0.1.0.
    """
    if engine.dialect.name != "sqlite" or getattr(engine, _CONFIGURED, False):
        return
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return
    try:
        with engine.connect() as connection:
            journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
            synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
            connection.rollback()
    except sa.exc.SQLAlchemyError:
        return
    if str(journal).lower() == _JOURNAL and int(synchronous or 0) >= _SYNCHRONOUS_FULL:
        return
    warnings.warn(
        SqliteSettingsWarning(
            "the store was given a SQLite engine without WAL and synchronous=FULL: a "
            "crash can lose committed commands and readers wait for writers; build it "
            "with safeguarding_workflow.stores.sqlite_engine(path) or pass it through "
            "configure_sqlite_engine(engine)"
        ),
        stacklevel=3,
    )
