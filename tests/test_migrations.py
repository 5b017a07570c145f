"""
Versioned lifecycles: open cases migrated on the record, in batches, resumable; no silent change.

Cases are opened in every state of the England lifecycle under an older version (a copy
of the lifecycle labelled "1", as a store written by an earlier release holds them), then
migrated to the current version: each open case gets a ``migrated`` record, the chain
verifies, `rebuild` replays across it, and the case goes on under the new rules. Ended
cases keep their version. A migration interrupted part way, by a store that fails,
is finished by running it again, moving each case once. All cases are fictional.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
import pendulum
import pytest

import safeguarding_workflow as sw

from .helpers import ROUTES, TENANT, Driver, days_before, facts_for

NEW = sw.england.LIFECYCLE


def _old_lifecycle(version: str = "1") -> sw.Lifecycle:
    """The England lifecycle as an earlier release labelled it: same steps, version *version*."""
    return sw.Lifecycle(
        name=NEW.name,
        version=version,
        states=NEW.states,
        initial=NEW.initial,
        terminal=NEW.terminal,
        roles=NEW.roles,
        guards=NEW.guards,
        steps=NEW.steps,
    )


def _cases_in_every_state(store: sw.CaseStore) -> Driver:
    """A driver on *store* running the old version, one case in each state of the lifecycle."""
    d = Driver(pack=attrs.evolve(sw.england.PACK, lifecycle=_old_lifecycle()), store=store)
    for index, state in enumerate(ROUTES):
        case_id = f"case-{index:02d}"
        d.open(facts_for(state), case_id=case_id)
        for event in ROUTES[state]:
            d.fire(event, case_id=case_id, days=days_before(event))
        assert state == d.case(case_id).state
    return d


def _on_the_new_version(d: Driver) -> sw.Workflow:
    return sw.Workflow(
        sw.england.PACK, clock=d.clock, settings=[sw.TenantSettings(TENANT)], store=d.workflow.store
    )


def test_the_shipped_migration_maps_every_state_of_version_1() -> None:
    migration = sw.england.MIGRATION_1_TO_2
    assert ("1", "2") == (migration.from_version, migration.to.version)
    for state in migration.from_states:
        assert migration.target(state) in NEW.states


def test_a_migration_is_checked_when_defined() -> None:
    base: dict[str, Any] = {
        "from_version": "1",
        "from_states": ("incident_recorded", "old_only", "closed"),
        "from_terminal": ("closed",),
        "to": NEW,
        "reason_ref": "rel-2",
    }
    with pytest.raises(sw.ConfigurationError) as unmapped:
        sw.Migration(**base)
    assert "old_only" in str(unmapped.value)
    assert "states" == unmapped.value.field
    assert "notified" == sw.Migration(**base, states={"old_only": "notified"}).target("old_only")
    with pytest.raises(sw.ConfigurationError):
        sw.Migration(**base, states={"old_only": "no_such_state"})
    with pytest.raises(sw.ConfigurationError):
        sw.Migration(**{**base, "from_version": NEW.version}, states={"old_only": "notified"})
    with pytest.raises(sw.ConfigurationError):
        sw.Migration(**{**base, "reason_ref": "Zebedee Quillfeather"})


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_every_open_state_migrates_and_verifies(kind: str, tmp_path: Any) -> None:
    store = (
        sw.MemoryStore() if kind == "memory" else sw.stores.SqlStore.sqlite(str(tmp_path / "m.db"))
    )
    d = _cases_in_every_state(store)
    before = {c: d.workflow.history(TENANT, c) for c in store.case_ids(TENANT)}
    states = {c: d.case(c).state for c in before}
    new = _on_the_new_version(d)
    report = new.migrate(sw.england.MIGRATION_1_TO_2, TENANT, actor="admin-1", batch=500)
    assert report.after is None
    ended = {c for c in before if states[c] in NEW.terminal}
    assert ended == set(report.ended)
    assert set(before) - ended == set(report.migrated)
    for case_id, old in before.items():
        history = new.history(TENANT, case_id)
        case = new.case(TENANT, case_id)
        assert sw.verify(history).ok
        assert case == sw.rebuild(history)
        if case_id in ended:
            assert (old, "1") == (history, case.lifecycle_version)
            continue
        last = history[-1]
        assert ("migrated", "2") == (last.kind, case.lifecycle_version)
        body = json.loads(last.body)
        assert {
            "from_version": "1",
            "to_version": "2",
            "from_state": states[case_id],
            "reason_ref": "england-lifecycle-2",
        } == body["payload"]
        assert old == history[:-1]  # nothing earlier was touched
        assert "deadlines" not in body["changes"]  # no recomputation: a step of its own
    # The cases go on under the new rules: a published case may now be taken down (LR-10).
    published = next(c for c in report.migrated if new.case(TENANT, c).state == "published_full")
    d.workflow = new
    taken_down = d.fire("remove_publication", case_id=published, days=400, override_ref=None)
    assert "publication_removed" == taken_down.case.state


def test_a_second_run_moves_nothing() -> None:
    d = _cases_in_every_state(sw.MemoryStore())
    new = _on_the_new_version(d)
    first = new.migrate(sw.england.MIGRATION_1_TO_2, TENANT, actor="admin-1")
    again = new.migrate(sw.england.MIGRATION_1_TO_2, TENANT, actor="admin-1")
    assert () == again.migrated
    assert set(first.migrated) <= set(again.others)


def test_batches_go_on_from_where_the_last_stopped() -> None:
    d = _cases_in_every_state(sw.MemoryStore())
    new = _on_the_new_version(d)
    seen: list[str] = []
    after = None
    while True:
        report = new.migrate(
            sw.england.MIGRATION_1_TO_2, TENANT, actor="admin-1", batch=4, after=after
        )
        seen += [*report.migrated, *report.ended, *report.others]
        if report.after is None:
            break
        after = report.after
    assert sorted(seen) == sorted(new.store.case_ids(TENANT))
    assert len(seen) == len(set(seen))


class _Failing(sw.MemoryStore):
    """A store whose appends fail after *allowed* of them: a crash part way through."""

    def __init__(self) -> None:
        super().__init__()
        self.allowed: int | None = None

    def append(self, case: sw.Case, record: sw.HistoryRecord, expected_version: int) -> None:
        if self.allowed is not None:
            if self.allowed == 0:
                raise sw.StoreError("the database went away", field="store")
            self.allowed -= 1
        super().append(case, record, expected_version)


def test_an_interrupted_migration_resumes_and_moves_each_case_once() -> None:
    store = _Failing()
    d = _cases_in_every_state(store)
    new = _on_the_new_version(d)
    store.allowed = 5
    with pytest.raises(sw.StoreError):
        new.migrate(sw.england.MIGRATION_1_TO_2, TENANT, actor="admin-1")
    store.allowed = None
    report = new.migrate(sw.england.MIGRATION_1_TO_2, TENANT, actor="admin-1")
    assert 5 == len(report.others)  # moved before the crash
    for case_id in store.case_ids(TENANT):
        history = new.history(TENANT, case_id)
        assert sum(r.kind == "migrated" for r in history) <= 1
        assert sw.verify(history).ok
        case = new.case(TENANT, case_id)
        assert ("2" if case.state not in NEW.terminal else "1") == case.lifecycle_version


def test_a_changed_holiday_list_moves_no_recorded_deadline_until_recomputed() -> None:
    """A library upgrade with new holiday data: due dates move only by an explicit step."""
    d = Driver()
    case = d.open()
    due = {x.kind: x.due for x in case.deadlines}
    extra = sw.HolidayAddition(pendulum.date(2024, 1, 10), "a fictional proclaimed day")
    d.workflow.configure(sw.TenantSettings(TENANT, calendar_additions=[extra]))
    assert due == {x.kind: x.due for x in d.case().deadlines}  # nothing moved by itself
    outcome = d.workflow.recompute_deadlines(TENANT, "case-1", actor="user-1")
    assert outcome.record is not None
    assert "deadlines_recomputed" == outcome.record.kind
    moved = {x.kind: x.due for x in outcome.case.deadlines}
    assert moved["notify_panel"] == pendulum.date(2024, 1, 15)  # one working day later
    assert due["notify_panel"] == pendulum.date(2024, 1, 12)


def test_the_wrong_lifecycle_or_batch_is_refused() -> None:
    d = Driver()
    other = sw.Migration(
        from_version="0",
        from_states=NEW.states,
        from_terminal=NEW.terminal,
        to=_old_lifecycle("9"),
        reason_ref="rel-9",
    )
    with pytest.raises(sw.ConfigurationError):
        d.workflow.migrate(other, TENANT, actor="admin-1")
    with pytest.raises(sw.InvalidInputError) as refused:
        d.workflow.migrate(sw.england.MIGRATION_1_TO_2, TENANT, actor="admin-1", batch=0)
    assert "batch" == refused.value.field


def test_a_case_of_the_old_version_takes_no_step_until_migrated() -> None:
    """Never new rules in silence: the new workflow refuses an old case's step, with why."""
    d = _cases_in_every_state(sw.MemoryStore())
    new = _on_the_new_version(d)
    case_id = next(c for c in new.store.case_ids(TENANT) if new.case(TENANT, c).state == "notified")
    d.workflow = new
    before = new.history(TENANT, case_id)
    with pytest.raises(sw.ConfigurationError) as refused:
        d.fire("start_rapid_review", case_id=case_id)
    assert "lifecycle_version" == refused.value.field
    assert "migrate" in str(refused.value)
    assert before == new.history(TENANT, case_id)
    reasons = new.check(d.command("start_rapid_review", case_id=case_id, days=0))
    assert ["lifecycle_version_differs"] == [r.code for r in reasons]
    new.migrate(sw.england.MIGRATION_1_TO_2, TENANT, actor="admin-1", batch=500)
    assert "rapid_review" == d.fire("start_rapid_review", case_id=case_id, days=0).case.state
