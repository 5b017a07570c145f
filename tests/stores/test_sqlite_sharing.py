"""
SQLite shared with the host.

The engine the store expects, the host's own engine, the settings warning, BEGINs that
keep a host's readers from waiting, and create_schema on the host's connection.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

import safeguarding_workflow as sw
from safeguarding_workflow.stores import (
    WRITER_OPTION,
    SqlStore,
    configure_sqlite_engine,
    sqlite_engine,
)

from ..helpers import TENANT, Driver


@pytest.fixture(name="engine")
def _engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = sqlite_engine(str(tmp_path / "shared.db"))
    yield engine
    engine.dispose()


def _begins(engine: sa.Engine) -> list[str]:
    """
    Every BEGIN the engine's connections send, in order: SQLAlchemy's and the driver's own.

    SQLite's trace callback sees every statement a connection runs, those the store sends
    on the driver's connection without SQLAlchemy (its command scope, its keyed reads) too.
    """
    seen: list[str] = []

    @sa_event.listens_for(engine, "connect")
    def _traced(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.set_trace_callback(
            lambda statement: seen.append(statement) if statement.startswith("BEGIN") else None
        )

    engine.dispose()  # connections made from now on are traced
    return seen


def _pragmas(engine: sa.Engine) -> tuple[str, int]:
    with engine.connect() as connection:
        journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    return str(journal), int(synchronous or 0)


class TestTheEngine:
    def test_sqlite_engine_is_the_one_the_store_builds(self, engine: sa.Engine) -> None:
        """WAL, synchronous=FULL: what SqlStore.sqlite builds, public for the host to share."""
        store = SqlStore(engine)
        store.create_schema()
        assert ("wal", 2) == _pragmas(engine)

    def test_configure_installs_the_hooks_on_the_hosts_engine(self, tmp_path: Path) -> None:
        """The host's own engine gets the settings and BEGINs, once however often called."""
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'own.db'}")
        assert engine is configure_sqlite_engine(configure_sqlite_engine(engine))
        pragmas = _pragmas(engine)
        begins = _begins(engine)
        with engine.begin() as connection:
            connection.exec_driver_sql("SELECT 1")
        assert (("wal", 2), ["BEGIN"]) == (pragmas, begins)
        engine.dispose()

    def test_configure_goes_on_an_async_engines_sync_engine(self, tmp_path: Path) -> None:
        """An AsyncEngine (aiosqlite) gets the hooks on its sync_engine."""
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
        assert engine is configure_sqlite_engine(engine)
        assert True is getattr(engine.sync_engine, "_safeguarding_workflow_sqlite", False)

    @pytest.mark.parametrize(
        "engine", [sa.create_engine("postgresql+psycopg://x@localhost/x"), "sqlite://"]
    )
    def test_configure_refuses_what_is_not_a_sqlite_engine(self, engine: object) -> None:
        """PostgreSQL needs no hooks; a URL is not an engine."""
        with pytest.raises(sw.ConfigurationError) as info:
            configure_sqlite_engine(engine)
        assert "engine" == info.value.field


class TestSettingsWarning:
    def test_an_engine_without_wal_and_full_sync_is_warned_of(self, tmp_path: Path) -> None:
        """A SQLite file in its default journal mode: SqliteSettingsWarning, pointing here."""
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
        with pytest.warns(sw.SqliteSettingsWarning, match="sqlite_engine") as caught:
            SqlStore(engine)
        assert __file__ == caught[0].filename
        engine.dispose()

    def test_wal_without_full_sync_is_warned_of(self, tmp_path: Path) -> None:
        """WAL alone is not enough: synchronous=NORMAL can lose the last commits."""
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'normal.db'}")

        @sa_event.listens_for(engine, "connect")
        def _connect(dbapi_connection: object, _record: object) -> None:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[attr-defined]
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")  # type: ignore[attr-defined]

        with pytest.warns(sw.SqliteSettingsWarning):
            SqlStore(engine)
        engine.dispose()

    def test_settings_of_the_hosts_own_making_are_taken(self, tmp_path: Path) -> None:
        """An engine that sets WAL and FULL itself is not warned of."""
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'own.db'}")

        @sa_event.listens_for(engine, "connect")
        def _connect(dbapi_connection: object, _record: object) -> None:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[attr-defined]
            dbapi_connection.execute("PRAGMA synchronous=FULL")  # type: ignore[attr-defined]

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            SqlStore(engine)
        engine.dispose()

    @pytest.mark.parametrize("how", ["sqlite_engine", "configured", "memory", "store_sqlite"])
    def test_engines_made_right_or_in_memory_are_not(self, how: str, tmp_path: Path) -> None:
        """The library's engines, a configured one, and an in-memory database: no warning."""
        path = str(tmp_path / f"{how}.db")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            if how == "sqlite_engine":
                store = SqlStore(sqlite_engine(path))
            elif how == "configured":
                store = SqlStore(configure_sqlite_engine(sa.create_engine(f"sqlite:///{path}")))
            elif how == "memory":
                store = SqlStore(sa.create_engine("sqlite://"))
            else:
                store = SqlStore.sqlite(path)
        store.engine.dispose()


class TestBegins:
    def test_only_the_librarys_writers_take_the_write_lock_first(self, engine: sa.Engine) -> None:
        """Commands and opening begin IMMEDIATE; the host's and the store's reads, deferred."""
        store = SqlStore(engine)
        store.create_schema()
        begins = _begins(engine)
        d = Driver(store=store)
        d.open()  # the store's own write transaction
        assert ["BEGIN IMMEDIATE"] == begins
        d.case()  # a read of the store's
        with engine.begin() as connection:  # the host's own transaction
            connection.exec_driver_sql("SELECT count(*) FROM sw_cases").scalar()
        with Session(engine) as session:  # the host's ORM
            session.execute(sa.text("SELECT count(*) FROM sw_cases")).scalar()
        assert ["BEGIN IMMEDIATE", "BEGIN", "BEGIN", "BEGIN"] == begins

    def test_a_bound_connection_begins_as_a_writer(self, engine: sa.Engine) -> None:
        """bound() marks the host's connection, so the host's begin() takes the lock first."""
        store = SqlStore(engine)
        store.create_schema()
        begins = _begins(engine)
        with engine.connect() as connection:
            d = Driver(store=store.bound(connection))
            with connection.begin():
                d.open()
        with engine.connect() as connection:  # marked by the host, as the docs show
            connection.execution_options(**{WRITER_OPTION: True})
            with connection.begin():
                connection.exec_driver_sql("SELECT 1")
        assert ["BEGIN IMMEDIATE", "BEGIN IMMEDIATE"] == begins
        assert 1 == store.get(TENANT, "case-1").version

    def test_a_reader_does_not_wait_on_a_writer(self, engine: sa.Engine) -> None:
        """
        A read-only host transaction answers at once while a command holds the write lock.

        The writer takes the lock (a command's scope) and holds it; the host's reader,
        a plain transaction and an ORM session on the same engine, must finish well
        within the busy timeout (30 s), which it would wait out with BEGIN IMMEDIATE.
        """
        store = SqlStore(engine)
        store.create_schema()
        Driver(store=store).open()
        holding, release = threading.Event(), threading.Event()

        def writer() -> None:
            with store.transaction() as scoped:
                scoped.get(TENANT, "case-1")
                holding.set()
                release.wait(30)

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            assert holding.wait(10)
            started = time.monotonic()
            with engine.begin() as connection:
                cases = connection.exec_driver_sql("SELECT count(*) FROM sw_cases").scalar()
            with Session(engine) as session:
                rows = session.execute(sa.text("SELECT count(*) FROM sw_history")).scalar()
            waited = time.monotonic() - started
        finally:
            release.set()
            thread.join()
        assert (1, 1, True) == (cases, rows, waited < 1.0)


class TestCreateSchemaOnTheHostsConnection:
    def _tables(self, engine: sa.Engine) -> set[str]:
        return {n for n in sa.inspect(engine).get_table_names() if n.startswith("sw_")}

    def test_it_rolls_back_with_the_hosts_transaction(self, engine: sa.Engine) -> None:
        """Created in the host's transaction: rolled back, nothing is left."""
        store = SqlStore(engine)
        with engine.connect() as connection:
            transaction = connection.begin()
            connection.exec_driver_sql("CREATE TABLE host_things (id INTEGER PRIMARY KEY)")
            store.create_schema(connection=connection)
            assert "sw_cases" in {
                r[0] for r in connection.exec_driver_sql("SELECT name FROM sqlite_master")
            }
            transaction.rollback()
        assert set() == self._tables(engine)

    def test_it_commits_with_the_hosts_transaction(self, engine: sa.Engine) -> None:
        """Begun for the host if none is open; the host's commit keeps the tables."""
        store = SqlStore(engine)
        with engine.connect() as connection:
            store.create_schema(connection=connection)
            assert connection.in_transaction()
            connection.commit()
        assert {"sw_cases", "sw_history", "sw_meta"} <= self._tables(engine)
        assert 1 == Driver(store=store).open().version

    def test_a_bound_view_uses_its_connection(self, engine: sa.Engine) -> None:
        """create_schema() on a view from bound() runs in that view's transaction."""
        store = SqlStore(engine)
        with engine.connect() as connection, connection.begin() as transaction:
            store.bound(connection).create_schema()
            transaction.rollback()
        assert set() == self._tables(engine)

    def test_a_connection_must_be_a_connection(self, engine: sa.Engine) -> None:
        """Anything else is the host's misconfiguration, named by field."""
        with pytest.raises(sw.ConfigurationError) as info:
            SqlStore(engine).create_schema(connection=engine)  # type: ignore[arg-type]
        assert "connection" == info.value.field
