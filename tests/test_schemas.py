"""JSON forms (to_dict, from_dict, to_json) and the schemas generated from their definitions."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator, Mapping
from typing import Any

import attrs
import jsonschema
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import safeguarding_workflow as sw
from safeguarding_workflow import schemas
from safeguarding_workflow._codec import case_to_json
from safeguarding_workflow.history._canonical import canonical_json
from safeguarding_workflow.testing._england import days_before

from . import strategies
from .helpers import BARNSLEY, PAYLOADS, ROUTES, TENANT, Driver, death_in_barnsley, facts_for
from .packs import toy

FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER


def validator(document: Mapping[str, Any]) -> jsonschema.Draft202012Validator:
    """A draft 2020-12 validator of *document* that asserts formats, the schema checked first."""
    jsonschema.Draft202012Validator.check_schema(document)
    return jsonschema.Draft202012Validator(document, format_checker=FORMATS)


VALIDATORS = {name: validator(schemas.schema(name)) for name in schemas.NAMES}
PAYLOADS_OF = {
    lifecycle.name: {e: validator(s) for e, s in schemas.payload_schemas(lifecycle).items()}
    for lifecycle in (sw.england.LIFECYCLE, toy.LIFECYCLE)
}


def problems(name: str, data: object) -> list[str]:
    """What the schema *name* finds wrong with *data* (a JSON round trip first: real JSON)."""
    text = json.dumps(data)
    return [f"{name}: {e.message}" for e in VALIDATORS[name].iter_errors(json.loads(text))]


def case_problems(case: sw.Case) -> list[str]:
    """Problems of a case, each of its deadlines and its facts, each against its schema."""
    found = problems("case", case.to_dict()) + problems("incident", case.facts.to_dict())
    for deadline in case.deadlines:
        found += problems("deadline", deadline.to_dict())
    return found


def assessment_problems(assessment: sw.Assessment) -> list[str]:
    """Problems of an assessment, its duties and its findings."""
    found = problems("assessment", assessment.to_dict())
    found += [p for d in assessment.duties for p in problems("duty", d.to_dict())]
    return found + [p for f in assessment.findings for p in problems("finding", f.to_dict())]


def command_problems(lifecycle: str, command: sw.Command) -> list[str]:
    """Problems of a command and of its payload against its step's payload schema."""
    data = command.to_dict()
    payload = json.loads(json.dumps(data["payload"]))
    found = problems("command", data)
    return found + [e.message for e in PAYLOADS_OF[lifecycle][command.event].iter_errors(payload)]


def history_problems(records: tuple[sw.HistoryRecord, ...]) -> list[str]:
    """Problems of history records in their dict form."""
    return [p for r in records for p in problems("history_record", r.to_dict())]


class TestSchemas:
    def test_every_schema_is_a_valid_draft_2020_12_schema(self) -> None:
        """Each published schema (objects and payloads) passes the metaschema, in the dialect."""
        for name in schemas.NAMES:
            document = schemas.schema(name)
            jsonschema.Draft202012Validator.check_schema(document)
            assert schemas.DIALECT == document["$schema"]
        for lifecycle in (sw.england.LIFECYCLE, toy.LIFECYCLE):
            for document in schemas.payload_schemas(lifecycle).values():
                jsonschema.Draft202012Validator.check_schema(document)

    def test_event_schema_is_the_published_one(self) -> None:
        """schema("event") is the event schema the package ships."""
        assert sw.event_schema() == schemas.schema("event")

    def test_each_call_gives_a_fresh_copy(self) -> None:
        """Changing a returned schema changes nothing for the next caller."""
        first = schemas.schema("case")
        first["properties"].clear()
        assert schemas.schema("case")["properties"]

    def test_unknown_names_are_refused(self) -> None:
        """An unknown object or step is the library's error, naming the field, not the value."""
        with pytest.raises(sw.InvalidInputError) as caught:
            schemas.schema("zebedee")
        assert ("name", False) == (caught.value.field, "zebedee" in str(caught.value))
        with pytest.raises(sw.InvalidInputError) as caught:
            schemas.payload_schema(sw.england.LIFECYCLE, "zebedee")
        assert ("event", False) == (caught.value.field, "zebedee" in str(caught.value))

    def test_schemas_follow_the_fields(self) -> None:
        """Every field set when built is a property: the schema is generated, not kept by hand."""
        for name, cls in {"case": sw.Case, "incident": sw.Incident, "duty": sw.Duty}.items():
            expected = [f.name for f in attrs.fields(cls) if f.init]
            assert expected == list(schemas.schema(name)["properties"])
        command = schemas.schema("command")
        assert [f.name for f in attrs.fields(sw.Command) if f.init] == list(command["properties"])
        deadline = schemas.schema("deadline")["properties"]
        assert {"citations", "verification"} <= deadline.keys()

    def test_constraints_name_real_fields(self) -> None:
        """The table of constraints a type does not carry names only fields that exist."""
        for cls, name in schemas._CONSTRAINTS:
            assert name in attrs.fields_dict(cls), (cls, name)

    def test_payload_limits_agree_with_payload_fields(self) -> None:
        """The schemas' bounds on lists and numbers are where PayloadField.convert draws them."""
        refs, number = sw.PayloadField("x", "refs"), sw.PayloadField("n", "int")
        assert len(refs.convert(["r"] * schemas.MAX_REFS, "x")) == schemas.MAX_REFS
        with pytest.raises(sw.InvalidInputError):
            refs.convert(["r"] * (schemas.MAX_REFS + 1), "x")
        assert number.convert(schemas.MAX_PAYLOAD_INT, "n") == schemas.MAX_PAYLOAD_INT
        with pytest.raises(sw.InvalidInputError):
            number.convert(schemas.MAX_PAYLOAD_INT + 1, "n")

    def test_payload_schema_of_a_step(self) -> None:
        """A step's payload schema: its fields, the required ones, nothing else."""
        document = schemas.payload_schema(toy.LIFECYCLE, "file")
        assert (["return_ref"], False) == (
            document["required"],
            document["additionalProperties"],
        )
        check = validator(document)
        assert check.is_valid({"return_ref": "toy-return-1"})
        assert not check.is_valid({})
        assert not check.is_valid({"return_ref": "toy-return-1", "note": "x"})
        assert not check.is_valid({"return_ref": "two  spaces"})

    def test_payload_schemas_list_every_step(self) -> None:
        """payload_schemas gives one schema per event of the lifecycle, in its order."""
        assert sw.england.LIFECYCLE.events == tuple(schemas.payload_schemas(sw.england.LIFECYCLE))


class TestEverythingMatches:
    """Every object the usual paths produce matches its schema."""

    def walk_england(self, driver: Driver, state: str, case_id: str) -> Iterator[list[str]]:
        """Open a case and take the route to *state*, yielding the problems of each object."""
        facts = facts_for(state)
        yield problems("incident", facts.to_dict())
        yield assessment_problems(sw.england.assess(facts, local_authority=BARNSLEY))
        case = driver.open(facts, case_id=case_id)
        yield case_problems(case)
        for event in ROUTES[state]:
            command = driver.command(event, case_id=case_id, days=days_before(event))
            yield command_problems("england", command)
            outcome = driver.fire_command(command)
            yield case_problems(outcome.case)
        yield history_problems(driver.history(case_id))

    def test_every_england_route(self) -> None:
        """Every state's route: facts, assessment, case, deadlines, commands, payloads, history."""
        driver = Driver()
        found = [
            p
            for index, state in enumerate(ROUTES)
            for batch in self.walk_england(driver, state, f"case-{index}")
            for p in batch
        ]
        assert [] == found[:5]

    def test_every_payload_field_of_england_is_exercised(self) -> None:
        """The walks above carry a valid payload for every England step (PAYLOADS)."""
        assert set(sw.england.LIFECYCLE.events) == set(PAYLOADS)

    def test_toy_pack(self) -> None:
        """The toy pack's case, deadlines (one in months), commands and history match too."""
        driver = Driver(pack=toy.PACK)
        case = driver.workflow.open(
            TENANT, death_in_barnsley(), local_authority=BARNSLEY, actor="u-1", role="toy_clerk"
        ).case
        found = case_problems(case)
        for event, role, payload in toy.WALK:
            driver.when = driver.when.add(days=1)
            driver.clock.set(driver.when.add(hours=1))
            command = sw.Command(
                TENANT,
                case.case_id,
                event,
                actor="u-1",
                role=role,
                occurred_at=driver.when,
                payload=payload,
            )
            found += command_problems("toy", command)
            case = driver.workflow.fire(command).case
            found += case_problems(case)
        found += history_problems(driver.workflow.history(TENANT, case.case_id))
        assert [] == found
        assert {"toy_file_return", "toy_yearly_check"} == {d.kind for d in case.deadlines}

    def test_a_broken_form_is_caught(self) -> None:
        """The checks can fail: a case with a deadline missing its citations does not match."""
        case = Driver().open()
        data = case.to_dict()
        del data["deadlines"][0]["citations"]
        assert problems("case", data)
        data = case.to_dict()
        data["facts"]["children"][0]["age"] = "4"
        assert problems("case", data)


class TestDeadlineFromRules:
    def test_citations_and_verification_come_from_the_rules(self) -> None:
        """A stored deadline shows its rules' sources and the weakest status, not re-assessed."""
        case = Driver().open()
        assessment = sw.england.assess(case.facts, local_authority=BARNSLEY)
        for deadline in case.deadlines:
            duty = assessment.duty(deadline.kind)
            assert duty is not None
            sources = tuple(dict.fromkeys(sw.RULES[r].source for r in deadline.rule_ids))
            assert (sources, duty.verification) == (deadline.citations, deadline.verification)
            data = deadline.to_dict()
            assert (list(sources), duty.verification.value) == (
                data["citations"],
                data["verification"],
            )

    def test_they_are_not_stored(self) -> None:
        """Citations and verification are not fields: the case's stored form is unchanged."""
        assert not {"citations", "verification"} & set(attrs.fields_dict(sw.Deadline))
        case = Driver().open()
        assert "citations" not in case_to_json(case)["deadlines"][0]

    def test_an_unknown_rule_is_left_out_and_counts_as_unverified(self) -> None:
        """A rule no catalogue in use knows adds no citation and makes the status I."""
        deadline = sw.Deadline(
            "toy_thing", rule_ids=("NOT-02", "ZZZ-99"), anchor_event="x", anchor_on=None
        )
        assert (sw.RULES["NOT-02"].source,) == deadline.citations
        assert sw.Verification.I == deadline.verification


class TestToDict:
    def test_case_form(self) -> None:
        """Case.to_dict: field names, UTC times, ISO dates, pairs as lists; JSON as it is."""
        case = Driver().walk_to("notified")
        data = case.to_dict()
        assert [f.name for f in attrs.fields(sw.Case)] == list(data)
        assert data["facts"] == case.facts.to_dict()
        assert data["last_step_at"].endswith("Z")
        assert [["notification_sent", "2024-01-06"]] == data["milestones"][:1]
        assert data == json.loads(json.dumps(data))

    def test_enums_and_dates_are_strings(self) -> None:
        """Duties give their basis and verification as strings, dates as YYYY-MM-DD."""
        duty = sw.england.assess(death_in_barnsley(), local_authority=BARNSLEY).duties[0]
        data = duty.to_dict()
        assert (type(data["basis"]), type(data["verification"])) == (str, str)
        assert data["due"] == duty.due.isoformat()  # type: ignore[union-attr]
        assert data["anchor"] == {"event": duty.anchor.event, "on": duty.anchor.on.isoformat()}  # type: ignore[union-attr]

    def test_findings(self) -> None:
        """An assessment with findings gives each in its JSON form."""
        facts = death_in_barnsley(
            children=[sw.Child(age=4, harm="death", normally_resident_in="E08000035")]
        )
        assessment = sw.england.assess(facts, local_authority=BARNSLEY)
        assert assessment.findings
        data = assessment.to_dict()
        assert [f.to_dict() for f in assessment.findings] == data["findings"]
        assert [] == assessment_problems(assessment)

    def test_a_payload_with_no_json_form_is_the_librarys_error(self) -> None:
        """A command carrying a value JSON cannot hold says so, naming the payload."""
        for odd in (object(), {1, "a"}):
            command = sw.Command(
                TENANT,
                "case-1",
                "notify_panel",
                actor="user-1",
                role="local_authority",
                occurred_at=pendulum.datetime(2024, 1, 8, tz="UTC"),
                payload={"x": odd},
            )
            with pytest.raises(sw.InvalidInputError) as caught:
                command.to_dict()
            assert "Command.payload" == caught.value.field

    def test_payload_values_in_json_form(self) -> None:
        """Payload dates and tuples a Python host gives are written as JSON."""
        command = sw.Command(
            TENANT,
            "case-1",
            "plan_publication",
            actor="user-1",
            role="safeguarding_partners",
            occurred_at=pendulum.datetime(2024, 1, 8, tz="UTC"),
            payload={"planned_publication_on": dt.date(2024, 3, 1), "refs": ("a", "b")},
        )
        expected = {"planned_publication_on": "2024-03-01", "refs": ["a", "b"]}
        assert expected == command.to_dict()["payload"]


class TestHistoryRecordJson:
    def test_to_json_is_the_canonical_text_of_to_dict(self) -> None:
        """to_json gives a string, the RFC 8785 form of to_dict; from_json reads it back."""
        driver = Driver()
        driver.open()
        record = driver.history()[0]
        text = record.to_json()
        assert isinstance(text, str)
        assert canonical_json(record.to_dict()).decode() == text
        assert record == sw.HistoryRecord.from_json(text)
        assert record == sw.HistoryRecord.from_dict(record.to_dict())

    @pytest.mark.parametrize("text", ["", "{", "[]", '{"prev": 1}', b"\xff", 42, None])
    def test_from_json_refuses_what_is_not_a_record(self, text: object) -> None:
        """Text that is not a record, or no text at all, is the library's error."""
        with pytest.raises(sw.InvalidInputError):
            sw.HistoryRecord.from_json(text)  # type: ignore[arg-type]


# Round trips and the schemas of from_dict's inputs -------------------------------------------


def _gss(prefix: str) -> st.SearchStrategy[str]:
    return st.from_regex(rf"{prefix}[0-9]{{8}}", fullmatch=True)


@st.composite
def incidents(draw: st.DrawFn) -> sw.Incident:
    """Valid incidents in any nation, with any of the optional facts."""
    place = draw(st.sampled_from(list(sw.Place)))
    letter = {
        sw.Place.ENGLAND: "E",
        sw.Place.WALES: "W",
        sw.Place.SCOTLAND: "S",
        sw.Place.NORTHERN_IRELAND: "N",
    }.get(place)
    code = None if letter is None else draw(st.one_of(_gss(letter), st.none()))
    if place is sw.Place.ENGLAND and code is None:
        code = BARNSLEY
    codes = st.one_of(st.none(), _gss("[ENSW]"))
    kids = draw(
        st.lists(
            st.builds(
                sw.Child,
                age=st.integers(0, 130),
                harm=st.sampled_from(list(sw.Harm)),
                normally_resident_in=codes,
                looked_after_by=codes,
            ),
            min_size=1,
            max_size=3,
        )
    )
    aware = draw(strategies.aware_times)
    day = pendulum.instance(aware).in_timezone("Europe/London").date()
    day = dt.date(day.year, day.month, day.day)
    days = dt.timedelta
    abuse = draw(st.sampled_from(list(sw.AbuseOrNeglect)))
    since = None
    if abuse.known_or_suspected:
        since = draw(st.one_of(st.none(), st.dates(day, day + days(90))))
    occurred = draw(st.one_of(st.none(), st.dates(day - days(90), day)))
    partners = draw(st.one_of(st.none(), st.dates(occurred or day, day + days(30))))
    return sw.Incident(
        children=kids,
        location=sw.Location(place, code),
        abuse_or_neglect=abuse,
        la_aware_at=aware,
        abuse_or_neglect_since=since,
        occurred_on=occurred,
        partners_aware_on=partners,
    )


_IDS = st.from_regex(r"[a-z][a-z0-9_.:-]{0,20}", fullmatch=True)
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-100, 10**6) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


@st.composite
def commands(draw: st.DrawFn) -> sw.Command:
    """Valid commands: a role, roles or both, any JSON payload, an offset on the time."""
    roles = draw(st.one_of(st.none(), st.frozensets(_IDS, min_size=1, max_size=3)))
    role = draw(st.one_of(st.none(), st.sampled_from(sorted(roles))) if roles else _IDS)
    offset = dt.timezone(dt.timedelta(minutes=draw(st.integers(-12 * 60, 14 * 60))))
    return sw.Command(
        draw(_IDS),
        draw(_IDS),
        draw(st.sampled_from(sw.england.LIFECYCLE.events)),
        actor=draw(_IDS),
        role=role,
        roles=roles,
        occurred_at=draw(strategies.aware_times).astimezone(offset),
        payload=draw(st.dictionaries(st.text(max_size=8), _JSON_VALUES, max_size=4)),
        expected_version=draw(st.one_of(st.none(), st.integers(0, 10**6))),
        idempotency_key=draw(st.one_of(st.none(), _IDS)),
    )


#: Values put in place of a valid one: wrong types, near misses, text that looks right.
_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 200),
    st.floats(allow_nan=False, allow_infinity=False),
    st.just(4.0),
    st.text(max_size=12),
    st.sampled_from(
        [
            "2024-02-30",
            "2024-01-05",
            "20240105",
            "2024-01-05T09:00:00Z",
            "2024-01-05T09:00:00",
            "2024-01-05T09:00:00+01:00",
            "2024-02-30T09:00:00Z",
            "2024-01-05 09:00:00Z",
            "2024-01-05T09:00:00.1234567Z",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "E08000016",
            "W06000015",
            "E08000016\n",
            "id\n",
            "943 476 5919",
            "9434765919",
            "death",
            "known",
            "not_suspected",
            "england",
            "outside_uk",
            "notify_panel",
            "local_authority",
            "nötify",
            "a b",
        ]
    ),
    st.lists(st.text(max_size=3), max_size=3),
    st.lists(st.sampled_from(["a", "b", "a"]), max_size=3),
    st.dictionaries(st.sampled_from(["age", "harm", "place"]), st.integers(0, 3), max_size=2),
)


@st.composite
def mutated(draw: st.DrawFn, data: Any) -> Any:
    """*data* with up to three changes: a key dropped, added or given a junk value."""
    data = json.loads(json.dumps(data))
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(data, ()))
        path = draw(st.sampled_from(paths))
        parent: Any = data
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["drop", "junk", "add"]))
        if action == "drop" and isinstance(parent, dict):
            parent.pop(path[-1], None)
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "age", "role", "roles", "payload"]))] = draw(
                _JUNK
            )
        elif isinstance(parent, dict | list):
            parent[path[-1]] = draw(_JUNK)
    return data


def _paths(value: Any, prefix: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*prefix, index)
            yield from _paths(item, (*prefix, index))


#: The checks from_dict makes that a schema cannot (listed in each schema's $comment).
_BEYOND_SCHEMA = {
    "incident": {"Incident.occurred_on", "Incident.partners_aware_on", "Incident.la_aware_at"},
    "command": {"Command.role", "Command.occurred_at"},
}


def _agree(name: str, reader: Any, data: Any) -> None:
    """from_dict and the schema agree on *data*, bar the checks a schema cannot make."""
    valid = VALIDATORS[name].is_valid(data)
    error: sw.InvalidInputError | None = None
    try:
        reader(data)
    except sw.InvalidInputError as caught:
        error = caught
    if error is None:
        assert valid, list(VALIDATORS[name].iter_errors(data))[:1]
        return
    beyond = "NHS number" in error.message or error.field in _BEYOND_SCHEMA[name]
    assert not valid or beyond, error
    # No value echoed: codes, dates, numbers (names of fields and choices may be named; so
    # may the library's own example code).
    echoed = [v for v in _strings(data) if any(c.isdigit() for c in v) and v in error.message]
    assert [] == [v for v in echoed if v != "E08000016"]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


class TestFromDict:
    @given(incidents())
    def test_incident_round_trip(self, incident: sw.Incident) -> None:
        """from_dict(to_dict(x)) == x for incidents, and the dict matches the schema."""
        data = incident.to_dict()
        assert incident == sw.Incident.from_dict(json.loads(json.dumps(data)))
        assert [] == problems("incident", data)

    @given(commands())
    def test_command_round_trip(self, command: sw.Command) -> None:
        """from_dict(to_dict(x)) == x for commands, roles as a sorted list, and it matches."""
        data = command.to_dict()
        assert command == sw.Command.from_dict(json.loads(json.dumps(data)))
        assert [] == problems("command", data)
        assert data["roles"] is None or data["roles"] == sorted(data["roles"])

    @given(st.data())
    def test_incident_schema_accepts_what_from_dict_accepts(self, data: st.DataObject) -> None:
        """On near-valid input the schema and from_dict agree, bar the checks listed."""
        _agree(
            "incident", sw.Incident.from_dict, data.draw(mutated(data.draw(incidents()).to_dict()))
        )

    @given(st.data())
    def test_command_schema_accepts_what_from_dict_accepts(self, data: st.DataObject) -> None:
        """The same for commands."""
        _agree("command", sw.Command.from_dict, data.draw(mutated(data.draw(commands()).to_dict())))

    @given(_JUNK)
    def test_anything_else_is_the_librarys_error(self, junk: object) -> None:
        """Input that is not an object at all is refused by both, as InvalidInputError."""
        _agree("incident", sw.Incident.from_dict, junk)
        _agree("command", sw.Command.from_dict, junk)

    def test_host_forms_are_accepted(self) -> None:
        """A host's own JSON: optional keys left out, a local offset, a role list."""
        incident = sw.Incident.from_dict(
            {
                "children": [{"age": 4, "harm": "death"}],
                "location": {"place": "england", "local_authority": BARNSLEY},
                "abuse_or_neglect": "suspected",
                "la_aware_at": "2024-06-03T10:30:00+01:00",
            }
        )
        assert pendulum.datetime(2024, 6, 3, 9, 30, tz="UTC") == incident.la_aware_at
        command = sw.Command.from_dict(
            {
                "tenant_id": TENANT,
                "case_id": "case-1",
                "event": "notify_panel",
                "actor": "user-1",
                "roles": ["local_authority", "safeguarding_partners"],
                "occurred_at": "2024-06-04T09:00:00Z",
                "payload": {"notification_ref": "SIN 2025/031"},
            }
        )
        assert frozenset({"local_authority", "safeguarding_partners"}) == command.roles
        assert [] == command_problems("england", command)

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"children": "x"}, "Incident.children"),
            ({"children": [{"age": 4}]}, "Child.harm"),
            ({"children": [{"age": True, "harm": "death"}]}, "Child.age"),
            ({"location": {"place": "england"}}, "Location.local_authority"),
            ({"la_aware_at": "2024-01-05T09:00:00"}, "Incident.la_aware_at"),
            ({"occurred_on": "2024-02-30"}, "Incident.occurred_on"),
            ({"zebedee": 1}, "Incident"),
        ],
    )
    def test_incident_errors_name_the_field(self, change: dict[str, Any], field: str) -> None:
        """Bad facts raise InvalidInputError naming the field."""
        data = {**death_in_barnsley().to_dict(), **change}
        with pytest.raises(sw.InvalidInputError) as caught:
            sw.Incident.from_dict(data)
        assert field == caught.value.field
        assert not VALIDATORS["incident"].is_valid(data) or field == "Incident.occurred_on"

    def test_missing_keys_are_named(self) -> None:
        """A missing required key is named with its object."""
        data = death_in_barnsley().to_dict()
        del data["la_aware_at"]
        with pytest.raises(sw.InvalidInputError) as caught:
            sw.Incident.from_dict(data)
        assert "Incident.la_aware_at" == caught.value.field


def _every_england_duty() -> Iterator[sw.Duty]:
    """The duties England's assessment gives over ages, harms, statuses, regimes and places."""
    when = (
        pendulum.datetime(2017, 3, 1, 10),  # serious case reviews
        pendulum.datetime(2019, 3, 1, 10),  # the transition
        pendulum.datetime(2024, 3, 1, 10),
    )
    for age, harm, abuse, looked_after, aware in itertools.product(
        (0, 10, 17, 19, 22), sw.Harm, sw.AbuseOrNeglect, (None, BARNSLEY, "W06000015"), when
    ):
        status = {"looked_after_by": looked_after} if age < 18 else {"care_leaver_of": looked_after}
        child = sw.Child(age, harm, normally_resident_in=BARNSLEY, **status)
        facts = sw.Incident([child], sw.Location.england(BARNSLEY), abuse, aware)
        yield from sw.england.assess(facts, local_authority=BARNSLEY).duties


class TestDeadlineBasis:
    def test_a_stored_deadline_has_its_dutys_basis(self) -> None:
        """For every duty England gives, the deadline made from it shows the duty's basis."""
        kinds = set()
        for duty in _every_england_duty():
            kinds.add(duty.kind)
            deadline = sw.Deadline.from_duty(duty)
            assert (duty.kind, duty.basis) == (duty.kind, deadline.basis)
            assert (duty.kind, duty.verification) == (duty.kind, deadline.verification)
            assert duty.basis.value == deadline.to_dict()["basis"]
        assert set(sw.england.DutyKind) == kinds

    def test_deadlines_a_step_opens_have_a_basis(self) -> None:
        """The deadlines England's steps open rest on rules that name their basis."""
        for step in sw.england.LIFECYCLE.steps:
            for spec in step.opens:
                deadline = sw.Deadline(
                    spec.kind, rule_ids=spec.rule_ids, anchor_event=spec.anchor, anchor_on=None
                )
                assert (spec.kind, sw.Basis.STATUTORY_GUIDANCE) == (spec.kind, deadline.basis)

    def test_rules_naming_no_basis_give_none(self) -> None:
        """A deadline whose rules name no basis (the toy pack's) has none, written as null."""
        deadline = sw.Deadline("x", rule_ids=("DEC-04", "ZZZ-99"), anchor_event="x", anchor_on=None)
        assert (None, None) == (deadline.basis, deadline.to_dict()["basis"])
