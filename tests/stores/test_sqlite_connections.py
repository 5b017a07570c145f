"""
Each thread's own SQLite connection for the store's transactions (`SqlStore._own_connection`).

A command and a keyed read run on a driver connection the calling thread keeps, made by
the engine and detached from its pool: no checkout and checkin a command, no pool to run
dry however many threads there are, never one connection for two threads, a fresh one
after ``engine.dispose()`` or a failure in the database, and none left open by a thread
that has ended.
"""

from __future__ import annotations

import gc
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import safeguarding_workflow as sw
from safeguarding_workflow.stores import SqlStore, configure_sqlite_engine

from ..helpers import TENANT, Driver


@pytest.fixture(name="store")
def _store(tmp_path: Path) -> Iterator[SqlStore]:
    store = SqlStore.sqlite(str(tmp_path / "own.db"))
    yield store
    store.engine.dispose()


def _held(store: SqlStore) -> Any:
    """The calling thread's kept driver connection, or None."""
    held = getattr(store._shared.held, "connection", None)
    return None if held is None else held.connection


def _closed(connection: Any) -> bool:
    try:
        connection.execute("SELECT 1")
    except sqlite3.ProgrammingError:
        return True
    return False


def test_commands_and_reads_keep_one_connection_a_thread(store: SqlStore) -> None:
    """Every command and keyed read of a thread runs on the one connection it keeps."""
    d = Driver(store=store)
    d.open()
    d.fire("notify_panel")
    kept = _held(store)
    assert kept is not None
    d.fire("start_rapid_review")
    store.get(TENANT, "case-1")
    store.history(TENANT, "case-1")
    assert kept is _held(store)
    assert 0 == store.engine.pool.checkedout()  # type: ignore[attr-defined]


def test_more_threads_than_the_pool_holds(tmp_path: Path) -> None:
    """Kept connections are not the pool's: a pool of one never runs dry under eight threads."""
    engine = configure_sqlite_engine(
        sa.create_engine(
            f"sqlite:///{tmp_path / 'small.db'}", pool_size=1, max_overflow=0, pool_timeout=2
        )
    )
    store = SqlStore(engine)
    store.create_schema()
    d = Driver(store=store)
    for i in range(8):
        d.open(case_id=f"case-{i}")
    errors: list[BaseException] = []
    held: list[Any] = []
    started = threading.Barrier(8)

    def work(i: int) -> None:
        try:
            started.wait()
            store.get(TENANT, f"case-{i}")  # each thread makes and keeps its connection
            held.append(_held(store))
            started.wait()  # all eight are kept at once
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [] == errors
    assert 8 == len({id(c) for c in held})  # never one connection for two threads
    del threads
    gc.collect()
    assert all(_closed(c) for c in held)  # each closed when its thread ended
    engine.dispose()


def test_dispose_replaces_the_kept_connection(store: SqlStore) -> None:
    """After ``engine.dispose()`` the thread's next transaction closes the old one."""
    d = Driver(store=store)
    d.open()
    store.get(TENANT, "case-1")
    old = _held(store)
    store.engine.dispose()
    d.fire("notify_panel")
    new = _held(store)
    assert new is not old
    gc.collect()
    assert _closed(old)
    assert not _closed(new)


def test_a_refusal_keeps_the_connection_and_a_driver_failure_replaces_it(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused command leaves the connection as it was; one the driver failed drops it."""
    d = Driver(store=store)
    d.open()
    store.get(TENANT, "case-1")
    kept = _held(store)
    assert kept is not None
    with pytest.raises(sw.StepNotAvailable):
        d.fire("start_rapid_review")
    assert kept is _held(store)

    def broken(*_: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(SqlStore, "_append", broken)
    with pytest.raises(sw.StoreError, match="OperationalError"):
        d.fire("notify_panel")
    monkeypatch.undo()
    assert _held(store) is None
    gc.collect()
    assert _closed(kept)
    d.fire("notify_panel")  # a fresh connection
    assert ["opened", "notify_panel"] == [r.event for r in d.history()]
