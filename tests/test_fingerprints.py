"""
Deadline fingerprints: every due date says what computed it, and none moves by itself.

A release of the library with new holiday data is simulated by a ``holidays`` table with
one more bank holiday (Wednesday 10 January 2024, fictional): a workflow built after it
reads the same stored cases, whose recorded due dates and fingerprints stay as they were
until `Workflow.recompute_deadlines`, a recorded step, moves them. All cases are fictional.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator

import attrs
import pendulum
import pytest

import safeguarding_workflow as sw
from safeguarding_workflow import _calendar
from safeguarding_workflow._codec import deadline_from_json, deadline_to_json
from safeguarding_workflow.england import _assess

from .helpers import TENANT, Driver

EXTRA = dt.date(2024, 1, 10)
FINGERPRINT = re.compile(r"england@[^/]+/england@[^/]+/england_and_wales:[0-9a-f]{16}")


@pytest.fixture
def fresh_calendars() -> Iterator[None]:
    """Calendars are cached; each test that changes the holiday data starts and ends clean."""
    package = _calendar._package_holidays  # the cached original, whatever a test patches in
    package.cache_clear()
    _assess._tenant_calendar.cache_clear()
    yield
    package.cache_clear()
    _assess._tenant_calendar.cache_clear()


def _upgrade_holiday_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a new release of the ``holidays`` data with one more bank holiday looks like."""
    original = _calendar._package_holidays.__wrapped__

    def with_extra(subdivision: str, first_year: int, last_year: int) -> frozenset[dt.date]:
        return original(subdivision, first_year, last_year) | {EXTRA}

    monkeypatch.setattr(_calendar, "_package_holidays", with_extra)
    _assess._tenant_calendar.cache_clear()


def _after_upgrade(d: Driver) -> sw.Workflow:
    """A workflow built after the upgrade, over the same store and clock."""
    return sw.Workflow(
        sw.england.PACK, clock=d.clock, settings=[sw.TenantSettings(TENANT)], store=d.workflow.store
    )


class TestCalendarFingerprint:
    def test_the_same_days_give_the_same_fingerprint_whichever_way_they_came(self) -> None:
        plain = sw.WorkingDayCalendar.england_and_wales()
        assert plain.fingerprint == sw.WorkingDayCalendar.england_and_wales().fingerprint
        assert re.fullmatch(r"england_and_wales:[0-9a-f]{16}", plain.fingerprint)
        # A proclaimed day that is already a bank holiday changes no answer, so no fingerprint.
        christmas = sw.HolidayAddition(pendulum.date(2024, 12, 25), "already a bank holiday")
        assert plain.fingerprint == plain.with_additions(christmas).fingerprint
        # Added one by one or all at once: the same days, the same fingerprint.
        a = sw.HolidayAddition(pendulum.date(2024, 1, 10), "fictional")
        b = sw.HolidayAddition(pendulum.date(2024, 2, 14), "fictional")
        assert (
            plain.with_additions(a).with_additions(b).fingerprint
            == plain.with_additions(b, a).fingerprint
        )

    def test_any_change_to_the_days_changes_it(self) -> None:
        plain = sw.WorkingDayCalendar.england_and_wales()
        added = plain.with_additions(sw.HolidayAddition(pendulum.date(2024, 1, 10), "fictional"))
        projected = sw.WorkingDayCalendar.england_and_wales(project_until=2030)
        seen = {
            plain.fingerprint,
            added.fingerprint,
            projected.fingerprint,
            sw.WorkingDayCalendar.scotland().fingerprint,
            sw.WorkingDayCalendar.northern_ireland().fingerprint,
        }
        assert 5 == len(seen)
        # A host's list for a year after the official one: the days it lists count.
        later = sw.WorkingDayCalendar.england_and_wales(holidays_for_years={2029: []})
        later_with_one = sw.WorkingDayCalendar.england_and_wales(
            holidays_for_years={2029: [dt.date(2029, 1, 1)]}
        )
        assert len({plain.fingerprint, later.fingerprint, later_with_one.fingerprint}) == 3

    def test_new_holiday_data_changes_it(
        self, monkeypatch: pytest.MonkeyPatch, fresh_calendars: None
    ) -> None:
        before = sw.WorkingDayCalendar.england_and_wales().fingerprint
        _upgrade_holiday_data(monkeypatch)
        after = sw.WorkingDayCalendar.england_and_wales()
        assert not after.is_working_day(EXTRA)
        assert before != after.fingerprint


class TestStamped:
    def test_every_due_date_at_opening_carries_the_workflows_fingerprint(self) -> None:
        d = Driver()
        case = d.open()
        stamp = d.workflow.deadline_fingerprint(TENANT, "case-1")
        assert FINGERPRINT.fullmatch(stamp)
        assert stamp.startswith(f"england@{sw.england.PACK.version}/england@")
        assert stamp.endswith(d.workflow.calendar(TENANT).fingerprint)
        assert case.deadlines
        for deadline in case.deadlines:
            assert (None if deadline.due is None else stamp) == deadline.fingerprint

    def test_a_step_that_anchors_a_deadline_stamps_it(self) -> None:
        d = Driver()
        d.walk_to("review_in_progress")
        stamp = d.workflow.deadline_fingerprint(TENANT, "case-1")
        opened_by_step = next(x for x in d.case().deadlines if x.kind == "local_review_publication")
        assert opened_by_step.due is not None
        anchored = [x for x in d.case().deadlines if x.due is not None]
        assert len(anchored) > 3
        assert {stamp} == {x.fingerprint for x in anchored}
        unanchored = [x for x in d.case().deadlines if x.due is None]
        assert all(x.fingerprint is None for x in unanchored)

    def test_the_fingerprint_is_on_the_record_and_rebuilds(self) -> None:
        d = Driver()
        d.walk_to("review_in_progress")
        history = d.history()
        opening = history[0].data["changes"]["deadlines"]
        assert all(FINGERPRINT.fullmatch(x["fingerprint"]) for x in opening if x["due"])
        assert d.case() == sw.rebuild(history)
        assert sw.verify(history).ok

    def test_events_do_not_carry_it(self) -> None:
        d = Driver()
        d.open()
        text = json.dumps([e.data for e in d.events])
        assert "fingerprint" not in text
        assert "england_and_wales:" not in text


class TestUpgrade:
    def test_new_holiday_data_moves_no_recorded_deadline_until_recomputed(
        self, monkeypatch: pytest.MonkeyPatch, fresh_calendars: None
    ) -> None:
        """The issue's case: a library upgrade simulated by a changed holiday list."""
        d = Driver()
        d.open()
        before = d.case()
        old_stamp = d.workflow.deadline_fingerprint(TENANT, "case-1")
        _upgrade_holiday_data(monkeypatch)
        upgraded = _after_upgrade(d)
        new_stamp = upgraded.deadline_fingerprint(TENANT, "case-1")
        assert old_stamp != new_stamp
        # Read by the upgraded library, the case is exactly as recorded: dates and stamps.
        assert before == upgraded.case(TENANT, "case-1")
        # A step records what it does, and moves no recorded due date either.
        d.workflow = upgraded
        d.fire("notify_panel")
        after_step = upgraded.case(TENANT, "case-1")
        assert {x.kind: (x.due, x.fingerprint) for x in before.deadlines} == {
            x.kind: (x.due, x.fingerprint) for x in after_step.deadlines
        }
        # Only the explicit, recorded step moves them, and stamps them anew.
        outcome = upgraded.recompute_deadlines(TENANT, "case-1", actor="scheduler")
        assert outcome.record is not None
        assert "deadlines_recomputed" == outcome.record.kind
        assert ["DEC-02"] == outcome.record.data["rule_ids"]
        changes = outcome.record.data["changes"]
        assert new_stamp == changes["fingerprint"]
        moved = {x.kind: x.due for x in outcome.case.deadlines}
        assert pendulum.date(2024, 1, 15) == moved["notify_panel"]  # one working day later
        assert (
            pendulum.date(2024, 1, 12) == {x.kind: x.due for x in before.deadlines}["notify_panel"]
        )
        assert {new_stamp} == {x.fingerprint for x in outcome.case.deadlines if x.due}
        history = upgraded.history(TENANT, "case-1")
        assert sw.verify(history).ok
        assert outcome.case == sw.rebuild(history)
        # Once recomputed, nothing more to record.
        again = upgraded.recompute_deadlines(TENANT, "case-1", actor="scheduler")
        assert again.record is None

    def test_a_new_fingerprint_alone_is_recorded_when_no_date_moves(self) -> None:
        """An addition that moves none of the case's dates still restamps them, on the record."""
        d = Driver()
        case = d.open()
        far = sw.HolidayAddition(pendulum.date(2027, 3, 3), "fictional proclaimed day")
        d.workflow.configure(sw.TenantSettings(TENANT, calendar_additions=[far]))
        stamp = d.workflow.deadline_fingerprint(TENANT, "case-1")
        outcome = d.workflow.recompute_deadlines(TENANT, "case-1", actor="scheduler")
        assert outcome.record is not None
        assert [x.due for x in case.deadlines] == [x.due for x in outcome.case.deadlines]
        written = outcome.record.data["changes"]["deadlines"]
        assert all(set(x) == {"kind", "fingerprint"} for x in written)
        assert {stamp} == {x["fingerprint"] for x in written}
        assert outcome.case == sw.rebuild(d.history())

    def test_a_correction_restamps_what_it_recomputes(self) -> None:
        """Correcting a step's time recomputes the deadlines it anchors, on today's calendar."""
        d = Driver()
        d.walk_to("review_in_progress")
        commission = next(r for r in d.history() if r.data["event"] == "commission_local_review")
        far = sw.HolidayAddition(pendulum.date(2027, 3, 3), "fictional proclaimed day")
        d.workflow.configure(sw.TenantSettings(TENANT, calendar_additions=[far]))
        stamp = d.workflow.deadline_fingerprint(TENANT, "case-1")
        before = {x.kind: x for x in d.case().deadlines}
        assert stamp != before["local_review_publication"].fingerprint
        outcome = d.workflow.correct(
            TENANT,
            "case-1",
            corrects=commission.sequence,
            occurred_at=pendulum.parse(commission.data["occurred_at"]).subtract(hours=1),
            reason_ref="typo-1",
            actor="user-1",
            role=commission.data["role"],
        )
        after = {x.kind: x for x in outcome.case.deadlines}
        assert stamp == after["local_review_publication"].fingerprint
        # What the correction did not recompute keeps what computed it.
        assert before["notify_panel"].fingerprint == after["notify_panel"].fingerprint
        assert outcome.case == sw.rebuild(d.history())


class TestStoredForm:
    def test_a_deadline_recorded_without_a_fingerprint_keeps_its_bytes(self) -> None:
        d = Driver()
        deadline = attrs.evolve(d.open().deadlines[0], fingerprint=None)
        data = deadline_to_json(deadline)
        assert "fingerprint" not in data
        assert deadline == deadline_from_json(data)
        assert data == deadline_to_json(deadline_from_json(data))

    def test_a_malformed_fingerprint_is_refused(self) -> None:
        d = Driver()
        data = deadline_to_json(d.open().deadlines[0])
        for bad in (5, ["x"], {"a": 1}, True):
            with pytest.raises(sw.InvalidInputError):
                deadline_from_json({**data, "fingerprint": bad})

    def test_a_history_written_before_fingerprints_reads_without_them(self) -> None:
        """
        The schema-1 fixture has no fingerprints: it verifies and rebuilds as it was.

        Its first recomputation stamps them, on the record: see
        tests/stores/test_snapshot_integrity.py, on both SQL engines.
        """
        from pathlib import Path

        export = Path(__file__).parent / "fixtures" / "history-v1.json"
        records = [r for r in sw.history_from_json(export.read_text()) if r.case_id == "case-2"]
        case = sw.rebuild(records)
        assert all(x.fingerprint is None for x in case.deadlines)
        assert any(x.due is not None for x in case.deadlines)
        assert sw.verify(records).ok


def test_cases_share_one_copy_of_each_fingerprint() -> None:
    """P2: a fingerprint is one string for every deadline it stamps, built or read back."""
    d = Driver()
    first = d.open(case_id="case-1")
    second = d.open(case_id="case-2")
    stamps = {id(x.fingerprint) for c in (first, second) for x in c.deadlines if x.due}
    assert 1 == len(stamps)
    read = [sw.rebuild(d.history(c)) for c in ("case-1", "case-2")]
    assert 1 == len({id(x.fingerprint) for c in read for x in c.deadlines if x.due})
