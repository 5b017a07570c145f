"""
The verifier checks every stored row against the history, and no case hides (issue 9, items 1-2).

Beyond the chains and each case row's head, the verifier rebuilds every case from its
history and compares it with the stored snapshot (and its head record's
``state_digest``), the case row's columns and the deadline rows; it reports history
records whose case row is gone, and deadline or outbox rows that have no history, and
outbox events that are not the events their records announce.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pendulum
import pytest
import sqlalchemy as sa

import safeguarding_workflow as sw
from safeguarding_workflow.__main__ import Finding, check_database, run
from safeguarding_workflow._codec import case_to_json
from safeguarding_workflow._events import CloudEvent, to_cloud_event
from safeguarding_workflow.stores import OutboxRelay, SqlStore
from safeguarding_workflow.stores._sql._rows import history_row
from safeguarding_workflow.testing import FrozenClock

from .helpers import TENANT, Driver

FIXTURE = Path(__file__).parent / "fixtures" / "history-v1.json"


@pytest.fixture(name="db")
def _db(tmp_path: Path) -> Iterator[tuple[SqlStore, str]]:
    """Two cases: case-1 in rapid review (3 records), case-2 notified (2 records)."""
    path = tmp_path / "cases.db"
    store = SqlStore.sqlite(str(path))
    d = Driver(store=store)
    d.walk_to("rapid_review", case_id="case-1")
    d.walk_to("notified", case_id="case-2")
    yield store, f"sqlite:///{path}"
    store.engine.dispose()


def verify(url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """The verifier's exit status and its report's lines."""
    status = run(["verify", "--database", url])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return status, captured.out.splitlines()


def execute(store: SqlStore, statement: Any) -> None:
    with store.engine.begin() as connection:
        connection.execute(statement)


def findings(url: str) -> list[Finding]:
    return list(check_database(url, "sw_", None, None, {}).findings)


def test_a_sound_database_verifies(
    db: tuple[SqlStore, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Snapshots, deadline and outbox rows all match the histories: exit 0."""
    _, url = db
    assert [] == findings(url)
    assert (0, "2 verified, 0 broken") == (lambda r: (r[0], r[1][-1]))(verify(url, capsys))


class TestStoredRowsAgainstTheHistory:
    """Item 1: a snapshot or a deadline row edited behind the library's back is a break."""

    def test_state_edited_in_the_snapshot(
        self, db: tuple[SqlStore, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A case in rapid review edited to national review: its head record says otherwise."""
        store, url = db
        cases = store.tables["cases"]
        with store.engine.connect() as connection:
            text = connection.execute(
                sa.select(cases.c.snapshot).where(cases.c.case_id == "case-1")
            ).scalar_one()
        data = json.loads(text)
        data["state"] = "national_review"
        execute(
            store,
            cases.update()
            .where(cases.c.case_id == "case-1")
            .values(snapshot=json.dumps(data), state="national_review"),
        )
        status, out = verify(url, capsys)
        assert 1 == status
        assert f"BROKEN  {TENANT}/case-1: record 3: snapshot_mismatch" in out
        assert f"ok      {TENANT}/case-2" in " ".join(out)
        assert "1 verified, 1 broken" == out[-1]

    def test_deadline_row_marked_met(
        self, db: tuple[SqlStore, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The rapid review's deadline row set to met (what 'overdue' reads): a break."""
        store, url = db
        deadlines = store.tables["deadlines"]
        execute(
            store,
            deadlines.update()
            .where(deadlines.c.case_id == "case-1", deadlines.c.kind == "rapid_review")
            .values(status="met"),
        )
        status, out = verify(url, capsys)
        assert 1 == status
        expected = (
            f"BROKEN  {TENANT}/case-1: record 3: the deadline rows do not match the case "
            "its history rebuilds to"
        )
        assert expected in out

    def test_state_column_edited(
        self, db: tuple[SqlStore, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The case row's state column, which hosts may query, must be the rebuilt case's."""
        store, url = db
        cases = store.tables["cases"]
        execute(store, cases.update().where(cases.c.case_id == "case-2").values(state="closed"))
        status, out = verify(url, capsys)
        assert 1 == status
        expected = (
            f"BROKEN  {TENANT}/case-2: record 2: the case row does not match the case its "
            "history rebuilds to"
        )
        assert expected in out

    @pytest.mark.parametrize(
        ("column", "value"),
        [("local_authority", "E08000035"), ("local_authority_given", "E08000020")],
    )
    def test_authority_column_edited(
        self,
        db: tuple[SqlStore, str],
        capsys: pytest.CaptureFixture[str],
        column: str,
        value: str,
    ) -> None:
        """The authority columns, which the overdue queries list, must be the rebuilt case's."""
        store, url = db
        cases = store.tables["cases"]
        execute(store, cases.update().where(cases.c.case_id == "case-2").values({column: value}))
        status, out = verify(url, capsys)
        assert 1 == status
        expected = (
            f"BROKEN  {TENANT}/case-2: record 2: the case row does not match the case its "
            "history rebuilds to"
        )
        assert expected in out

    def test_snapshot_of_a_version_1_case_is_compared_with_its_rebuild(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A case whose head record has no digest (schema 1) is still checked, by its rebuild."""
        path = tmp_path / "v1.db"
        store = SqlStore.sqlite(str(path))
        records = [r for r in sw.history_from_json(FIXTURE.read_text()) if r.case_id == "case-2"]
        case = sw.rebuild(records)
        edited = case_to_json(case)
        edited["state"] = "national_review"
        tables = store.tables
        with store.engine.begin() as connection:
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
                    snapshot=orjson.dumps(edited).decode(),
                )
            )
            for r in records:
                connection.execute(
                    tables["history"].insert().values({**history_row(r), "schema_version": 1})
                )
        store.engine.dispose()
        status, out = verify(f"sqlite:///{path}", capsys)
        assert 1 == status
        expected = (
            f"BROKEN  {TENANT}/case-2: record 3: the stored case does not match the case its "
            "history rebuilds to"
        )
        assert expected in out


class TestNoCaseHides:
    """Item 2: rows of a case that the cases table no longer lists are reported."""

    def test_history_whose_case_row_was_deleted(
        self, db: tuple[SqlStore, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Deleting a case row does not hide its history from the verifier."""
        store, url = db
        cases = store.tables["cases"]
        execute(store, cases.delete().where(cases.c.case_id == "case-1"))
        status, out = verify(url, capsys)
        assert 1 == status
        assert f"BROKEN  {TENANT}/case-1: history records without a case row" in out
        assert "1 verified, 1 broken" == out[-1]

    def test_every_case_row_deleted(
        self, db: tuple[SqlStore, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """With no case row left at all, the histories are still there to report."""
        store, url = db
        execute(store, store.tables["cases"].delete())
        status, out = verify(url, capsys)
        assert 1 == status
        assert "0 verified, 2 broken" == out[-1]

    def test_deadline_rows_without_history(
        self, db: tuple[SqlStore, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Deadline rows of a case that has no history (what overdue() reads) are reported."""
        store, url = db
        execute(
            store,
            store.tables["deadlines"]
            .insert()
            .values(
                tenant_id=TENANT,
                case_id="case-9",
                kind="notify_panel",
                status="open",
                due=None,
                rule_ids=" NOT-01 ",
                projected=False,
            ),
        )
        status, out = verify(url, capsys)
        assert 1 == status
        assert f"BROKEN  {TENANT}/case-9: deadline rows without history records" in out
        assert "2 verified, 1 broken" == out[-1]

    def test_outbox_rows_without_history(
        self, db: tuple[SqlStore, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An outbox row announcing a case that has no history is reported."""
        store, url = db
        outbox = store.tables["outbox"]
        with store.engine.connect() as connection:
            row = connection.execute(sa.select(outbox).limit(1)).one()._asdict()
        row.pop("id")
        execute(store, outbox.insert().values({**row, "case_id": "case-9", "event_id": "e-9"}))
        status, out = verify(url, capsys)
        assert 1 == status
        assert f"BROKEN  {TENANT}/case-9: outbox rows without history records" in out

    def test_outbox_event_edited(
        self, db: tuple[SqlStore, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """
        An event written into a pending row, to tell subscribers what its record does not say.

        A row names its record and holds no event (store schema 5): the relay sends
        the record's own event whatever the row holds, and verify reports the row.
        """
        store, url = db
        outbox = store.tables["outbox"]
        where = (outbox.c.case_id == "case-2") & (outbox.c.sequence == 2)
        with store.engine.connect() as connection:
            assert "" == connection.execute(sa.select(outbox.c.event).where(where)).scalar()
        true_event = store.history(TENANT, "case-2")[1]
        lifecycle = store.get(TENANT, "case-2").lifecycle
        event = to_cloud_event(true_event, lifecycle, "2030-01-01T00:00:00Z").to_dict()
        event["data"]["to"] = "closed"
        try:
            execute(store, outbox.update().where(where).values(event=json.dumps(event)))
        except sa.exc.DBAPIError:
            pytest.skip("the database refuses the edit itself")
        status, out = verify(url, capsys)
        assert 1 == status
        expected = (
            f"BROKEN  {TENANT}/case-2: record 2: the outbox row is not the event its record "
            "announces"
        )
        assert expected in out
        sent: list[CloudEvent] = []
        OutboxRelay(
            store, sent.append, clock=FrozenClock(pendulum.datetime(2100, 1, 1))
        ).run_until_idle()
        (told,) = [e for e in sent if e.subject == "case-2" and e.data["seq"] == 2]
        assert "notified" == told.data["to"]

    def test_outbox_row_naming_another_event(
        self, db: tuple[SqlStore, str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An outbox row whose event id is not its record's is reported."""
        store, url = db
        outbox = store.tables["outbox"]
        where = (outbox.c.case_id == "case-2") & (outbox.c.sequence == 2)
        execute(store, outbox.update().where(where).values(event_id="e-forged"))
        status, out = verify(url, capsys)
        assert 1 == status
        expected = (
            f"BROKEN  {TENANT}/case-2: record 2: the outbox row is not the event its record "
            "announces"
        )
        assert expected in out


def test_postgresql_rows_against_the_history(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """On PostgreSQL too: a sound store verifies; a doctored snapshot and a lost case row break."""
    import uuid

    prefix = f"vs{uuid.uuid4().hex[:10]}_"
    store = SqlStore.postgresql(pg_url, prefix=prefix)
    try:
        d = Driver(store=store)
        d.walk_to("rapid_review", case_id="case-1")
        d.walk_to("notified", case_id="case-2")
        argv = ["verify", "--database", pg_url, "--prefix", prefix]
        assert 0 == run(argv)
        assert "2 verified, 0 broken" == capsys.readouterr().out.splitlines()[-1]
        cases = store.tables["cases"]
        execute(
            store,
            cases.update()
            .where(cases.c.case_id == "case-1")
            .values(snapshot=sa.func.replace(cases.c.snapshot, "rapid_review", "national_review")),
        )
        execute(store, cases.delete().where(cases.c.case_id == "case-2"))
        assert 1 == run(argv)
        out = capsys.readouterr().out.splitlines()
        assert [
            f"BROKEN  {TENANT}/case-1: record 3: snapshot_mismatch",
            f"BROKEN  {TENANT}/case-2: history records without a case row",
            "0 verified, 2 broken",
        ] == out
    finally:
        store.engine.dispose()
