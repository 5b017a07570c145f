"""
A stored case cannot be steered around its history (issue 9, item 1).

Each history record commits to the case it produces (``state_digest``: SHA-256 of the
case's canonical state, which is the SQL store's snapshot text). A snapshot edited
behind the library's back no longer matches its head record, so reading it is refused
with `HistoryIntegrityError` naming the case and the record, whatever the edit: the
state, a deadline, the facts, or the row pointed back at an older record.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pendulum
import pytest
import sqlalchemy as sa

import safeguarding_workflow as sw
from safeguarding_workflow.__main__ import commits_to, run
from safeguarding_workflow._codec import case_to_json
from safeguarding_workflow._records import state_json, state_json_of
from safeguarding_workflow.history import rebuild
from safeguarding_workflow.stores._sql._rows import history_row
from safeguarding_workflow.stores._sql._store import SqlStore

from ..helpers import BARNSLEY, ROLES, ROUTES, TENANT, Driver, death_in_barnsley

_counter = itertools.count()
FIXTURE = Path(__file__).parent.parent / "fixtures" / "history-v1.json"


@pytest.fixture(name="sql", params=["sqlite", "postgresql"])
def _sql(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    prefix = f"si{next(_counter)}_"
    if request.param == "sqlite":
        store = SqlStore.sqlite(str(tmp_path / "s.db"), prefix=prefix)
    else:
        store = SqlStore.postgresql(request.getfixturevalue("pg_url"), prefix=prefix)
    yield store
    store.engine.dispose()


def fresh(store: SqlStore) -> SqlStore:
    """Another store on the same tables: nothing kept from earlier reads or writes."""
    return SqlStore(store.engine, prefix=store.prefix, schema=store.schema)


def edit_snapshot(store: SqlStore, case_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Change a case row's snapshot as a careless host or an attacker would: JSON in, JSON out."""
    cases = store.tables["cases"]
    key = (cases.c.tenant_id == TENANT) & (cases.c.case_id == case_id)
    with store.engine.begin() as connection:
        text = connection.execute(sa.select(cases.c.snapshot).where(key)).scalar_one()
        data = json.loads(text)
        change(data)
        values: dict[str, Any] = {"snapshot": json.dumps(data, separators=(",", ":"))}
        if "state" in data:
            values["state"] = data["state"]
        connection.execute(cases.update().where(key).values(**values))


def set_state(state: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["state"] = state

    return change


def meet_deadlines(data: dict[str, Any]) -> None:
    for deadline in data["deadlines"]:
        deadline["status"] = "met"
        deadline["met_on"] = "2024-01-06"


def older_age(data: dict[str, Any]) -> None:
    data["facts"]["children"][0]["age"] += 1


def refusal(read: Callable[[], object]) -> tuple[str, str | None, str | None, int]:
    """What a refused read says: its problem, the tenant, the case, the record's position."""
    with pytest.raises(sw.HistoryIntegrityError) as caught:
        read()
    error = caught.value
    return error.problem, error.tenant_id, error.case_id, error.position


class TestSnapshotRefusedOnRead:
    """The SQL store refuses a snapshot that its head record did not produce."""

    def test_state_set_to_national_review_cannot_be_closed_by_the_panel(
        self, sql: SqlStore
    ) -> None:
        """The attack: a case in rapid review edited to national review, then closed."""
        d = Driver(store=sql)
        d.walk_to("rapid_review")
        edit_snapshot(sql, "case-1", set_state("national_review"))
        expected = ("snapshot_mismatch", TENANT, "case-1", 3)
        assert expected == refusal(lambda: fresh(sql).get(TENANT, "case-1"))
        # The store that wrote the case keeps it, but the row's text changed: checked again.
        assert expected == refusal(lambda: sql.get(TENANT, "case-1"))
        assert expected == refusal(lambda: d.fire("close_national_review"))
        assert 3 == len(sql.history(TENANT, "case-1"))

    @pytest.mark.parametrize("change", [meet_deadlines, older_age], ids=["deadlines", "facts"])
    def test_deadlines_or_facts_edited_are_refused(
        self, sql: SqlStore, change: Callable[[dict[str, Any]], None]
    ) -> None:
        """A deadline marked met, or a child's age changed, in the snapshot: refused."""
        d = Driver(store=sql)
        d.walk_to("rapid_review")
        edit_snapshot(sql, "case-1", change)
        expected = ("snapshot_mismatch", TENANT, "case-1", 3)
        assert expected == refusal(lambda: fresh(sql).get(TENANT, "case-1"))
        assert expected == refusal(lambda: d.fire("submit_rapid_review"))

    def test_row_pointed_back_at_an_older_record_is_refused(self, sql: SqlStore) -> None:
        """The row rolled back to record 2 with record 2's own snapshot: not the chain's head."""
        d = Driver(store=sql)
        d.walk_to("notified")
        cases = sql.tables["cases"]
        with sql.engine.connect() as connection:
            older = connection.execute(sa.select(cases)).one()._asdict()
        d.fire("start_rapid_review")
        with sql.engine.begin() as connection:
            connection.execute(cases.update().values(**older))
        expected = ("snapshot_mismatch", TENANT, "case-1", 3)
        assert expected == refusal(lambda: fresh(sql).get(TENANT, "case-1"))

    def test_a_writer_that_moved_on_meanwhile_is_not_an_attack(self, sql: SqlStore) -> None:
        """A row read just before another writer appended is read again, not refused."""
        d = Driver(store=sql)
        d.walk_to("notified")
        statements = sql._shared.statements
        keys = {"k_tenant": TENANT, "k_case": "case-1"}
        with sql.engine.connect() as connection:
            stale = connection.execute(statements["get"], keys).first()
        after = d.fire("start_rapid_review").case
        reader = fresh(sql)
        with sql.engine.connect() as connection:
            case = reader._shared.recent.case(
                TENANT,
                "case-1",
                stale,
                lambda number: connection.execute(
                    statements["head_record"], {**keys, "k_sequence": number}
                ).first(),
                lambda: connection.execute(statements["get"], keys).first(),
            )
        assert after == case

    def test_the_same_text_reads_as_before(self, sql: SqlStore) -> None:
        """A snapshot edited and put back as it was reads again, and commands go on."""
        d = Driver(store=sql)
        case = d.walk_to("rapid_review")
        cases = sql.tables["cases"]
        with sql.engine.connect() as connection:
            text = connection.execute(sa.select(cases.c.snapshot)).scalar_one()
        edit_snapshot(sql, "case-1", set_state("national_review"))
        with pytest.raises(sw.HistoryIntegrityError):
            sql.get(TENANT, "case-1")
        with sql.engine.begin() as connection:
            connection.execute(cases.update().values(snapshot=text, state=case.state))
        assert case == sql.get(TENANT, "case-1") == fresh(sql).get(TENANT, "case-1")
        assert "rapid_review_submitted" == d.fire("submit_rapid_review").case.state

    def test_snapshot_is_the_digested_state(self, sql: SqlStore) -> None:
        """The snapshot column holds the very bytes the head record's ``state_digest`` hashes."""
        d = Driver(store=sql)
        d.walk_to("rapid_review")
        cases = sql.tables["cases"]
        with sql.engine.connect() as connection:
            text = connection.execute(sa.select(cases.c.snapshot)).scalar_one()
        head = sql.history(TENANT, "case-1")[-1].data
        assert hashlib.sha256(text.encode("utf-8")).hexdigest() == head["state_digest"]


class TestRecordsCommitToTheirState:
    """Every record carries the digest of the case it produced; rebuild checks it."""

    def test_every_record_commits_to_the_case_it_produced(self) -> None:
        """Record n's ``state_digest`` is SHA-256 of the canonical state of the case after it."""
        d = Driver()
        d.open()
        cases = [d.case()]
        for event in ("notify_panel", "start_rapid_review", "submit_rapid_review"):
            cases.append(d.fire(event).case)
        history = d.history()
        expected = [hashlib.sha256(state_json(case)).hexdigest() for case in cases]
        assert expected == [record.data["state_digest"] for record in history]
        assert [2] * len(history) == [record.data["schema"] for record in history]

    def test_state_json_is_the_canonical_case_without_version_and_head(self) -> None:
        """The digested bytes: ``case_to_json`` less ``version`` and ``head``, RFC 8785."""
        case = Driver().walk_to("rapid_review")
        data = case_to_json(case)
        del data["version"], data["head"]
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert canonical.encode("utf-8") == state_json(case)

    @pytest.mark.parametrize("state", sorted(ROUTES))
    def test_state_json_is_state_json_of_in_every_state(self, state: str) -> None:
        """The fast form (parts written once) is the plain definition, byte for byte."""
        d = Driver()
        d.walk_to(state)
        steps = [r for r in d.history() if r.kind == "step"]
        if steps:  # a correction moves the last step's time a minute later
            d.workflow.correct(
                TENANT,
                "case-1",
                corrects=steps[-1].sequence,
                occurred_at=d.when.add(minutes=1),
                actor="user-1",
                role=ROLES[steps[-1].event],
                reason_ref="correction-1",
            )
        d.workflow.recompute_deadlines(TENANT, "case-1", actor="scheduler")
        history = d.history()
        cases = [rebuild(history[:i]) for i in range(1, len(history) + 1)]
        for case in [*cases, d.case()]:
            assert state_json_of(case) == state_json(case)
        assert [hashlib.sha256(state_json(c)).hexdigest() for c in cases] == [
            r.data["state_digest"] for r in history
        ]

    def test_new_facts_are_committed_too(self) -> None:
        """A facts update's record commits to the case with the new facts and deadlines."""
        d = Driver()
        no_abuse = death_in_barnsley(
            abuse_or_neglect="not_suspected",
            children=[sw.Child(age=15, harm="death", looked_after_by=BARNSLEY)],
        )
        d.open(no_abuse)
        d.clock.set(pendulum.datetime(2024, 1, 16, 12, tz="UTC"))
        suspected = death_in_barnsley(
            children=no_abuse.children, abuse_or_neglect_since=pendulum.date(2024, 1, 15)
        )
        case = d.workflow.update_facts(TENANT, "case-1", suspected, actor="user-1").case
        record = d.history()[-1]
        assert ("facts_updated", hashlib.sha256(state_json_of(case)).hexdigest()) == (
            record.kind,
            record.data["state_digest"],
        )
        assert case == rebuild(d.history())

    def test_records_that_do_not_produce_their_state_are_told_apart(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A chain re-hashed after its last record's changes were doctored: the digest tells."""
        history = walked_history("rapid_review")
        doctored = list(history[:-1])
        data = history[-1].data
        data["changes"]["state"] = "national_review"
        doctored.append(sw.HistoryRecord.seal(data, history[-2].hash))
        assert sw.verify(doctored).ok  # the hashes are right: only the state tells
        assert (True, False) == (
            commits_to(rebuild(history), history[-1]),
            commits_to(rebuild(doctored), doctored[-1]),
        )
        export = tmp_path / "doctored.json"
        export.write_text(sw.history_to_json(doctored))
        assert 1 == run(["verify", "--export", str(export)])
        expected = (
            f"BROKEN  {TENANT}/case-1: record 3: the history does not rebuild to the case "
            "its last record commits to"
        )
        assert expected in capsys.readouterr().out.splitlines()

    def test_version_1_records_still_verify_and_rebuild(self) -> None:
        """Histories written before the digest (record schema 1) verify and rebuild as before."""
        records = sw.history_from_json(FIXTURE.read_text())
        case_1 = [r for r in records if r.case_id == "case-1"]
        assert {1} == {r.data["schema"] for r in records}
        assert all("state_digest" not in r.data for r in records)
        case = rebuild(case_1)
        assert ("closed", 13, case_1[-1].hash) == (case.state, case.version, case.head)


def walked_history(state: str) -> tuple[sw.HistoryRecord, ...]:
    """The history of a fresh case walked to *state*."""
    d = Driver()
    d.walk_to(state)
    return d.history()


class TestVersion1Database:
    """A database written before the digest reads as before, and its next record has one."""

    @staticmethod
    def _insert_case_2(sql: SqlStore) -> sw.Case:
        """Fixture case 2 as an earlier release stored it: v1 records, an old snapshot."""
        records = [r for r in sw.history_from_json(FIXTURE.read_text()) if r.case_id == "case-2"]
        case = rebuild(records)
        old_snapshot = orjson.dumps(case_to_json(case)).decode()
        tables = sql.tables
        with sql.engine.begin() as connection:
            connection.execute(
                tables["cases"]
                .insert()
                .values(
                    tenant_id=TENANT,
                    case_id="case-2",
                    version=case.version,
                    head=case.head,
                    state=case.state,
                    lifecycle=case.lifecycle,
                    snapshot=old_snapshot,
                )
            )
            for r in records:
                connection.execute(
                    tables["history"].insert().values({**history_row(r), "schema_version": 1})
                )
        return case

    def test_v1_rows_read_and_go_on(self, sql: SqlStore) -> None:
        """v1 records and an old snapshot (version, head inside) read; the next record digests."""
        case = self._insert_case_2(sql)
        assert case == fresh(sql).get(TENANT, "case-2")
        d = Driver(store=sql)
        d.when = case.last_step_at
        # Written under lifecycle version 1: migrated first, then it goes on under version 2.
        with pytest.raises(sw.ConfigurationError):
            d.fire("submit_rapid_review", case_id="case-2")
        d.workflow.migrate(sw.england.MIGRATION_1_TO_2, TENANT, actor="admin-1")
        after = d.fire("submit_rapid_review", case_id="case-2", days=0).case
        assert after == fresh(sql).get(TENANT, "case-2")
        history = sql.history(TENANT, "case-2")
        assert [1, 1, 1, 2, 2] == [r.data["schema"] for r in history]
        assert ["migrated", "step"] == [r.kind for r in history[-2:]]
        assert after == rebuild(history)

    def test_deadlines_recorded_without_fingerprints_are_stamped_on_the_record(
        self, sql: SqlStore
    ) -> None:
        """An earlier release's due dates stand; the first recomputation stamps them, recorded."""
        case = self._insert_case_2(sql)
        assert all(x.fingerprint is None for x in case.deadlines)
        d = Driver(store=sql)
        assert case == d.workflow.case(TENANT, "case-2")  # read as written: nothing stamped
        stamp = d.workflow.deadline_fingerprint(TENANT, "case-2")
        assert "/england@1/" in stamp  # the case's own lifecycle version computes it
        outcome = d.workflow.recompute_deadlines(TENANT, "case-2", actor="scheduler")
        assert outcome.record is not None
        assert [x.due for x in case.deadlines] == [x.due for x in outcome.case.deadlines]
        for deadline in outcome.case.deadlines:
            assert (None if deadline.due is None else stamp) == deadline.fingerprint
        history = sql.history(TENANT, "case-2")
        assert sw.verify(history).ok
        assert outcome.case == rebuild(history) == fresh(sql).get(TENANT, "case-2")
        assert d.workflow.recompute_deadlines(TENANT, "case-2", actor="scheduler").record is None
