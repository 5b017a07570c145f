"""A Hypothesis stateful test: the England lifecycle against a plain model, and R4 for commands."""

from __future__ import annotations

from typing import Any

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import safeguarding_workflow as sw

from .helpers import ROLES, TENANT, Driver, facts_for
from .strategies import junk

LIFECYCLE = sw.england.LIFECYCLE
ALL_ROLES = sorted(LIFECYCLE.roles)


class EnglandLifecycle(RuleBasedStateMachine):
    """Drives one case with random steps, roles and payloads; checks it after every step."""

    @initialize(
        start=st.sampled_from(
            ["sos_and_ofsted_notified", "care_leaver_death_notified", "not_notifiable", "notified"]
        )
    )
    def open_case(self, start: str) -> None:
        self.driver = Driver()
        case = self.driver.open(facts_for(start))
        # The plain model: the state, and how many records the history has.
        self.state = case.state
        self.records = 1
        self.met: set[str] = set()

    @rule(data=st.data())
    def take_an_available_step(self, data: st.DataObject) -> None:
        """A step available from the model's state, by its role, with a valid payload."""
        steps = LIFECYCLE.available(self.state)
        if not steps:
            return
        step = data.draw(st.sampled_from(steps))
        days = data.draw(st.integers(min_value=0, max_value=40))
        before = self.snapshot()
        try:
            out = self.driver.fire(step.event, days=days)
        except sw.TransitionRefused:
            assert before == self.snapshot()  # a refusal changes nothing
            return
        self.state = step.dest or self.state
        self.records += 1
        self.met |= set(step.meets)
        assert out.case.state == self.state

    @rule(data=st.data())
    def try_a_forbidden_role(self, data: st.DataObject) -> None:
        """R7 inside the walk: a role the step does not allow is refused; nothing changes."""
        steps = [s for s in LIFECYCLE.available(self.state) if set(ALL_ROLES) - set(s.roles)]
        if not steps:
            return
        step = data.draw(st.sampled_from(steps))
        role = data.draw(st.sampled_from(sorted(set(ALL_ROLES) - set(step.roles))))
        before = self.snapshot()
        try:
            self.driver.fire(step.event, role=role)
        except sw.RoleNotPermitted:
            pass
        else:  # pragma: no cover - the assertion reports it
            raise AssertionError("a forbidden role took a step")
        assert before == self.snapshot()

    @rule(event=st.sampled_from(LIFECYCLE.events))
    def try_any_event(self, event: str) -> None:
        """Any event at all: taken, or refused with a library error and nothing changed."""
        before = self.snapshot()
        try:
            self.driver.fire(event)
        except sw.SafeguardingWorkflowError:
            assert before == self.snapshot()
            return
        step = LIFECYCLE.step(self.state, event)
        assert step is not None
        self.state = step.dest or self.state
        self.records += 1
        self.met |= set(step.meets)

    def snapshot(self) -> tuple[sw.Case, tuple[bytes, ...]]:
        return self.driver.case(), tuple(r.body for r in self.driver.history())

    @invariant()
    def matches_the_model(self) -> None:
        """State, history length, chain, rebuild and met deadlines agree with the model."""
        case = self.driver.case()
        history = self.driver.history()
        assert self.state == case.state
        # The driver records a leak check before publishing (LR-07): not a step of the model.
        checks = sum(r.kind == "leak_check" for r in history)
        assert self.records == len(history) - checks == case.version - checks
        assert sw.verify(history).ok
        assert case == sw.rebuild(history)
        for deadline in case.deadlines:
            if deadline.kind in self.met:
                assert deadline.status in {sw.DeadlineStatus.MET, sw.DeadlineStatus.MET_LATE}
                assert deadline.met_on is not None
                assert deadline.met_by is not None


EnglandLifecycle.TestCase.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None
)
TestEnglandLifecycle = EnglandLifecycle.TestCase


@settings(max_examples=300)
@given(
    event=st.one_of(st.sampled_from(LIFECYCLE.events), junk),
    role=st.one_of(st.sampled_from([*ALL_ROLES, "public"]), junk),
    actor=st.one_of(st.just("user-1"), junk),
    payload=st.one_of(
        st.dictionaries(
            st.sampled_from(sorted({f.name for s in LIFECYCLE.steps for f in s.payload})),
            junk,
            max_size=4,
        ),
        junk,
    ),
    days=st.integers(min_value=-5, max_value=5),
    expected_version=st.one_of(st.none(), st.integers(min_value=-1, max_value=4), junk),
)
def test_r4_fuzzed_commands(
    event: Any, role: Any, actor: Any, payload: Any, days: int, expected_version: Any
) -> None:
    """R4: fuzzed commands raise only library errors, and a refused command changes nothing."""
    d = Driver()
    d.walk_to("notified")
    before = (d.case(), tuple(r.body for r in d.history()))
    at = pendulum.datetime(2024, 1, 7, 10, tz="UTC").add(days=days)
    d.clock.set(pendulum.datetime(2024, 1, 9, tz="UTC"))
    try:
        command = sw.Command(
            TENANT,
            "case-1",
            event,
            actor=actor,
            role=role,
            occurred_at=at,
            payload=payload,
            expected_version=expected_version,
        )
        d.workflow.fire(command)
    except sw.SafeguardingWorkflowError:
        assert before == (d.case(), tuple(r.body for r in d.history()))
        return
    assert d.case().version == 3
    assert ROLES  # the helpers' role table is in use
