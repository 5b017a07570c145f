"""R1: eight writers racing on one case for 200 rounds, as threads and as processes."""

from __future__ import annotations

import itertools
import multiprocessing
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pendulum
import pytest

import safeguarding_workflow as sw
from safeguarding_workflow.stores import SqlStore
from safeguarding_workflow.testing import FrozenClock

from ..helpers import death_in_barnsley

ROUNDS = 200
WRITERS = 8
_counter = itertools.count()


def open_store(kind: str, target: str, prefix: str) -> sw.CaseStore:
    if kind == "sqlite":
        return SqlStore.sqlite(target, prefix=prefix)
    return SqlStore.postgresql(target, prefix=prefix)


def workflow(store: sw.CaseStore) -> sw.Workflow:
    return sw.Workflow(
        sw.england.PACK,
        clock=FrozenClock(pendulum.datetime(2030, 1, 1, tz="UTC")),
        store=store,
        settings=[sw.TenantSettings("race")],
    )


def attempt(flow: sw.Workflow, writer: int, round_: int) -> str:
    """One writer's command of one round: informing the partners, decided on version round+2."""
    at = pendulum.datetime(2024, 1, 8, 10, tz="UTC").add(minutes=round_)
    command = sw.Command(
        "race",
        "case",
        "inform_safeguarding_partners",
        actor=f"writer-{writer}",
        role="local_authority",
        occurred_at=at,
        expected_version=round_ + 2,
    )
    try:
        flow.fire(command)
    except sw.ConcurrencyConflict:
        return "conflict"
    return "won"


def process_writer(
    kind: str, target: str, prefix: str, writer: int, barrier: Any, results: Any
) -> None:
    store = open_store(kind, target, prefix)
    flow = workflow(store)
    for round_ in range(ROUNDS):
        barrier.wait()
        results.put((round_, attempt(flow, writer, round_)))
    dispose(store)


def prepared(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[str, str]:
    prefix = f"rc{next(_counter)}_"
    target = str(tmp_path / "race.db") if kind == "sqlite" else request.getfixturevalue("pg_url")
    store = open_store(kind, target, prefix)
    flow = workflow(store)
    flow.open("race", death_in_barnsley(), local_authority="Barnsley", actor="u", case_id="case")
    flow.fire(
        sw.Command(
            "race",
            "case",
            "notify_panel",
            actor="u",
            role="local_authority",
            occurred_at=pendulum.datetime(2024, 1, 8, 9, tz="UTC"),
        )
    )
    dispose(store)
    return target, prefix


def dispose(store: sw.CaseStore) -> None:
    if isinstance(store, SqlStore):
        store.engine.dispose()


def check(kind: str, target: str, prefix: str, outcomes: list[tuple[int, str]]) -> None:
    by_round: dict[int, Counter[str]] = {}
    for round_, outcome in outcomes:
        by_round.setdefault(round_, Counter())[outcome] += 1
    assert ROUNDS == len(by_round)
    for counts in by_round.values():
        assert {"won": 1, "conflict": WRITERS - 1} == dict(counts)
    store = open_store(kind, target, prefix)
    flow = workflow(store)
    history = flow.history("race", "case")
    assert ROUNDS + 2 == len(history) == flow.case("race", "case").version
    assert [r.sequence for r in history] == list(range(1, ROUNDS + 3))
    assert sw.verify(history).ok
    dispose(store)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_r1_threads(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Threads: exactly one winner per version; losers get ConcurrencyConflict; chain verifies."""
    target, prefix = prepared(kind, tmp_path, request)
    store = open_store(kind, target, prefix)
    flow = workflow(store)
    barrier = threading.Barrier(WRITERS)
    outcomes: list[tuple[int, str]] = []
    lock = threading.Lock()

    def run(writer: int) -> None:
        for round_ in range(ROUNDS):
            barrier.wait()
            result = attempt(flow, writer, round_)
            with lock:
                outcomes.append((round_, result))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dispose(store)
    check(kind, target, prefix, outcomes)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_r1_processes(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Processes: the same, across eight processes with their own connections."""
    target, prefix = prepared(kind, tmp_path, request)
    context = multiprocessing.get_context("forkserver")  # clean children, not test-process forks
    context.set_forkserver_preload(["tests.stores.test_races"])
    barrier = context.Barrier(WRITERS)
    results = context.Queue()
    processes = [
        context.Process(target=process_writer, args=(kind, target, prefix, i, barrier, results))
        for i in range(WRITERS)
    ]
    for p in processes:
        p.start()
    outcomes = [results.get(timeout=120) for _ in range(ROUNDS * WRITERS)]
    for p in processes:
        p.join(timeout=120)
        assert 0 == p.exitcode
    check(kind, target, prefix, outcomes)
