"""
Async hosts: AsyncWorkflow over AsyncSqlStore, on aiosqlite and on PostgreSQL (async psycopg).

The guarantees of the sync path, awaited: one transaction per command, events told only
after the commit, a failed or refused command storing nothing and telling no one,
idempotency keys, the snapshot check, one winner among racing tasks; and the engines each
store refuses.
"""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pendulum
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

import safeguarding_workflow as sw
from safeguarding_workflow.aio import AsyncWorkflow
from safeguarding_workflow.history import rebuild, verify
from safeguarding_workflow.stores import AsyncOutboxRelay, AsyncSqlStore, OutboxRelay, SqlStore
from safeguarding_workflow.testing import FrozenClock
from safeguarding_workflow.testing._england import BARNSLEY, USUAL_PATH, step_command
from safeguarding_workflow.testing._store_contract import _incident

_counter = itertools.count()
TENANT = "async-tenant"
CASE = "async-case"
ROLES = {event: role for event, role, _ in USUAL_PATH}
PAYLOADS = {event: payload for event, _, payload in USUAL_PATH}


class Target:
    """One database for a test: async stores on it, and a sync store on the same tables."""

    def __init__(self, kind: str, url: str, prefix: str) -> None:
        self.kind = kind
        self.url = url
        self.prefix = prefix

    async def store(self) -> AsyncSqlStore:
        if self.kind == "sqlite":
            return await AsyncSqlStore.sqlite(self.url, prefix=self.prefix)
        return await AsyncSqlStore.postgresql(self.url, prefix=self.prefix)

    def sync(self, prefix: str | None = None) -> SqlStore:
        """A sync store on the same database: on the same tables, or on *prefix*'s."""
        prefix = prefix or self.prefix
        if self.kind == "sqlite":
            return SqlStore.sqlite(self.url, prefix=prefix)
        return SqlStore.postgresql(self.url, prefix=prefix)


@pytest.fixture(name="target", params=["sqlite", "postgresql"])
def _target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    prefix = f"as{next(_counter)}_"
    if request.param == "sqlite":
        yield Target("sqlite", str(tmp_path / "async.db"), prefix)
    else:
        yield Target("postgresql", request.getfixturevalue("pg_url"), prefix)


class Host:
    """An async host: a workflow over a store, a frozen clock, and what its subscribers heard."""

    def __init__(self, store: AsyncSqlStore, *subscribers: Callable[[sw.CloudEvent], Any]) -> None:
        self.store = store
        self.clock = FrozenClock(pendulum.datetime(2024, 1, 5, 12, tz="UTC"))
        self.told: list[sw.CloudEvent] = []

        async def tell(event: sw.CloudEvent) -> None:
            await asyncio.sleep(0)  # a coroutine subscriber, awaited
            self.told.append(event)

        self.workflow = AsyncWorkflow(
            sw.england.PACK,
            clock=self.clock,
            settings=[sw.TenantSettings(TENANT)],
            store=store,
            subscribers=[*subscribers, tell],
        )
        self.when = pendulum.datetime(2024, 1, 5, 10, tz="UTC")

    async def open(self, case_id: str = CASE, **facts: Any) -> sw.Outcome:
        return await self.workflow.open(
            TENANT, _incident(**facts), local_authority=BARNSLEY, actor="user-1", case_id=case_id
        )

    def command(self, event: str, *, case_id: str = CASE, **kwargs: Any) -> sw.Command:
        """The command taking *event* a day after the last, the clock an hour past it."""
        self.when = self.when.add(days=1)
        self.clock.set(self.when.add(hours=1))
        return step_command(
            TENANT, case_id, event, ROLES[event], PAYLOADS[event], self.when, **kwargs
        )


def run(target: Target, scenario: Callable[[AsyncSqlStore], Awaitable[None]]) -> None:
    """Run *scenario* on a new async store of *target* in a new event loop; dispose of it."""

    async def main() -> None:
        store = await target.store()
        try:
            await scenario(store)
        finally:
            await store.engine.dispose()

    asyncio.run(main())


def stored(target: Target, case_id: str = CASE) -> tuple[sw.Case, tuple[sw.HistoryRecord, ...]]:
    """The case and history as a sync store on the same tables reads them."""
    store = target.sync()
    try:
        return store.get(TENANT, case_id), store.history(TENANT, case_id)
    finally:
        store.engine.dispose()


# -- engines each store refuses ------------------------------------------------------------


def test_a_sync_store_refuses_an_async_engine() -> None:
    """SqlStore given an AsyncEngine (or its sync_engine) says to use AsyncSqlStore."""
    engine = create_async_engine("sqlite+aiosqlite://")
    for given in (engine, engine.sync_engine):
        with pytest.raises(sw.ConfigurationError) as caught:
            SqlStore(given)  # type: ignore[arg-type]
        assert "engine" == caught.value.field
        assert "AsyncSqlStore" in str(caught.value)
        assert "AsyncWorkflow" in str(caught.value)
    with pytest.raises(sw.ConfigurationError) as caught:
        SqlStore("sqlite://")  # type: ignore[arg-type]
    assert "must be a SQLAlchemy Engine" in str(caught.value)


def test_an_async_store_refuses_a_sync_engine_and_the_workflow_a_sync_store() -> None:
    """AsyncSqlStore given a sync engine names SqlStore; AsyncWorkflow wants AsyncSqlStore."""
    engine = sa.create_engine("sqlite://")
    with pytest.raises(sw.ConfigurationError) as caught:
        AsyncSqlStore(engine)  # type: ignore[arg-type]
    assert ("engine", True) == (caught.value.field, "use SqlStore" in str(caught.value))
    with pytest.raises(sw.ConfigurationError):
        AsyncSqlStore(object())  # type: ignore[arg-type]
    with pytest.raises(sw.ConfigurationError):
        AsyncSqlStore(create_async_engine("sqlite+aiosqlite://"), prefix="x; drop")
    clock = FrozenClock(pendulum.datetime(2024, 1, 5, tz="UTC"))
    with pytest.raises(sw.ConfigurationError) as caught:
        AsyncWorkflow(
            sw.england.PACK,
            clock=clock,
            settings=[],
            store=SqlStore(engine),  # type: ignore[arg-type]
        )
    assert "store" == caught.value.field


def test_importing_the_library_loads_no_asyncio_extension() -> None:
    """`import safeguarding_workflow` and its SQL store load no sqlalchemy.ext.asyncio."""
    code = (
        "import sys, safeguarding_workflow as sw\n"
        "sw.stores.SqlStore\n"
        "assert 'sqlalchemy.ext.asyncio' not in sys.modules\n"
        "sw.stores.AsyncSqlStore\n"
        "assert 'sqlalchemy.ext.asyncio' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- commands ----------------------------------------------------------------------------------


def test_every_kind_of_command_round_trips(target: Target) -> None:
    """Opening, new facts, steps, a correction and a recomputation: stored, verified, told."""

    async def scenario(store: AsyncSqlStore) -> None:
        host = Host(store)
        workflow = host.workflow
        looked_after = [sw.Child(age=15, harm="death", looked_after_by=BARNSLEY)]
        await host.open(abuse_or_neglect="not_suspected", children=looked_after)
        host.clock.set(pendulum.datetime(2024, 1, 16, 12, tz="UTC"))
        host.when = pendulum.datetime(2024, 1, 15, 9, tz="UTC")
        suspected = _incident(
            children=looked_after, abuse_or_neglect_since=pendulum.date(2024, 1, 15)
        )
        await workflow.update_facts(TENANT, CASE, suspected, actor="user-1")
        await workflow.fire(host.command("notify_panel"))
        await workflow.correct(
            TENANT,
            CASE,
            corrects=3,
            occurred_at=host.when.subtract(hours=3),
            actor="user-2",
            role=ROLES["notify_panel"],
            reason_ref="memo-1",
        )
        addition = sw.HolidayAddition(pendulum.date(2024, 1, 19), "Proclaimed (fictional)")
        workflow.configure(sw.TenantSettings(TENANT, calendar_additions=[addition]))
        await workflow.recompute_deadlines(TENANT, CASE, actor="scheduler")
        last = await workflow.fire(host.command("inform_safeguarding_partners"))
        history = await workflow.history(TENANT, CASE)
        kinds = ["opened", "facts_updated", "step", "correction", "deadlines_recomputed", "step"]
        assert kinds == [r.kind for r in history]
        assert verify(history).ok
        assert last.case == await workflow.case(TENANT, CASE) == rebuild(history)
        assert [r.event_id for r in history] == [e.id for e in host.told]
        schema = jsonschema.Draft202012Validator(sw.event_schema())
        assert [] == [e.message for t in host.told for e in schema.iter_errors(t.to_dict())]
        assert (last.case, history) == stored(target)  # the sync store reads the same rows

    run(target, scenario)


def test_a_refused_command_stores_nothing_and_tells_no_one(target: Target) -> None:
    """A guard's refusal, and a failure after every write of the command: nothing stays."""

    async def scenario(store: AsyncSqlStore) -> None:
        host = Host(store)
        await host.open()
        for event in ("notify_panel", "inform_safeguarding_partners", "start_rapid_review"):
            await host.workflow.fire(host.command(event))
        before = (await host.workflow.case(TENANT, CASE), len(host.told))
        refused = host.command("submit_rapid_review")
        refused = step_command(
            TENANT,
            CASE,
            refused.event,
            refused.role or "",
            {**refused.payload, "rationale_ref": None},
            host.when,
        )
        with pytest.raises((sw.TransitionRefused, sw.InvalidInputError)):
            await host.workflow.fire(refused)
        assert before == (await host.workflow.case(TENANT, CASE), len(host.told))
        with failing_after_the_write(), pytest.raises(RuntimeError):
            await host.workflow.fire(host.command("submit_rapid_review"))
        assert before == (await host.workflow.case(TENANT, CASE), len(host.told))
        assert 4 == len(await host.workflow.history(TENANT, CASE))
        out = await host.workflow.fire(host.command("submit_rapid_review"))
        assert ("rapid_review_submitted", 5) == (out.case.state, len(host.told))

    run(target, scenario)


class failing_after_the_write:  # noqa: N801 - used as a context manager, like a function
    """Make SqlStore.append raise once it has written every row of its command."""

    def __enter__(self) -> None:
        self.original = SqlStore.append

        def append(store: SqlStore, *args: Any, **kwargs: Any) -> None:
            self.original(store, *args, **kwargs)
            raise RuntimeError("the host's process failed before the commit")

        SqlStore.append = append  # type: ignore[method-assign]

    def __exit__(self, *exc: object) -> None:
        SqlStore.append = self.original  # type: ignore[method-assign]


def test_racing_tasks_have_one_winner(target: Target) -> None:
    """Four tasks fire at one version, five rounds: one winner a round, no update lost."""

    async def scenario(store: AsyncSqlStore) -> None:
        host = Host(store)
        await host.open()
        await host.workflow.fire(host.command("notify_panel"))
        for _ in range(5):
            case = await host.workflow.case(TENANT, CASE)
            command = host.command("inform_safeguarding_partners")
            racers = [
                step_command(
                    TENANT,
                    CASE,
                    command.event,
                    command.role or "",
                    command.payload,
                    host.when,
                    actor=f"user-{i}",
                    expected_version=case.version,
                )
                for i in range(4)
            ]
            results = await asyncio.gather(
                *(host.workflow.fire(r) for r in racers), return_exceptions=True
            )
            winners = [r for r in results if isinstance(r, sw.Outcome)]
            assert (1, 3) == (
                len(winners),
                sum(isinstance(r, sw.ConcurrencyConflict) for r in results),
            )
            assert winners[0].case == await host.workflow.case(TENANT, CASE)
        history = await host.workflow.history(TENANT, CASE)
        assert (7, 7) == (len(history), (await host.workflow.case(TENANT, CASE)).version)
        assert verify(history).ok
        assert [r.event_id for r in history] == [e.id for e in host.told]

    run(target, scenario)


def test_events_are_told_after_the_commit(target: Target) -> None:
    """A subscriber reads the command's record on another connection; one that raises is logged."""
    seen: list[int] = []

    async def scenario(store: AsyncSqlStore) -> None:
        other = AsyncSqlStore(store.engine, prefix=store.prefix)

        async def reads_back(event: sw.CloudEvent) -> None:
            seen.append((await other.get(TENANT, CASE)).version)

        def fails(event: sw.CloudEvent) -> None:
            raise ValueError("a subscriber's own failure")

        host = Host(store, reads_back, fails)
        await host.open()
        out = await host.workflow.fire(host.command("notify_panel"))
        assert [1, 2] == seen
        assert out.record is not None
        assert [1, 2] == [r.sequence for r in await host.workflow.history(TENANT, CASE)]
        assert out.record.event_id == host.told[-1].id

    with capture_warnings() as lines:
        run(target, scenario)
    assert 2 == sum("subscriber_failed" in line for line in lines)


class capture_warnings:  # noqa: N801 - used as a context manager, like a function
    """The library's log lines written in the block."""

    def __enter__(self) -> list[str]:
        import logging

        self.lines: list[str] = []
        lines = self.lines

        class Keep(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                lines.append(record.getMessage())

        self.handler = Keep()
        logging.getLogger("safeguarding_workflow").addHandler(self.handler)
        return self.lines

    def __exit__(self, *exc: object) -> None:
        import logging

        logging.getLogger("safeguarding_workflow").removeHandler(self.handler)


def test_an_idempotency_key_replays_its_first_outcome(target: Target) -> None:
    """A retry under a key returns the first outcome and tells no one again; a reuse is refused."""

    async def scenario(store: AsyncSqlStore) -> None:
        host = Host(store)
        await host.open()
        command = host.command("notify_panel", idempotency_key="req-1")
        first = await host.workflow.fire(command)
        again = await host.workflow.fire(command)
        assert (first.case, first.record) == (again.case, again.record)
        assert 2 == len(host.told) == len(await host.workflow.history(TENANT, CASE))
        other = host.command("inform_safeguarding_partners", idempotency_key="req-1")
        with pytest.raises(sw.IdempotencyKeyReused):
            await host.workflow.fire(other)
        reasons = await host.workflow.check(other)
        assert ["idempotency_key_reused"] == [r.code for r in reasons]
        assert 2 == len(host.told) == len(await host.workflow.history(TENANT, CASE))

    run(target, scenario)


def test_a_snapshot_edited_behind_the_library_is_refused(target: Target) -> None:
    """A case row edited outside the library is refused on read and steers no command."""

    async def scenario(store: AsyncSqlStore) -> None:
        host = Host(store)
        await host.open()
        await host.workflow.fire(host.command("notify_panel"))
        sync = target.sync()
        cases = sync.tables["cases"]
        with sync.engine.begin() as connection:
            text = connection.execute(sa.select(cases.c.snapshot)).scalar_one()
            data = orjson.loads(text)
            data["state"] = "closed"
            connection.execute(cases.update().values(snapshot=orjson.dumps(data).decode()))
        sync.engine.dispose()
        fresh = AsyncWorkflow(
            sw.england.PACK,
            clock=host.clock,
            settings=[sw.TenantSettings(TENANT)],
            store=AsyncSqlStore(store.engine, prefix=store.prefix),
        )
        with pytest.raises(sw.HistoryIntegrityError):
            await fresh.case(TENANT, CASE)
        with pytest.raises(sw.HistoryIntegrityError):
            await fresh.fire(host.command("inform_safeguarding_partners"))
        assert 2 == len(await fresh.history(TENANT, CASE))

    run(target, scenario)


def test_retry_helper_and_queries(target: Target) -> None:
    """fire_with_retry re-reads after a conflict; the queries answer as the sync workflow's."""

    async def scenario(store: AsyncSqlStore) -> None:
        host = Host(store)
        await host.open()
        await host.workflow.fire(host.command("notify_panel"))
        calls: list[int] = []

        async def build(case: sw.Case) -> sw.Command:
            calls.append(case.version)
            if len(calls) == 1:  # another writer gets in between our read and our write
                await host.workflow.fire(host.command("inform_safeguarding_partners"))
            return host.command("start_rapid_review")

        out = await host.workflow.fire_with_retry(TENANT, CASE, build)
        assert ([2, 3], "rapid_review") == (calls, out.case.state)
        with pytest.raises(sw.ConfigurationError):
            await host.workflow.fire_with_retry(TENANT, CASE, build, attempts=0)

        await host.open("case-2")
        await host.workflow.fire(host.command("notify_panel", case_id="case-2"))

        async def always_beaten(case: sw.Case) -> sw.Command:
            # someone else informs the partners again between our read and our write
            await host.workflow.fire(host.command("inform_safeguarding_partners", case_id="case-2"))
            return host.command("inform_safeguarding_partners", case_id="case-2")

        with pytest.raises(sw.ConcurrencyConflict):
            await host.workflow.fire_with_retry(TENANT, "case-2", always_beaten, attempts=2)
        assert 4 == len(await host.workflow.history(TENANT, "case-2"))
        as_of = pendulum.date(2024, 6, 1)
        overdue = await host.workflow.overdue(TENANT, as_of)
        soon = await host.workflow.due_soon(TENANT, pendulum.date(2024, 1, 8), working_days=30)
        assert overdue
        assert soon
        assert overdue == await store.overdue(
            TENANT,
            as_of,
            calendar=host.workflow.calendar,
            lifecycles=(host.workflow.pack.lifecycle,),
        )
        case = await host.workflow.case(TENANT, CASE)
        options = host.workflow.available(case, ["safeguarding_partners"])
        assert "submit_rapid_review" in [o.event for o in options]
        assert [] == list(await host.workflow.check(host.command("submit_rapid_review")))
        assert [2, 3] == calls  # the dry run stored nothing
        assert 4 == len(await host.workflow.history(TENANT, CASE))

    run(target, scenario)


# -- the relay ---------------------------------------------------------------------------------


def test_the_async_relay_delivers_in_order_and_retries(target: Target) -> None:
    """An awaited handler gets each event once, in order; a failure holds back its case."""

    async def scenario(store: AsyncSqlStore) -> None:
        host = Host(store)
        await host.open()
        for event in ("notify_panel", "inform_safeguarding_partners"):
            await host.workflow.fire(host.command(event))
        delivered: list[str] = []
        failures = [1]

        async def handler(event: sw.CloudEvent) -> None:
            await asyncio.sleep(0)
            if event.type.endswith("notify_panel") and failures:
                failures.pop()
                raise ConnectionError("the webhook did not answer")
            delivered.append(event.id)

        clock = FrozenClock(pendulum.datetime(2024, 3, 1, tz="UTC"))
        relay = AsyncOutboxRelay(store, handler, clock=clock, relay_id="relay-a")
        first = await relay.run_until_idle()  # the opening; then notify_panel fails
        assert (1, 1, 0) == (first.delivered, first.failed, first.dead)
        clock.set(pendulum.datetime(2024, 3, 2, tz="UTC"))  # after the back-off
        rest = await relay.run_until_idle()
        assert (2, 0, 0) == (rest.delivered, rest.failed, rest.dead)
        history = await host.workflow.history(TENANT, CASE)
        assert [r.event_id for r in history] == delivered
        sync = target.sync()
        try:  # the sync relay shares the outbox: nothing is left for it
            assert 0 == OutboxRelay(sync, print, clock=clock).run_once().delivered
        finally:
            sync.engine.dispose()
        assert 0 == (await relay.run_once()).delivered

    run(target, scenario)


def test_the_async_relay_refuses_bad_settings() -> None:
    """A relay needs an async store and sane settings."""
    clock = FrozenClock(pendulum.datetime(2024, 3, 1, tz="UTC"))
    store = AsyncSqlStore(create_async_engine("sqlite+aiosqlite://"))
    for kwargs in ({"batch_size": 0}, {"max_attempts": 0}):
        with pytest.raises(sw.ConfigurationError):
            AsyncOutboxRelay(store, print, clock=clock, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(sw.InvalidInputError):
        AsyncOutboxRelay(store, print, clock=clock, relay_id="a b\x00")
    with pytest.raises(sw.ConfigurationError):
        AsyncOutboxRelay(sw.MemoryStore(), print, clock=clock)  # type: ignore[arg-type]


def test_the_store_reads_and_writes_awaited(target: Target) -> None:
    """The awaited store API: keyed records, one record by sequence, heads, ids, purge, consumed."""

    async def scenario(store: AsyncSqlStore) -> None:
        host = Host(store)
        await host.open()
        out = await host.workflow.fire(host.command("notify_panel", idempotency_key="k-1"))
        assert out.record == await store.find(TENANT, CASE, "k-1")
        assert (out.case, out.record) == await store.load(TENANT, CASE, "k-1")
        assert out.record == await store.record(TENANT, CASE, 2)
        assert [(CASE, 2)] == [(h.case_id, h.sequence) for h in await store.heads(TENANT)]
        assert [CASE] == list(await store.case_ids(TENANT))
        assert 0 == await store.purge_outbox("2100-01-01")
        assert (True, False) == (
            await store.mark_consumed("mailer", out.record.event_id),  # type: ignore[union-attr]
            await store.mark_consumed("mailer", out.record.event_id),  # type: ignore[union-attr]
        )
        with pytest.raises(sw.CaseNotFoundError):
            await store.get(TENANT, "no-such-case")
        assert (None, host.clock) == (store.schema, host.workflow.clock)
        assert TENANT == host.workflow.settings(TENANT).tenant_id
        soon = await store.due_soon(
            TENANT,
            pendulum.date(2024, 1, 8),
            working_days=30,
            calendar=host.workflow.calendar,
            lifecycles=(host.workflow.pack.lifecycle,),
        )
        assert soon == await host.workflow.due_soon(
            TENANT, pendulum.date(2024, 1, 8), working_days=30
        )
        # The store a command's sync workflow runs on: each call its own transaction.
        assert (out.case, 2, out.record) == await store._command(
            lambda one: (
                one.get(TENANT, CASE),
                len(one.history(TENANT, CASE)),
                one.find(TENANT, CASE, "k-1"),
            )
        )
        async with store.transaction() as scope:
            case, _ = await scope.load(TENANT, CASE, None)
            assert case == await scope.get(TENANT, CASE)
            assert 2 == len(await scope.history(TENANT, CASE))

    run(target, scenario)


def test_a_cancelled_command_stores_nothing(target: Target) -> None:
    """A task cancelled after its command's writes, before the commit, stores nothing."""
    from sqlalchemy import util

    async def scenario(store: AsyncSqlStore) -> None:
        host = Host(store)
        await host.open()
        command = host.command("notify_panel")
        original = SqlStore.append

        def slow_append(sync: SqlStore, *args: Any, **kwargs: Any) -> None:
            original(sync, *args, **kwargs)
            util.await_only(asyncio.sleep(5))  # the loop runs on; the task is cancelled here

        SqlStore.append = slow_append  # type: ignore[method-assign]
        try:
            task = asyncio.create_task(host.workflow.fire(command))
            await asyncio.sleep(0.5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        finally:
            SqlStore.append = original  # type: ignore[method-assign]
        assert 1 == len(await host.workflow.history(TENANT, CASE))
        assert 1 == len(host.told)
        out = await asyncio.wait_for(host.workflow.fire(command), 30)  # nothing left locked
        assert (2, 2) == (out.case.version, len(host.told))

    run(target, scenario)


def test_the_async_workflow_takes_the_sync_workflows_arguments() -> None:
    """Each method AsyncWorkflow shares with Workflow has the same parameters and defaults."""
    import inspect

    shared = [
        name
        for name, member in vars(AsyncWorkflow).items()
        if not name.startswith("_") and callable(member) and hasattr(sw.Workflow, name)
    ]
    assert {"open", "fire", "correct", "update_facts", "check", "available", "overdue"} < set(
        shared
    )
    for name in shared:
        ours = inspect.signature(getattr(AsyncWorkflow, name)).parameters
        theirs = inspect.signature(getattr(sw.Workflow, name)).parameters
        assert [(p.name, p.kind, p.default) for p in theirs.values()] == [
            (p.name, p.kind, p.default) for p in ours.values()
        ], name


def test_a_sqlite_engine_without_the_stores_settings_is_warned_about(tmp_path: Path) -> None:
    """An aiosqlite engine on a file without WAL is warned about at its first connection."""
    from safeguarding_workflow.stores import configure_sqlite_engine

    async def main() -> None:
        plain = AsyncSqlStore(create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"))
        with pytest.warns(sw.SqliteSettingsWarning, match="configure_sqlite_engine"):
            await plain.create_schema()
        await plain.engine.dispose()
        for engine in (
            configure_sqlite_engine(
                create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
            ),
            create_async_engine("sqlite+aiosqlite://"),  # in memory: nothing to lose in a crash
        ):
            store = AsyncSqlStore(engine)
            await store.create_schema()  # no warning: the suite turns warnings into errors
            async with engine.connect() as connection:
                mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
            assert mode in ("wal", "memory")
            await engine.dispose()

    asyncio.run(main())
