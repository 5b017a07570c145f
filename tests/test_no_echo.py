"""
No message or log repeats a value the caller passed (R9).

Every public entry point that takes the caller's strings is given a canary: a value that
looks like an ordinary id but names a fictional person. Each call is refused, and the
canary must not appear in the error's text, its repr, its args, anything chained to it
(``__cause__`` and ``__context__``, all the way down), the log lines or the events. Only
what the library itself defines may be named: a step of the lifecycle, a state, a role
of the lifecycle, a field, a rule id.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest

import safeguarding_workflow as sw
from safeguarding_workflow.stores import IdempotentConsumer, OutboxRelay, SqlStore
from safeguarding_workflow.testing import capture

from .helpers import BARNSLEY, TENANT, Driver, death_in_barnsley

#: A canary that passes as an opaque id, and one that passes as a step name.
ID = "Zebedee-Quillfeather"
NAME = "Zebedee_Quillfeather"
#: What must never be seen, in any case: the canary's two halves.
MARKS = ("zebedee", "quillfeather")

_counter = itertools.count()


def chain(error: BaseException) -> Iterator[BaseException]:
    """The error and everything chained to it, by cause or context, to the end."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack += [current.__cause__, current.__context__]


def texts(error: BaseException) -> list[str]:
    """Every text an error reporter or a log could show of *error* and its chain."""
    found = []
    for item in chain(error):
        found += [str(item), repr(item), *map(repr, item.args)]
        if isinstance(item, sw.SafeguardingWorkflowError):
            found += [item.message, repr(item.field)]
            found += [f"{r.code} {r.message}" for r in getattr(item, "reasons", ())]
    return found


def echoes(attempt: Callable[[], object]) -> list[str]:
    """What of the canary a refused *attempt* repeats: in its error, the logs or the events."""
    with capture() as captured:
        try:
            attempt()
        except sw.SafeguardingWorkflowError as error:
            shown = texts(error)
        except Exception as error:  # not a library error: itself a failure, reported as such
            return [f"raised {type(error).__name__}, not a library error"]
        else:
            return ["accepted"]
    shown.append(json.dumps(captured.logs, default=str))
    shown += [event.to_json() for event in captured.events]
    return [text for text in shown if any(mark in text.lower() for mark in MARKS)]


@pytest.fixture(name="d")
def _driver() -> Driver:
    """Three fictional cases: notified, in rapid review, and with a final report."""
    d = Driver()
    d.walk_to("notified", case_id="case-1")
    d.walk_to("rapid_review", case_id="case-2")
    d.walk_to("report_final", case_id="case-3")
    at = d.when.add(days=1)
    d.clock.set(at.add(hours=1))
    d.when = at
    return d


def command(d: Driver, **fields: Any) -> sw.Command:
    """A valid notify_panel command on case-1's tenant, with *fields* changed."""
    base: dict[str, Any] = {
        "tenant_id": TENANT,
        "case_id": "case-1",
        "event": "notify_panel",
        "actor": "user-1",
        "role": "local_authority",
        "occurred_at": d.when,
        "payload": {"notification_ref": "n-1"},
    }
    return sw.Command(**{**base, **fields})


def workflow_attempts(d: Driver) -> dict[str, Callable[[], object]]:
    """Each workflow entry point, each caller string it takes given the canary."""
    w = d.workflow
    facts = death_in_barnsley()

    def fire(**fields: Any) -> Callable[[], object]:
        return lambda: w.fire(command(d, **fields))

    def correct(**fields: Any) -> Callable[[], object]:
        base: dict[str, Any] = {
            "tenant_id": TENANT,
            "case_id": "case-1",
            "corrects": 2,
            "occurred_at": d.when,
            "actor": "user-1",
            "role": "local_authority",
            "reason_ref": "r-1",
        }
        args = {**base, **fields}
        return lambda: w.correct(args.pop("tenant_id"), args.pop("case_id"), **args)

    return {
        "open tenant_id": lambda: w.open(ID, facts, local_authority=BARNSLEY, actor="u"),
        "open local_authority": lambda: w.open(TENANT, facts, local_authority=ID, actor="u"),
        "open role": lambda: w.open(TENANT, facts, local_authority=BARNSLEY, actor="u", role=ID),
        "open actor, case taken": lambda: w.open(
            TENANT, facts, local_authority=BARNSLEY, actor=ID, case_id="case-1"
        ),
        "open facts": lambda: w.open(TENANT, ID, local_authority=BARNSLEY, actor="u"),  # type: ignore[arg-type]
        "fire tenant_id": fire(tenant_id=ID),
        "fire case_id": fire(case_id=ID),
        "fire event": fire(event=NAME),
        "fire event, a step from elsewhere": fire(event="publish_full", actor=ID),
        "fire role": fire(role=ID),
        "fire role of another step": fire(event="start_rapid_review", role=ID),
        "fire actor and key, role refused": fire(actor=ID, idempotency_key=ID, role=ID),
        "fire payload key": fire(payload={ID: "n-1"}),
        "fire payload ref": fire(payload={"notification_ref": ID.replace("-", " ")}),
        "fire payload ref, NHS number": fire(payload={"notification_ref": f"{ID}-9434765919"}),
        "fire payload choice": fire(
            case_id="case-2",
            event="submit_rapid_review",
            role="safeguarding_partners",
            payload={"decision": ID, "rationale_ref": "r", "facts_ref": "f"},
        ),
        "fire payload date": fire(
            case_id="case-3",
            event="plan_publication",
            role="safeguarding_partners",
            payload={"planned_publication_on": ID},
        ),
        "fire stale version, actor": fire(actor=ID, expected_version=1),
        "fire not a command": lambda: w.fire(ID),  # type: ignore[arg-type]
        "command event": lambda: command(d, event=ID),
        "command occurred_at": lambda: command(d, occurred_at=ID),
        "command payload": lambda: command(d, payload=ID),
        "command version": lambda: command(d, expected_version=ID),
        "correct role": correct(role=ID),
        "correct role, another step's": correct(role="panel", actor=ID),
        "correct reason_ref": correct(reason_ref=ID.replace("-", " ")),
        "correct case_id": correct(case_id=ID),
        "correct tenant_id": correct(tenant_id=ID),
        "correct corrects": correct(corrects=ID),
        "correct occurred_at": correct(occurred_at=ID),
        "update_facts role": lambda: w.update_facts(TENANT, "case-1", facts, actor="u", role=ID),
        "update_facts case_id": lambda: w.update_facts(TENANT, ID, facts, actor="u"),
        "update_facts facts": lambda: w.update_facts(TENANT, "case-1", ID, actor=ID),  # type: ignore[arg-type]
        "recompute_deadlines ids": lambda: w.recompute_deadlines(ID, ID, actor="u"),
        "recompute_deadlines actor": lambda: w.recompute_deadlines(
            TENANT, "case-1", actor=ID.replace("-", " ")
        ),
        "case ids": lambda: w.case(TENANT, ID),
        "history ids": lambda: w.history(ID, ID),
        "settings tenant_id": lambda: w.settings(ID),
        "calendar tenant_id": lambda: w.calendar(ID),
        "configure": lambda: w.configure(ID),  # type: ignore[arg-type]
        "fire_with_retry": lambda: w.fire_with_retry(TENANT, ID, lambda case: command(d)),
    }


def value_attempts() -> dict[str, Callable[[], object]]:
    """Settings, facts and the registry, each given the canary where a code or choice goes."""
    aware = pendulum.datetime(2024, 1, 5, 9, tz="Europe/London")
    child = {"age": 4, "harm": "death", "normally_resident_in": BARNSLEY}
    incident: dict[str, Any] = {
        "children": [sw.Child(**child)],
        "location": sw.Location.england(BARNSLEY),
        "abuse_or_neglect": "suspected",
        "la_aware_at": aware,
    }
    registry = sw.LocalAuthorityRegistry.default()
    attempts: dict[str, Callable[[], object]] = {
        "TenantSettings tenant_id": lambda: sw.TenantSettings(ID.replace("-", " ")),
        "TenantSettings packs": lambda: sw.TenantSettings("t", packs=ID),  # type: ignore[arg-type]
        "TenantSettings additions": lambda: sw.TenantSettings("t", calendar_additions=ID),  # type: ignore[arg-type]
        "england Settings anchor": lambda: sw.england.Settings(rapid_review_anchor=ID),  # type: ignore[arg-type]
        "HolidayAddition date": lambda: sw.HolidayAddition(ID, "x"),  # type: ignore[arg-type]
        "WorkingDayCalendar key": lambda: sw.WorkingDayCalendar(ID),
        "add_working_days date": lambda: sw.WorkingDayCalendar.england_and_wales().add_working_days(
            ID,  # type: ignore[arg-type]
            1,
        ),
        "Location place": lambda: sw.Location(place=ID, local_authority=None),  # type: ignore[arg-type]
        "Location england": lambda: sw.Location.england(ID),
        "Location local_authority": lambda: sw.Location(place="england", local_authority=ID),  # type: ignore[arg-type]
        "assess local_authority": lambda: sw.england.assess(
            sw.Incident(**incident), local_authority=ID
        ),
        "registry get": lambda: registry.get(ID),
        "registry resolve": lambda: registry.resolve(ID, dt.date(2024, 1, 5)),
    }
    for name in ("age", "harm", "normally_resident_in", "looked_after_by", "care_leaver_of"):
        attempts[f"Child {name}"] = lambda name=name: sw.Child(**{**child, name: ID})  # type: ignore[arg-type]
    for name in ("children", "location", "abuse_or_neglect", "la_aware_at", "occurred_on"):
        attempts[f"Incident {name}"] = lambda name=name: sw.Incident(**{**incident, name: ID})
    return attempts


def test_workflow_entry_points_never_repeat_the_callers_values(d: Driver) -> None:
    """Every refusal of open, fire, correct, update_facts, recompute and reads names fields only."""
    found = {
        name: echo for name, attempt in workflow_attempts(d).items() if (echo := echoes(attempt))
    }
    assert {} == found


def test_values_and_settings_never_repeat_the_callers_values() -> None:
    """Facts, settings and authority codes refused by field, never by value."""
    found = {name: echo for name, attempt in value_attempts().items() if (echo := echoes(attempt))}
    assert {} == found


def test_refusals_name_library_steps_and_roles_only(d: Driver) -> None:
    """A lifecycle step and its roles may be named: the library defined them."""
    with pytest.raises(sw.StepNotAvailable) as info:
        d.workflow.fire(command(d, event="publish_full"))
    assert "the step 'publish_full' is not a step from state 'notified'" in str(info.value)
    with pytest.raises(sw.UnknownEventError) as unknown:
        d.workflow.fire(command(d, event=NAME))
    assert "'Command.event' is not a step of the lifecycle" in str(unknown.value)
    with pytest.raises(sw.RoleNotPermitted) as info:
        d.workflow.fire(command(d, event="start_rapid_review", role=ID))
    assert "(it is for: safeguarding_partners)" in str(info.value)


def test_a_correction_refuses_a_role_as_a_step_does(d: Driver) -> None:
    """correct() refuses a role that may not take the corrected step, as fire() does."""
    with pytest.raises(sw.RoleNotPermitted) as corrected:
        d.workflow.correct(
            TENANT,
            "case-1",
            corrects=2,
            occurred_at=d.when,
            actor="user-1",
            role="panel",
            reason_ref="r-1",
        )
    with pytest.raises(sw.RoleNotPermitted) as fired:
        d.workflow.fire(command(d, case_id="case-2", event="submit_rapid_review", role="panel"))
    assert ("role_not_permitted", "role", ["role_not_permitted"]) == (
        corrected.value.code,
        corrected.value.field,
        [r.code for r in corrected.value.reasons],
    )
    assert (fired.value.code, fired.value.field) == (corrected.value.code, corrected.value.field)
    assert "the role may not correct the step 'notify_panel' (it is for: " in str(corrected.value)


def test_an_error_raised_from_none_keeps_no_context() -> None:
    """A library error raised ``from None`` hides what it was raised from, even as an attribute."""
    registry = sw.LocalAuthorityRegistry.default()
    with pytest.raises(sw.UnknownLocalAuthorityError) as info:
        registry.get(ID)
    assert (None, None, True) == (
        info.value.__context__,
        info.value.__cause__,
        info.value.__suppress_context__,
    )


@pytest.fixture(name="sql", params=["sqlite", "postgresql"])
def _sql(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    prefix = f"echo{next(_counter)}_"
    if request.param == "sqlite":
        store = SqlStore.sqlite(str(tmp_path / "echo.db"), prefix=prefix)
    else:
        store = SqlStore.postgresql(request.getfixturevalue("pg_url"), prefix=prefix)
    yield store
    store.engine.dispose()


def test_sql_store_reads_and_writes_never_repeat_the_callers_values(sql: SqlStore) -> None:
    """SQL reads, writes and the outbox refuse by field; driver errors name their kind only."""
    d = Driver(store=sql)
    d.open(case_id=ID)  # an id is the host's to choose; refusals about it still do not name it
    clock = d.clock
    taken, first = d.case(ID), d.history(ID)[0]
    bare = SqlStore(sql.engine, prefix=f"none{next(_counter)}_")  # no tables: every read fails
    calendar = d.workflow.calendar(TENANT)
    day = pendulum.date(2024, 1, 9)
    attempts: dict[str, Callable[[], object]] = {
        "get": lambda: sql.get(TENANT, ID + "-2"),
        "get, NUL": lambda: sql.get(TENANT, ID + "\x00"),
        "get, not text": lambda: sql.get(TENANT, [ID]),  # type: ignore[arg-type]
        "history": lambda: sql.history(ID, ID),
        "history, NUL": lambda: sql.history(ID + "\x00", ID),
        "overdue as_of": lambda: sql.overdue(TENANT, ID),  # type: ignore[arg-type]
        "overdue after": lambda: sql.overdue(TENANT, day, after=(ID, ID)),  # type: ignore[arg-type]
        "overdue limit": lambda: sql.overdue(TENANT, day, limit=ID),  # type: ignore[arg-type]
        "due_soon working_days": lambda: sql.due_soon(
            TENANT,
            day,
            working_days=ID,  # type: ignore[arg-type]
            calendar=calendar,
        ),
        "purge_outbox": lambda: sql.purge_outbox(ID),
        "no tables: get": lambda: bare.get(TENANT, ID),
        "no tables: history": lambda: bare.history(TENANT, ID),
        "create, case taken": lambda: sql.create(taken, first),
        "relay_id": lambda: OutboxRelay(sql, print, clock=clock, relay_id=ID.replace("-", " ")),
        "consumer": lambda: IdempotentConsumer.for_store(print, sql, ID.replace("-", " ")),
    }
    found = {name: echo for name, attempt in attempts.items() if (echo := echoes(attempt))}
    assert {} == found


def test_a_driver_error_on_a_write_names_its_kind_only(pg_url: str) -> None:
    """A write PostgreSQL refuses with the case id in its message raises StoreError, unechoed."""
    sql = SqlStore.postgresql(pg_url, prefix=f"echo{next(_counter)}_")
    outbox = sql.tables["outbox"].name
    with sql.engine.begin() as connection:  # a data error naming the row's case id
        connection.exec_driver_sql(
            f"CREATE FUNCTION {outbox}_echo() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'refused %%', NEW.case_id USING ERRCODE = '22023'; END $$ "
            "LANGUAGE plpgsql"
        )
        connection.exec_driver_sql(
            f"CREATE TRIGGER {outbox}_echo BEFORE INSERT ON {outbox} "
            f"FOR EACH ROW EXECUTE FUNCTION {outbox}_echo()"
        )
    d = Driver(store=sql)
    try:
        found = echoes(lambda: d.open(case_id=ID))
    finally:
        sql.engine.dispose()
    assert [] == found
