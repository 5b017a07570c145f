"""The shipped Alembic migrations: the same schema as create_schema, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa
from alembic import command

import safeguarding_workflow as sw
from safeguarding_workflow.stores import SqlStore, migrations

from ..helpers import TENANT, Driver

_counter = itertools.count()


def _store_engine(url: str) -> sa.Engine:
    """An engine for a store on *url*: on SQLite, with the store's settings (no warning)."""
    engine = sa.create_engine(url)
    return sw.stores.configure_sqlite_engine(engine) if url.startswith("sqlite") else engine


@pytest.fixture(name="target", params=["sqlite", "postgresql"])
def _target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    prefix = f"mg{next(_counter)}_"
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}", prefix
    else:
        yield request.getfixturevalue("pg_url"), prefix


def test_upgrade_gives_a_working_append_only_store(target: tuple[str, str]) -> None:
    """After upgrade (twice: idempotent) the store works and history refuses changes."""
    url, prefix = target
    migrations.upgrade(url, prefix=prefix)
    migrations.upgrade(url, prefix=prefix)
    engine = _store_engine(url)
    store = SqlStore(engine, prefix=prefix)
    store.create_schema()  # finds everything there already
    d = Driver(store=store)
    d.walk_to("notified")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as c:
        c.exec_driver_sql(f"DELETE FROM {prefix}history")
    assert sw.verify(d.history()).ok
    with engine.connect() as c:
        version = c.exec_driver_sql(f"SELECT version_num FROM {prefix}alembic_version").scalar()
    assert "sw0005" == version
    engine.dispose()


def meta_version(engine: sa.Engine, prefix: str) -> str:
    with engine.connect() as c:
        value = c.exec_driver_sql(
            f"SELECT value FROM {prefix}meta WHERE key = 'schema_version'"
        ).scalar()
    return str(value)


def replace_record_2(engine: sa.Engine, prefix: str) -> None:
    """Rewrite case-1's record 2 with ``INSERT OR REPLACE`` (SQLite's REPLACE resolution)."""
    with engine.begin() as c:
        c.exec_driver_sql(
            f"INSERT OR REPLACE INTO {prefix}history SELECT tenant_id, case_id, sequence, "
            f"event_id, kind, event, prev, hash, schema_version, idempotency_key, "
            f"replace(body, 'sin-1', 'sin-2') FROM {prefix}history WHERE sequence = 2"
        )


def test_0002_upgrades_a_store_of_schema_1(target: tuple[str, str]) -> None:
    """A store created by sw0001 lets REPLACE rewrite history; sw0002 refuses it."""
    url, prefix = target
    command.upgrade(migrations.config(url, prefix=prefix), "sw0001")
    engine = _store_engine(url)
    try:
        assert "1" == meta_version(engine, prefix)
        d = Driver(store=SqlStore(engine, prefix=prefix))
        d.walk_to("rapid_review")
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:  # the hole sw0002 closes: the row is replaced, no trigger fires
            replace_record_2(engine, prefix)
            assert not sw.verify(d.history()).ok
        migrations.upgrade(url, prefix=prefix)
        assert "5" == meta_version(engine, prefix)
        before = d.history()
        if sqlite:
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                replace_record_2(engine, prefix)
        assert before == d.history()
        command.downgrade(migrations.config(url, prefix=prefix), "sw0001")
        assert "1" == meta_version(engine, prefix)
    finally:
        engine.dispose()


def test_create_schema_brings_a_store_of_schema_1_up(tmp_path: Path) -> None:
    """A host that calls create_schema on an older SQLite store gets the new trigger too."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(migrations.config(url), "sw0001")
    store = SqlStore.sqlite(str(tmp_path / "old.db"))
    try:
        assert "5" == meta_version(store.engine, "sw_")
        d = Driver(store=store)
        d.walk_to("rapid_review")
        before = d.history()
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            replace_record_2(store.engine, "sw_")
        assert before == d.history()
    finally:
        store.engine.dispose()


def test_downgrade_removes_the_tables(target: tuple[str, str]) -> None:
    """Downgrading to base removes the store's tables and triggers."""
    url, prefix = target
    migrations.upgrade(url, prefix=prefix)
    migrations.downgrade(url, "base", prefix=prefix)
    engine = sa.create_engine(url)
    names = set(sa.inspect(engine).get_table_names())
    assert {f"{prefix}alembic_version"} == {n for n in names if n.startswith(prefix)}
    engine.dispose()


def test_postgresql_schema(pg_url: str) -> None:
    """On PostgreSQL the tables can live in their own schema, beside the host's."""
    migrations.upgrade(pg_url, prefix="sc_", schema="safeguarding")
    store = SqlStore(sa.create_engine(pg_url), prefix="sc_", schema="safeguarding")
    d = Driver(store=store)
    d.walk_to("rapid_review")  # commands write through the schema-qualified statement too
    assert sw.verify(d.history()).ok
    open_kinds = {r.kind for r in store.overdue(TENANT, pendulum.date(2030, 1, 1))}
    assert open_kinds
    assert "notify_panel" not in open_kinds  # met, and its row says so
    assert "sc_cases" in sa.inspect(store.engine).get_table_names(schema="safeguarding")
    store.engine.dispose()


def authority_columns(engine: sa.Engine, prefix: str) -> list[tuple[str, str | None, str | None]]:
    with engine.connect() as c:
        rows = c.exec_driver_sql(
            f"SELECT case_id, local_authority, local_authority_given FROM {prefix}cases "
            "ORDER BY case_id"
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_0003_adds_the_authority_columns_and_fills_them(target: tuple[str, str]) -> None:
    """A store of schema 2, without the columns, gets them filled from its snapshots."""
    url, prefix = target
    command.upgrade(migrations.config(url, prefix=prefix), "sw0002")
    engine = _store_engine(url)
    try:
        d = Driver(store=SqlStore(engine, prefix=prefix))
        d.walk_to("rapid_review")
        gateshead = sw.Incident(
            children=[sw.Child(age=4, harm="death", normally_resident_in="E08000037")],
            location=sw.Location.england("E08000037"),
            abuse_or_neglect="suspected",
            la_aware_at=pendulum.datetime(2024, 1, 5, 9, tz="Europe/London"),
        )
        given = d.workflow.open(
            TENANT, gateshead, local_authority="E08000020", actor="user-1", case_id="case-2"
        ).case
        assert given.local_authority_given == "E08000020"
        # As schema 2 left them: no authority columns (this release's tables have them).
        with engine.begin() as c:
            for column in ("local_authority_given", "local_authority"):
                c.exec_driver_sql(f"ALTER TABLE {prefix}cases DROP COLUMN {column}")
        assert "2" == meta_version(engine, prefix)
        command.upgrade(migrations.config(url, prefix=prefix), "sw0003")
        assert "3" == meta_version(engine, prefix)
        assert authority_columns(engine, prefix) == [
            ("case-1", "E08000016", None),
            ("case-2", "E08000037", "E08000020"),
        ]
        overdue = d.workflow.overdue(TENANT, pendulum.date(2030, 1, 1))
        assert {(r.case_id, r.local_authority) for r in overdue} >= {("case-2", "E08000037")}
        command.downgrade(migrations.config(url, prefix=prefix), "sw0002")
        assert "2" == meta_version(engine, prefix)
        names = {c["name"] for c in sa.inspect(engine).get_columns(f"{prefix}cases")}
        assert "local_authority" not in names
    finally:
        engine.dispose()


def test_create_schema_fills_authority_columns_left_empty(tmp_path: Path) -> None:
    """Rows whose authority columns are empty are filled when the schema is brought up."""
    store = SqlStore.sqlite(str(tmp_path / "cases.db"))
    try:
        Driver(store=store).walk_to("notified")
        with store.engine.begin() as c:
            c.exec_driver_sql("UPDATE sw_cases SET local_authority = NULL")
        store.create_schema()
        assert authority_columns(store.engine, "sw_") == [("case-1", "E08000016", None)]
    finally:
        store.engine.dispose()


def test_0004_adds_the_register_table_and_downgrade_drops_it(target: tuple[str, str]) -> None:
    """A store of schema 3 has no register table; sw0004 adds it, its downgrade drops it."""
    url, prefix = target
    command.upgrade(migrations.config(url, prefix=prefix), "sw0003")
    engine = _store_engine(url)
    try:
        assert f"{prefix}register" not in sa.inspect(engine).get_table_names()
        d = Driver(store=SqlStore(engine, prefix=prefix))
        d.walk_to("notified")
        migrations.upgrade(url, prefix=prefix)
        assert "5" == meta_version(engine, prefix)
        assert f"{prefix}register" in sa.inspect(engine).get_table_names()
        store = SqlStore(engine, prefix=prefix)
        assert store.register_row(TENANT, "case-1") is None
        command.downgrade(migrations.config(url, prefix=prefix), "sw0003")
        assert "3" == meta_version(engine, prefix)
        assert f"{prefix}register" not in sa.inspect(engine).get_table_names()
        assert sw.verify(d.history()).ok
    finally:
        engine.dispose()


def test_0005_outbox_rows_name_their_records_and_downgrade_fills_them_in(
    target: tuple[str, str],
) -> None:
    """
    Rows of schema 4 keep their events and are delivered; new rows name their record only.

    A store at sw0004 holds outbox rows with the event's JSON, as a release of schema 4
    wrote them. sw0005 records schema 5 and leaves them; a command then writes a row
    with no event. The relay delivers every event as subscribers heard it, and the
    downgrade to sw0004 fills the empty event in from its record.
    """
    from safeguarding_workflow._events import to_cloud_event

    url, prefix = target
    command.upgrade(migrations.config(url, prefix=prefix), "sw0004")
    engine = _store_engine(url)
    try:
        store = SqlStore(engine, prefix=prefix)
        outbox = store.tables["outbox"]
        d = Driver(store=store)
        d.open()
        lifecycle = d.case().lifecycle
        with engine.begin() as c:  # the rows as a release of schema 4 wrote them
            for record in d.history():
                event = to_cloud_event(record, lifecycle, record.data["recorded_at"])
                c.execute(
                    outbox.update()
                    .where(outbox.c.sequence == record.sequence)
                    .values(event=event.to_json())
                )
        assert "4" == meta_version(engine, prefix)
        migrations.upgrade(url, prefix=prefix)
        assert "5" == meta_version(engine, prefix)
        d.fire("notify_panel")
        with engine.connect() as c:
            rows = c.execute(sa.select(outbox.c.sequence, outbox.c.event).order_by(outbox.c.id))
            texts = [text for _, text in rows]
        assert texts[0] == d.events[0].to_json()
        assert "" == texts[1]
        sent: list[sw.CloudEvent] = []
        clock = sw.testing.FrozenClock(pendulum.datetime(2100, 1, 1))
        sw.OutboxRelay(store, sent.append, clock=clock).run_until_idle()
        assert [e.to_json() for e in d.events] == [e.to_json() for e in sent]
        command.downgrade(migrations.config(url, prefix=prefix), "sw0004")
        assert "4" == meta_version(engine, prefix)
        with engine.connect() as c:
            filled = [r[0] for r in c.execute(sa.select(outbox.c.event).order_by(outbox.c.id))]
        assert [e.to_json() for e in d.events] == filled
    finally:
        engine.dispose()
