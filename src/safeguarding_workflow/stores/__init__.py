"""
Where cases live: the store interface, the in-memory store and the SQL store with its outbox.

[`CaseStore`][safeguarding_workflow.stores.CaseStore] is the interface every
store implements; [`safeguarding_workflow.testing.StoreContract`][] is the test
suite that proves one. [`MemoryStore`][safeguarding_workflow.stores.MemoryStore]
keeps cases in memory. [`SqlStore`][safeguarding_workflow.stores.SqlStore] keeps
them on SQLite or PostgreSQL, with a transactional outbox that
[`OutboxRelay`][safeguarding_workflow.stores.OutboxRelay] delivers.
[`AsyncSqlStore`][safeguarding_workflow.stores.AsyncSqlStore] is the SQL store on
SQLAlchemy's `AsyncEngine`, for asyncio hosts (driven by
[`AsyncWorkflow`][safeguarding_workflow.aio.AsyncWorkflow]), and
[`AsyncOutboxRelay`][safeguarding_workflow.stores.AsyncOutboxRelay] relays its outbox.

The SQL names load SQLAlchemy when first used, so a host on the memory store
never imports it; the async names load SQLAlchemy's asyncio extension, when first used.

Added in version 0.1.0.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._base import CaseStore, DueDeadline, RegisterRow, responsible_roles
from ._memory import MemoryStore

if TYPE_CHECKING:
    from ._sql import (
        STORE_SCHEMA_VERSION,
        WRITER_OPTION,
        IdempotentConsumer,
        OutboxRelay,
        RelayReport,
        SeenEvents,
        SqlStore,
        configure_sqlite_engine,
        exponential_backoff,
        sqlite_engine,
    )
    from ._sql._async import AsyncOutboxRelay, AsyncSqlStore, AsyncStoreScope

__all__ = [
    "STORE_SCHEMA_VERSION",
    "WRITER_OPTION",
    "AsyncOutboxRelay",
    "AsyncSqlStore",
    "AsyncStoreScope",
    "CaseStore",
    "DueDeadline",
    "IdempotentConsumer",
    "MemoryStore",
    "OutboxRelay",
    "RegisterRow",
    "RelayReport",
    "SeenEvents",
    "SqlStore",
    "configure_sqlite_engine",
    "exponential_backoff",
    "responsible_roles",
    "sqlite_engine",
]

#: Names that load SQLAlchemy, resolved on first access (PEP 562).
_LAZY = frozenset(__all__) - {
    "CaseStore",
    "DueDeadline",
    "MemoryStore",
    "RegisterRow",
    "responsible_roles",
}

#: Names that load SQLAlchemy's asyncio extension too, from the async store's module.
_ASYNC = frozenset({"AsyncOutboxRelay", "AsyncSqlStore", "AsyncStoreScope"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = "._sql._async" if name in _ASYNC else "._sql"
        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
