"""The SQL store (SQLAlchemy Core on SQLite and PostgreSQL) and its outbox relay."""

from ._engine import WRITER_OPTION, configure_sqlite_engine, sqlite_engine
from ._outbox import IdempotentConsumer, OutboxRelay, RelayReport, SeenEvents, exponential_backoff
from ._schema import STORE_SCHEMA_VERSION
from ._store import SqlStore

__all__ = [
    "STORE_SCHEMA_VERSION",
    "WRITER_OPTION",
    "IdempotentConsumer",
    "OutboxRelay",
    "RelayReport",
    "SeenEvents",
    "SqlStore",
    "configure_sqlite_engine",
    "exponential_backoff",
    "sqlite_engine",
]
