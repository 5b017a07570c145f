"""
The transactional outbox relay, and a helper that makes consumers idempotent.

A `SqlStore` writes each event to its outbox in the
same transaction as the record. The host calls `OutboxRelay.run_once()` from
its scheduler; the relay claims deliverable rows, calls the handler, and marks a
row delivered only after the handler returns. So delivery is at least once. Per
case, events go in sequence order: a later event waits while an earlier one is
pending or backing off. After ``max_attempts`` failures a row is dead-lettered
(status ``dead``), so one poison event does not hold back its case forever, and it
stays visible for an operator. Several relays may run at once: a row is claimed
for a lease before delivery (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, an
immediate write transaction on SQLite), so no two relays deliver it at the same time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Final, Protocol, final

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..._clock import Clock
from ..._events import CloudEvent, event_of_body
from ..._identifiers import check_opaque_id
from ..._log import logger
from ..._times import iso_utc, utc_naive
from ...exceptions import ConfigurationError
from ._schema import outbox_records
from ._store import SqlStore

__all__ = ["IdempotentConsumer", "OutboxRelay", "RelayReport", "SeenEvents", "exponential_backoff"]

_LEASE: Final = dt.timedelta(minutes=5)


def exponential_backoff(attempts: int) -> dt.timedelta:
    """
    Seconds to wait after the *attempts*-th failure: 2, 4, 8, … capped at one hour.

    Added in version 0.1.0.
    """
    return dt.timedelta(seconds=min(3600, 2**attempts))


@attrs.frozen
class RelayReport:
    """
    What one relay pass did.

    Added in version 0.1.0.
    """

    delivered: int
    failed: int
    dead: int


class _RelaySettings:
    """What `OutboxRelay` and `AsyncOutboxRelay` both keep, checked once for both."""

    __slots__ = ("backoff", "batch_size", "clock", "handler", "max_attempts", "relay_id")

    handler: Callable[[CloudEvent], object]
    clock: Clock
    relay_id: str
    batch_size: int
    max_attempts: int
    backoff: Callable[[int], dt.timedelta]

    def _set_up(
        self,
        handler: Callable[[CloudEvent], object],
        clock: Clock,
        relay_id: str,
        batch_size: int,
        max_attempts: int,
        backoff: Callable[[int], dt.timedelta],
    ) -> None:
        check_opaque_id(relay_id, "relay_id")
        if type(batch_size) is not int or batch_size < 1:
            raise ConfigurationError("'batch_size' must be at least 1", field="batch_size")
        if type(max_attempts) is not int or max_attempts < 1:
            raise ConfigurationError("'max_attempts' must be at least 1", field="max_attempts")
        self.handler = handler
        self.clock = clock
        self.relay_id = relay_id
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.backoff = backoff


@final
class _Outcomes:
    """
    What one relay pass reads and writes, whoever calls the handler: a sync or an async relay.

    The claim runs in a transaction on a connection it is given; each row's outcome is a
    statement for the caller to run in a transaction of its own, once the handler has
    returned or raised. Only the handler's call differs between the two relays.
    """

    __slots__ = (
        "backoff",
        "batch_size",
        "cases",
        "clock",
        "history",
        "joined",
        "max_attempts",
        "outbox",
        "relay_id",
    )

    def __init__(
        self,
        tables: dict[str, sa.Table],
        clock: Clock,
        relay_id: str,
        batch_size: int,
        max_attempts: int,
        backoff: Callable[[int], dt.timedelta],
    ) -> None:
        self.outbox = tables["outbox"]
        self.history = tables["history"]
        self.cases = tables["cases"]
        #: Each row with the record it names and its case's row (see `_claim_rows`).
        self.joined = outbox_records(tables)
        self.clock = clock
        self.relay_id = relay_id
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.backoff = backoff

    def now(self) -> dt.datetime:
        return utc_naive(self.clock.now())

    def event(self, row: Any) -> CloudEvent:
        """The event a claimed row announces, made from its record's body (see `_claim_rows`)."""
        return event_of_body(row.body, row.lifecycle)

    def tally(self) -> _Tally:
        return _Tally(self)

    def mine(self, row: Any) -> sa.ColumnElement[bool]:
        outbox = self.outbox
        return sa.and_(outbox.c.id == row.id, outbox.c.claimed_by == self.relay_id)


def _claim_rows(connection: Connection, outcomes: _Outcomes) -> list[Any]:
    """
    Claim a batch of deliverable rows for a lease, on *connection* in its transaction.

    Each row comes with the body of the record it names and its case's lifecycle, from
    which its event is made (`event_of_body`): whatever a row's ``event`` column holds
    (empty since store schema 5; the event's JSON before), what is sent is what the
    hashed, append-only history says. A row whose record or case row is missing is
    never claimed; ``verify`` reports both.
    """
    outbox, history, cases = outcomes.outbox, outcomes.history, outcomes.cases
    earlier = outbox.alias("earlier")
    now = outcomes.now()
    now_text = iso_utc(now)
    query = (
        sa.select(outbox.c.id, outbox.c.attempts, history.c.body, cases.c.lifecycle)
        .select_from(outcomes.joined)
        .where(
            outbox.c.status == "pending",
            outbox.c.available_at <= now_text,
            sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now_text),
            ~sa.exists().where(
                earlier.c.tenant_id == outbox.c.tenant_id,
                earlier.c.case_id == outbox.c.case_id,
                earlier.c.sequence < outbox.c.sequence,
                earlier.c.status == "pending",
            ),
        )
        .order_by(outbox.c.id)
        .limit(outcomes.batch_size)
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=outbox)
    rows = connection.execute(query).all()
    if rows:
        connection.execute(
            outbox.update()
            .where(outbox.c.id.in_([r.id for r in rows]))
            .values(claimed_by=outcomes.relay_id, claimed_until=iso_utc(now + _LEASE))
        )
    return list(rows)


@final
class _Tally:
    """One pass's counts, and the cases an earlier failure in the pass holds back."""

    __slots__ = ("blocked_cases", "dead", "delivered_rows", "failed_rows", "outcomes")

    def __init__(self, outcomes: _Outcomes) -> None:
        self.outcomes = outcomes
        self.blocked_cases: set[tuple[str, str]] = set()
        self.delivered_rows = self.failed_rows = self.dead = 0

    def blocked(self, row: Any, event: CloudEvent) -> sa.Update | None:
        """The release of *row*'s claim if an earlier event of its case failed; else None."""
        if (event.source, event.subject) not in self.blocked_cases:
            return None
        return (
            self.outcomes.outbox.update().where(self.outcomes.mine(row)).values(claimed_until=None)
        )

    def failed(self, row: Any, event: CloudEvent, error: Exception) -> sa.Update:
        """*row*'s failure: back off, or dead-letter it after its last attempt."""
        outcomes = self.outcomes
        attempts = row.attempts + 1
        status = "dead" if attempts >= outcomes.max_attempts else "pending"
        available = iso_utc(outcomes.now() + outcomes.backoff(attempts))
        logger().warning(
            "outbox_delivery_failed",
            event_id=event.id,
            attempts=attempts,
            status=status,
            error=type(error).__name__,
        )
        if status == "dead":
            self.dead += 1
        else:
            self.failed_rows += 1
            self.blocked_cases.add((event.source, event.subject))
        return (
            outcomes.outbox.update()
            .where(outcomes.mine(row))
            .values(
                attempts=attempts,
                status=status,
                available_at=available,
                claimed_until=None,
                last_error=type(error).__name__,
            )
        )

    def delivered(self, row: Any) -> sa.Update:
        """*row* delivered."""
        self.delivered_rows += 1
        outcomes = self.outcomes
        return (
            outcomes.outbox.update()
            .where(outcomes.mine(row))
            .values(status="delivered", delivered_at=iso_utc(outcomes.now()), claimed_until=None)
        )

    def report(self) -> RelayReport:
        return RelayReport(self.delivered_rows, self.failed_rows, self.dead)


@final
class OutboxRelay(_RelaySettings):
    """
    Delivers a SQL store's outbox to a handler: at least once, in order per case.

    Added in version 0.1.0.

    Args:
        store: The store whose outbox to relay.
        handler: Called with each event; returning means delivered, raising means retry.
        clock: Tells the time (leases, back-off).
        relay_id: Opaque id of this relay, recorded on the rows it claims.
        batch_size: Rows claimed per pass.
        max_attempts: Failures before a row is dead-lettered.
        backoff: Wait after the n-th failure (`exponential_backoff()` by default).

    """

    __slots__ = ("store",)

    def __init__(
        self,
        store: SqlStore,
        handler: Callable[[CloudEvent], object],
        *,
        clock: Clock,
        relay_id: str = "relay",
        batch_size: int = 100,
        max_attempts: int = 10,
        backoff: Callable[[int], dt.timedelta] = exponential_backoff,
    ) -> None:
        if not isinstance(store, SqlStore):
            raise ConfigurationError("'store' must be a SqlStore", field="store")
        self._set_up(handler, clock, relay_id, batch_size, max_attempts, backoff)
        self.store = store

    def _outcomes(self) -> _Outcomes:
        return _Outcomes(
            self.store.tables,
            self.clock,
            self.relay_id,
            self.batch_size,
            self.max_attempts,
            self.backoff,
        )

    def run_once(self) -> RelayReport:
        """
        Claim a batch of deliverable rows and deliver them, in order.

        Added in version 0.1.0.
        """
        outcomes = self._outcomes()
        engine = self.store._shared.writer  # on SQLite, transactions that take the write lock
        with engine.begin() as connection:
            rows = _claim_rows(connection, outcomes)
        tally = outcomes.tally()
        for row in rows:
            event = outcomes.event(row)
            statement = tally.blocked(row, event)
            if statement is None:
                try:
                    self.handler(event)
                except Exception as error:
                    statement = tally.failed(row, event, error)
                else:
                    statement = tally.delivered(row)
            with engine.begin() as connection:
                connection.execute(statement)
        return tally.report()

    def run_until_idle(self, max_passes: int = 1000) -> RelayReport:
        """
        Run passes until one delivers nothing; return the totals.

        Added in version 0.1.0.
        """
        totals = [0, 0, 0]
        for _ in range(max_passes):
            report = self.run_once()
            totals = [
                totals[0] + report.delivered,
                totals[1] + report.failed,
                totals[2] + report.dead,
            ]
            if not (report.delivered or report.dead):
                break
        return RelayReport(*totals)


class SeenEvents(Protocol):
    """
    Remembers handled event ids: a ``set`` satisfies it.

    Added in version 0.1.0.
    """

    def __contains__(self, event_id: object) -> bool:
        """Whether *event_id* was handled."""
        ...

    def add(self, event_id: str) -> None:
        """Remember that *event_id* was handled."""
        ...


@final
class IdempotentConsumer:
    """
    Wraps a handler so that each event id is handled once, whatever the redeliveries.

    *seen* remembers handled ids: a set for tests, or `for_store()` to keep them in
    the store's ``consumed`` table. The id is recorded after the handler succeeds, so
    a handler that fails is called again on the next delivery. For exactly-once effects,
    record the id in the same transaction as the handler's own writes.

    Added in version 0.1.0.
    """

    __slots__ = ("handler", "seen")

    def __init__(self, handler: Callable[[CloudEvent], object], seen: SeenEvents) -> None:
        self.handler = handler
        self.seen = seen

    @classmethod
    def for_store(
        cls, handler: Callable[[CloudEvent], object], store: SqlStore, consumer: str
    ) -> IdempotentConsumer:
        """A consumer whose handled ids live in *store*'s ``consumed`` table."""
        check_opaque_id(consumer, "consumer")
        return cls(handler, _StoreSeen(store, consumer))

    def __call__(self, event: CloudEvent) -> None:
        """Handle *event* unless its id was handled before."""
        if event.id in self.seen:
            return
        self.handler(event)
        self.seen.add(event.id)


class _StoreSeen:
    """Event ids kept in a store's ``consumed`` table (a `SeenEvents`)."""

    def __init__(self, store: SqlStore, consumer: str) -> None:
        self.store = store
        self.consumer = consumer

    def __contains__(self, event_id: object) -> bool:
        consumed = self.store.tables["consumed"]
        with self.store.engine.connect() as connection:
            row = connection.execute(
                sa.select(consumed.c.event_id).where(
                    consumed.c.consumer == self.consumer, consumed.c.event_id == event_id
                )
            ).first()
        return row is not None

    def add(self, event_id: str) -> None:
        self.store.mark_consumed(self.consumer, event_id)
