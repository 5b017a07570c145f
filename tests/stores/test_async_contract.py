"""
The shipped store contract, run on the async store: aiosqlite, and psycopg's async driver.

The contract is synchronous (its workflow calls a `CaseStore`), so it drives the async
store through `_Blocking`: each call is a coroutine of `AsyncSqlStore` (or of the scope
its `transaction()` yields) run on an event loop in a thread of its own, and waited for.
Every test of the contract runs unchanged, the racing writers' threads included; none is
copied here.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Coroutine, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest

from safeguarding_workflow import Case
from safeguarding_workflow.history import HistoryRecord
from safeguarding_workflow.stores import (
    AsyncSqlStore,
    AsyncStoreScope,
    CaseStore,
    DueDeadline,
    RegisterRow,
)
from safeguarding_workflow.testing import StoreContract

_T = TypeVar("_T")


class _Loop:
    """An event loop running in a thread of its own; `run` waits for a coroutine on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


class _BlockingScope(CaseStore):
    """An `AsyncStoreScope` called from sync code."""

    def __init__(self, scope: AsyncStoreScope, loop: _Loop) -> None:
        self.scope = scope
        self.loop = loop

    def get(self, tenant_id: str, case_id: str) -> Case:
        return self.loop.run(self.scope.get(tenant_id, case_id))

    def load(
        self, tenant_id: str, case_id: str, idempotency_key: str | None
    ) -> tuple[Case, HistoryRecord | None]:
        return self.loop.run(self.scope.load(tenant_id, case_id, idempotency_key))

    def history(self, tenant_id: str, case_id: str) -> tuple[HistoryRecord, ...]:
        return self.loop.run(self.scope.history(tenant_id, case_id))

    def record(self, tenant_id: str, case_id: str, sequence: int) -> HistoryRecord:
        return self.loop.run(self.scope.record(tenant_id, case_id, sequence))

    def find(self, tenant_id: str, case_id: str, idempotency_key: str) -> HistoryRecord | None:
        return self.loop.run(self.scope.find(tenant_id, case_id, idempotency_key))

    def create(self, case: Case, record: HistoryRecord) -> None:
        self.loop.run(self.scope.create(case, record))

    def append(self, case: Case, record: HistoryRecord, expected_version: int) -> None:
        self.loop.run(self.scope.append(case, record, expected_version))

    def append_with_register(
        self, case: Case, record: HistoryRecord, expected_version: int, register: RegisterRow | None
    ) -> None:
        self.loop.run(self.scope.append_with_register(case, record, expected_version, register))

    def register_row(self, tenant_id: str, case_id: str) -> RegisterRow | None:
        return self.loop.run(self.scope.register_row(tenant_id, case_id))

    def register_rows(self, tenant_id: str) -> Iterator[tuple[str, RegisterRow]]:
        yield from self.loop.run(self.scope.register_rows(tenant_id))


class _Blocking(CaseStore):
    """An `AsyncSqlStore` called from sync code: every method is the async store's."""

    def __init__(self, store: AsyncSqlStore, loop: _Loop) -> None:
        self.store = store
        self.loop = loop

    @contextmanager
    def transaction(self) -> Iterator[CaseStore]:
        manager = self.store.transaction()
        scope = self.loop.run(manager.__aenter__())
        try:
            yield _BlockingScope(scope, self.loop)
        except BaseException as error:
            if not self.loop.run(manager.__aexit__(type(error), error, error.__traceback__)):
                raise
            return
        self.loop.run(manager.__aexit__(None, None, None))

    def get(self, tenant_id: str, case_id: str) -> Case:
        return self.loop.run(self.store.get(tenant_id, case_id))

    def load(
        self, tenant_id: str, case_id: str, idempotency_key: str | None
    ) -> tuple[Case, HistoryRecord | None]:
        return self.loop.run(self.store.load(tenant_id, case_id, idempotency_key))

    def history(self, tenant_id: str, case_id: str) -> tuple[HistoryRecord, ...]:
        return self.loop.run(self.store.history(tenant_id, case_id))

    def record(self, tenant_id: str, case_id: str, sequence: int) -> HistoryRecord:
        return self.loop.run(self.store.record(tenant_id, case_id, sequence))

    def find(self, tenant_id: str, case_id: str, idempotency_key: str) -> HistoryRecord | None:
        return self.loop.run(self.store.find(tenant_id, case_id, idempotency_key))

    def create(self, case: Case, record: HistoryRecord) -> None:
        self.loop.run(self.store.create(case, record))

    def append(self, case: Case, record: HistoryRecord, expected_version: int) -> None:
        self.loop.run(self.store.append(case, record, expected_version))

    def append_with_register(
        self, case: Case, record: HistoryRecord, expected_version: int, register: RegisterRow | None
    ) -> None:
        self.loop.run(self.store.append_with_register(case, record, expected_version, register))

    def register_row(self, tenant_id: str, case_id: str) -> RegisterRow | None:
        return self.loop.run(self.store.register_row(tenant_id, case_id))

    def register_rows(self, tenant_id: str) -> Iterator[tuple[str, RegisterRow]]:
        yield from self.loop.run(self.store.register_rows(tenant_id))

    def deadlines_due(self, *args: Any, **kwargs: Any) -> Sequence[DueDeadline]:
        return self.loop.run(self.store.deadlines_due(*args, **kwargs))


class _AsyncContract(StoreContract):
    """The contract on async stores made on one event loop, disposed of after each test."""

    loop: _Loop
    stores: list[AsyncSqlStore]

    @pytest.fixture(autouse=True)
    def _loop(self) -> Iterator[None]:
        self.loop = _Loop()
        self.stores = []
        yield
        for store in self.stores:
            self.loop.run(store.engine.dispose())
        self.loop.close()

    def new_store(self) -> Coroutine[Any, Any, AsyncSqlStore]:
        raise NotImplementedError

    def make_store(self) -> CaseStore:
        store = self.loop.run(self.new_store())
        self.stores.append(store)
        return _Blocking(store, self.loop)


class TestAioSqliteStore(_AsyncContract):
    path: Path

    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> None:
        self.path = tmp_path

    def new_store(self) -> Coroutine[Any, Any, AsyncSqlStore]:
        """A store on a SQLite file of its own, through aiosqlite."""
        return AsyncSqlStore.sqlite(str(self.path / f"{uuid.uuid4().hex}.db"))


class TestAsyncPostgresqlStore(_AsyncContract):
    url: str

    @pytest.fixture(autouse=True)
    def _url(self, pg_url: str) -> None:
        self.url = pg_url

    def new_store(self) -> Coroutine[Any, Any, AsyncSqlStore]:
        """A store on tables of its own on the session's PostgreSQL, through async psycopg."""
        return AsyncSqlStore.postgresql(self.url, prefix=f"a{uuid.uuid4().hex[:12]}_")
