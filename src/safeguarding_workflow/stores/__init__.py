"""
Where cases live: the store interface, the in-memory store and the SQL store with its outbox.

[`CaseStore`][safeguarding_workflow.stores.CaseStore] is the interface every
store implements; [`safeguarding_workflow.testing.StoreContract`][] is the test
suite that proves one. [`MemoryStore`][safeguarding_workflow.stores.MemoryStore]
keeps cases in memory. [`SqlStore`][safeguarding_workflow.stores.SqlStore] keeps
them on SQLite or PostgreSQL, with a transactional outbox that
[`OutboxRelay`][safeguarding_workflow.stores.OutboxRelay] delivers.

The SQL names load SQLAlchemy when first used, so a host on the memory store
never imports it.

Added in version 0.1.0.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._base import CaseStore, DueDeadline
from ._memory import MemoryStore

if TYPE_CHECKING:
    from ._sql import (
        STORE_SCHEMA_VERSION,
        IdempotentConsumer,
        OutboxRelay,
        RelayReport,
        SeenEvents,
        SqlStore,
        exponential_backoff,
    )

__all__ = [
    "STORE_SCHEMA_VERSION",
    "CaseStore",
    "DueDeadline",
    "IdempotentConsumer",
    "MemoryStore",
    "OutboxRelay",
    "RelayReport",
    "SeenEvents",
    "SqlStore",
    "exponential_backoff",
]

#: Names that load SQLAlchemy, resolved on first access (PEP 562).
_LAZY = frozenset(__all__) - {"CaseStore", "DueDeadline", "MemoryStore"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module("._sql", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
