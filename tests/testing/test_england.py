"""The England lifecycle's usual path, shared by the store contract, bulk and the tests."""

from __future__ import annotations

import pendulum

import safeguarding_workflow as sw
from safeguarding_workflow.testing._england import (
    USUAL_PATH,
    days_before,
    step_command,
    walk_usual_path,
)

from ..helpers import TENANT, Driver

LIFECYCLE = sw.england.LIFECYCLE


def test_each_step_is_the_lifecycles() -> None:
    """Every step of the path is taken by a role it allows, with payload fields it declares."""
    state = LIFECYCLE.initial
    for event, role, payload in USUAL_PATH:
        step = LIFECYCLE.step(state, event)
        assert step is not None, (state, event)
        assert role in step.roles
        assert set(payload) <= {f.name for f in step.payload}
        state = step.dest or state
    assert "closed" == state


def test_walk_to_closed_meets_every_deadline() -> None:
    """The whole walk closes the case: steps a day apart, publication a month after sending."""
    d = Driver()
    d.open()
    outcomes = walk_usual_path(d.workflow, TENANT, "case-1", d.clock, d.when)
    case = outcomes[-1].case
    assert ("closed", len(USUAL_PATH) + 2) == (case.state, case.version)  # + the leak check
    assert {"met"} == {x.status for x in case.deadlines}
    steps = [r for r in d.history()[1:] if r.kind == "step"]  # not the leak check's record
    times = [pendulum.parse(r.data["occurred_at"]) for r in steps]
    gaps = [(b - a).in_days() for a, b in zip([d.when, *times], times, strict=False)]
    assert [days_before(event) for event, _, _ in USUAL_PATH] == gaps
    assert [1] * 10 + [31, 1] == gaps
    assert times[-1].add(hours=1) == d.clock.now()
    assert case == sw.rebuild(d.history())


def test_a_walk_of_some_steps_goes_on_from_the_last() -> None:
    """A walk of the first steps leaves the case where the path is; a walk on continues."""
    d = Driver()
    d.open()
    first = walk_usual_path(d.workflow, TENANT, "case-1", d.clock, d.when, 4, actor="user-2")
    assert "rapid_review_submitted" == first[-1].case.state
    assert {"user-2"} == {r.data["actor"] for r in d.history()[1:]}
    d.when = first[-1].case.last_step_at
    assert "local_review_commissioned" == d.fire("commission_local_review").case.state


def test_planned_publication_is_a_month_after_the_plan() -> None:
    """A plan without a date publishes 30 days after the step; a given date is kept."""
    at = pendulum.datetime(2024, 3, 1, 10, tz="UTC")
    planned = step_command(TENANT, "case-1", "plan_publication", "safeguarding_partners", {}, at)
    assert {"planned_publication_on": "2024-03-31"} == planned.payload
    given = {"planned_publication_on": "2024-04-02"}
    kept = step_command(TENANT, "case-1", "plan_publication", "safeguarding_partners", given, at)
    assert given == kept.payload
