"""
Retention, legal holds and disposal of a case's register, on every store.

A closed case's register is disposed of on the first day its tenant's retention period
allows, not the day before; a legal hold suspends it; disposal deletes the row (the only
stored copy of the wrapped data key), appends a record holding ids and kinds only, and
leaves the chain verifying. Nothing identifying is left in the SQLite file, its WAL or
journal (searched byte by byte), nor in PostgreSQL's tables or the register table's
files. All the people and values are fictional (the suite's R5 canaries).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pendulum
import pytest
import sqlalchemy as sa

import safeguarding_workflow as sw
from safeguarding_workflow.exceptions import DisposalRefused
from safeguarding_workflow.personal import (
    Identifier,
    Keyring,
    Person,
    RetentionRule,
    WrappedKey,
)
from safeguarding_workflow.stores import SqlStore, sqlite_engine

from ..helpers import CANARIES, TENANT, Driver

NAME, NHS, ADDRESS, SCHOOL = CANARIES
KEYRING = Keyring({"kek-1": bytes(range(32))}, "kek-1")
CASE = "case-1"
RULE = RetentionRule("RRS 4.2", years=1, months=6)


def _driver(store: sw.CaseStore | None = None, rule: RetentionRule | None = RULE) -> Driver:
    d = Driver(settings=sw.TenantSettings(TENANT, retention=rule), store=store)
    d.workflow.key_provider = KEYRING
    return d


def _closed(d: Driver) -> pendulum.Date:
    """Walk the case to closed with a family registered; the closing date (London)."""
    d.walk_to("closed")
    d.workflow.add_identifiers(
        TENANT,
        CASE,
        [
            Identifier("e-name", "p-child", "name", NAME),
            Identifier("e-nhs", "p-child", "nhs_number", NHS),
            Identifier("e-address", "p-mother", "address", ADDRESS),
            Identifier("e-school", "p-child", "school", SCHOOL),
        ],
        people=[Person("p-child", "child"), Person("p-mother", "parent")],
        actor="user-1",
    )
    closed = d.workflow.retention(TENANT, CASE).closed_on
    assert closed is not None
    return closed


def _on(d: Driver, day: pendulum.Date) -> None:
    d.clock.set(pendulum.datetime(day.year, day.month, day.day, 9, tz="Europe/London"))


# -- the rule -------------------------------------------------------------------------------


def test_the_rule_counts_months_by_the_corresponding_date() -> None:
    """29 February plus a year is 28 February; plus 18 months from 31 August is 29 February."""
    assert pendulum.date(2025, 2, 28) == RetentionRule("R 1", years=1).ends_on(
        pendulum.date(2024, 2, 29)
    )
    assert pendulum.date(2024, 2, 29) == RULE.ends_on(pendulum.date(2022, 8, 31))
    assert {"reference": "RRS 4.2", "years": 1, "months": 6} == RULE.to_dict()


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((("Alex Smith",), {"years": 1}), "RetentionRule.reference"),
        ((("R 1",), {}), "RetentionRule.years"),
        ((("R 1",), {"years": -1}), "RetentionRule.years"),
        ((("R 1",), {"months": 1.5}), "RetentionRule.months"),
        ((("R 1",), {"years": 101}), "RetentionRule.years"),
    ],
)
def test_a_malformed_rule_is_a_configuration_error(args: tuple, field: str) -> None:
    positional, named = args
    with pytest.raises(sw.ConfigurationError) as refused:
        RetentionRule(*positional, **named)
    assert field == refused.value.field
    assert "Alex" not in str(refused.value)


def test_settings_take_a_rule_or_none() -> None:
    with pytest.raises(sw.ConfigurationError) as refused:
        sw.TenantSettings(TENANT, retention="25 years")  # type: ignore[arg-type]
    assert "retention" == refused.value.field
    assert sw.TenantSettings(TENANT).retention is None


# -- when disposal is allowed ------------------------------------------------------------------


def test_disposal_waits_for_closure_and_the_end_of_the_period(store: sw.CaseStore) -> None:
    """Open: case_open. Closed: refused the day before the period ends, done on the day."""
    d = _driver(store)
    d.open()
    with pytest.raises(DisposalRefused) as refused:
        d.workflow.dispose(TENANT, CASE, actor="user-1")
    assert ["case_open"] == [r.code for r in refused.value.reasons]
    assert ["opened"] == [r.kind for r in d.history()]
    closed = _closed_on_fresh(d)
    ends = RULE.ends_on(closed)
    status = d.workflow.retention(TENANT, CASE, as_of=ends.subtract(days=1))
    assert (closed, ends, False) == (status.closed_on, status.ends_on, status.disposable)
    assert d.workflow.retention(TENANT, CASE, as_of=ends).disposable
    _on(d, ends.subtract(days=1))
    history, row = d.history(), store.register_row(TENANT, CASE)
    with pytest.raises(DisposalRefused) as refused:
        d.workflow.dispose(TENANT, CASE, actor="user-1")
    assert ["retention_running"] == [r.code for r in refused.value.reasons]
    assert ends.isoformat() in str(refused.value)
    assert (history, row) == (d.history(), store.register_row(TENANT, CASE))
    _on(d, ends)
    outcome = d.workflow.dispose(TENANT, CASE, actor="user-1")
    assert outcome.record is not None
    assert "register_disposed" == outcome.record.kind
    assert store.register_row(TENANT, CASE) is None


def _closed_on_fresh(d: Driver) -> pendulum.Date:
    """Close the already opened case of *d* along the usual route, then register a family."""
    from ..helpers import ROUTES, days_before

    for event in ROUTES["closed"]:
        d.fire(event, days=days_before(event))
    d.workflow.add_identifiers(
        TENANT,
        CASE,
        [Identifier("e-name", "p-child", "name", NAME)],
        people=[Person("p-child", "child")],
        actor="user-1",
    )
    closed = d.workflow.retention(TENANT, CASE).closed_on
    assert closed is not None
    return closed


def test_without_a_rule_nothing_is_disposed_of() -> None:
    """No retention rule: a ConfigurationError naming the setting; the library has no default."""
    d = _driver(rule=None)
    _closed(d)
    d.clock.set(pendulum.datetime(2199, 1, 1, tz="UTC"))
    with pytest.raises(sw.ConfigurationError) as refused:
        d.workflow.dispose(TENANT, CASE, actor="user-1")
    assert "retention" == refused.value.field
    assert d.workflow.retention(TENANT, CASE).ends_on is None


def test_a_legal_hold_suspends_disposal_until_lifted(store: sw.CaseStore) -> None:
    """Two holds: disposal refused while either is in force, done once both are lifted."""
    d = _driver(store)
    closed = _closed(d)
    d.workflow.place_legal_hold(TENANT, CASE, hold_ref="HOLD 2025/1", actor="user-1")
    d.workflow.place_legal_hold(TENANT, CASE, hold_ref="HOLD 2025/2", actor="user-1")
    with pytest.raises(sw.InvalidInputError) as twice:
        d.workflow.place_legal_hold(TENANT, CASE, hold_ref="HOLD 2025/1", actor="user-1")
    assert "hold_ref" == twice.value.field
    _on(d, RULE.ends_on(closed).add(years=3))
    assert ("HOLD 2025/1", "HOLD 2025/2") == d.workflow.retention(TENANT, CASE).holds
    with pytest.raises(DisposalRefused) as refused:
        d.workflow.dispose(TENANT, CASE, actor="user-1")
    assert ["legal_hold"] == [r.code for r in refused.value.reasons]
    d.workflow.lift_legal_hold(TENANT, CASE, hold_ref="HOLD 2025/1", actor="user-1")
    with pytest.raises(DisposalRefused):
        d.workflow.dispose(TENANT, CASE, actor="user-1")
    with pytest.raises(sw.InvalidInputError):
        d.workflow.lift_legal_hold(TENANT, CASE, hold_ref="HOLD 2025/1", actor="user-1")
    d.workflow.lift_legal_hold(TENANT, CASE, hold_ref="HOLD 2025/2", actor="user-1")
    assert d.workflow.retention(TENANT, CASE).disposable
    d.workflow.dispose(TENANT, CASE, actor="user-1")
    kinds = [r.kind for r in d.history()]
    assert 2 == kinds.count("legal_hold_placed") == kinds.count("legal_hold_lifted")
    assert sw.verify(d.history()).ok


def test_a_hold_reference_that_could_be_a_name_is_refused() -> None:
    d = _driver()
    _closed(d)
    with pytest.raises(sw.InvalidInputError) as refused:
        d.workflow.place_legal_hold(TENANT, CASE, hold_ref=NAME, actor="user-1")
    assert "hold_ref" == refused.value.field
    assert NAME not in str(refused.value)


def test_an_authoriser_refusal_stores_nothing() -> None:
    d = _driver()
    closed = _closed(d)
    _on(d, RULE.ends_on(closed))
    asked: list[str] = []

    def authoriser(actor: str, roles: frozenset[str], case: sw.Case, step: str) -> bool:
        asked.append(step)
        return False

    d.workflow.authoriser = authoriser
    history = d.history()
    with pytest.raises(sw.NotAuthorised):
        d.workflow.dispose(TENANT, CASE, actor="user-1")
    with pytest.raises(sw.NotAuthorised):
        d.workflow.place_legal_hold(TENANT, CASE, hold_ref="HOLD 1", actor="user-1")
    assert ["dispose", "legal_hold"] == asked
    assert history == d.history()
    assert d.workflow.store.register_row(TENANT, CASE) is not None


# -- what disposal leaves ----------------------------------------------------------------------


def test_disposal_record_names_ids_kinds_and_rule_and_the_chain_verifies(
    store: sw.CaseStore,
) -> None:
    d = _driver(store)
    closed = _closed(d)
    _on(d, RULE.ends_on(closed).add(days=3))
    d.workflow.dispose(TENANT, CASE, actor="user-9")
    history = d.history()
    record = history[-1]
    body = json.loads(record.body)
    assert "register_disposed" == record.kind
    assert "user-9" == body["actor"]
    assert {
        "retention_ref": "RRS 4.2",
        "closed_on": closed.isoformat(),
        "retention_ended_on": RULE.ends_on(closed).isoformat(),
    } == body["payload"]
    disposed = body["changes"]["register"]["disposed"]
    assert ["p-child", "p-mother"] == disposed["people"]
    assert {"entry_id": "e-nhs", "person_id": "p-child", "kind": "nhs_number"} in disposed[
        "entries"
    ]
    for value in CANARIES:
        assert value.encode() not in record.body
    case = d.case()
    assert RULE.ends_on(closed).add(days=3) == case.milestone("register_disposed")
    assert sw.verify(history).ok
    assert case == sw.rebuild(history)
    # Nothing goes back in, and a second disposal is refused.
    assert () == d.workflow.register(TENANT, CASE).entries
    with pytest.raises(sw.StepNotAvailable):
        d.workflow.add_identifiers(
            TENANT,
            CASE,
            [Identifier("e-9", "p-9", "name", NAME)],
            people=[Person("p-9", "child")],
            actor="user-1",
        )
    with pytest.raises(sw.StepNotAvailable):
        d.workflow.rectify(TENANT, CASE, "e-name", NAME, actor="user-1", reason_ref="r-1")
    with pytest.raises(DisposalRefused) as again:
        d.workflow.dispose(TENANT, CASE, actor="user-1")
    assert ["already_disposed"] == [r.code for r in again.value.reasons]
    assert history == d.history()


def test_a_case_without_a_register_is_disposed_of_all_the_same() -> None:
    """The record then lists no one; no key provider is needed to dispose of nothing."""
    d = _driver()
    d.workflow.key_provider = None
    d.walk_to("closed")
    closed = d.workflow.retention(TENANT, CASE).closed_on
    assert closed is not None
    _on(d, RULE.ends_on(closed))
    outcome = d.workflow.dispose(TENANT, CASE, actor="user-1")
    assert outcome.record is not None
    body = json.loads(outcome.record.body)
    assert {"people": [], "entries": []} == body["changes"]["register"]["disposed"]


def _secrets(store: sw.CaseStore) -> list[bytes]:
    """What must not survive disposal: the wrapped key, the sealed bytes, the key, values."""
    row = store.register_row(TENANT, CASE)
    assert row is not None
    key = KEYRING.unwrap(WrappedKey(row.kek_id, row.wrapped_key))
    return [
        row.wrapped_key,
        row.sealed[13:45],  # ciphertext, after the version byte and the nonce
        row.sealed[-16:],  # the tag
        key.material,
        *(v.encode() for v in CANARIES),
    ]


def _sqlite_files(path: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in (path, *(path.with_name(path.name + s) for s in ("-wal", "-journal", "-shm")))
        if p.exists()
    }


def _sqlite_store(path: Path, build_default: bool) -> SqlStore:
    """
    A SQLite store, its connections' ``secure_delete`` as built, or off at the start.

    With *build_default* False they start as in SQLite builds without
    SQLITE_SECURE_DELETE (Debian's has it on).
    """
    engine = sqlite_engine(str(path))
    if not build_default:

        @sa.event.listens_for(engine, "connect")
        def _off(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA secure_delete=OFF")

    store = SqlStore(engine)
    store.create_schema()
    return store


@pytest.mark.parametrize("build_default", [True, False], ids=["build-default", "secure-off"])
def test_sqlite_keeps_no_byte_of_a_disposed_register(tmp_path: Path, build_default: bool) -> None:
    """The database file, its WAL and journal searched byte by byte, before and after."""
    path = tmp_path / "cases.db"
    store = _sqlite_store(path, build_default)
    try:
        d = _driver(store)
        closed = _closed(d)
        # Rewrite the register a few times, so freed pages once held its older copies.
        for n in range(3):
            d.workflow.rectify(
                TENANT, CASE, "e-address", f"{n} Imaginary Lane", actor="user-1", reason_ref="r-1"
            )
        secrets = _secrets(store)[:4]
        files = b"".join(_sqlite_files(path).values())
        # The search can fail: before disposal the stored bytes are there to be found.
        assert secrets[0] in files
        assert secrets[1] in files
        _on(d, RULE.ends_on(closed))
        d.workflow.dispose(TENANT, CASE, actor="user-1")
        files_after = _sqlite_files(path)
        assert 0 == len(files_after.get("cases.db-wal", b""))
        for name, content in files_after.items():
            for secret in secrets:
                assert secret not in content, f"{name} still holds disposed bytes"
        assert sw.verify(d.history()).ok
    finally:
        store.engine.dispose()
    connection = sqlite3.connect(path)
    try:
        assert [] == connection.execute("SELECT * FROM sw_register").fetchall()
        assert "ok" == connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def test_a_sqlite_disposal_in_the_hosts_transaction_is_scrubbed_after(tmp_path: Path) -> None:
    """bound(): the row goes with the host's commit; scrub() then truncates the WAL."""
    path = tmp_path / "cases.db"
    store = SqlStore.sqlite(str(path))
    try:
        d = _driver(store)
        closed = _closed(d)
        secrets = _secrets(store)[:2]
        _on(d, RULE.ends_on(closed))
        with store.engine.connect() as connection:
            view = store.bound(connection)
            hosted = sw.Workflow(
                sw.england.PACK,
                clock=d.clock,
                settings=[d.workflow.settings(TENANT)],
                store=view,
                key_provider=KEYRING,
            )
            with connection.begin():
                hosted.dispose(TENANT, CASE, actor="user-1")
        assert store.scrub()
        for name, content in _sqlite_files(path).items():
            for secret in secrets:
                assert secret not in content, f"{name} still holds disposed bytes"
    finally:
        store.engine.dispose()


def test_postgresql_keeps_no_row_and_no_file_bytes_after_scrub(pg_url: str) -> None:
    """Every table searched through SQL; the register table's files read from the data directory."""
    store = SqlStore.postgresql(pg_url, prefix=f"r{uuid.uuid4().hex[:12]}_")
    try:
        d = _driver(store)
        closed = _closed(d)
        secrets = _secrets(store)[:2]
        table = store.tables["register"]
        _on(d, RULE.ends_on(closed))
        d.workflow.dispose(TENANT, CASE, actor="user-1")
        assert store.scrub()
        with store.engine.connect() as connection:
            connection.exec_driver_sql("CHECKPOINT")
            text = "".join(
                str(row)
                for t in store.tables.values()
                for row in connection.execute(sa.select(sa.text(f"t::text FROM {t.name} t")))
            )
            hexes = [s.hex() for s in secrets]
            assert "register_disposed" in text  # the search reads the rows it means to
            for value in (*hexes, *CANARIES):
                assert value not in text
            data = Path(connection.exec_driver_sql("SHOW data_directory").scalar_one())
            files = [
                connection.exec_driver_sql("SELECT pg_relation_filepath(%s)", (name,)).scalar_one()
                for name in (table.name, _toast(connection, table.name))
                if name
            ]
        for relative in files:
            content = (data / relative).read_bytes() if (data / relative).exists() else b""
            for secret in secrets:
                assert secret not in content
    finally:
        store.engine.dispose()


def _toast(connection: sa.Connection, name: str) -> str | None:
    toast = connection.exec_driver_sql(
        "SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = %s::regclass", (name,)
    ).scalar_one()
    return None if toast in (None, "-") else str(toast)
