"""
Engine construction and its hooks: the SQLite engine, and the execution options the store sets.

SQLite needs its own connection settings (WAL, `synchronous=FULL`, a busy timeout) and
its own BEGIN, so that writers take the write lock at once while readers begin deferred;
the hooks here read the execution options `SqlStore` sets on a connection (`_READING`,
`_BEGUN`) to know which to emit. PostgreSQL needs no hook, and its engine is made in
`SqlStore.postgresql`.
"""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine

__all__ = ["sqlite_engine"]

#: The execution option marking a connection that only reads (SQLite begins it deferred).
_READING: Final = "safeguarding_workflow_reading"

#: The execution option marking a connection whose transaction the store began by hand.
_BEGUN: Final = "safeguarding_workflow_begun"


def sqlite_engine(path: str) -> Engine:
    """
    An engine on a SQLite file: WAL, ``synchronous=FULL``, and writers that begin immediately.

    Added in version 0.1.0.
    """
    engine = sa.create_engine(f"sqlite+pysqlite:///{path}")
    _sqlite_hooks(engine)
    return engine


def _sqlite_hooks(engine: Engine) -> None:
    """
    The store's SQLite settings and BEGIN on *engine*: `sqlite_engine`'s, and the async one's.

    On an async engine they go on its ``sync_engine``: the driver connection is then
    SQLAlchemy's adaptor of aiosqlite's, which takes the same settings.
    """

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
        # Readers begin deferred, so they never wait for a writer (WAL keeps their snapshot).
        options = connection.get_execution_options()
        if not options.get(_BEGUN, False):  # a command scope has begun it already
            connection.exec_driver_sql(
                "BEGIN" if options.get(_READING, False) else "BEGIN IMMEDIATE"
            )
