"""
Commands that respect the timeline: facts, payload dates and corrections (issue 9, items 12-14).

Every step has two times (DESIGN: "Two times on every step"); these tests hold the
commands that are not steps to the same timeline: `update_facts` (TL-02, TL-03), the
dates a payload carries (TL-04), and corrections, which read one record by sequence
instead of the whole history (TL-01).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import pendulum
import pytest

import safeguarding_workflow as sw

from .helpers import BARNSLEY, TENANT, Driver, death_in_barnsley

D = pendulum.date


def snapshot(driver: Driver) -> tuple[sw.Case, tuple[bytes, ...]]:
    """The stored case and its records' bytes: what a refused command must leave alone."""
    return driver.case(), tuple(r.body for r in driver.history())


def looked_after_death(**overrides: Any) -> sw.Incident:
    """A fictional looked-after child's death in Barnsley, known on Friday 5 January 2024."""
    return death_in_barnsley(
        children=[sw.Child(age=15, harm="death", looked_after_by=BARNSLEY)], **overrides
    )


@contextmanager
def refused(*codes: str) -> Iterator[list[sw.TransitionRefused]]:
    """Expect a TransitionRefused whose reasons have exactly these codes; yields it after."""
    caught: list[sw.TransitionRefused] = []
    with pytest.raises(sw.TransitionRefused) as info:
        yield caught
    assert list(codes) == [r.code for r in info.value.reasons]
    caught.append(info.value)


class TestUpdateFactsFollowsTheLifecycle:
    """Item 12: `update_facts` is refused on ended cases, and keeps awareness before every step."""

    @pytest.mark.parametrize("state", sorted(sw.england.LIFECYCLE.terminal))
    def test_refused_on_terminal_cases(self, state: str) -> None:
        """
        TL-02: an ended case's facts cannot change, and the refusal stores nothing.

        Before, a withdrawn case given a looked-after child's death gained an open
        Secretary of State deadline that no step could meet, overdue for ever.
        """
        d = Driver()
        d.walk_to(state)
        before = snapshot(d)
        with refused("case_ended") as caught:
            d.workflow.update_facts(TENANT, "case-1", looked_after_death(), actor="user-1")
        [error] = caught
        assert ("transition_refused", "update_facts", ("TL-02",)) == (
            error.code,
            error.event,
            error.rule_ids,
        )
        assert before == snapshot(d)

    def test_a_state_that_is_not_terminal_still_takes_new_facts(self) -> None:
        """DEC-04: a looked-after death notified to the SoS and Ofsted takes a later suspicion."""
        d = Driver()
        d.walk_to("sos_and_ofsted_notified")
        d.clock.set(pendulum.datetime(2024, 1, 16, 12, tz="UTC"))
        out = d.workflow.update_facts(
            TENANT, "case-1", looked_after_death(abuse_or_neglect_since=D(2024, 1, 15)), actor="u"
        )
        assert ("sos_and_ofsted_notified", D(2024, 1, 22)) == (
            out.case.state,
            out.case.deadline("notify_panel").due,  # type: ignore[union-attr]
        )

    def test_awareness_cannot_move_past_the_first_step(self) -> None:
        """
        TL-03, NOT-11: awareness may not move after the earliest step, even to before the last.

        The bound is the first step, not ``last_step_at``: a step taken before the
        authority knew of the incident cannot have happened, whichever step it is.
        """
        d = Driver()
        d.open()
        d.fire("notify_panel")  # Saturday 6 January 2024, 10:00 UTC
        d.fire("inform_safeguarding_partners")  # Sunday 7 January, 10:00 UTC
        before = snapshot(d)
        between = death_in_barnsley(la_aware_at=pendulum.datetime(2024, 1, 6, 12, tz="UTC"))
        with refused("awareness_after_steps") as caught:
            d.workflow.update_facts(TENANT, "case-1", between, actor="user-1")
        [error] = caught
        assert ("facts.la_aware_at", ("TL-03", "DEC-04")) == (error.field, error.rule_ids)
        assert "2024" not in str(error)
        assert before == snapshot(d)
        at_the_step = death_in_barnsley(la_aware_at=pendulum.datetime(2024, 1, 6, 10, tz="UTC"))
        out = d.workflow.update_facts(TENANT, "case-1", at_the_step, actor="user-1")
        assert (D(2024, 1, 6), out.case) == (out.case.facts.la_aware_on, sw.rebuild(d.history()))

    def test_without_steps_awareness_moves_and_steps_follow_it(self) -> None:
        """TL-01, TL-03: before any step awareness may move later, and no step may precede it."""
        d = Driver()
        d.open()
        d.clock.set(pendulum.datetime(2024, 1, 8, 12, tz="UTC"))
        later = death_in_barnsley(la_aware_at=pendulum.datetime(2024, 1, 8, 9, tz="UTC"))
        out = d.workflow.update_facts(TENANT, "case-1", later, actor="user-1")
        assert (pendulum.datetime(2024, 1, 8, 9, tz="UTC"), out.case) == (
            out.case.last_step_at,
            sw.rebuild(d.history()),
        )
        before = snapshot(d)
        with pytest.raises(sw.InvalidInputError) as info:
            d.fire("notify_panel")  # Saturday 6 January: before the authority knew
        assert "occurred_at" == info.value.field
        assert before == snapshot(d)

    def test_suspicion_cannot_move_past_a_step_taken_while_it_was_held(self) -> None:
        """TL-03, DEC-04: suspected from awareness, then the Panel notified: it stays before it."""
        d = Driver()
        d.open()  # neglect suspected from awareness, Friday 5 January
        d.fire("notify_panel")  # Saturday 6 January
        d.clock.set(pendulum.datetime(2024, 1, 10, 12, tz="UTC"))
        before = snapshot(d)
        with refused("suspicion_after_steps") as caught:
            d.workflow.update_facts(
                TENANT,
                "case-1",
                death_in_barnsley(abuse_or_neglect_since=D(2024, 1, 8)),
                actor="user-1",
            )
        [error] = caught
        assert ("facts.abuse_or_neglect_since", ("TL-03", "DEC-04")) == (
            error.field,
            error.rule_ids,
        )
        assert before == snapshot(d)
        same_day = death_in_barnsley(abuse_or_neglect_since=D(2024, 1, 6))
        out = d.workflow.update_facts(TENANT, "case-1", same_day, actor="user-1")
        assert D(2024, 1, 6) == out.case.facts.abuse_or_neglect_since

    def test_both_dates_refused_together(self) -> None:
        """TL-03: a refusal gives every reason at once, each with its rule ids."""
        d = Driver()
        d.open()
        d.fire("notify_panel")
        d.clock.set(pendulum.datetime(2024, 1, 10, 12, tz="UTC"))
        moved = death_in_barnsley(
            la_aware_at=pendulum.datetime(2024, 1, 6, 12, tz="UTC"),
            abuse_or_neglect_since=D(2024, 1, 7),
        )
        with refused("awareness_after_steps", "suspicion_after_steps") as caught:
            d.workflow.update_facts(TENANT, "case-1", moved, actor="user-1")
        assert "facts" == caught[0].field

    def test_a_suspicion_that_arose_after_the_steps_may_move(self) -> None:
        """DEC-04: suspicion first recorded after the only step may move: no step rested on it."""
        d = Driver()
        d.open(looked_after_death(abuse_or_neglect="not_suspected"))
        d.fire("notify_secretary_of_state_and_ofsted")  # Saturday 6 January
        d.clock.set(pendulum.datetime(2024, 1, 17, 12, tz="UTC"))
        first = looked_after_death(abuse_or_neglect_since=D(2024, 1, 15))
        d.workflow.update_facts(TENANT, "case-1", first, actor="user-1")
        moved = looked_after_death(abuse_or_neglect_since=D(2024, 1, 16))
        out = d.workflow.update_facts(TENANT, "case-1", moved, actor="user-1")
        assert (D(2024, 1, 16), out.case) == (
            out.case.facts.abuse_or_neglect_since,
            sw.rebuild(d.history()),
        )


def decision_dated_pack() -> sw.RulePack:
    """The England pack with a decision date (not a plan) on ``start_rapid_review``."""
    life = sw.england.LIFECYCLE
    steps = [
        attrs.evolve(step, payload=(*step.payload, sw.PayloadField("decided_on", "date")))
        if step.event == "start_rapid_review"
        else step
        for step in life.steps
    ]
    lifecycle = sw.Lifecycle(
        name=life.name,
        version=life.version,
        states=life.states,
        initial=life.initial,
        terminal=life.terminal,
        roles=life.roles,
        guards=life.guards,
        steps=steps,
    )
    return attrs.evolve(sw.england.PACK, lifecycle=lifecycle)


class TestPayloadDates:
    """Item 13: a payload's dates lie after awareness, and after the step only for plans."""

    def test_a_plan_may_not_fall_before_awareness(self) -> None:
        """TL-04, LR-08: a planned publication before awareness is refused by field, not value."""
        d = Driver()
        d.walk_to("report_final")
        before = snapshot(d)
        with pytest.raises(sw.InvalidInputError) as info:
            d.fire("plan_publication", planned_publication_on="2024-01-04")
        assert ("payload.planned_publication_on", ("TL-04",)) == (
            info.value.field,
            info.value.rule_ids,
        )
        assert "2024-01-04" not in str(info.value)
        assert before == snapshot(d)

    def test_a_plan_may_lie_in_the_future(self) -> None:
        """TL-04: ``future=True`` lets a plan lie after the step and after today."""
        d = Driver()
        d.walk_to("report_final")
        planned = d.when.add(days=90).date()
        out = d.fire("plan_publication", planned_publication_on=planned.isoformat())
        assert planned == out.case.milestone("publication_planned")

    def test_england_marks_its_plans(self) -> None:
        """TL-04: the England lifecycle's only date field is a plan, marked ``future``."""
        dates = {
            (step.event, field.name, field.future)
            for step in sw.england.LIFECYCLE.steps
            for field in step.payload
            if field.kind == "date"
        }
        assert {("plan_publication", "planned_publication_on", True)} == dates

    def test_a_decision_date_lies_between_awareness_and_the_step(self) -> None:
        """TL-04: a date that is not a plan may not be after the step, nor before awareness."""
        d = Driver(pack=decision_dated_pack())
        d.open()  # aware Friday 5 January 2024
        d.fire("notify_panel")  # Saturday 6 January
        before = snapshot(d)
        for day in ("2024-01-08", "2024-01-04"):  # the day after the step; before awareness
            with pytest.raises(sw.InvalidInputError) as info:
                d.workflow.fire(d.command("start_rapid_review", days=0, decided_on=day))
            assert ("payload.decided_on", ("TL-04",)) == (info.value.field, info.value.rule_ids)
            assert day not in str(info.value)
            assert before == snapshot(d)
        out = d.workflow.fire(d.command("start_rapid_review", days=1, decided_on="2024-01-07"))
        assert "rapid_review" == out.case.state

    def test_a_correction_keeps_the_step_after_its_decision_date(self) -> None:
        """TL-04: a step cannot be corrected to a day before a decision date it carries."""
        d = Driver(pack=decision_dated_pack())
        d.open()
        d.fire("notify_panel")  # Saturday 6 January
        d.fire("start_rapid_review", days=2, decided_on="2024-01-08")  # Monday 8 January
        before = snapshot(d)
        with pytest.raises(sw.InvalidInputError) as info:
            d.workflow.correct(
                TENANT,
                "case-1",
                corrects=3,
                occurred_at=pendulum.datetime(2024, 1, 7, 12, tz="UTC"),
                actor="user-2",
                role="safeguarding_partners",
                reason_ref="memo-1",
            )
        assert ("occurred_at", ("TL-04",)) == (info.value.field, info.value.rule_ids)
        assert before == snapshot(d)

    def test_step_convert_payload_checks_dates_when_given_the_case_dates(self) -> None:
        """TL-04: ``Step.convert_payload`` checks dates against awareness and the step's date."""
        step = sw.Step(
            "decide",
            ("a",),
            "b",
            ("r",),
            payload=(
                sw.PayloadField("decided_on", "date"),
                sw.PayloadField("plan_on", "date", future=True),
            ),
        )
        bounds = {"aware_on": D(2024, 1, 5), "occurred_on": D(2024, 1, 7)}
        ok = step.convert_payload({"decided_on": "2024-01-07", "plan_on": "2025-01-01"}, **bounds)
        assert {"decided_on": D(2024, 1, 7), "plan_on": D(2025, 1, 1)} == ok
        for payload, field in (
            ({"decided_on": "2024-01-08"}, "payload.decided_on"),
            ({"plan_on": "2024-01-04"}, "payload.plan_on"),
        ):
            with pytest.raises(sw.InvalidInputError) as info:
                step.convert_payload(payload, **bounds)
            assert field == info.value.field
        assert {"decided_on": D(2030, 1, 1)} == step.convert_payload({"decided_on": "2030-01-01"})

    def test_future_is_for_dates_only(self) -> None:
        """TL-04: ``future`` on a field that is not a date is a lifecycle error."""
        with pytest.raises(sw.InvalidLifecycle) as info:
            sw.PayloadField("report_ref", "ref", future=True)
        assert "payload" == info.value.field


class _Spy(sw.CaseStore):
    """A memory store that counts whole-history reads and records read by sequence."""

    def __init__(self) -> None:
        self.inner = sw.MemoryStore()
        self.history_reads = 0
        self.records_read = 0

    def get(self, tenant_id: str, case_id: str) -> sw.Case:
        return self.inner.get(tenant_id, case_id)

    def history(self, tenant_id: str, case_id: str) -> tuple[sw.HistoryRecord, ...]:
        self.history_reads += 1
        return self.inner.history(tenant_id, case_id)

    def record(self, tenant_id: str, case_id: str, sequence: int) -> sw.HistoryRecord:
        self.records_read += 1
        return self.inner.record(tenant_id, case_id, sequence)

    def find(self, tenant_id: str, case_id: str, idempotency_key: str) -> sw.HistoryRecord | None:
        return self.inner.find(tenant_id, case_id, idempotency_key)

    def create(self, case: sw.Case, record: sw.HistoryRecord) -> None:
        self.inner.create(case, record)

    def append(self, case: sw.Case, record: sw.HistoryRecord, expected_version: int) -> None:
        self.inner.append(case, record, expected_version)


class TestCorrectionCost:
    """Item 14: a correction reads one record, not the history, however long the case."""

    def test_a_correction_reads_one_record_however_long_the_history(self) -> None:
        """TL-01: with 4 records or 400, one correction reads no history and one record."""
        spy = _Spy()
        d = Driver(store=spy)
        d.open()
        d.fire("notify_panel")  # record 2, Saturday 6 January, 10:00 UTC
        d.fire("inform_safeguarding_partners")  # record 3, Sunday 7 January
        reads = []
        for corrections in (1, 397):
            for n in range(corrections):
                spy.history_reads = spy.records_read = 0
                d.workflow.correct(
                    TENANT,
                    "case-1",
                    corrects=2,
                    occurred_at=pendulum.datetime(2024, 1, 6, 9, tz="UTC").add(minutes=n % 60),
                    actor="user-2",
                    role="local_authority",
                    reason_ref="memo-1",
                )
            reads.append(
                (len(spy.inner.history(TENANT, "case-1")), spy.history_reads, spy.records_read)
            )
        assert [(4, 0, 1), (401, 0, 1)] == reads
        assert d.case() == sw.rebuild(d.history())

    def test_the_case_keeps_its_steps_effective_times(self) -> None:
        """TL-01: ``Case.step_times`` holds each step's time, corrections applied, as rebuilt."""
        d = Driver()
        d.open()
        d.fire("notify_panel")
        d.fire("inform_safeguarding_partners")
        really = pendulum.datetime(2024, 1, 6, 8, tz="UTC")
        out = d.workflow.correct(
            TENANT,
            "case-1",
            corrects=2,
            occurred_at=really,
            actor="user-2",
            role="local_authority",
            reason_ref="memo-1",
        )
        assert ((2, really), (3, pendulum.datetime(2024, 1, 7, 10, tz="UTC"))) == (
            out.case.step_times
        )
        assert out.case == sw.rebuild(d.history())

    def test_correcting_a_record_that_is_not_a_step_is_refused(self) -> None:
        """TL-01: the opening record, a facts record and an unknown sequence are not steps."""
        spy = _Spy()
        d = Driver(store=spy)
        d.open()
        d.fire("notify_panel")
        d.workflow.update_facts(TENANT, "case-1", death_in_barnsley(), actor="user-1")
        for corrects in (1, 3, 9, 0, True):
            with pytest.raises(sw.InvalidInputError) as info:
                d.workflow.correct(
                    TENANT,
                    "case-1",
                    corrects=corrects,
                    occurred_at=pendulum.datetime(2024, 1, 6, 9, tz="UTC"),
                    actor="user-2",
                    role="local_authority",
                    reason_ref="memo-1",
                )
            assert "corrects" == info.value.field
        assert (0, 0) == (spy.history_reads, spy.records_read)
