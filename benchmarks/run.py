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


FIGURES: dict[str, Callable[[], str]] = {"P5": p5}


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
