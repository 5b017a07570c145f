"""
A bulk generator of realistic fictional cases, for benchmarks and for hosts testing dashboards.

Cases are made by the real engine (a workflow on an in-memory store, on a frozen
clock), so their histories, chains and deadlines are exactly what the library
would store; then they are written to a SQL store in large batches, straight
through the same tables. Every case is invented from a seeded random generator.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, Final

import attrs
import pendulum
import sqlalchemy as sa

from ._authorities import LocalAuthorityRegistry, Nation
from ._case import Case, Command
from ._facts import Child, Incident, Location
from ._history import HistoryRecord
from ._settings import TenantSettings
from ._sql import SqlStore, case_row, deadline_rows_of, history_row, outbox_row
from ._store import MemoryStore
from ._workflow import Workflow
from .england import PACK
from .exceptions import ConfigurationError
from .testing import FrozenClock

__all__ = ["USUAL_PATH", "GenerationReport", "generate"]

_FIRST_DAY: Final = pendulum.Date(2022, 1, 1)

#: The usual path, step by step, with each step's role and payload: the generator walks a
#: random number of steps along it, and the benchmarks walk it too.
USUAL_PATH: Final[tuple[tuple[str, str, dict[str, object]], ...]] = (
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
)


@attrs.frozen
class GenerationReport:
    """
    What :func:`generate` wrote.

    .. versionadded:: 0.1.0
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
) -> GenerationReport:
    """
    Write *cases* fictional cases, with their histories and deadlines, into *store*.

    Each case is an incident in a random English authority, known on a random day
    from *first_day*, walked a random number of steps along the usual path, each
    step a random number of days after the last (some late). Deadlines are about
    three per case plus those the steps open.

    .. versionadded:: 0.1.0
    """
    if type(cases) is not int or cases < 1:
        raise ConfigurationError("'cases' must be at least 1", field="cases")
    rng = random.Random(seed)
    registry = LocalAuthorityRegistry.default()
    codes = [
        la.gss_code
        for la in registry.in_force_on(first_day.add(days=days))
        if la.nation is Nation.ENGLAND and la.in_force_on(first_day)
    ]
    clock = FrozenClock(pendulum.datetime(first_day.year + 10, 1, 1, tz="UTC"))
    totals = [0, 0, 0]
    done = 0
    while done < cases:
        memory = MemoryStore()
        workflow = Workflow(
            PACK,
            clock=clock,
            settings=[TenantSettings(t) for t in tenants],
            store=memory,
            registry=registry,
        )
        made: list[tuple[Case, tuple[HistoryRecord, ...]]] = []
        for i in range(done, min(cases, done + batch)):
            tenant = tenants[i % len(tenants)]
            case_id = f"{id_prefix}-{i:08d}"
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
                workflow.fire(Command(tenant, case_id, event, "bulk", role, at, payload))
            made.append((memory.get(tenant, case_id), memory.history(tenant, case_id)))
        written = _write(store, made)
        totals = [a + b for a, b in zip(totals, written, strict=True)]
        done += len(made)
    return GenerationReport(*totals)


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
                    **outbox_row(record, case.lifecycle, recorded_at),
                    "status": "delivered",
                    "delivered_at": recorded_at,
                }
            )
        deadline_rows.extend(deadline_rows_of(case))
    with store.engine.begin() as connection:
        connection.execute(sa.insert(tables["cases"]), case_rows)
        connection.execute(sa.insert(tables["history"]), history_rows)
        connection.execute(sa.insert(tables["deadlines"]), deadline_rows)
        connection.execute(sa.insert(tables["outbox"]), outbox_rows)
    return [len(case_rows), len(history_rows), len(deadline_rows)]
