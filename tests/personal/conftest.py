"""The stores the register's tests run on: memory, a SQLite file, and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import safeguarding_workflow as sw
from safeguarding_workflow.stores import MemoryStore, SqlStore


@pytest.fixture(name="kind", params=["memory", "sqlite", "postgresql"])
def _kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture(name="store")
def _store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sw.CaseStore]:
    """A fresh store of *kind*; PostgreSQL's tables under a prefix of their own."""
    if kind == "memory":
        yield MemoryStore()
        return
    if kind == "sqlite":
        store = SqlStore.sqlite(str(tmp_path / "cases.db"))
    else:
        url = request.getfixturevalue("pg_url")
        store = SqlStore.postgresql(url, prefix=f"p{uuid.uuid4().hex[:12]}_")
    yield store
    store.engine.dispose()
