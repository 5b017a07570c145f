"""
What only SQL stores do, on SQLite and PostgreSQL.

The contract every store keeps is shipped as ``safeguarding_workflow.testing.StoreContract``
and runs on each store from ``tests/stores``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import attrs
import pendulum
import pytest
import sqlalchemy as sa

import safeguarding_workflow as sw
from safeguarding_workflow.stores import OutboxRelay
from safeguarding_workflow.stores._sql._cache import _Recent, decode_snapshot
from safeguarding_workflow.stores._sql._driver import _Driver
from safeguarding_workflow.stores._sql._rows import deadline_rows_of
from safeguarding_workflow.stores._sql._store import SqlStore
from safeguarding_workflow.testing import FrozenClock
from safeguarding_workflow.testing._england import days_before

from ..helpers import BARNSLEY, TENANT, Driver, death_in_barnsley

_counter = itertools.count()


class TestSql:
    """What SQL stores add: the database's own guarantees and the indexed queries."""

    @pytest.fixture(name="sql", params=["sqlite", "postgresql"])
    def _sql(self, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
        prefix = f"sw{next(_counter)}_"
        if request.param == "sqlite":
            store = SqlStore.sqlite(str(tmp_path / "s.db"), prefix=prefix)
        else:
            store = SqlStore.postgresql(request.getfixturevalue("pg_url"), prefix=prefix)
        yield store
        store.engine.dispose()

    def test_indexed_queries_keep_tenants_apart(self, sql: SqlStore) -> None:
        """Case ids, chain heads and overdue rows of one tenant never show another's case."""
        workflow = sw.Workflow(
            sw.england.PACK,
            clock=FrozenClock(pendulum.datetime(2024, 1, 20, tz="UTC")),
            store=sql,
            settings=[sw.TenantSettings("tenant-a"), sw.TenantSettings("tenant-b")],
        )
        for tenant in ("tenant-a", "tenant-b"):
            workflow.open(
                tenant,
                death_in_barnsley(),
                local_authority="Barnsley",
                actor="u",
                case_id="same-id",
            )
        workflow.fire(
            sw.Command(
                "tenant-a",
                "same-id",
                "notify_panel",
                actor="u",
                role="local_authority",
                occurred_at=pendulum.datetime(2024, 1, 8, tz="UTC"),
            )
        )
        assert ["same-id"] == list(sql.case_ids("tenant-b"))
        assert {"tenant-b"} == {h.tenant_id for h in sql.heads("tenant-b")}
        overdue = sql.overdue("tenant-b", pendulum.date(2024, 1, 20))
        assert {"tenant-b"} == {row.tenant_id for row in overdue}
        assert "notify_panel" in {row.kind for row in overdue}
        assert "notify_panel" not in {
            row.kind for row in sql.overdue("tenant-a", pendulum.date(2024, 1, 20))
        }

    def test_r6_history_is_append_only(self, sql: SqlStore) -> None:
        """R6: the database itself refuses UPDATE, DELETE and TRUNCATE on history."""
        d = Driver(store=sql)
        d.walk_to("notified")
        table = f"{sql.prefix}history"
        statements = [f"UPDATE {table} SET kind = 'x'", f"DELETE FROM {table}"]
        if sql.engine.dialect.name == "postgresql":
            statements.append(f"TRUNCATE {table}")
        for statement in statements:
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), sql.engine.begin() as c:
                c.exec_driver_sql(statement)
        assert 2 == len(d.history())
        assert sw.verify(d.history()).ok

    def test_host_transaction_rollback_leaves_nothing(self, sql: SqlStore) -> None:
        """Writes on the host's connection commit or roll back with the host's own."""
        with sql.engine.connect() as connection:
            transaction = connection.begin()
            d = Driver(store=sql.bound(connection))
            d.open()
            d.fire("notify_panel")
            assert 2 == len(d.history())
            transaction.rollback()
        with pytest.raises(sw.CaseNotFoundError):
            sql.get(TENANT, "case-1")
        with sql.engine.connect() as connection:
            transaction = connection.begin()
            Driver(store=sql.bound(connection)).open()
            transaction.commit()
        assert 1 == sql.get(TENANT, "case-1").version

    def test_rows_match_the_case_after_every_kind_of_command(self, sql: SqlStore) -> None:
        """
        Snapshot and deadline rows match the case after every kind of command.

        The snapshot reads back as the very case (times in UTC, so a kept case equals a
        decoded one), and the deadline rows, written only where a command changed them,
        are the case's deadlines: after opening, steps, a correction, new facts and a
        recomputation.
        """
        d = Driver(store=sql)
        cases, deadlines = sql.tables["cases"], sql.tables["deadlines"]

        def check(outcome: sw.Outcome) -> str:
            case = outcome.case
            assert outcome.record is not None
            with sql.engine.connect() as c:
                snapshot, version, head = c.execute(
                    sa.select(cases.c.snapshot, cases.c.version, cases.c.head).where(
                        cases.c.case_id == case.case_id
                    )
                ).one()
                rows = c.execute(
                    sa.select(
                        deadlines.c.kind,
                        deadlines.c.status,
                        deadlines.c.due,
                        deadlines.c.rule_ids,
                        deadlines.c.projected,
                    ).where(deadlines.c.case_id == case.case_id)
                ).all()
            assert repr(case) == repr(decode_snapshot(snapshot, version, head))
            expected = {
                (r["kind"], r["status"], r["due"], r["rule_ids"], r["projected"])
                for r in deadline_rows_of(case)
            }
            assert expected == {tuple(r) for r in rows}
            assert len(case.deadlines) == len(rows)
            return case.case_id

        no_abuse = death_in_barnsley(
            abuse_or_neglect="not_suspected",
            children=[sw.Child(age=15, harm="death", looked_after_by=BARNSLEY)],
        )
        case_id = check(d.workflow.open(TENANT, no_abuse, local_authority=BARNSLEY, actor="u"))
        d.clock.set(pendulum.datetime(2024, 1, 16, 12, tz="UTC"))
        d.when = pendulum.datetime(2024, 1, 16, 9, tz="UTC")
        suspected = death_in_barnsley(
            children=no_abuse.children, abuse_or_neglect_since=pendulum.date(2024, 1, 15)
        )
        check(d.workflow.update_facts(TENANT, case_id, suspected, actor="user-1"))
        check(d.fire("notify_panel", case_id=case_id))
        check(
            d.workflow.correct(
                TENANT,
                case_id,
                corrects=3,
                occurred_at=d.when.subtract(hours=3),
                actor="user-2",
                role="local_authority",
                reason_ref="memo-1",
            )
        )
        addition = sw.HolidayAddition(pendulum.date(2024, 1, 19), "Proclaimed (fictional)")
        d.workflow.configure(sw.TenantSettings(TENANT, calendar_additions=[addition]))
        check(d.workflow.recompute_deadlines(TENANT, case_id, actor="scheduler"))
        check(d.fire("withdraw", case_id=case_id))
        assert 6 == sql.get(TENANT, case_id).version

    def test_each_command_leaves_rows_matching_its_case(self, sql: SqlStore) -> None:
        """Rows checked after every command of a full walk, not only at the end."""
        d = Driver(store=sql)
        deadlines = sql.tables["deadlines"]
        case = d.open()
        from ..helpers import ROUTES

        for event in ROUTES["closed"]:
            case = d.fire(event, days=days_before(event)).case
            with sql.engine.connect() as c:
                rows = c.execute(
                    sa.select(deadlines.c.kind, deadlines.c.status, deadlines.c.due).where(
                        deadlines.c.case_id == "case-1"
                    )
                ).all()
            assert {(r["kind"], r["status"], r["due"]) for r in deadline_rows_of(case)} == {
                tuple(r) for r in rows
            }
            assert repr(case) == repr(sql.get(TENANT, "case-1"))

    def test_a_rolled_back_write_is_never_read(self, sql: SqlStore) -> None:
        """A command rolled back with the host's transaction leaves the stored case served."""
        d = Driver(store=sql)
        d.open()
        stored = sql.get(TENANT, "case-1")
        with sql.engine.connect() as connection:
            transaction = connection.begin()
            bound = Driver(store=sql.bound(connection))
            bound.clock.set(pendulum.datetime(2024, 1, 8, tz="UTC"))
            moved = bound.workflow.fire(bound.command("notify_panel")).case
            assert 2 == moved.version
            transaction.rollback()
        assert stored == sql.get(TENANT, "case-1")
        assert 1 == sql.get(TENANT, "case-1").version
        assert 1 == len(sql.history(TENANT, "case-1"))

    def test_one_bound_view_for_several_cases(self, sql: SqlStore) -> None:
        """A host's transaction may run commands on several cases through one view."""
        d = Driver(store=sql)
        d.open(case_id="a")
        d.open(case_id="b")
        deadlines = sql.tables["deadlines"]
        with sql.engine.connect() as connection:
            transaction = connection.begin()
            bound = Driver(store=sql.bound(connection))
            bound.clock.set(pendulum.datetime(2024, 1, 9, tz="UTC"))
            bound.workflow.fire(bound.command("notify_panel", case_id="a"))
            bound.workflow.fire(bound.command("notify_panel", case_id="b", days=0))
            bound.workflow.fire(bound.command("start_rapid_review", case_id="a", days=0))
            transaction.commit()
        for case_id in ("a", "b"):
            case = sql.get(TENANT, case_id)
            with sql.engine.connect() as c:
                rows = c.execute(
                    sa.select(deadlines.c.kind, deadlines.c.status).where(
                        deadlines.c.case_id == case_id
                    )
                ).all()
            assert {(d.kind, d.status.value) for d in case.deadlines} == {tuple(r) for r in rows}

    def test_a_race_lost_after_reading_commits_nothing(
        self, pg_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """
        Another writer commits between a command's read and its write: the command loses.

        On PostgreSQL the read and the writes are separate statements; every write hangs
        on the case row's UPDATE at the version read, so the loser writes nothing.
        (SQLite takes the write lock before reading, so there another writer cannot
        come between.) The case is read: the store has not kept it (a kept case is
        served unread, and its write is then the check: see the tests below).
        """
        sql = SqlStore.postgresql(pg_url, prefix=f"sw{next(_counter)}_")
        d = Driver(store=sql)
        d.walk_to("notified")
        monkeypatch.setattr(_Recent, "peek", lambda *_: None)
        rival = Driver(store=SqlStore(sql.engine, prefix=sql.prefix))
        rival.when = d.when
        loaded = SqlStore.load
        raced: list[sw.Outcome] = []
        racing: list[bool] = []

        def load_then_race(self: SqlStore, *args: object) -> object:
            result = loaded(self, *args)  # type: ignore[arg-type]
            if not racing:
                racing.append(True)
                raced.append(rival.fire("start_rapid_review"))
            return result

        monkeypatch.setattr(SqlStore, "load", load_then_race)
        with pytest.raises(sw.ConcurrencyConflict):
            d.fire("withdraw")
        monkeypatch.undo()
        assert raced[0].case == sql.get(TENANT, "case-1")
        history = sql.history(TENANT, "case-1")
        assert ["opened", "notify_panel", "start_rapid_review"] == [r.event for r in history]
        assert sw.verify(history).ok
        with sql.engine.connect() as c:
            events = c.exec_driver_sql(f"SELECT count(*) FROM {sql.prefix}outbox").scalar()
        assert 3 == events
        d.when = rival.when
        assert "withdrawn" == d.fire("withdraw").case.state  # the retry, on the new version
        sql.engine.dispose()

    def test_a_kept_case_is_served_unread(
        self, sql: SqlStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A command on a case the store kept reads no case row: its write is the check."""
        d = Driver(store=sql)
        d.walk_to("notified")
        run = _Driver.run
        ran: list[str] = []

        def recorded(self: _Driver, cursor: object, values: dict[str, object]) -> None:
            ran.append(self.sql)
            run(self, cursor, values)

        monkeypatch.setattr(_Driver, "run", recorded)
        d.fire("start_rapid_review")
        cases = f"{sql.prefix}cases"
        assert not [q for q in ran if q.startswith("SELECT") and cases in q]
        if sql.engine.dialect.name == "sqlite":  # PostgreSQL's writes are one statement
            assert any(q.startswith(f"UPDATE {cases}") and "snapshot =" in q for q in ran)
        assert sw.verify(sql.history(TENANT, "case-1")).ok

    def test_a_kept_case_another_store_moved_on_is_read_and_decided_again(
        self, sql: SqlStore
    ) -> None:
        """
        Another process moves a kept case on: the command is decided on the stored case.

        A step the kept case allows but the stored one does not is refused on the stored
        case's state, not taken; one the stored case allows is taken on it, at the next
        version. Nothing is written over the other process's record.
        """
        d = Driver(store=sql)
        d.walk_to("notified")
        other = Driver(store=SqlStore(sql.engine, prefix=sql.prefix))  # its own kept cases
        other.when = d.when
        other.fire("start_rapid_review")
        d.when = other.when
        with pytest.raises(sw.StepNotAvailable, match="rapid_review"):
            d.fire("notify_panel")  # from "notified" (kept), not from "rapid_review" (stored)
        outcome = d.fire("withdraw")
        assert (4, "withdrawn") == (outcome.case.version, outcome.case.state)
        history = sql.history(TENANT, "case-1")
        assert ["opened", "notify_panel", "start_rapid_review", "withdraw"] == [
            r.event for r in history
        ]
        assert sw.verify(history).ok
        assert outcome.case == sql.get(TENANT, "case-1")
        other.when = d.when
        stale = attrs.evolve(other.command("withdraw"), expected_version=3)
        with pytest.raises(sw.ConcurrencyConflict):  # the version the host read is gone
            other.fire_command(stale)
        assert 4 == len(sql.history(TENANT, "case-1"))

    def test_a_kept_case_edited_behind_the_librarys_back_steers_nothing(
        self, sql: SqlStore
    ) -> None:
        """A snapshot edited (version and head kept) under a kept case: refused, as on a read."""
        d = Driver(store=sql)
        d.walk_to("rapid_review")
        cases = sql.tables["cases"]
        with sql.engine.connect() as c:
            text = c.execute(sa.select(cases.c.snapshot)).scalar_one()
        edited = text.replace('"state":"rapid_review"', '"state":"national_review"')
        assert edited != text
        with sql.engine.begin() as c:
            c.execute(cases.update().values(snapshot=edited))
        before = sql.history(TENANT, "case-1")
        with pytest.raises(sw.HistoryIntegrityError, match="does not match record 3"):
            d.fire("withdraw")
        assert before == sql.history(TENANT, "case-1")
        with sql.engine.connect() as c:
            assert edited == c.execute(sa.select(cases.c.snapshot)).scalar_one()

    def test_outbox_rows_are_written_with_the_record(self, sql: SqlStore) -> None:
        """
        Every record has its outbox row, written in the same transaction, naming the record.

        The row holds no copy of the event (store schema 5): the relay makes it from the
        record, byte for byte the event subscribers heard.
        """
        d = Driver(store=sql)
        d.walk_to("rapid_review")
        outbox = f"{sql.prefix}outbox"
        with sql.engine.connect() as c:
            rows = c.exec_driver_sql(
                f"SELECT sequence, event_id, event FROM {outbox} ORDER BY id"
            ).all()
        assert [(1, ""), (2, ""), (3, "")] == [(r[0], r[2]) for r in rows]
        assert [e.id for e in d.events] == [r[1] for r in rows]
        sent: list[sw.CloudEvent] = []
        clock = FrozenClock(pendulum.datetime(2100, 1, 1))
        assert 3 == OutboxRelay(sql, sent.append, clock=clock).run_until_idle().delivered
        assert [e.to_json() for e in d.events] == [e.to_json() for e in sent]

    def test_overdue_pages_by_a_stable_key(self, sql: SqlStore) -> None:
        """Open deadlines due before a date, by rule id, a page at a time."""
        d = Driver(store=sql)
        for i in range(5):
            d.open(case_id=f"case-{i}")
        d.fire("notify_panel", case_id="case-0")
        as_of = pendulum.date(2024, 2, 1)
        rows = sql.overdue(TENANT, as_of, limit=100)
        assert 14 == len(rows)  # 5 cases x 3 deadlines, less the one met
        first = sql.overdue(TENANT, as_of, limit=4)
        rest = sql.overdue(
            TENANT, as_of, limit=100, after=(first[-1].due, first[-1].case_id, first[-1].kind)
        )
        assert rows == first + rest
        panel = sql.overdue(TENANT, as_of, rule_id="NOT-04")
        assert {"notify_panel"} == {r.kind for r in panel}
        assert 4 == len(panel)
        soon = sql.overdue(TENANT, pendulum.date(2024, 1, 15), due_by=pendulum.date(2024, 1, 26))
        assert {"rapid_review"} == {r.kind for r in soon}
        with pytest.raises(sw.InvalidInputError):
            sql.overdue(TENANT, as_of, limit=0)
        cal = sw.WorkingDayCalendar.england_and_wales()
        within = sql.due_soon(TENANT, pendulum.date(2024, 1, 8), working_days=4, calendar=cal)
        assert {"notify_panel", "inform_safeguarding_partners"} == {r.kind for r in within}
        assert [] == sql.due_soon(TENANT, pendulum.date(2024, 1, 8), working_days=3, calendar=cal)
        with pytest.raises(sw.InvalidInputError):
            sql.due_soon(TENANT, as_of, working_days=-1, calendar=cal)

    def test_newer_schema_is_refused(self, sql: SqlStore) -> None:
        """Opening a database whose store schema is newer than the library fails clearly."""
        with sql.engine.begin() as c:
            c.exec_driver_sql(f"UPDATE {sql.prefix}meta SET value = '99'")
        with pytest.raises(sw.StoreError, match="newer than this release"):
            sql.create_schema()

    def test_malformed_stored_case(self, sql: SqlStore) -> None:
        """R4: a malformed stored case raises the library's error, not a driver's."""
        d = Driver(store=sql)
        d.open()
        with sql.engine.begin() as c:
            c.exec_driver_sql(f"UPDATE {sql.prefix}cases SET snapshot = '{{not json'")
        with pytest.raises(sw.InvalidInputError, match="malformed"):
            sql.get(TENANT, "case-1")

    def test_prefix_is_checked(self, sql: SqlStore) -> None:
        """A table prefix is letters, digits and underscores."""
        with pytest.raises(sw.ConfigurationError):
            SqlStore(sql.engine, prefix="x; drop table")
