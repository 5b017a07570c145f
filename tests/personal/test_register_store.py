"""
The register through the Workflow: stored with the case, in the command's transaction.

On the memory store, SQLite and PostgreSQL: people and entries added, read back and
rectified; the history and outbox hold ids, kinds and keyed digests, never a value (the
SQLite file's history and outbox tables are searched byte by byte); the chain verifies
and rebuilds the case; a refused or failed command stores nothing. The fictional values
are the suite's canaries (R5), so conftest also checks logs, events and error messages.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import safeguarding_workflow as sw
from safeguarding_workflow.personal import (
    DataKey,
    Identifier,
    Keyring,
    Person,
    WrappedKey,
    entry_digest,
)
from safeguarding_workflow.stores import MemoryStore, SqlStore

from ..helpers import CANARIES, TENANT, Driver

NAME, NHS, ADDRESS, SCHOOL = CANARIES
#: The corrected address: fictional, and never to appear outside the sealed register either.
NEW_ADDRESS = "7 Makebelieve Row"
KEYRING = Keyring({"kek-1": bytes(range(32))}, "kek-1")
CASE = "case-1"


def _family() -> tuple[list[Person], list[Identifier]]:
    people = [Person("p-child", "child"), Person("p-mother", "parent")]
    entries = [
        Identifier("e-name", "p-child", "name", NAME),
        Identifier("e-nhs", "p-child", "nhs_number", NHS),
        Identifier("e-address", "p-child", "address", ADDRESS),
        Identifier("e-school", "p-child", "school", SCHOOL),
    ]
    return people, entries


def _driver(store: sw.CaseStore) -> Driver:
    d = Driver(store=store)
    d.workflow.key_provider = KEYRING
    d.open()
    return d


def _add(d: Driver) -> sw.Outcome:
    people, entries = _family()
    return d.workflow.add_identifiers(TENANT, CASE, entries, people=people, actor="user-1")


def _data_key(store: sw.CaseStore) -> DataKey:
    row = store.register_row(TENANT, CASE)
    assert row is not None
    return KEYRING.unwrap(WrappedKey(row.kek_id, row.wrapped_key))


def test_add_read_rectify_round_trip(store: sw.CaseStore) -> None:
    """The register reads back as added, and after rectification holds the new value only."""
    d = _driver(store)
    before = d.case()
    added = _add(d)
    assert added.record is not None
    assert "register_changed" == added.record.kind
    assert (before.state, before.deadlines) == (added.case.state, added.case.deadlines)
    register = d.workflow.register(TENANT, CASE)
    assert {NAME, NHS, ADDRESS, SCHOOL} <= set(register.values())
    assert ["p-child", "p-mother"] == [p.person_id for p in register.people]
    fixed = d.workflow.rectify(
        TENANT, CASE, "e-address", NEW_ADDRESS, actor="user-1", reason_ref="rect-1"
    )
    assert fixed.record is not None
    assert "register_corrected" == fixed.record.kind
    register = d.workflow.register(TENANT, CASE)
    assert NEW_ADDRESS == register.entry("e-address").value
    assert ADDRESS not in register.values()
    history = d.history()
    assert ["opened", "register_changed", "register_corrected"] == [r.kind for r in history]
    assert sw.verify(history).ok
    assert d.case() == sw.rebuild(history)


def test_records_hold_ids_kinds_and_digests_never_values(store: sw.CaseStore) -> None:
    """Each entry's id, person, kind and keyed digest under the case's data key; no value."""
    d = _driver(store)
    _add(d)
    d.workflow.rectify(TENANT, CASE, "e-address", NEW_ADDRESS, actor="user-1", reason_ref="rect-1")
    key = _data_key(store)
    added, corrected = (json.loads(r.body) for r in d.history()[1:])
    _, entries = _family()
    assert {
        "people": ["p-child", "p-mother"],
        "entries": [
            {
                "entry_id": e.entry_id,
                "person_id": e.person_id,
                "kind": str(e.kind),
                "digest": entry_digest(key, e),
            }
            for e in entries
        ],
    } == added["changes"]["register"]
    new = Identifier("e-address", "p-child", "address", NEW_ADDRESS)
    assert [
        {
            "entry_id": "e-address",
            "person_id": "p-child",
            "kind": "address",
            "digest": entry_digest(key, new),
        }
    ] == corrected["changes"]["register"]["corrected"]
    assert {"entry_id": "e-address", "reason_ref": "rect-1"} == corrected["payload"]
    text = b"".join(r.body for r in d.history()).decode() + "".join(e.to_json() for e in d.events)
    for value in (*CANARIES, NEW_ADDRESS, "Imaginary", "Quillfeather"):
        assert value not in text
    assert "digest" not in "".join(e.to_json() for e in d.events)  # events carry no digest


def test_history_and_outbox_tables_hold_no_value(tmp_path: Path) -> None:
    """Searched byte by byte in the SQLite file: no value in the history or outbox rows."""
    path = tmp_path / "cases.db"
    store = SqlStore.sqlite(str(path))
    try:
        d = _driver(store)
        _add(d)
        d.workflow.rectify(
            TENANT, CASE, "e-address", NEW_ADDRESS, actor="user-1", reason_ref="rect-1"
        )
    finally:
        store.engine.dispose()
    connection = sqlite3.connect(path)
    try:
        rows = b"".join(
            repr(row).encode()
            for table in ("sw_history", "sw_outbox", "sw_cases", "sw_deadlines")
            for row in connection.execute(f"SELECT * FROM {table}")
        )
        sealed = connection.execute("SELECT sealed FROM sw_register").fetchone()[0]
    finally:
        connection.close()
    assert b"register_corrected" in rows  # the search reads the rows it means to
    for value in (*CANARIES, NEW_ADDRESS):
        assert value.encode() not in rows
        assert value.encode() not in sealed  # the register is sealed, not plain
    # The old value may remain in pages SQLite freed; disposal (a later step) wipes them.


def test_without_a_key_provider_the_commands_name_the_fix(store: sw.CaseStore) -> None:
    """No key provider: ConfigurationError naming key_provider, and nothing is stored."""
    d = _driver(store)
    d.workflow.key_provider = None
    people, entries = _family()
    with pytest.raises(sw.ConfigurationError, match="key_provider=") as refused:
        d.workflow.add_identifiers(TENANT, CASE, entries, people=people, actor="user-1")
    assert "key_provider" == refused.value.field
    with pytest.raises(sw.ConfigurationError):
        d.workflow.register(TENANT, CASE)
    with pytest.raises(sw.ConfigurationError):
        d.workflow.rectify(TENANT, CASE, "e-1", NAME, actor="user-1", reason_ref="r-1")
    assert 1 == len(d.history())
    assert store.register_row(TENANT, CASE) is None


def test_refused_commands_store_nothing(store: sw.CaseStore) -> None:
    """A role that may not, an authoriser's no, a bad entry: no record, no register change."""
    d = _driver(store)
    _add(d)
    row, history = store.register_row(TENANT, CASE), d.history()
    _, entries = _family()
    with pytest.raises(sw.RoleNotPermitted):
        d.workflow.add_identifiers(
            TENANT,
            CASE,
            [Identifier("e-2", "p-child", "alias", "Zeb")],
            actor="user-1",
            role="panel",
        )
    with pytest.raises(sw.InvalidInputError) as taken:
        d.workflow.add_identifiers(TENANT, CASE, entries[:1], actor="user-1")  # id taken
    assert NAME not in str(taken.value)
    with pytest.raises(sw.InvalidInputError):
        d.workflow.rectify(TENANT, CASE, "e-nhs", "1234567890", actor="user-1", reason_ref="r-1")
    with pytest.raises(sw.InvalidInputError):
        d.workflow.rectify(TENANT, CASE, "e-none", NAME, actor="user-1", reason_ref="r-1")
    with pytest.raises(sw.InvalidInputError):
        d.workflow.add_identifiers(TENANT, CASE, (), actor="user-1")
    asked: list[str] = []

    def deny(actor: str, roles: frozenset[str], case: sw.Case, step: str) -> bool:
        asked.append(step)
        return False

    d.workflow.authoriser = deny
    with pytest.raises(sw.NotAuthorised):
        d.workflow.add_identifiers(
            TENANT, CASE, [Identifier("e-2", "p-child", "alias", "Zeb")], actor="user-1"
        )
    with pytest.raises(sw.NotAuthorised):
        d.workflow.rectify(TENANT, CASE, "e-name", "Zeb Q", actor="user-1", reason_ref="r-1")
    assert ["register", "rectify"] == asked
    assert (row, history) == (store.register_row(TENANT, CASE), d.history())


def test_a_stale_register_command_stores_nothing(store: sw.CaseStore) -> None:
    """A register change at a version the case has left conflicts; the register is as it was."""
    d = _driver(store)
    _add(d)
    row = store.register_row(TENANT, CASE)
    with pytest.raises(sw.ConcurrencyConflict):
        d.workflow.rectify(
            TENANT, CASE, "e-name", "Zeb Q", actor="user-1", reason_ref="r-1", expected_version=1
        )
    assert row == store.register_row(TENANT, CASE)
    assert 2 == len(d.history())


def test_the_first_change_makes_one_data_key_kept_after(store: sw.CaseStore) -> None:
    """The data key is made at the first change, wrapped by the provider, and kept."""
    d = _driver(store)
    _add(d)
    first = store.register_row(TENANT, CASE)
    d.workflow.rectify(TENANT, CASE, "e-name", "Zeb Q", actor="user-1", reason_ref="r-1")
    second = store.register_row(TENANT, CASE)
    assert first is not None
    assert second is not None
    assert ("kek-1", first.wrapped_key) == (second.kek_id, second.wrapped_key)
    assert first.sealed != second.sealed
    d.fire("notify_panel")  # ordinary commands go on as before
    assert second == store.register_row(TENANT, CASE)
    assert d.case() == sw.rebuild(d.history())


def test_a_case_without_register_reads_empty_and_a_missing_case_is_not_found() -> None:
    d = _driver(MemoryStore())
    assert () == d.workflow.register(TENANT, CASE).entries
    with pytest.raises(sw.CaseNotFoundError):
        d.workflow.register(TENANT, "case-none")


def test_the_cli_verifier_accepts_register_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The inspector's verifier rebuilds a case with register records into its stored row."""
    from safeguarding_workflow.__main__ import run

    path = tmp_path / "cases.db"
    store = SqlStore.sqlite(str(path))
    try:
        d = _driver(store)
        _add(d)
        d.workflow.rectify(TENANT, CASE, "e-name", "Zeb Q", actor="user-1", reason_ref="r-1")
        d.fire("notify_panel")
    finally:
        store.engine.dispose()
    assert 0 == run(["verify", "--database", f"sqlite:///{path}"])
    out = capsys.readouterr().out
    assert f"{TENANT}/{CASE}: 4 records" in out
    assert "1 verified, 0 broken" in out


def test_masking_binds_the_case_in_hand_only_within_the_block() -> None:
    """Workflow.masking: the case's values masked in the block, nowhere after or elsewhere."""
    from safeguarding_workflow.personal import mask

    d = _driver(MemoryStore())
    _add(d)
    with d.workflow.masking(TENANT, CASE) as register:
        assert NAME in register.values()
        assert NAME not in mask(f"a letter to {NAME} at {ADDRESS}")
        assert ADDRESS not in mask(f"a letter to {NAME} at {ADDRESS}")
    assert NAME in mask(f"a letter to {NAME}")  # unbound once the block ends
