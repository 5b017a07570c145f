"""
Append-only means append-only, on SQLite too (issue 9, item 3; R6, R8).

SQLite resolves a conflict under ``REPLACE`` by deleting the row in the way, and it
fires no DELETE trigger for that unless ``recursive_triggers`` is on: ``INSERT OR
REPLACE`` and ``REPLACE INTO`` used to rewrite history rows. Every conflict clause is
tried here against every unique key of the history (the record's key, its event id,
the tenant's idempotency key), on both engines. A clause that would change or remove a
stored row is refused by the database; one that leaves the row alone (``OR IGNORE``,
``DO NOTHING``) may also be refused. Either way the history is as it was.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import safeguarding_workflow as sw
from safeguarding_workflow.stores._sql._store import SqlStore

from ..helpers import TENANT, Driver

_counter = itertools.count()

_COLUMNS = (
    "tenant_id",
    "case_id",
    "sequence",
    "event_id",
    "kind",
    "event",
    "prev",
    "hash",
    "schema_version",
    "idempotency_key",
    "body",
)


@pytest.fixture(name="sql", params=["sqlite", "postgresql"])
def _sql(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    prefix = f"ao{next(_counter)}_"
    if request.param == "sqlite":
        store = SqlStore.sqlite(str(tmp_path / "s.db"), prefix=prefix)
    else:
        store = SqlStore.postgresql(request.getfixturevalue("pg_url"), prefix=prefix)
    yield store
    store.engine.dispose()


def stored(store: SqlStore) -> list[tuple[Any, ...]]:
    """Every history row, whole, in key order."""
    history = store.tables["history"]
    with store.engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                sa.select(history).order_by(history.c.case_id, history.c.sequence)
            )
        ]


def sql_literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def forged(store: SqlStore, key: str) -> dict[str, Any]:
    """
    A row that collides with case-1's record 2 on one unique key, and differs in its body.

    *key* is ``"primary"`` (same tenant, case and sequence), ``"event_id"`` (a new
    sequence, the same event id) or ``"idempotency_key"`` (a new sequence and event id,
    the same key).
    """
    history = store.tables["history"]
    with store.engine.connect() as connection:
        row = (
            connection.execute(
                sa.select(history).where(history.c.case_id == "case-1", history.c.sequence == 2)
            )
            .one()
            ._asdict()
        )
    row["body"] = row["body"].replace('"notification_ref":"sin-1"', '"notification_ref":"x"')
    if key != "primary":
        row["sequence"] = 99
    if key == "idempotency_key":
        row["event_id"] = "forged-event"
    return row


def insert(table: str, row: dict[str, Any], verb: str = "INSERT", tail: str = "") -> str:
    values = ", ".join(sql_literal(row[c]) for c in _COLUMNS)
    return f"{verb} INTO {table} ({', '.join(_COLUMNS)}) VALUES ({values}){tail}"


#: Each conflict clause: how it is written, per engine (None: the engine has no such
#: clause), and whether it may leave the row alone without an error.
CLAUSES: dict[str, tuple[dict[str, str], bool]] = {
    "insert or replace": (
        {"sqlite": "INSERT OR REPLACE", "postgresql": "INSERT OR REPLACE"},
        False,
    ),
    "replace into": ({"sqlite": "REPLACE", "postgresql": "REPLACE"}, False),
    "insert or ignore": ({"sqlite": "INSERT OR IGNORE", "postgresql": "INSERT OR IGNORE"}, True),
    "on conflict do update": ({"sqlite": "upsert", "postgresql": "upsert"}, False),
    "on conflict do nothing": ({"sqlite": "nothing", "postgresql": "nothing"}, True),
}


def statement(store: SqlStore, clause: str, key: str) -> str:
    forms, _ = CLAUSES[clause]
    form = forms[store.engine.dialect.name]
    table = f"{store.prefix}history"
    row = forged(store, key)
    target = {
        "primary": "(tenant_id, case_id, sequence)",
        "event_id": "(event_id)",
        "idempotency_key": "(tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL",
    }[key]
    if form == "upsert":
        return insert(table, row, tail=f" ON CONFLICT {target} DO UPDATE SET body = excluded.body")
    if form == "nothing":
        return insert(table, row, tail=" ON CONFLICT DO NOTHING")
    return insert(table, row, verb=form)


def walked(store: SqlStore) -> Driver:
    """Two cases on *store*, each command with an idempotency key."""
    d = Driver(store=store)
    for case_id in ("case-1", "case-2"):
        d.open(case_id=case_id)
        for event in ("notify_panel", "start_rapid_review"):
            command = d.command(event, case_id=case_id)
            d.workflow.fire(
                sw.Command(
                    command.tenant_id,
                    command.case_id,
                    command.event,
                    actor=command.actor,
                    role=command.role,
                    occurred_at=command.occurred_at,
                    payload=command.payload,
                    idempotency_key=f"{case_id}-{event}",
                )
            )
    return d


@pytest.mark.parametrize("key", ["primary", "event_id", "idempotency_key"])
@pytest.mark.parametrize("clause", sorted(CLAUSES))
def test_no_conflict_clause_rewrites_history(sql: SqlStore, clause: str, key: str) -> None:
    """Whatever the conflict clause and the key it collides on, history rows stay as stored."""
    d = walked(sql)
    before = stored(sql)
    text = statement(sql, clause, key)
    _, may_ignore = CLAUSES[clause]
    try:
        with sql.engine.begin() as connection:
            connection.exec_driver_sql(text)
    except sa.exc.DBAPIError:
        refused = True
    else:
        refused = False
    assert (before, True) == (stored(sql), refused or may_ignore)
    for case_id in ("case-1", "case-2"):
        history = d.history(case_id)
        assert sw.verify(history).ok
        assert sw.rebuild(history) == sql.get(TENANT, case_id)


def test_sqlite_refusal_needs_no_connection_setting(tmp_path: Path) -> None:
    """The trigger refuses on a connection the store never configured (a host's own)."""
    import sqlite3

    path = tmp_path / "s.db"
    store = SqlStore.sqlite(str(path))
    walked(store)
    before = stored(store)
    row = forged(store, "primary")
    connection = sqlite3.connect(path)
    assert 0 == connection.execute("PRAGMA recursive_triggers").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute(insert("sw_history", row, verb="INSERT OR REPLACE"))
    connection.rollback()
    connection.close()
    assert before == stored(store)
    store.engine.dispose()


def test_appends_still_work_and_conflicts_stay_conflicts(sql: SqlStore) -> None:
    """The trigger costs commands nothing: appends go through, a lost race is a conflict."""
    d = walked(sql)
    assert "rapid_review_submitted" == d.fire("submit_rapid_review").case.state
    record = d.history()[-1]
    case = sql.get(TENANT, "case-1")
    with pytest.raises(sw.ConcurrencyConflict):
        sql.append(case, record, expected_version=case.version - 1)
