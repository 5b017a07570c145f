"""R2: writers killed with SIGKILL at random points leave no partial case, and lose no event."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import random
import signal
import time
from pathlib import Path
from typing import Any

import pendulum
import pytest
import sqlalchemy as sa

import safeguarding_workflow as sw
from safeguarding_workflow.stores import IdempotentConsumer, OutboxRelay, SqlStore
from safeguarding_workflow.testing import FrozenClock
from safeguarding_workflow.testing._england import walk_usual_path

from ..helpers import death_in_barnsley

TRIALS = 100
STEPS = 5  # the usual path as far as the local review's commissioning
_counter = itertools.count()


def make_store(kind: str, target: str, prefix: str) -> SqlStore:
    if kind == "sqlite":
        return SqlStore.sqlite(target, prefix=prefix)
    return SqlStore.postgresql(target, prefix=prefix)


def writer(kind: str, target: str, prefix: str, trial: int, ready: Any) -> None:
    """Open cases and take steps as fast as possible, until killed."""
    store = make_store(kind, target, prefix)
    opened_at = pendulum.datetime(2024, 1, 5, 12, tz="UTC")
    clock = FrozenClock(opened_at)
    workflow = sw.Workflow(
        sw.england.PACK, clock=clock, store=store, settings=[sw.TenantSettings("crash")]
    )
    workflow.calendar("crash")
    ready.set()
    for n in itertools.count():
        case_id = f"t{trial}-c{n}"
        clock.set(opened_at)  # the walk moves the clock on; each case starts again
        workflow.open(
            "crash", death_in_barnsley(), local_authority="Barnsley", actor="w", case_id=case_id
        )
        start = pendulum.datetime(2024, 1, 5, 10, tz="UTC")
        walk_usual_path(workflow, "crash", case_id, clock, start, STEPS, actor="w")


def check_consistent(store: SqlStore) -> int:
    """Every case row matches its history; one outbox row per record. Returns the records."""
    tables = store.tables
    with store.engine.connect() as c:
        cases = c.execute(sa.select(tables["cases"].c.tenant_id, tables["cases"].c.case_id)).all()
        outbox = c.execute(sa.select(sa.func.count()).select_from(tables["outbox"])).scalar()
        records = c.execute(sa.select(sa.func.count()).select_from(tables["history"])).scalar()
    for tenant, case_id in cases:
        history = store.history(tenant, case_id)
        assert sw.verify(history).ok
        assert store.get(tenant, case_id) == sw.rebuild(history)
    with store.engine.connect() as c:
        orphans = c.execute(
            sa.text(
                f"SELECT count(*) FROM {tables['history'].name} h WHERE NOT EXISTS "
                f"(SELECT 1 FROM {tables['cases'].name} c "
                "WHERE c.tenant_id = h.tenant_id AND c.case_id = h.case_id)"
            )
        ).scalar()
    assert 0 == orphans
    assert outbox == records
    return int(records or 0)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_r2_sigkill_at_random_points(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """100 writers killed mid-command: every case whole, every committed event delivered once."""
    prefix = f"cr{next(_counter)}_"
    target = str(tmp_path / "crash.db") if kind == "sqlite" else request.getfixturevalue("pg_url")
    store = make_store(kind, target, prefix)
    try:
        run_trials(kind, target, prefix, store)
    finally:
        store.engine.dispose()


def run_trials(kind: str, target: str, prefix: str, store: SqlStore) -> None:
    """Kill a writer TRIALS times, then check the store and deliver its outbox."""
    # forkserver: each writer starts from a clean server process, not from the test
    # process with whatever it holds open.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.stores.test_crash"])
    rng = random.Random(2)
    for trial in range(TRIALS):
        ready = context.Event()
        process = context.Process(target=writer, args=(kind, target, prefix, trial, ready))
        process.start()
        assert ready.wait(timeout=60)
        time.sleep(rng.uniform(0.0, 0.05))  # a random point in the middle of the commands
        os.kill(process.pid, signal.SIGKILL)  # type: ignore[arg-type]
        process.join()
        assert -signal.SIGKILL == process.exitcode
    records = check_consistent(store)
    assert records > 20  # the writers did get work done between the kills

    seen: set[str] = set()
    handled: list[str] = []
    consumer = IdempotentConsumer(lambda e: handled.append(e.id), seen)
    relay = OutboxRelay(store, consumer, clock=FrozenClock(pendulum.datetime(2031, 1, 1, tz="UTC")))
    relay.run_until_idle()
    relay.run_until_idle()  # a restarted relay finds nothing left
    assert records == len(handled) == len(set(handled))
    outbox = store.tables["outbox"]
    with store.engine.connect() as c:
        statuses = {r[0] for r in c.execute(sa.select(outbox.c.status))}
        ids = [r[0] for r in c.execute(sa.select(outbox.c.event_id))]
    assert {"delivered"} == statuses
    assert sorted(ids) == sorted(handled)
