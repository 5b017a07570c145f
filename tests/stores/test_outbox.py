"""The transactional outbox relay: at least once, in order per case, dead letters, many relays."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa

import safeguarding_workflow as sw
from safeguarding_workflow.stores import IdempotentConsumer, OutboxRelay, SqlStore

from ..helpers import Driver

_counter = itertools.count()


@pytest.fixture(name="sql", params=["sqlite", "postgresql"])
def _sql(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    prefix = f"ob{next(_counter)}_"
    if request.param == "sqlite":
        store = SqlStore.sqlite(str(tmp_path / "o.db"), prefix=prefix)
    else:
        store = SqlStore.postgresql(request.getfixturevalue("pg_url"), prefix=prefix)
    yield store
    store.engine.dispose()


def fill(sql: SqlStore, cases: int = 3) -> Driver:
    """Three fictional cases with three records each, all in the outbox."""
    d = Driver(store=sql)
    for i in range(cases):
        d.open(case_id=f"case-{i}")
        d.fire("notify_panel", case_id=f"case-{i}", days=0)
        d.fire("start_rapid_review", case_id=f"case-{i}", days=0)
    d.clock.set(pendulum.datetime(2024, 2, 1, tz="UTC"))  # the relay runs later
    return d


def statuses(sql: SqlStore) -> Counter[str]:
    outbox = sql.tables["outbox"]
    with sql.engine.connect() as c:
        return Counter(r.status for r in c.execute(sa.select(outbox.c.status)))


def test_delivers_everything_once_in_order(sql: SqlStore) -> None:
    """Each event delivered, in sequence order per case; a second pass finds nothing."""
    d = fill(sql)
    got: list[sw.CloudEvent] = []
    relay = OutboxRelay(sql, got.append, clock=d.clock)
    assert sw.RelayReport(9, 0, 0) == relay.run_until_idle()
    assert sorted(e.id for e in d.events) == sorted(e.id for e in got)
    for case in ("case-0", "case-1", "case-2"):
        seqs = [e.data["seq"] for e in got if e.subject == case]
        assert [1, 2, 3] == seqs
    assert sw.RelayReport(0, 0, 0) == relay.run_once()
    assert {"delivered": 9} == dict(statuses(sql))


def test_failure_backs_off_and_holds_later_events_of_that_case(sql: SqlStore) -> None:
    """A failed event waits; its case's later events wait behind it; other cases go on."""
    d = fill(sql)
    got: list[str] = []

    def flaky(event: sw.CloudEvent) -> None:
        if event.subject == "case-1" and event.data["seq"] == 2 and not flaky.ok:  # type: ignore[attr-defined]
            raise ConnectionError("mail server down")
        got.append(f"{event.subject}/{event.data['seq']}")

    flaky.ok = False  # type: ignore[attr-defined]
    relay = OutboxRelay(sql, flaky, clock=d.clock)
    first = relay.run_until_idle()
    assert (7, 1) == (first.delivered, first.failed)
    assert "case-1/3" not in got
    flaky.ok = True  # type: ignore[attr-defined]
    assert 0 == relay.run_once().delivered  # still backing off
    d.clock.advance(seconds=3)
    assert 2 == relay.run_until_idle().delivered
    assert ["case-1/1", "case-1/2", "case-1/3"] == [g for g in got if g.startswith("case-1")]


def test_poison_event_is_dead_lettered(sql: SqlStore, caplog: pytest.LogCaptureFixture) -> None:
    """After max_attempts the row is dead, visible, and no longer holds its case back."""
    d = fill(sql, cases=1)

    def poison(event: sw.CloudEvent) -> None:
        if event.data["seq"] == 1:
            raise ValueError("Zebedee Quillfeather")

    relay = OutboxRelay(sql, poison, clock=d.clock, max_attempts=3)
    for _ in range(3):
        relay.run_once()
        d.clock.advance(hours=2)
    assert 2 == relay.run_until_idle().delivered
    assert {"dead": 1, "delivered": 2} == dict(statuses(sql))
    assert "Zebedee" not in caplog.text
    outbox = sql.tables["outbox"]
    with sql.engine.connect() as c:
        dead = c.execute(sa.select(outbox.c.last_error).where(outbox.c.status == "dead")).one()
    assert "ValueError" == dead.last_error


def test_many_relays_never_deliver_twice(sql: SqlStore) -> None:
    """Four relays at once over 30 events: each event delivered exactly once."""
    d = fill(sql, cases=10)
    got: list[str] = []
    lock = threading.Lock()

    def handler(event: sw.CloudEvent) -> None:
        with lock:
            got.append(event.id)

    relays = [
        OutboxRelay(sql, handler, clock=d.clock, relay_id=f"r{i}", batch_size=3) for i in range(4)
    ]
    threads = [threading.Thread(target=r.run_until_idle) for r in relays]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for relay in relays:  # whatever a relay left claimed-and-released is picked up
        relay.run_until_idle()
    assert sorted(e.id for e in d.events) == sorted(got)
    assert 30 == len(set(got)) == len(got)


def test_purge_and_idempotent_consumer(sql: SqlStore) -> None:
    """Delivered rows can be purged; an idempotent consumer handles each id once."""
    d = fill(sql, cases=1)
    handled: list[str] = []
    consumer = IdempotentConsumer.for_store(lambda e: handled.append(e.id), sql, "mailer")
    OutboxRelay(sql, consumer, clock=d.clock).run_until_idle()
    for event in d.events:  # a redelivery of everything
        consumer(event)
    again = IdempotentConsumer.for_store(lambda e: handled.append(e.id), sql, "mailer")
    again(d.events[0])
    assert 3 == len(handled) == len(set(handled))
    assert 3 == sql.purge_outbox("9999-01-01T00:00:00.000000Z")
    assert {} == dict(statuses(sql))


def test_relay_arguments() -> None:
    """Bad relay settings are refused."""
    store = SqlStore.sqlite(":memory:")
    clock = sw.SystemClock()
    for kwargs in ({"batch_size": 0}, {"max_attempts": 0}):  # the host's configuration
        with pytest.raises(sw.ConfigurationError):
            OutboxRelay(store, print, clock=clock, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(sw.InvalidInputError):
        OutboxRelay(store, print, clock=clock, relay_id="a b")
    with pytest.raises(sw.ConfigurationError):
        OutboxRelay(sw.MemoryStore(), print, clock=clock)  # type: ignore[arg-type]
    assert pendulum.now  # the system clock is only named here
