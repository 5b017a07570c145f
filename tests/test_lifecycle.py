"""Lifecycle definitions: checked when built, and the compiled table agrees with transitions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import safeguarding_workflow as sw
from safeguarding_workflow.guards import ALLOW


def allow(case: object, ctx: object) -> sw.guards.GuardResult:
    return ALLOW


def build(**overrides: object) -> sw.Lifecycle:
    base: dict[str, object] = {
        "name": "tiny",
        "version": "1",
        "states": ("start", "middle", "end"),
        "initial": "start",
        "terminal": ("end",),
        "roles": ("clerk",),
        "guards": {"ok": allow},
        "steps": (
            sw.Step("go", ("start",), "middle", ("clerk",), guards=("ok",)),
            sw.Step("note", ("middle",), None, ("clerk",)),
            sw.Step("finish", ("middle",), "end", ("clerk",)),
        ),
    }
    return sw.Lifecycle(**{**base, **overrides})  # type: ignore[arg-type]


class TestValidation:
    def test_a_valid_lifecycle(self) -> None:
        """A consistent definition builds, and answers steps from its table."""
        life = build()
        assert life.outcome("start", "go", True) == "middle"
        assert life.outcome("middle", "note", True) == "middle"
        assert life.outcome("start", "finish", True) is None
        assert life.events == ("go", "note", "finish")
        assert repr(life) == "<Lifecycle tiny v1: 3 states, 3 steps>"

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"states": ("start", "middle", "end", "island")}, "unreachable states: island"),
            ({"terminal": ()}, "terminal states"),
            ({"terminal": ("nowhere",)}, "terminal states"),
            ({"initial": "nowhere"}, "initial state"),
            ({"name": "Not Snake"}, "snake_case name"),
            ({"states": ("start", "start")}, "distinct"),
            ({"states": ("start", "Middle", "end")}, "not a snake_case name"),
            ({"guards": {}}, "unknown guard 'ok'"),
            ({"guards": {"ok": 3}}, "not callable"),
            ({"roles": ("judge",)}, "unknown role 'clerk'"),
            (
                {"steps": (sw.Step("go", ("start",), "gone", ("clerk",)),)},
                "unknown state 'gone'",
            ),
            (
                {
                    "steps": (
                        sw.Step("go", ("start",), "middle", ("clerk",)),
                        sw.Step("finish", ("middle",), "end", ("clerk",)),
                        sw.Step("go", ("start",), "end", ("clerk",)),
                    )
                },
                "defined twice",
            ),
            (
                {
                    "steps": (
                        sw.Step("go", ("start",), "middle", ("clerk",)),
                        sw.Step("note", ("middle",), None, ("clerk",)),
                    )
                },
                "unreachable states: end",
            ),
            (
                {
                    "states": ("start", "middle", "end", "stuck"),
                    "steps": (
                        sw.Step("go", ("start",), "middle", ("clerk",)),
                        sw.Step("jam", ("start",), "stuck", ("clerk",)),
                        sw.Step("finish", ("middle",), "end", ("clerk",)),
                    ),
                },
                "dead end not marked terminal",
            ),
            (
                {
                    "steps": (
                        sw.Step("go", ("start",), "middle", ("clerk",)),
                        sw.Step("finish", ("middle",), "end", ("clerk",)),
                        sw.Step("reopen", ("end",), "middle", ("clerk",)),
                    )
                },
                "leaves terminal state",
            ),
            ({"steps": (sw.Step("go", (), "middle", ("clerk",)),)}, "no source state"),
            ({"steps": (sw.Step("go", ("start",), "middle", ()),)}, "names no role"),
            ({"steps": ("go",)}, "must be Step values"),
        ],
    )
    def test_inconsistent_definitions_fail_when_built(
        self, overrides: dict[str, object], message: str
    ) -> None:
        """Each inconsistency raises InvalidLifecycle at definition time, naming it."""
        with pytest.raises(sw.InvalidLifecycle, match=message) as info:
            build(**overrides)
        assert info.value.code == "invalid_lifecycle"

    def test_deadline_spec_needs_one_timescale(self) -> None:
        """A deadline runs on working days or on months, not both or neither."""
        with pytest.raises(sw.InvalidLifecycle):
            sw.DeadlineSpec("x", "anchor", ("LR-06",))
        with pytest.raises(sw.InvalidLifecycle):
            sw.DeadlineSpec("x", "anchor", ("LR-06",), working_days=1, months=1)


def agree(life: sw.Lifecycle) -> None:
    events = {*life.events, "no_such_event"}
    for state in life.states:
        for event in events:
            for allowed in (True, False):
                ours = life.outcome(state, event, allowed)
                reference = life.reference_outcome(state, event, allowed)
                assert reference == ours, (state, event, allowed)


def test_compiled_table_agrees_with_transitions_on_england() -> None:
    """Every (state, event, guard outcome) of the England lifecycle: table == transitions."""
    agree(sw.england.LIFECYCLE)


@st.composite
def lifecycles(draw: st.DrawFn) -> sw.Lifecycle:
    """Random consistent lifecycles: a chain to a terminal state, plus random extra steps."""
    n = draw(st.integers(min_value=2, max_value=7))
    states = [f"s{i}" for i in range(n)]
    steps = [sw.Step(f"e{i}", (states[i],), states[i + 1], ("r",)) for i in range(n - 1)]
    used = {(states[i], f"e{i}") for i in range(n - 1)}
    for j in range(draw(st.integers(min_value=0, max_value=8))):
        source = draw(st.sampled_from(states[:-1]))
        event = draw(st.sampled_from([f"e{k}" for k in range(n)] + [f"x{j}"]))
        if (source, event) in used:
            continue
        used.add((source, event))
        dest = draw(st.one_of(st.none(), st.sampled_from(states)))
        steps.append(sw.Step(event, (source,), dest, ("r",)))
    return sw.Lifecycle(
        name="random",
        version="1",
        states=states,
        initial="s0",
        terminal=(states[-1],),
        roles=("r",),
        guards={},
        steps=steps,
    )


@given(lifecycles())
def test_compiled_table_agrees_with_transitions_on_random_lifecycles(life: sw.Lifecycle) -> None:
    """Property: on random lifecycles the compiled table and transitions agree everywhere."""
    agree(life)


@pytest.mark.parametrize(
    "step",
    [
        sw.Step("go", ("start",), "middle", ("clerk",), payload=(sw.PayloadField("Bad", "ref"),)),
        sw.Step("go", ("start",), "middle", ("clerk",), meets=("Nope",)),
        sw.Step("go", ("start",), "middle", ("clerk",), sets=(("m", "missing_field"),)),
        sw.Step(
            "go",
            ("start",),
            "middle",
            ("clerk",),
            payload=(sw.PayloadField("pick", "choice", choices=("Ünïcode",)),),
        ),
        sw.Step(
            "go",
            ("start",),
            "middle",
            ("clerk",),
            opens=(sw.DeadlineSpec("due thing", "m", ("LR-06",), months=1),),
        ),
    ],
)
def test_names_that_reach_records_are_checked(step: sw.Step) -> None:
    """Payload fields, deadlines, milestones and choices must be snake_case names."""
    with pytest.raises(sw.InvalidLifecycle):
        build(steps=(step, sw.Step("finish", ("middle",), "end", ("clerk",))))
