"""The shipped Alembic migrations: the same schema as create_schema, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa

import safeguarding_workflow as sw
from safeguarding_workflow.stores import SqlStore, migrations

from ..helpers import TENANT, Driver

_counter = itertools.count()


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
    engine = sa.create_engine(url)
    store = SqlStore(engine, prefix=prefix)
    store.create_schema()  # finds everything there already
    d = Driver(store=store)
    d.walk_to("notified")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as c:
        c.exec_driver_sql(f"DELETE FROM {prefix}history")
    assert sw.verify(d.history()).ok
    with engine.connect() as c:
        version = c.exec_driver_sql(f"SELECT version_num FROM {prefix}alembic_version").scalar()
    assert "sw0001" == version
    engine.dispose()


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
