"""
SQLAlchemy over Django's own database connection: the store's SQL, Django's transactions.

`SqlStore` runs its statements on a SQLAlchemy `Connection`. The engine here makes that
connection over the DB-API connection Django already holds for an alias in the calling
thread, so every statement runs in whatever transaction Django has open on it: the
host's ``transaction.atomic()`` block, or the store's own.

Django owns the connection and its transactions; SQLAlchemy only borrows it:

- the dialects (SQLAlchemy's pysqlite and psycopg dialects, subclassed) never commit,
  roll back or close it, and do not set it up as one of their own (no SQL functions,
  notice handlers or isolation level added to it): a SQLAlchemy connection that closes
  with a transaction open, as each one here does, rolls nothing back;
- the pool keeps nothing (``NullPool``, no reset on return): each use checks out the
  calling thread's Django connection afresh, so a thread only ever uses its own, and a
  connection Django has closed or replaced is never used again.

On SQLite Django opens its connections with ``detect_types``, so a ``DATE`` column comes
back as a `datetime.date`; the store's SQL and SQLAlchemy's SQLite dialect expect the
text SQLite keeps, so the lent connection's cursors give dates back as that text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

import sqlalchemy as sa
from django.db import connections
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.interfaces import DBAPIConnection

from ...exceptions import ConfigurationError

__all__ = ["lent", "lent_engine"]

#: The driver name the borrowing dialects are registered under (``sqlite+<it>://``).
_DRIVER: Final = "safeguarding_workflow_django"


def _as_it_is(dbapi_connection: DBAPIConnection) -> None:
    """Leave a connection as Django set it up."""


class _Borrowing:
    """What the borrowing dialects share: Django begins, commits, rolls back and closes."""

    def on_connect(self) -> Callable[[DBAPIConnection], None]:
        """Nothing to set up: the connection is Django's, set up as Django wants it."""
        return _as_it_is

    def do_commit(self, dbapi_connection: DBAPIConnection) -> None:
        """Django commits, when its outermost ``atomic()`` block ends."""

    def do_rollback(self, dbapi_connection: DBAPIConnection) -> None:
        """Django rolls back (a block left by an exception); SQLAlchemy never does."""

    def do_close(self, dbapi_connection: DBAPIConnection) -> None:
        """Django closes its connections (``CONN_MAX_AGE``, the end of a request)."""

    def do_terminate(self, dbapi_connection: DBAPIConnection) -> None:
        """As `do_close`: the connection is Django's to end."""


class SQLiteOnDjango(_Borrowing, SQLiteDialect_pysqlite):
    """SQLAlchemy's pysqlite dialect on a connection Django holds."""

    supports_statement_cache = True  # read from each dialect class's own namespace


class PostgreSQLOnDjango(_Borrowing, PGDialect_psycopg):
    """SQLAlchemy's psycopg dialect on a connection Django holds."""

    supports_statement_cache = True


registry.register(f"sqlite.{_DRIVER}", __name__, "SQLiteOnDjango")
registry.register(f"postgresql.{_DRIVER}", __name__, "PostgreSQLOnDjango")


def _text(row: Any) -> Any:
    """*row* with each `datetime.date` as the ISO text SQLite stores it as."""
    if row is None or not any(type(value) is dt.date for value in row):
        return row
    return tuple(value.isoformat() if type(value) is dt.date else value for value in row)


class _TextDatesCursor:
    """A cursor of Django's SQLite connection whose rows hold dates as text."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def __iter__(self) -> Iterator[Any]:
        return map(_text, self._cursor)

    def execute(self, *args: Any) -> _TextDatesCursor:
        self._cursor.execute(*args)
        return self

    def executemany(self, *args: Any) -> _TextDatesCursor:
        self._cursor.executemany(*args)
        return self

    def fetchone(self) -> Any:
        return _text(self._cursor.fetchone())

    def fetchmany(self, *args: Any) -> list[Any]:
        return [_text(row) for row in self._cursor.fetchmany(*args)]

    def fetchall(self) -> list[Any]:
        return [_text(row) for row in self._cursor.fetchall()]


class _TextDates:
    """Django's SQLite connection, its cursors giving dates back as text."""

    __slots__ = ("_connection",)

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def cursor(self, *args: Any, **kwargs: Any) -> _TextDatesCursor:
        return _TextDatesCursor(self._connection.cursor(*args, **kwargs))


def _creator(alias: str, sqlite: bool) -> Callable[[], Any]:
    """What the pool calls for a connection: the calling thread's Django connection."""

    def connect() -> Any:
        wrapper = connections[alias]
        wrapper.ensure_connection()
        return _TextDates(wrapper.connection) if sqlite else wrapper.connection

    return connect


def lent_engine(alias: str) -> Engine:
    """
    An engine whose every connection is the calling thread's Django connection to *alias*.

    Raises:
        ConfigurationError: no such alias, or a database other than SQLite or
            PostgreSQL through psycopg 3.

    """
    if type(alias) is not str or alias not in connections:
        raise ConfigurationError("'using' names no database in Django's DATABASES", field="using")
    wrapper = connections[alias]
    if wrapper.vendor == "sqlite":
        url = f"sqlite+{_DRIVER}://"
        options: dict[str, Any] = {}
    elif wrapper.vendor == "postgresql" and wrapper.Database.__name__ == "psycopg":
        url = f"postgresql+{_DRIVER}://"
        options = {"use_native_hstore": False}  # registers nothing on Django's connection
    else:
        raise ConfigurationError(
            "the store runs on SQLite, or on PostgreSQL through psycopg 3 (psycopg2 is not "
            "supported: install psycopg)",
            field="using",
        )
    return sa.create_engine(
        url,
        creator=_creator(alias, wrapper.vendor == "sqlite"),
        poolclass=sa.pool.NullPool,
        pool_reset_on_return=None,
        **options,
    )


@contextmanager
def lent(engine: Engine) -> Iterator[Connection]:
    """A SQLAlchemy connection over the calling thread's Django connection, for one use."""
    with engine.connect() as connection:
        yield connection
