"""
A bulk generator of realistic fictional cases, for benchmarks and for hosts testing dashboards.

Cases are made by the real engine (a workflow on an in-memory store, on a frozen
clock), so their histories, chains and deadlines are exactly what the library
would store; then they are written to a SQL store in large batches, straight
through the same tables. Every case is invented from a seeded random generator.

Added in version 0.1.0.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Final

import attrs
import pendulum
import sqlalchemy as sa

from ._authorities import LocalAuthorityRegistry, Nation
from ._case import Case, Command
from ._facts import Child, Incident, Location
from ._settings import TenantSettings
from ._workflow import Workflow
from .england import PACK
from .exceptions import ConfigurationError
from .history._chain import HistoryRecord
from .stores._memory import MemoryStore
from .stores._sql._rows import case_row, deadline_rows_of, history_row, outbox_row
from .stores._sql._store import SqlStore
from .testing import FrozenClock
from .testing._england import USUAL_PATH as _WHOLE_PATH

__all__ = ["USUAL_PATH", "GenerationReport", "generate"]

#: A progress callback: called with the cases done so far and the cases asked for.
_Progress = Callable[[int, int], object]

_FIRST_DAY: Final = pendulum.Date(2022, 1, 1)

#: How far the generator walks: to an appointed reviewer. The steps after it plan dates
#: and wait on them, which a walk of random gaps and fixed payloads cannot.
_STEPS: Final = 1 + [event for event, _, _ in _WHOLE_PATH].index("appoint_reviewer")

#: Fields of the usual path's payloads a generated case leaves out: the partners informed
#: (the path names Barnsley's, and a generated case may be anywhere) and the rapid review's
#: optional checklist.
_LEFT_OUT: Final = frozenset({"areas", "immediate_actions_considered", "learning_refs"})

#: The usual path as far as an appointed reviewer, step by step, with each step's role and
#: payload (the England walk the tests and the store contract take, some optional fields
#: left out): the generator walks a random number of steps along it, and the benchmarks
#: walk it too.
USUAL_PATH: Final[tuple[tuple[str, str, dict[str, object]], ...]] = tuple(
    (event, role, {k: v for k, v in payload.items() if k not in _LEFT_OUT})
    for event, role, payload in _WHOLE_PATH[:_STEPS]
)


@attrs.frozen
class GenerationReport:
    """
    What `generate()` wrote.

    Added in version 0.1.0.
    """

    cases: int
    records: int
    deadlines: int


def generate(
    store: SqlStore,
    *,
    cases: int,
    tenants: Sequence[str] = ("bulk-tenant",),
    seed: int = 0,
    first_day: pendulum.Date = _FIRST_DAY,
    days: int = 1000,
    batch: int = 5000,
    id_prefix: str = "bulk",
    workers: int = 1,
    progress: Callable[[int, int], object] | None = None,
) -> GenerationReport:
    """
    Write *cases* fictional cases, with their histories and deadlines, into *store*.

    Each case is an incident in a random English authority, known on a random day
    from *first_day*, walked a random number of steps along the usual path, each
    step a random number of days after the last (some late). Deadlines are about
    three per case plus those the steps open.

    Cases are made and written in batches of *batch*, each from its own seeded
    generator, so the same arguments give the same cases whatever the number of
    *workers*: processes that each make and write whole batches (the store must be
    a database file or server they can open, not an in-memory SQLite). Workers are
    started with ``spawn``, so call it from an importable script, under
    ``if __name__ == "__main__":``. On a 2-core machine two workers write about
    3,600 deadlines a second, a million in under five minutes; one writes about
    2,300.

    *progress*, if given, is called as ``progress(done, total)`` with the number of
    cases done so far and *cases*: in one process after each case is made, with
    workers as each batch is written; the counts only grow, and the last call,
    ``progress(cases, cases)``, comes once every case is written. It runs in the
    calling process (a progress bar, a log line); what it returns is ignored, and
    what it raises stops the generation (batches already written stay written).
    The command line's ``safeguarding-workflow generate`` draws a progress bar with it.

    Added in version 0.1.0.
    """
    for name, value in (("cases", cases), ("batch", batch), ("workers", workers)):
        if type(value) is not int or value < 1:
            raise ConfigurationError(f"{name!r} must be at least 1", field=name)
    if type(days) is not int or days < 1:
        raise ConfigurationError("'days' must be at least 1", field="days")
    if not isinstance(first_day, dt.date) or isinstance(first_day, dt.datetime):
        raise ConfigurationError("'first_day' must be a date", field="first_day")
    if (
        isinstance(tenants, str)
        or not tenants
        or not all(isinstance(t, str) and t for t in tenants)
    ):
        raise ConfigurationError("'tenants' must be non-empty strings", field="tenants")
    if progress is not None and not callable(progress):
        raise ConfigurationError("'progress' must be a callable (done, total)", field="progress")
    tell = _Teller(progress, cases)
    jobs = [
        _Job(
            k,
            k * batch,
            min(cases, (k + 1) * batch),
            tuple(tenants),
            seed,
            first_day,
            days,
            id_prefix,
        )
        for k in range(-(-cases // batch))
    ]
    if workers == 1 or len(jobs) == 1:
        counts = [_run(store, job, tell.made) for job in jobs]
    else:
        where = _Where.of(store)
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(_run_elsewhere, where, job) for job in jobs]
            counts = []
            for future in as_completed(futures):
                counts.append(future.result())
                tell.written(counts[-1][0])
    tell.finished()
    return GenerationReport(*(sum(c[i] for c in counts) for i in range(3)))


class _Teller:
    """Tells a progress callback how far `generate()` has got: growing counts, then the total."""

    __slots__ = ("done", "progress", "total")

    def __init__(self, progress: _Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0

    def made(self) -> None:
        """One more case made in this process (the total itself waits for `finished`)."""
        self.done += 1
        if self.progress is not None and self.done < self.total:
            self.progress(self.done, self.total)

    def written(self, cases: int) -> None:
        """A worker's batch of *cases* written."""
        self.done += cases
        if self.progress is not None and self.done < self.total:
            self.progress(self.done, self.total)

    def finished(self) -> None:
        """Every case written: the last call, with the total."""
        if self.progress is not None:
            self.progress(self.total, self.total)


@attrs.frozen
class _Job:
    """One batch: cases *start* to *stop*, from the generator seeded by *seed* and *number*."""

    number: int
    start: int
    stop: int
    tenants: tuple[str, ...]
    seed: int
    first_day: pendulum.Date
    days: int
    id_prefix: str


@attrs.frozen
class _Where:
    """How a worker process opens the same store."""

    url: str
    prefix: str
    schema: str | None

    @classmethod
    def of(cls, store: SqlStore) -> _Where:
        url = store.engine.url
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            raise ConfigurationError(
                "workers need a store they can open: not an in-memory SQLite", field="workers"
            )
        return cls(url.render_as_string(hide_password=False), store.prefix, store.schema)

    def open(self) -> SqlStore:
        url = sa.engine.make_url(self.url)
        if url.get_backend_name() == "sqlite":
            return SqlStore.sqlite(str(url.database), prefix=self.prefix)
        return SqlStore.postgresql(self.url, prefix=self.prefix, schema=self.schema)


def _run_elsewhere(where: _Where, job: _Job) -> list[int]:
    store = where.open()
    try:
        return _run(store, job, _nothing)
    finally:
        store.engine.dispose()


def _nothing() -> None:
    """No progress to tell (a worker process)."""


def _run(store: SqlStore, job: _Job, made_one: Callable[[], None]) -> list[int]:
    """Make one batch's cases on the real engine and write them, telling *made_one* of each."""
    rng = random.Random(f"safeguarding-workflow-bulk:{job.seed}:{job.number}")
    registry = LocalAuthorityRegistry.default()
    first_day, days = job.first_day, job.days
    codes = [
        la.gss_code
        for la in registry.in_force_on(first_day.add(days=days))
        if la.nation is Nation.ENGLAND and la.in_force_on(first_day)
    ]
    clock = FrozenClock(pendulum.datetime(first_day.year + 10, 1, 1, tz="UTC"))
    memory = MemoryStore()
    workflow = Workflow(
        PACK,
        clock=clock,
        settings=[TenantSettings(t) for t in job.tenants],
        store=memory,
        registry=registry,
    )
    made: list[tuple[Case, tuple[HistoryRecord, ...]]] = []
    for i in range(job.start, job.stop):
        tenant = job.tenants[i % len(job.tenants)]
        case_id = f"{job.id_prefix}-{i:08d}"
        code = rng.choice(codes)
        aware = pendulum.datetime(
            first_day.year, first_day.month, first_day.day, 9, tz="Europe/London"
        ).add(days=rng.randrange(days), minutes=rng.randrange(480))
        incident = Incident(
            children=[
                Child(
                    age=rng.randrange(18),
                    harm=rng.choice(["death", "serious_harm"]),
                    normally_resident_in=code,
                )
            ],
            location=Location.england(code),
            abuse_or_neglect=rng.choice(["known", "suspected"]),
            la_aware_at=aware,
        )
        workflow.open(tenant, incident, local_authority=code, actor="bulk", case_id=case_id)
        at = aware
        for event, role, payload in USUAL_PATH[: rng.randrange(len(USUAL_PATH) + 1)]:
            at = at.add(days=rng.choice((0, 1, 2, 3, 5, 8, 13)), hours=1)
            workflow.fire(
                Command(
                    tenant, case_id, event, actor="bulk", role=role, occurred_at=at, payload=payload
                )
            )
        made.append((memory.get(tenant, case_id), memory.history(tenant, case_id)))
        made_one()
    return _write(store, made)


def _write(store: SqlStore, made: list[tuple[Case, tuple[HistoryRecord, ...]]]) -> list[int]:
    tables = store.tables
    case_rows: list[dict[str, Any]] = []
    history_rows: list[dict[str, Any]] = []
    deadline_rows: list[dict[str, Any]] = []
    outbox_rows: list[dict[str, Any]] = []
    for case, records in made:
        case_rows.append(case_row(case))
        for record in records:
            recorded_at = record.data["recorded_at"]
            history_rows.append(history_row(record))
            outbox_rows.append(
                {
                    **outbox_row(record, recorded_at),
                    "status": "delivered",
                    "delivered_at": recorded_at,
                }
            )
        deadline_rows.extend(deadline_rows_of(case))
    with store._shared.writer.begin() as connection:  # on SQLite, the write lock first
        connection.execute(sa.insert(tables["cases"]), case_rows)
        connection.execute(sa.insert(tables["history"]), history_rows)
        connection.execute(sa.insert(tables["deadlines"]), deadline_rows)
        connection.execute(sa.insert(tables["outbox"]), outbox_rows)
    return [len(case_rows), len(history_rows), len(deadline_rows)]
