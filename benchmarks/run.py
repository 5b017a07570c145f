"""
Benchmarks of the figures DESIGN.md holds the library to.

Each figure is measured against a reference in the same run and printed as one
line, ``P5 ratio=0.19 target<=0.5 (details)``: absolute times on shared machines
are noisy, ratios much less so. Run all figures with ``python benchmarks/run.py``,
or some with ``python benchmarks/run.py P5``.

These are benchmarks, not tests: nothing here fails on speed.
"""

from __future__ import annotations

import random
import sys
import time
import timeit
from collections.abc import Callable

import numpy as np
import pendulum

import safeguarding_workflow as sw


def best_per_call(fn: Callable[[], object], number: int, repeat: int = 7) -> float:
    """The best of *repeat* timings of *number* calls, in seconds per call."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def p5() -> str:
    """P5: add_working_days returning a pendulum Date, n from 1 to 2,500, vs numpy.busday_offset."""
    cal = sw.WorkingDayCalendar.england_and_wales()
    holidays = [
        np.datetime64(d.isoformat()) for y in range(2000, 2029) for d in cal.bank_holidays(y)
    ]
    busdaycal = np.busdaycalendar(weekmask="1111100", holidays=holidays)
    rng = random.Random(5)
    starts = [
        cal.add_working_days(pendulum.date(2000, 1, 1).add(days=rng.randrange(0, 6400)), 0)
        for _ in range(256)
    ]
    starts64 = [np.datetime64(d.isoformat()) for d in starts]
    # Check the two agree before timing them.
    for d, d64 in zip(starts[:32], starts64[:32], strict=True):
        ours = cal.add_working_days(d, 250)
        theirs = np.busday_offset(d64, 250, roll="forward", busdaycal=busdaycal)
        assert ours.isoformat() == str(theirs), (d, ours, theirs)
    rows = []
    for n in (1, 10, 100, 1000, 2500):
        ours_t = best_per_call(lambda n=n: [cal.add_working_days(d, n) for d in starts], 40)
        ref_t = best_per_call(
            lambda n=n: [
                np.busday_offset(d, n, roll="forward", busdaycal=busdaycal) for d in starts64
            ],
            40,
        )
        rows.append((n, ours_t / len(starts), ref_t / len(starts)))
    ours_mean = sum(r[1] for r in rows) / len(rows)
    ref_mean = sum(r[2] for r in rows) / len(rows)
    flat = rows[-1][1] / rows[0][1]
    per_n = ", ".join(f"n={n}: {o * 1e6:.2f}/{r * 1e6:.2f} us" for n, o, r in rows)
    return (
        f"P5 ratio={ours_mean / ref_mean:.2f} target<=0.5 "
        f"(ours {ours_mean * 1e6:.2f} us, numpy.busday_offset {ref_mean * 1e6:.2f} us per call; "
        f"n=2500 vs n=1 time {flat:.2f}x; {per_n})"
    )


WALK = (
    ("notify_panel", "local_authority", {"notification_ref": "sin-1"}),
    ("inform_safeguarding_partners", "local_authority", {}),
    ("start_rapid_review", "safeguarding_partners", {}),
    (
        "submit_rapid_review",
        "safeguarding_partners",
        {"decision": "local_review", "rationale_ref": "r-1", "facts_ref": "f-1"},
    ),
    (
        "commission_local_review",
        "safeguarding_partners",
        {
            "improvements_needed": True,
            "recurrent_themes": False,
            "multi_agency_concerns": True,
            "panel_suggested_local_review": False,
            "rationale_ref": "d-1",
        },
    ),
    (
        "appoint_reviewer",
        "safeguarding_partners",
        {"reviewer_ref": "rev-1", "independence_declared": True, "terms_of_reference_ref": "t-1"},
    ),
    ("submit_draft", "reviewer", {"draft_ref": "draft-1"}),
    ("finalise_report", "reviewer", {"report_ref": "rep-1"}),
)


def _incident(rng: random.Random, codes: list[str]) -> tuple[str, sw.Incident]:
    code = rng.choice(codes)
    aware = pendulum.datetime(2024, 1, 1, 9, tz="Europe/London").add(
        days=rng.randrange(0, 700), minutes=rng.randrange(0, 600)
    )
    return code, sw.Incident(
        children=[
            sw.Child(
                age=rng.randrange(0, 18),
                harm=rng.choice(["death", "serious_harm"]),
                normally_resident_in=code,
            )
        ],
        location=sw.Location.england(code),
        abuse_or_neglect=rng.choice(["known", "suspected"]),
        la_aware_at=aware,
    )


def _english_codes() -> list[str]:
    registry = sw.LocalAuthorityRegistry.default()
    return [
        la.gss_code
        for la in registry.in_force_on(pendulum.date(2024, 1, 1))
        if la.nation is sw.Nation.ENGLAND
    ]


def p1() -> str:
    """P1: fire one guarded event on an in-memory case, against transitions' trigger."""
    from safeguarding_workflow.testing import FrozenClock

    clock = FrozenClock(pendulum.datetime(2030, 1, 1, tz="UTC"))
    workflow = sw.Workflow(sw.england.PACK, clock=clock, settings=[sw.TenantSettings("t")])
    rng = random.Random(1)
    codes = _english_codes()
    cases = 200
    ours = float("inf")
    for batch in range(5):
        commands = []
        for i in range(cases):
            code, incident = _incident(rng, codes)
            case_id = f"c{batch}-{i}"
            workflow.open("t", incident, local_authority=code, actor="u", case_id=case_id)
            at = incident.la_aware_at.add(hours=1)
            for j, (event, role, payload) in enumerate(WALK):
                commands.append(sw.Command("t", case_id, event, "u", role, at.add(days=j), payload))
        fire = workflow.fire
        start = time.perf_counter()
        for command in commands:
            fire(command)
        ours = min(ours, (time.perf_counter() - start) / len(commands))
    # The reference: the same lifecycle's shared transitions machine, one model, same walk.
    reference = sw.england.LIFECYCLE._reference  # the seam's machine, built from the definition
    events = [event for event, _, _ in WALK]
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(cases):
            reference.set_state("incident_recorded")
            for event in events:
                reference.trigger(event)
        best = min(best, (time.perf_counter() - start) / (cases * len(events)))
    return (
        f"P1 ratio={ours / best:.2f} target<=1.0 (ours {ours * 1e6:.1f} us per command: guards, "
        f"transition, deadlines, sealed record, event; transitions trigger {best * 1e6:.1f} us; "
        f"best of 5 batches of {len(commands)} commands on {cases} cases)"
    )


def p2() -> str:
    """P2: memory per open case, 10,000 cases, against one transitions machine per case."""
    import gc
    import tracemalloc

    from transitions import Machine

    from safeguarding_workflow.testing import FrozenClock

    n = 10_000
    clock = FrozenClock(pendulum.datetime(2030, 1, 1, tz="UTC"))
    store = sw.MemoryStore()
    workflow = sw.Workflow(
        sw.england.PACK, clock=clock, settings=[sw.TenantSettings("t")], store=store
    )
    workflow.calendar("t")
    codes = _english_codes()
    rng = random.Random(2)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for i in range(n):
        code, incident = _incident(rng, codes)
        workflow.open("t", incident, local_authority=code, actor="u", case_id=f"c{i:05d}")
    store._histories.clear()  # history excluded, as the figure says
    gc.collect()
    ours = (tracemalloc.get_traced_memory()[0] - base) / n
    tracemalloc.stop()

    life = sw.england.LIFECYCLE
    m = 300
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    machines = []
    for _ in range(m):
        model = type("Model", (), {})()
        machines.append(
            Machine(
                model=model,
                states=list(life.states),
                initial=life.initial,
                transitions=[
                    {"trigger": s.event, "source": list(s.sources), "dest": s.dest}
                    for s in life.steps
                ],
                auto_transitions=False,
            )
        )
    per_machine = (tracemalloc.get_traced_memory()[0] - base) / m
    tracemalloc.stop()
    return (
        f"P2 ratio={ours / per_machine:.3f} target<={2048 / per_machine:.3f} (ours {ours:,.0f} B "
        f"per open case with facts and deadlines, target <= 2,048 B; one transitions machine per "
        f"case {per_machine:,.0f} B; {n:,} cases)"
    )


FIGURES: dict[str, Callable[[], str]] = {"P1": p1, "P2": p2, "P5": p5}


def main(argv: list[str]) -> int:
    """Run the figures named in *argv* (all when none), printing one line each."""
    wanted = [a.upper() for a in argv] or list(FIGURES)
    unknown = [w for w in wanted if w not in FIGURES]
    if unknown:
        print(f"unknown figure(s): {', '.join(unknown)}; known: {', '.join(FIGURES)}")
        return 2
    for figure in wanted:
        print(FIGURES[figure](), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
