"""
Subject access: everything a tenant holds about one person, across its cases.

Three fictional cases: the same child in two of them (under different person ids), a
sibling in one, and an unrelated family in the third; another tenant holds the child
too. The export finds the child in both cases and nowhere else, holds their entries in
clear and the records and events that refer to them, and each case disclosed from gets
a record of the access. Everything else is left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest

import safeguarding_workflow as sw
from safeguarding_workflow.personal import (
    Identifier,
    Keyring,
    Person,
    RetentionRule,
    SubjectAccessExport,
)
from safeguarding_workflow.stores import MemoryStore, SqlStore

from ..helpers import BARNSLEY, CANARIES, TENANT, Driver, death_in_barnsley

NAME, NHS, ADDRESS, SCHOOL = CANARIES
KEYRING = Keyring({"kek-1": bytes(range(32))}, "kek-1")
DOB = "2015-03-14"
#: Another fictional child, never to be disclosed in these requests.
OTHER = "Ottoline Marchbank"


@pytest.fixture(name="store", params=["memory", "sqlite"])
def _store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sw.CaseStore]:
    if request.param == "memory":
        yield MemoryStore()
        return
    store = SqlStore.sqlite(str(tmp_path / "cases.db"))
    yield store
    store.engine.dispose()


def _three_cases(store: sw.CaseStore) -> Driver:
    d = Driver(store=store)
    d.workflow.key_provider = KEYRING
    wf = d.workflow
    for case_id in ("case-a", "case-b", "case-c"):
        d.open(case_id=case_id)
    wf.add_identifiers(
        TENANT,
        "case-a",
        [
            Identifier("a-1", "a-child", "name", NAME),
            Identifier("a-2", "a-child", "date_of_birth", DOB),
            Identifier("a-3", "a-child", "nhs_number", NHS),
            Identifier("a-4", "a-sibling", "name", "Pip Quillfeather"),
        ],
        people=[Person("a-child", "child"), Person("a-sibling", "sibling")],
        actor="user-1",
    )
    wf.add_identifiers(  # the sibling's school, in a record of its own
        TENANT, "case-a", [Identifier("a-5", "a-sibling", "school", SCHOOL)], actor="user-1"
    )
    wf.add_identifiers(
        TENANT,
        "case-b",
        [
            Identifier("b-1", "b-person", "alias", f"  {NAME.upper()} "),
            Identifier("b-2", "b-person", "date_of_birth", DOB),
            Identifier("b-3", "b-person", "address", ADDRESS),
        ],
        people=[Person("b-person", "sibling")],
        actor="user-1",
    )
    wf.add_identifiers(
        TENANT,
        "case-c",
        [
            Identifier("c-1", "c-child", "name", OTHER),
            Identifier("c-2", "c-child", "date_of_birth", DOB),
        ],
        people=[Person("c-child", "child")],
        actor="user-1",
    )
    return d


def test_the_person_is_found_in_every_case_and_nowhere_else(store: sw.CaseStore) -> None:
    d = _three_cases(store)
    export = d.workflow.subject_access(
        TENANT,
        request_ref="SAR 2024/7",
        actor="user-2",
        match={"name": NAME.lower(), "date_of_birth": DOB},
    )
    assert isinstance(export, SubjectAccessExport)
    assert ("case-a", "case-b") == export.case_ids
    data = export.to_dict()
    assert "safeguarding-workflow/subject-access/1" == data["format"]
    assert ["date_of_birth", "name"] == data["matched_on"]
    people = {(p["case_id"], p["person_id"]): p for p in data["people"]}
    assert {("case-a", "a-child"), ("case-b", "b-person")} == set(people)
    child, sibling = people["case-a", "a-child"], people["case-b", "b-person"]
    assert {NAME, DOB, NHS} == {e["value"] for e in child["entries"]}
    assert {"a-1", "a-2", "a-3"} == {e["entry_id"] for e in child["entries"]}
    # The child the case is about: every record of the case, with its event.
    case_a = d.workflow.history(TENANT, "case-a")[:-1]  # the last: this disclosure
    assert [r.to_dict() for r in case_a] == child["records"]
    assert [r.event_id for r in case_a] == [e["id"] for e in child["events"]]
    # A sibling: the records that name them or their entries only.
    assert ["register_changed"] == [r["record"]["kind"] for r in sibling["records"]]
    assert 1 == len(sibling["events"])
    text = export.to_json()
    assert OTHER not in text
    assert "Pip Quillfeather" not in text
    assert SCHOOL not in text
    assert json.loads(text) == data


def test_each_access_is_on_record_without_values(store: sw.CaseStore) -> None:
    d = _three_cases(store)
    before_c = d.workflow.history(TENANT, "case-c")
    d.workflow.subject_access(
        TENANT, request_ref="SAR 2024/7", actor="user-2", match={"nhs_number": "943 476 5919"}
    )
    record = d.workflow.history(TENANT, "case-a")[-1]
    body = json.loads(record.body)
    assert "register_disclosed" == record.kind
    assert {"request_ref": "SAR 2024/7"} == body["payload"]
    assert {"register": {"disclosed": ["a-child"]}} == body["changes"]
    assert "user-2" == body["actor"]
    for value in CANARIES:
        assert value.encode() not in record.body
    assert before_c == d.workflow.history(TENANT, "case-c")
    assert "register_disclosed" not in [r.kind for r in d.workflow.history(TENANT, "case-b")]
    for case_id in ("case-a", "case-b", "case-c"):
        assert sw.verify(d.workflow.history(TENANT, case_id)).ok


def test_by_person_id_and_the_repr_shows_no_value(store: sw.CaseStore) -> None:
    d = _three_cases(store)
    export = d.workflow.subject_access(
        TENANT, request_ref="SAR 1", actor="user-2", person_id="b-person"
    )
    assert ("case-b",) == export.case_ids
    assert ["person_id"] == export.to_dict()["matched_on"]
    for text in (repr(export), str(export)):
        assert "entries=<masked>" in text
        for value in CANARIES:
            assert value not in text


def test_no_match_discloses_nothing_and_records_nothing(store: sw.CaseStore) -> None:
    d = _three_cases(store)
    before = [d.workflow.history(TENANT, c) for c in ("case-a", "case-b", "case-c")]
    export = d.workflow.subject_access(
        TENANT,
        request_ref="SAR 2",
        actor="user-2",
        match={"name": NAME, "date_of_birth": "2016-01-01"},
    )
    assert () == export.case_ids
    assert [] == export.to_dict()["people"]
    assert before == [d.workflow.history(TENANT, c) for c in ("case-a", "case-b", "case-c")]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "match"),
        ({"match": {"eye_colour": "blue"}}, "match"),
        ({"match": {"nhs_number": "9434765918"}}, "Identifier.value"),
        ({"match": [("name", NAME)]}, "match"),
        ({"match": {"name": NAME}, "request_ref": NAME}, "request_ref"),
        ({"person_id": "9434765919"}, "person_id"),
    ],
)
def test_bad_requests_are_refused_without_echo(kwargs: dict, field: str) -> None:
    d = _three_cases(MemoryStore())
    before = d.workflow.history(TENANT, "case-a")
    arguments = {"request_ref": "SAR 3", "actor": "user-2", **kwargs}
    with pytest.raises(sw.InvalidInputError) as refused:
        d.workflow.subject_access(TENANT, **arguments)
    assert field == refused.value.field
    for value in (*CANARIES, "9434765918"):
        assert value not in str(refused.value)
    assert before == d.workflow.history(TENANT, "case-a")


def test_an_authoriser_refusal_for_one_case_stores_nothing_anywhere() -> None:
    d = _three_cases(MemoryStore())

    def authoriser(actor: str, roles: frozenset[str], case: sw.Case, step: str) -> bool:
        return case.case_id != "case-b"

    d.workflow.authoriser = authoriser
    before = [d.workflow.history(TENANT, c) for c in ("case-a", "case-b")]
    with pytest.raises(sw.NotAuthorised):
        d.workflow.subject_access(
            TENANT, request_ref="SAR 4", actor="user-2", match={"date_of_birth": DOB}
        )
    assert before == [d.workflow.history(TENANT, c) for c in ("case-a", "case-b")]


def test_other_tenants_are_never_searched() -> None:
    store = MemoryStore()
    d = _three_cases(store)
    other = sw.TenantSettings("other-partnership")
    d.workflow.configure(other)
    d.workflow.open(
        "other-partnership",
        death_in_barnsley(),
        local_authority=BARNSLEY,
        actor="user-1",
        case_id="case-x",
    )
    d.workflow.add_identifiers(
        "other-partnership",
        "case-x",
        [Identifier("x-1", "x-child", "name", NAME)],
        people=[Person("x-child", "child")],
        actor="user-1",
    )
    export = d.workflow.subject_access(
        TENANT, request_ref="SAR 5", actor="user-2", match={"name": NAME}
    )
    assert ("case-a", "case-b") == export.case_ids
    kinds = [r.kind for r in d.workflow.history("other-partnership", "case-x")]
    assert ["opened", "register_changed"] == kinds


def test_a_disposed_register_is_not_searched() -> None:
    """After disposal the person is in no register: the export no longer names that case."""
    d = Driver(settings=sw.TenantSettings(TENANT, retention=RetentionRule("R 1", years=1)))
    d.workflow.key_provider = KEYRING
    d.walk_to("closed", case_id="case-a")
    d.workflow.add_identifiers(
        TENANT,
        "case-a",
        [Identifier("a-1", "a-child", "name", NAME)],
        people=[Person("a-child", "child")],
        actor="user-1",
    )
    assert ("case-a",) == d.workflow.subject_access(
        TENANT, request_ref="SAR 6", actor="user-2", match={"name": NAME}
    ).case_ids
    d.clock.set(pendulum.datetime(2030, 1, 1, tz="UTC"))
    d.workflow.dispose(TENANT, "case-a", actor="user-1")
    assert (
        ()
        == d.workflow.subject_access(
            TENANT, request_ref="SAR 7", actor="user-2", match={"name": NAME}
        ).case_ids
    )
