"""
What commands in a host's transaction hand their subscribers, held until the host commits.

A store bound to the host's connection (`SqlStore.bound`) writes inside the host's
transaction, so a command's record is stored only when the host commits. Its event must
wait for that commit, and never be delivered if the commit does not happen.

SQLAlchemy Core cannot say that a commit held. Its ``commit`` event runs before the DBAPI
commit, which can still fail (a deferred constraint, a serialisation failure, a lost
connection), and nothing runs after it; after a failed commit, the rollback that follows
sends no ``rollback`` event. So the held deliveries ask the database instead:

- each delivery is held with the record it announces and the transaction it was made in
  (counted by the connection's ``begin`` events);
- a ``rollback`` event drops the deliveries of the transaction it ends, at once;
- `SqlStore.publish` delivers, in order, those whose transaction has ended (a later one
  has begun, or none is open) and whose record another connection can read, with the
  very hash: it committed. The rest of the ended ones never committed, and are dropped.
  The open transaction's wait.

A record rolled back with a savepoint, or with a commit that failed, is thus never
announced, whichever way its transaction ended. The held deliveries belong to the
connection object (its listeners hold them), so every bound view and every workflow on
a connection shares one queue, in order, and both go when the connection does.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, Final, final

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from ...history._chain import HistoryRecord
from ._engine import _READING

__all__ = ["HELD", "Delivery", "Held", "Verifier", "committed_keys", "found", "held"]

#: A record's key and hash: what another connection reads back if it committed.
RecordKey = tuple[str, str, int, str]
#: Which of some records' keys another connection reads back (see `committed_keys`).
Verifier = Callable[[list[RecordKey]], set[RecordKey]]


@final
class Delivery:
    """One held delivery: the callback, its record, and where the record is to be read."""

    __slots__ = ("callback", "key", "transaction", "verifier")

    def __init__(
        self,
        callback: Callable[[], object],
        record: HistoryRecord,
        transaction: int,
        verifier: Verifier,
    ) -> None:
        self.callback = callback
        self.key: RecordKey = (record.tenant_id, record.case_id, record.sequence, record.hash)
        self.transaction = transaction
        #: What reads the record back (the store's shared tables), never the connection.
        self.verifier = verifier


@final
class Held:
    """One connection's held deliveries, in the order their commands were stored."""

    __slots__ = ("__weakref__", "deliveries", "owner", "transaction")

    def __init__(self, connection: Connection) -> None:
        self.deliveries: list[Delivery] = []
        #: The connection, weakly: the registry must not keep it alive.
        self.owner = weakref.ref(connection)
        #: Counts the transactions begun on the connection since it was hooked.
        self.transaction = 0

    def on_begin(self, *_: Any) -> None:
        """A transaction begins: those before it have ended."""
        self.transaction += 1

    def on_rollback(self, *_: Any) -> None:
        """The open transaction rolls back: nothing of it will be stored."""
        current = self.transaction
        self.deliveries = [d for d in self.deliveries if d.transaction != current]

    def add(
        self, callback: Callable[[], object], record: HistoryRecord, verifier: Verifier
    ) -> None:
        """Hold *callback* until *record*, written in the open transaction, is committed."""
        self.deliveries.append(Delivery(callback, record, self.transaction, verifier))

    def ended(self, open_transaction: bool) -> list[Delivery]:
        """The deliveries whose transaction has ended (a prefix), taken off the queue."""
        count = 0
        for delivery in self.deliveries:
            if open_transaction and delivery.transaction == self.transaction:
                break
            count += 1
        ended = self.deliveries[:count]
        del self.deliveries[:count]
        return ended


#: Each hooked connection's held deliveries, by the connection's id; an entry goes when
#: its Held does, which lives only as long as the connection whose listeners hold it.
HELD: Final[weakref.WeakValueDictionary[int, Held]] = weakref.WeakValueDictionary()
_LOCK: Final = threading.Lock()

#: The connection events a Held listens to, and the method that hears each.
_LISTENERS: Final = (
    ("begin", "on_begin"),
    ("begin_twophase", "on_begin"),
    ("rollback", "on_rollback"),
    ("rollback_twophase", "on_rollback"),
)


def found(connection: Connection) -> Held | None:
    """The connection's held deliveries, if it has been hooked."""
    candidate = HELD.get(id(connection))
    return candidate if candidate is not None and candidate.owner() is connection else None


def held(connection: Connection) -> Held:
    """The connection's held deliveries, hooking its events the first time."""
    existing = found(connection)
    if existing is not None:
        return existing
    with _LOCK:
        existing = found(connection)
        if existing is None:
            existing = Held(connection)
            for name, method in _LISTENERS:
                event.listen(connection, name, getattr(existing, method))
            HELD[id(connection)] = existing
    return existing


def committed_keys(engine: Engine, history: sa.Table, keys: list[RecordKey]) -> set[RecordKey]:
    """
    Which of *keys* another connection reads in *history*: the records that committed.

    Read on a connection of the engine's own, not the host's, so nothing the host has
    not committed is seen; on SQLite it begins deferred, as any read outside a command.
    """
    if not keys:
        return set()
    where = sa.tuple_(history.c.tenant_id, history.c.case_id, history.c.sequence).in_(
        [key[:3] for key in keys]
    )
    query = sa.select(
        history.c.tenant_id, history.c.case_id, history.c.sequence, history.c.hash
    ).where(where)
    with engine.connect() as connection:
        connection.execution_options(**{_READING: True})
        rows = connection.execute(query).all()
    return {(r[0], r[1], r[2], r[3]) for r in rows}
