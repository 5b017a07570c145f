"""The shipped store contract, run on SQL stores over SQLite files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from safeguarding_workflow.stores import SqlStore
from safeguarding_workflow.testing import StoreContract


class TestSqliteStore(StoreContract):
    folder: Path
    stores: list[SqlStore]

    @pytest.fixture(autouse=True)
    def _engines(self, tmp_path: Path) -> Iterator[None]:
        """Each test's stores live in its own folder; their engines are closed after it."""
        self.folder = tmp_path
        self.stores = []
        yield
        for store in self.stores:
            store.engine.dispose()

    def make_store(self) -> SqlStore:
        """A store on a new SQLite file in the test's folder."""
        store = SqlStore.sqlite(str(self.folder / f"store-{len(self.stores)}.db"))
        self.stores.append(store)
        return store
