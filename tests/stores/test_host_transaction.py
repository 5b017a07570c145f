"""
Commands in the host's transaction (`SqlStore.bound`): subscribers hear only of what committed.

A command run on the host's connection joins the host's transaction, so its step is
stored only when the host commits. Its event waits with the store until then: a
rollback (of the transaction, or of a savepoint the command ran in) drops it, and
`publish()` delivers, in order and once, the events of the transactions that
committed. SQLAlchemy tells of a commit before it reaches the database and of nothing
after it, so delivery is the host's call once its commit has returned; a commit that
fails leaves nothing to deliver.
"""

from __future__ import annotations

import gc
import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa

import safeguarding_workflow as sw
from safeguarding_workflow.stores._sql import _host
from safeguarding_workflow.stores._sql._store import SqlStore
from safeguarding_workflow.testing import FrozenClock

from ..helpers import TENANT, Driver, death_in_barnsley

_counter = itertools.count()


@pytest.fixture(name="sql", params=["sqlite", "postgresql"])
def _sql(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    """A store on SQLite or the session's PostgreSQL, on tables of its own."""
    prefix = f"ht{next(_counter)}_"
    if request.param == "sqlite":
        store = SqlStore.sqlite(str(tmp_path / "h.db"), prefix=prefix)
    else:
        store = SqlStore.postgresql(request.getfixturevalue("pg_url"), prefix=prefix)
    yield store
    store.engine.dispose()


def _steps(sql: SqlStore, events: list[sw.CloudEvent]) -> list[tuple[str, int]]:
    """Each event heard, as the case and sequence number of the stored record it announces."""
    stored = {
        r.event_id: (r.case_id, r.sequence)
        for case_id in sql.case_ids(TENANT)
        for r in sql.history(TENANT, case_id)
    }
    return [stored[e.id] for e in events]


class TestHostTransaction:
    """Subscribers hear of a command in the host's transaction only after the host commits."""

    def test_nothing_is_heard_before_the_commit(self, sql: SqlStore) -> None:
        """Inside the host's open transaction, neither opening nor a step is heard."""
        with sql.engine.connect() as connection:
            connection.begin()
            d = Driver(store=sql.bound(connection))
            d.open()
            d.fire("notify_panel")
            assert [] == d.events
            connection.commit()

    def test_a_rollback_after_open_is_never_heard(self, sql: SqlStore) -> None:
        """Roll back after opening a case: no event, now or at any later publish."""
        with sql.engine.connect() as connection:
            bound = sql.bound(connection)
            d = Driver(store=bound)
            with connection.begin() as transaction:
                d.open()
                transaction.rollback()
            assert 0 == bound.publish()
            assert [] == d.events
        with pytest.raises(sw.CaseNotFoundError):
            sql.get(TENANT, "case-1")

    def test_a_rollback_after_fire_is_never_heard(self, sql: SqlStore) -> None:
        """Roll back after a step on a stored case: no event, and the case is as it was."""
        Driver(store=sql).open()
        with sql.engine.connect() as connection:
            bound = sql.bound(connection)
            d = Driver(store=bound)
            with connection.begin() as transaction:
                d.fire("notify_panel")
                transaction.rollback()
            assert 0 == bound.publish()
            assert [] == d.events
        assert 1 == sql.get(TENANT, "case-1").version

    def test_a_commit_is_heard_once_when_published(self, sql: SqlStore) -> None:
        """Commit, then publish: each event once; publishing again delivers nothing."""
        with sql.engine.connect() as connection:
            bound = sql.bound(connection)
            d = Driver(store=bound)
            with connection.begin():
                d.open()
                d.fire("notify_panel")
            assert [] == d.events  # committed, not yet published
            assert 2 == bound.publish()
            assert [("case-1", 1), ("case-1", 2)] == _steps(sql, d.events)
            assert 0 == bound.publish()
            assert 2 == len(d.events)
        assert 2 == sql.get(TENANT, "case-1").version

    def test_two_commands_then_a_commit_are_heard_in_order(self, sql: SqlStore) -> None:
        """Two commands on two cases in one transaction: both events once, in order."""
        d = Driver(store=sql)
        d.open(case_id="a")
        d.open(case_id="b")
        with sql.engine.connect() as connection:
            bound = sql.bound(connection)
            host = Driver(store=bound)
            host.clock.set(pendulum.datetime(2024, 1, 9, tz="UTC"))
            with connection.begin():
                host.workflow.fire(host.command("notify_panel", case_id="b"))
                host.workflow.fire(host.command("notify_panel", case_id="a", days=0))
            assert 2 == bound.publish()
        assert [("b", 2), ("a", 2)] == _steps(sql, host.events)

    def test_a_rollback_then_a_new_transaction_hears_only_the_second(self, sql: SqlStore) -> None:
        """On one connection, a rolled-back transaction then a committed one: only the second."""
        Driver(store=sql).open(case_id="a")
        with sql.engine.connect() as connection:
            bound = sql.bound(connection)
            host = Driver(store=bound)
            with connection.begin() as transaction:
                host.fire("notify_panel", case_id="a")
                transaction.rollback()
            with connection.begin():
                host.open(case_id="b")
            assert 1 == bound.publish()
        assert [("b", 1)] == _steps(sql, host.events)

    def test_publishing_in_a_later_transaction_delivers_only_what_committed(
        self, sql: SqlStore
    ) -> None:
        """Publish while a later transaction is open: the committed event only; the rest waits."""
        with sql.engine.connect() as connection:
            bound = sql.bound(connection)
            d = Driver(store=bound)
            with connection.begin():
                d.open(case_id="a")
            with connection.begin():
                d.open(case_id="b")
                assert 1 == bound.publish()
                assert [("a", 1)] == _steps(sql, d.events)
            assert 1 == bound.publish()
        assert [("a", 1), ("b", 1)] == _steps(sql, d.events)

    def test_a_savepoint_rolled_back_drops_only_its_events(self, sql: SqlStore) -> None:
        """A command in a savepoint rolled back is dropped; one in a released savepoint is kept."""
        with sql.engine.connect() as connection:
            bound = sql.bound(connection)
            d = Driver(store=bound)
            with connection.begin():
                d.open(case_id="a")
                with connection.begin_nested() as savepoint:
                    d.open(case_id="b")
                    savepoint.rollback()
                with connection.begin_nested():
                    d.open(case_id="c")
            assert 2 == bound.publish()
        assert [("a", 1), ("c", 1)] == _steps(sql, d.events)
        assert ["a", "c"] == list(sql.case_ids(TENANT))

    def test_a_commit_that_fails_is_never_heard(self, sql: SqlStore) -> None:
        """
        The database refuses the commit (a deferred constraint): nothing is stored or heard.

        SQLAlchemy's commit event runs before the database commits, which is why the
        store does not deliver from it.
        """
        with sql.engine.begin() as connection:
            connection.exec_driver_sql(
                f"CREATE TABLE {sql.prefix}host (id INTEGER PRIMARY KEY, parent INTEGER "
                f"REFERENCES {sql.prefix}host (id) DEFERRABLE INITIALLY DEFERRED)"
            )
        with sql.engine.connect() as connection:
            if sql.engine.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA foreign_keys = ON")
                connection.commit()
            bound = sql.bound(connection)
            d = Driver(store=bound)
            connection.begin()
            d.open()
            connection.exec_driver_sql(f"INSERT INTO {sql.prefix}host VALUES (1, 99)")
            with pytest.raises(sa.exc.IntegrityError):
                connection.commit()
            assert 0 == bound.publish()  # the failed transaction waits to be rolled back
            connection.rollback()  # after a failed commit SQLAlchemy sends no rollback event
            assert 0 == bound.publish()
        assert [] == d.events
        with pytest.raises(sw.CaseNotFoundError):
            sql.get(TENANT, "case-1")

    def test_stores_on_one_connection_share_one_order(self, sql: SqlStore) -> None:
        """Two stores (table prefixes) bound to one connection: one publish, in stored order."""
        other = SqlStore(sql.engine, prefix=f"{sql.prefix}b_", schema=sql.schema)
        other.create_schema()
        heard: list[str] = []
        with sql.engine.connect() as connection:
            first = Driver(
                store=sql.bound(connection), subscribers=(lambda e: heard.append(f"a{e.subject}"),)
            )
            second = Driver(
                store=other.bound(connection),
                subscribers=(lambda e: heard.append(f"b{e.subject}"),),
            )
            with connection.begin():
                first.open(case_id="1")
                second.open(case_id="2")
                first.open(case_id="3")
            assert 3 == other.bound(connection).publish()
        assert ["a1", "b2", "a3"] == heard

    def test_a_dispatcher_that_raises_leaves_the_rest_for_the_next_publish(
        self, sql: SqlStore
    ) -> None:
        """If delivering one event raises, the events after it are delivered by the next call."""

        class Flaky:
            def __init__(self) -> None:
                self.seen: list[str] = []

            def dispatch(self, events: Sequence[sw.CloudEvent]) -> None:
                if not self.seen:
                    self.seen.append("failed")
                    raise RuntimeError("the bus is down")
                self.seen += [e.subject for e in events]

        flaky = Flaky()
        with sql.engine.connect() as connection:
            bound = sql.bound(connection)
            workflow = sw.Workflow(
                sw.england.PACK,
                clock=FrozenClock(pendulum.datetime(2024, 1, 5, 12, tz="UTC")),
                settings=[sw.TenantSettings(TENANT)],
                store=bound,
                dispatcher=flaky,
            )
            with connection.begin():
                for case_id in ("a", "b", "c"):
                    workflow.open(
                        TENANT,
                        death_in_barnsley(),
                        local_authority="Barnsley",
                        actor="u",
                        case_id=case_id,
                    )
            with pytest.raises(RuntimeError):
                bound.publish()
            assert 2 == bound.publish()
        assert ["failed", "b", "c"] == flaky.seen

    def test_the_held_events_go_with_the_connection(self, sql: SqlStore) -> None:
        """A connection closed with events unpublished leaves nothing held behind."""
        with sql.engine.connect() as connection:
            d = Driver(store=sql.bound(connection))
            with connection.begin():
                d.open()
            assert _host.found(connection) is not None
            before = len(_host.HELD)
        del connection, d
        gc.collect()
        assert before - 1 == len(_host.HELD)

    def test_without_subscribers_nothing_is_held(self, sql: SqlStore) -> None:
        """A workflow nobody subscribes to holds no events and hooks no connection."""
        with sql.engine.connect() as connection:
            quiet = sw.Workflow(
                sw.england.PACK,
                clock=FrozenClock(pendulum.datetime(2024, 1, 5, 12, tz="UTC")),
                settings=[sw.TenantSettings(TENANT)],
                store=sql.bound(connection),
            )
            with connection.begin():
                outcome = quiet.open(
                    TENANT, death_in_barnsley(), local_authority="Barnsley", actor="u"
                )
            assert _host.found(connection) is None
        assert 1 == outcome.case.version

    def test_the_store_outside_a_host_transaction_delivers_at_once(self, sql: SqlStore) -> None:
        """A store on its own transactions delivers straight after each command, as before."""
        d = Driver(store=sql)
        d.open()
        assert [("case-1", 1)] == _steps(sql, d.events)
        assert 0 == sql.publish()
