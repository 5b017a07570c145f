"""
Events carry what subscribers need and nothing that narrows to a child (R9).

An event names the case, the step, the states, the times, the deadlines and the rule ids.
The incident's facts (ages, harm, the councils where a child lives or is looked after,
the dates of the incident), payloads, actors and the record's hash stay in the history.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pendulum
import pytest
import sqlalchemy as sa

import safeguarding_workflow as sw
from safeguarding_workflow.stores import OutboxRelay, SqlStore

from .helpers import BARNSLEY, ROUTES, TENANT, Driver, facts_for

LEEDS, WAKEFIELD, KIRKLEES, SHEFFIELD = "E08000035", "E08000036", "E08000034", "E08000019"

#: Ages no event of the walk below can hold as a number: it has fewer records than that.
AGES = (16, 17, 15)
#: Councils where the fictional children live or are looked after (not the case's own).
CODES = (LEEDS, WAKEFIELD, KIRKLEES, SHEFFIELD)
#: The incident's own dates: when it happened, abuse was suspected, the partners learnt of it.
DATES = ("2023-11-17", "2023-11-20", "2023-11-24")

#: Keys of the history record (and of its facts) that an event must not carry.
KEPT_OUT = {
    "facts",
    "children",
    "age",
    "harm",
    "normally_resident_in",
    "looked_after_by",
    "care_leaver_of",
    "location",
    "abuse_or_neglect",
    "la_aware_at",
    "payload",
    "actor",
    "idempotency_key",
    "hash",
    "prev",
    "record",
    "changes",
    "anchor_on",
    "milestones",
}


def distinctive_facts() -> sw.Incident:
    """Two fictional children from other councils, with the incident's dates all given."""
    return sw.Incident(
        children=[
            sw.Child(age=16, harm="death", normally_resident_in=LEEDS, looked_after_by=WAKEFIELD),
            sw.Child(age=17, harm="serious_harm", normally_resident_in=KIRKLEES),
        ],
        location=sw.Location.england(BARNSLEY),
        abuse_or_neglect="suspected",
        la_aware_at=pendulum.datetime(2024, 1, 5, 9, tz="Europe/London"),
        abuse_or_neglect_since=pendulum.date(2023, 11, 20),
        occurred_on=pendulum.date(2023, 11, 17),
        partners_aware_on=pendulum.date(2023, 11, 24),
    )


def later_facts() -> sw.Incident:
    """The same incident as later known: a third child, looked after by Sheffield."""
    facts = distinctive_facts()
    third = sw.Child(age=15, harm="serious_harm", normally_resident_in=SHEFFIELD)
    return sw.Incident(
        children=[*facts.children, third],
        location=facts.location,
        abuse_or_neglect="known",
        la_aware_at=facts.la_aware_at,
        abuse_or_neglect_since=facts.abuse_or_neglect_since,
        occurred_on=facts.occurred_on,
        partners_aware_on=facts.partners_aware_on,
    )


def walk(d: Driver) -> None:
    """Every kind of record: opening, steps, a correction, new facts and a recomputation."""
    d.open(distinctive_facts())
    addition = sw.HolidayAddition(pendulum.date(2024, 1, 10), "Proclaimed bank holiday (fictional)")
    d.workflow.configure(sw.TenantSettings(TENANT, calendar_additions=[addition]))
    d.workflow.recompute_deadlines(TENANT, "case-1", actor="scheduler")
    for event in ROUTES["rapid_review_submitted"]:
        d.fire(event)
    d.workflow.correct(
        TENANT,
        "case-1",
        corrects=3,
        occurred_at=pendulum.datetime(2024, 1, 5, 11, tz="UTC"),
        actor="user-1",
        role="local_authority",
        reason_ref="m-1",
    )
    d.workflow.update_facts(TENANT, "case-1", later_facts(), actor="user-1")


def leaves(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """Every (key, value) of a JSON value, nested keys included."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k, v
            yield from leaves(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item, key)


def facts_in(event: sw.CloudEvent) -> list[str]:
    """What of the distinctive facts an event carries, if anything."""
    text = event.to_json()
    found = [code for code in (*CODES, *DATES) if code in text]
    for key, value in leaves(json.loads(text)):
        if key in KEPT_OUT:
            found.append(f"key {key}")
        if type(value) is int and value in AGES:
            found.append(f"{key}={value}")
    return found


def test_no_event_carries_facts() -> None:
    """None of the children's ages, councils or the incident's dates reach any event."""
    d = Driver()
    walk(d)
    assert {"opened", "step", "correction", "facts_updated", "deadlines_recomputed"} == {
        e.type.split(".")[2] for e in d.events
    }
    assert len(d.events) < min(AGES)  # so no sequence number can be taken for an age
    assert {} == {e.id: found for e in d.events if (found := facts_in(e))}
    record = d.history()[0].body.decode()
    assert all(code in record for code in CODES[:3])  # the history keeps the facts


def test_events_carry_what_subscribers_need() -> None:
    """Ids, step, states, times, deadlines and rule ids; the opening event names the case's own."""
    d = Driver()
    walk(d)
    opened, notified = d.events[0].data, d.events[2].data
    history = [r.data for r in d.history()]
    assert {
        "tenant": TENANT,
        "case": "case-1",
        "seq": 1,
        "id": history[0]["id"],
        "kind": "opened",
        "event": "opened",
        "from": None,
        "to": "incident_recorded",
        "role": history[0]["role"],
        "occurred_at": "2024-01-05T09:00:00.000000Z",
        "recorded_at": history[0]["recorded_at"],
        "local_authority": BARNSLEY,
        "lifecycle": "england",
        "lifecycle_version": sw.england.LIFECYCLE.version,
        "rule_pack": sw.england.PACK.name,
        "rule_pack_version": sw.england.PACK.version,
    } == {k: v for k, v in opened.items() if k not in ("deadlines", "rule_ids")}
    assert history[0]["rule_ids"] == opened["rule_ids"]
    assert [d["kind"] for d in history[0]["changes"]["deadlines"]] == [
        d["kind"] for d in opened["deadlines"]
    ]
    assert {"kind", "rule_ids", "anchor_event", "due", "projected", "non_working_day"} <= set(
        opened["deadlines"][0]
    )
    assert ("incident_recorded", "notified", "notify_panel") == (
        notified["from"],
        notified["to"],
        notified["event"],
    )
    assert {"kind": "notify_panel", "status": "met", "met_on": "2024-01-06", "met_by": 3} in (
        notified["deadlines"]
    )
    correction = next(e.data for e in d.events if e.data["kind"] == "correction")
    assert (3, correction["from"]) == (correction["corrects"], correction["to"])


def test_event_data_is_picked_from_the_record() -> None:
    """Each event's data is `event_data` of the record it announces; its ids are the record's."""
    from safeguarding_workflow._events import event_data

    d = Driver()
    walk(d)
    records = d.history()
    assert [event_data(r.data) for r in records] == [e.data for e in d.events]
    assert [(r.event_id, r.case_id) for r in records] == [(e.id, e.subject) for e in d.events]


@pytest.fixture(name="validator", scope="module")
def _validator() -> jsonschema.Draft202012Validator:
    schema = sw.event_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("state", sorted(ROUTES))
def test_every_route_emits_events_of_the_schema(
    state: str, validator: jsonschema.Draft202012Validator
) -> None:
    """The events of the way to every state of the lifecycle validate against the schema."""
    d = Driver()
    d.walk_to(state)
    assert [] == [e.message for event in d.events for e in validator.iter_errors(event.to_dict())]


def test_a_full_walk_emits_events_of_the_schema(validator: jsonschema.Draft202012Validator) -> None:
    """Every kind of record's event validates, and the schema refuses an event with facts."""
    d = Driver()
    walk(d)
    assert [] == [e.message for event in d.events for e in validator.iter_errors(event.to_dict())]
    with_facts = d.events[0].to_dict()
    with_facts["data"]["facts"] = d.history()[0].data["changes"]["facts"]
    assert not validator.is_valid(with_facts)


def test_the_schema_refuses_what_events_must_not_carry(
    validator: jsonschema.Draft202012Validator,
) -> None:
    """Any key an event must not carry, added to a valid event, makes it invalid."""
    d = Driver()
    d.walk_to("notified")
    for event in d.events:
        for key in sorted(KEPT_OUT):
            doctored = event.to_dict()
            doctored["data"][key] = 16
            assert not validator.is_valid(doctored), key


@pytest.fixture(name="sqlite")
def _sqlite(tmp_path: Path) -> Iterator[SqlStore]:
    store = SqlStore.sqlite(str(tmp_path / "events.db"))
    yield store
    store.engine.dispose()


def test_the_outbox_relays_the_same_events(
    sqlite: SqlStore, validator: jsonschema.Draft202012Validator
) -> None:
    """What the outbox stores and the relay delivers is what subscribers heard: no facts."""
    d = Driver(store=sqlite)
    walk(d)
    relayed: list[sw.CloudEvent] = []
    d.clock.set(pendulum.datetime(2024, 3, 1, tz="UTC"))
    OutboxRelay(sqlite, relayed.append, clock=d.clock).run_until_idle()
    assert [e.to_dict() for e in d.events] == [e.to_dict() for e in relayed]
    outbox = sqlite.tables["outbox"]
    with sqlite.engine.connect() as connection:
        rows = [r.event for r in connection.execute(sa.select(outbox.c.event))]
    assert all(code not in row for row in rows for code in (*CODES, *DATES))
    assert [] == [e.message for event in relayed for e in validator.iter_errors(event.to_dict())]


def test_the_relay_minimises_rows_written_with_the_whole_record(sqlite: SqlStore) -> None:
    """An outbox row from before events were minimised is delivered minimised."""
    d = Driver(store=sqlite)
    d.open(distinctive_facts())
    record = d.history()[0]
    legacy = {**d.events[0].to_dict(), "data": {"prev": record.prev, "hash": record.hash}}
    legacy["data"]["record"] = record.data
    outbox = sqlite.tables["outbox"]
    with sqlite.engine.begin() as connection:
        connection.execute(outbox.update().values(event=json.dumps(legacy)))
    relayed: list[sw.CloudEvent] = []
    d.clock.set(pendulum.datetime(2024, 3, 1, tz="UTC"))
    OutboxRelay(sqlite, relayed.append, clock=d.clock).run_until_idle()
    assert [d.events[0].to_dict()] == [e.to_dict() for e in relayed]
    assert [] == facts_in(relayed[0])


def test_a_repeated_command_returns_the_same_minimised_event() -> None:
    """An idempotent retry's outcome carries the event the first command emitted."""
    d = Driver()
    d.open(facts_for("notified"))
    command = sw.Command(
        TENANT,
        "case-1",
        "notify_panel",
        actor="user-1",
        role="local_authority",
        occurred_at=d.when,
        payload={"notification_ref": "n-1"},
        idempotency_key="key-1",
    )
    first = d.workflow.fire(command)
    again = d.workflow.fire(command)
    assert first.event is not None
    assert again.event is not None
    assert first.event.to_dict() == again.event.to_dict()
    assert {"hash", "record", "payload"}.isdisjoint(again.event.data)
