"""
Two worker processes drive the same fictional cases on one SQLite file.

Each worker takes the same steps on the same cases, as two application servers
might after a message was delivered twice. Each message's command carries an
idempotency key (the same command, so the same key, in both workers), and
``fire_with_retry`` re-reads a case when the other worker changed it first. So
every step is taken exactly once, and every chain verifies. All cases are invented.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
from collections import Counter
from pathlib import Path

import pendulum

import safeguarding_workflow as sw

TENANT = "fictional-partnership"
LEEDS = "E08000035"
#: When the local authority became aware of each case; its steps follow a day apart.
AWARE = pendulum.datetime(2024, 5, 1, 9, tz="Europe/London")
STEPS = (
    ("notify_panel", "local_authority", {"notification_ref": "sin-1"}),
    ("inform_safeguarding_partners", "local_authority", {}),
    ("start_rapid_review", "safeguarding_partners", {}),
)


def workflow(database: str) -> sw.Workflow:
    """A workflow on the shared SQLite file, with the real clock."""
    return sw.Workflow(
        sw.england.PACK,
        clock=sw.SystemClock(),
        settings=[sw.TenantSettings(TENANT)],
        store=sw.SqlStore.sqlite(database),
    )


def worker(
    database: str,
    name: str,
    case_ids: list[str],
    results: multiprocessing.Queue,  # type: ignore[type-arg]
    start: multiprocessing.synchronize.Barrier,
) -> None:
    """Take every step on every case; report what happened to each command."""
    flow = workflow(database)
    start.wait()  # both workers begin together
    seen: Counter[str] = Counter()
    for case_id in case_ids:
        for day, (event, role, payload) in enumerate(STEPS, start=1):
            # The message both workers were delivered: one command, so one idempotency key.
            # (A key names one command: the same key with another actor or time is refused.)
            command = sw.Command(
                TENANT,
                case_id,
                event,
                actor="officer-1",
                role=role,
                occurred_at=AWARE.add(days=day),
                payload=payload,
                idempotency_key=f"{case_id}-{event}",
            )
            read: list[int] = []

            def build(
                case: sw.Case, command: sw.Command = command, read: list[int] = read
            ) -> sw.Command:
                read.append(case.version)
                return command

            try:
                outcome = flow.fire_with_retry(TENANT, case_id, build, attempts=10)
                # Stored now if its record follows the version last read; else the first outcome.
                taken = outcome.record is not None and outcome.record.sequence > read[-1]
                seen["taken" if taken else "already taken"] += 1
            except sw.StepNotAvailable:
                seen["already past that step"] += 1
    results.put((name, dict(seen)))


def main(database: str = "two-workers.db", cases: int = 10) -> None:
    """Open the cases, run two workers at once, then verify every chain."""
    Path(database).unlink(missing_ok=True)
    flow = workflow(database)
    case_ids = [f"case-{i:02d}" for i in range(cases)]
    for case_id in case_ids:
        flow.open(
            TENANT,
            sw.Incident(
                children=[sw.Child(age=6, harm="serious_harm", normally_resident_in=LEEDS)],
                location=sw.Location.england(LEEDS),
                abuse_or_neglect="suspected",
                la_aware_at=AWARE,
            ),
            local_authority=LEEDS,
            actor="officer-1",
            case_id=case_id,
        )

    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start = context.Barrier(2)
    workers = [
        context.Process(target=worker, args=(database, name, case_ids, results, start))
        for name in ("a", "b")
    ]
    for process in workers:
        process.start()
    reports = dict(results.get(timeout=300) for _ in workers)
    for process in workers:
        process.join(timeout=300)
    for name, report in sorted(reports.items()):
        print(f"worker {name}: {report}")

    broken = 0
    for case_id in case_ids:
        history = flow.history(TENANT, case_id)
        steps = [r.event for r in history]
        if not sw.verify(history).ok or steps != ["opened", *(s for s, _, _ in STEPS)]:
            broken += 1
    print(f"{cases} cases, each step taken exactly once, every chain verified: {broken == 0}")


if __name__ == "__main__":
    main()
