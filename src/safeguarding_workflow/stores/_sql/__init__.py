"""The SQL store (SQLAlchemy Core on SQLite and PostgreSQL) and its outbox relay."""

from ._outbox import IdempotentConsumer, OutboxRelay, RelayReport, SeenEvents, exponential_backoff
from ._schema import STORE_SCHEMA_VERSION
from ._store import SqlStore

__all__ = [
    "STORE_SCHEMA_VERSION",
    "IdempotentConsumer",
    "OutboxRelay",
    "RelayReport",
    "SeenEvents",
    "SqlStore",
    "exponential_backoff",
]
