"""The bulk generator: real cases, written straight into a store, the same whatever the workers."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

import safeguarding_workflow as sw
from safeguarding_workflow.bulk import USUAL_PATH, generate
from safeguarding_workflow.stores._sql._rows import deadline_rows_of
from safeguarding_workflow.stores._sql._store import SqlStore
from safeguarding_workflow.testing._england import USUAL_PATH as WHOLE_PATH
from safeguarding_workflow.testing._england import step_command

from .helpers import TENANT, Driver


def _rows(store: SqlStore, table: str) -> int:
    with store.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(store.tables[table])).scalar())


def test_generated_cases_are_whole_and_verify(tmp_path: Path) -> None:
    """Counts match the tables; every chain verifies; deadline rows are the cases' own."""
    store = SqlStore.sqlite(str(tmp_path / "bulk.db"))
    report = generate(store, cases=40, tenants=("bulk-a", "bulk-b"), batch=15)
    assert 40 == report.cases == _rows(store, "cases")
    assert report.records == _rows(store, "history") == _rows(store, "outbox")
    assert report.deadlines == _rows(store, "deadlines")
    assert report.records > report.cases  # some cases were walked along the usual path
    for head in store.heads():
        history = store.history(head.tenant_id, head.case_id)
        assert sw.verify(history).ok
        assert head.hash == history[-1].hash
        case = store.get(head.tenant_id, head.case_id)
        assert case == sw.rebuild(history)
        deadlines = store.tables["deadlines"]
        with store.engine.connect() as c:
            kinds = c.execute(
                sa.select(deadlines.c.kind, deadlines.c.status).where(
                    deadlines.c.tenant_id == case.tenant_id, deadlines.c.case_id == case.case_id
                )
            ).all()
        assert {(r["kind"], r["status"]) for r in deadline_rows_of(case)} == {
            tuple(k) for k in kinds
        }
    assert {"bulk-a", "bulk-b"} == {h.tenant_id for h in store.heads()}
    store.engine.dispose()


def test_the_same_cases_whatever_the_workers(tmp_path: Path) -> None:
    """Batches are seeded on their own, so two worker processes write what one does."""
    one = SqlStore.sqlite(str(tmp_path / "one.db"))
    two = SqlStore.sqlite(str(tmp_path / "two.db"))
    first = generate(one, cases=24, batch=8, seed=7)
    second = generate(two, cases=24, batch=8, seed=7, workers=2)
    assert first == second
    assert [(h.case_id, h.hash) for h in one.heads()] == [(h.case_id, h.hash) for h in two.heads()]
    other = SqlStore.sqlite(str(tmp_path / "other.db"))
    generate(other, cases=24, batch=8, seed=8)
    assert [h.hash for h in one.heads()] != [h.hash for h in other.heads()]
    for store in (one, two, other):
        store.engine.dispose()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cases": 0}, "cases"),
        ({"cases": 5, "batch": 0}, "batch"),
        ({"cases": 5, "workers": 0}, "workers"),
        ({"cases": 5, "days": 0}, "days"),
        ({"cases": 5, "tenants": ()}, "tenants"),
        ({"cases": 5, "tenants": "bulk"}, "tenants"),
        ({"cases": 5, "first_day": "2022-01-01"}, "first_day"),
    ],
)
def test_bad_arguments_write_nothing(tmp_path: Path, kwargs: dict[str, object], field: str) -> None:
    """Each bad argument is refused by name, before anything is written."""
    store = SqlStore.sqlite(str(tmp_path / "bad.db"))
    with pytest.raises(sw.ConfigurationError) as caught:
        generate(store, **kwargs)  # type: ignore[arg-type]
    assert field == caught.value.field
    assert 0 == _rows(store, "cases")
    store.engine.dispose()


def test_workers_need_a_store_they_can_open() -> None:
    """An in-memory SQLite cannot be shared with worker processes."""
    store = SqlStore(sa.create_engine("sqlite://"))
    store.create_schema()
    with pytest.raises(sw.ConfigurationError):
        generate(store, cases=4, batch=2, workers=2)


def test_bulk_walks_the_first_steps_of_the_path() -> None:
    """bulk.USUAL_PATH is the path to an appointed reviewer, its payloads subsets of the path's."""
    assert [(e, r) for e, r, _ in WHOLE_PATH[:6]] == [(e, r) for e, r, _ in USUAL_PATH]
    for (_, _, whole), (_, _, bulk) in zip(WHOLE_PATH, USUAL_PATH, strict=False):
        assert bulk.items() <= whole.items()
    d = Driver()
    d.open()
    for event, role, payload in USUAL_PATH:
        when = d.command(event).occurred_at  # a day on, the clock moved past it
        d.workflow.fire(step_command(TENANT, "case-1", event, role, payload, when))
    assert "review_in_progress" == d.case().state
