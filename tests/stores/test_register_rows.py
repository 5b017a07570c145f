"""A register row commits with its record in the command's transaction, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import safeguarding_workflow as sw
from safeguarding_workflow.stores import RegisterRow, SqlStore

from ..helpers import TENANT, Driver


class _Abandoned(Exception):
    """Leaves a command scope by an exception."""


@pytest.fixture(name="store", params=["sqlite", "postgresql"])
def _store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        store = SqlStore.sqlite(str(tmp_path / "cases.db"))
    else:
        store = SqlStore.postgresql(
            request.getfixturevalue("pg_url"), prefix=f"r{uuid.uuid4().hex[:12]}_"
        )
    yield store
    store.engine.dispose()


def _row(n: int) -> RegisterRow:
    return RegisterRow("kek-1", bytes([n]) * 40, bytes([n + 1]) * 80)


def _next(d: Driver) -> tuple[sw.Case, sw.HistoryRecord]:
    """The case and record notify_panel makes, on a scratch memory store."""
    scratch = Driver()
    scratch.open()
    outcome = scratch.fire("notify_panel")
    assert outcome.record is not None
    return outcome.case, outcome.record


def _command(
    store: SqlStore,
    case: sw.Case,
    record: sw.HistoryRecord,
    then: type[Exception] | None = None,
) -> None:
    """A command scope that reads the case, writes the record with a row, then raises *then*."""
    with store.transaction() as scope:
        scope.load(TENANT, "case-1", None)
        scope.append_with_register(case, record, 1, _row(1))
        if then is not None:
            raise then


def test_a_register_write_that_fails_keeps_no_record(store: SqlStore) -> None:
    """The row is written after the record: when it fails, the record is not kept either."""
    d = Driver(store=store)
    d.open()
    case, record = _next(d)
    table = store.tables["register"]
    with store.engine.begin() as connection:
        table.drop(connection)
    with pytest.raises(sw.SafeguardingWorkflowError):
        _command(store, case, record)
    assert 1 == len(store.history(TENANT, "case-1"))
    assert 1 == store.get(TENANT, "case-1").version
    with store.engine.begin() as connection:
        table.create(connection)
    d.fire("notify_panel")  # the case takes the next command as if nothing had happened
    assert store.register_row(TENANT, "case-1") is None


def test_a_scope_left_by_an_exception_keeps_neither_record_nor_row(tmp_path: Path) -> None:
    """
    On SQLite the scope is one transaction: an exception after the write undoes both.

    (On PostgreSQL the append is the scope's last write and commits itself, record and
    row together, as an ordinary command's append does.)
    """
    store = SqlStore.sqlite(str(tmp_path / "scope.db"))
    d = Driver(store=store)
    d.open()
    case, record = _next(d)
    with pytest.raises(_Abandoned):
        _command(store, case, record, then=_Abandoned)
    assert store.register_row(TENANT, "case-1") is None
    assert 1 == len(store.history(TENANT, "case-1"))
    with store.transaction() as scope:
        scope.load(TENANT, "case-1", None)
        scope.append_with_register(case, record, 1, _row(1))
    assert _row(1) == store.register_row(TENANT, "case-1")
    store.engine.dispose()


def test_in_the_hosts_transaction_a_rollback_keeps_neither(store: SqlStore) -> None:
    """Bound to the host's connection, the row commits or rolls back with the host."""
    d = Driver(store=store)
    d.open()
    case, record = _next(d)
    with store.engine.connect() as connection:
        bound = store.bound(connection)
        with connection.begin() as transaction:
            bound.append_with_register(case, record, 1, _row(2))
            transaction.rollback()
        assert store.register_row(TENANT, "case-1") is None
        with connection.begin():
            bound.append_with_register(case, record, 1, _row(2))
    assert _row(2) == store.register_row(TENANT, "case-1")
    assert sw.verify(store.history(TENANT, "case-1")).ok


def test_register_row_refuses_malformed_ids(store: SqlStore) -> None:
    """Ids that are not strings are refused by field, never sent to the database."""
    with pytest.raises(sw.InvalidInputError) as refused:
        store.register_row(TENANT, 7)  # type: ignore[arg-type]
    assert "case_id" == refused.value.field
    with pytest.raises(sw.InvalidInputError):
        store.append_with_register(*_next(Driver()), 1, "not a row")  # type: ignore[arg-type]


def test_register_row_refuses_empty_blobs() -> None:
    """A row needs a key id and non-empty blobs; its repr shows only their lengths."""
    with pytest.raises(sw.InvalidInputError):
        RegisterRow("kek-1", b"", b"x")
    with pytest.raises(sw.InvalidInputError):
        RegisterRow("", b"x", b"x")
    assert "<40 bytes>" in repr(_row(1))
