"""The shipped store contract, run on SQL stores over a real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from safeguarding_workflow.stores import SqlStore
from safeguarding_workflow.testing import StoreContract


class TestPostgresqlStore(StoreContract):
    url: str
    stores: list[SqlStore]

    @pytest.fixture(autouse=True)
    def _engines(self, pg_url: str) -> Iterator[None]:
        """The session's PostgreSQL; each test's engines are closed after it."""
        self.url = pg_url
        self.stores = []
        yield
        for store in self.stores:
            store.engine.dispose()

    def make_store(self) -> SqlStore:
        """A store on tables of its own: a fresh prefix, unlike any other module's."""
        store = SqlStore.postgresql(self.url, prefix=f"c{uuid.uuid4().hex[:12]}_")
        self.stores.append(store)
        return store
