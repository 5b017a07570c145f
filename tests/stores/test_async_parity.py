"""
AsyncWorkflow has every public method of Workflow: the register, retention and the rest.

Each command added to the async host (the identifier register's, the leak checks', legal
holds, disposal, subject access and migrations) is run on aiosqlite and on PostgreSQL
next to the sync workflow on the same tables: the records it stores are the sync
workflow's, its events reach the subscribers only once its transaction has committed,
and a refused command stores nothing and tells no one. The reads (`register`,
`retention`, `deadline_fingerprint`) and `masking` answer as the sync ones do. A last test
fails if `Workflow` ever grows a public method `AsyncWorkflow` lacks. All people, places
and numbers are fictional.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest

import safeguarding_workflow as sw
from safeguarding_workflow import publication
from safeguarding_workflow.aio import AsyncWorkflow
from safeguarding_workflow.exceptions import DisposalRefused
from safeguarding_workflow.history import verify
from safeguarding_workflow.personal import (
    Identifier,
    Keyring,
    MaskingFilter,
    Person,
    RetentionRule,
)
from safeguarding_workflow.stores import AsyncSqlStore, SqlStore

from ..helpers import CANARIES, TENANT, Driver
from .test_async import Target

NAME, NHS, ADDRESS, SCHOOL = CANARIES
KEYRING = Keyring({"kek-1": bytes(range(32))}, "kek-1")
RULE = RetentionRule("RRS 4.2", years=1, months=6)
SETTINGS = sw.TenantSettings(TENANT, retention=RULE)
SYNC, ASYNC = "sync-case", "async-case"
DRAFT = "Zebedee Quillfeather attended Nowhere Primary Academy.\n\nAgencies did not share."
LEAK_REGISTER = publication.Register(names=["Zebedee Quillfeather"], schools=[SCHOOL])
ENTRIES = [
    Identifier("e-name", "p-child", "name", NAME),
    Identifier("e-nhs", "p-child", "nhs_number", NHS),
    Identifier("e-address", "p-mother", "address", ADDRESS),
]
PEOPLE = [Person("p-child", "child"), Person("p-mother", "parent")]

_counter = itertools.count()


@pytest.fixture(name="target", params=["sqlite", "postgresql"])
def _target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    prefix = f"ap{next(_counter)}_"
    if request.param == "sqlite":
        yield Target("sqlite", str(tmp_path / "parity.db"), prefix)
    else:
        yield Target("postgresql", request.getfixturevalue("pg_url"), prefix)


class Pair:
    """
    A sync workflow (a `Driver`) and an async one on the same tables, clock and settings.

    The async workflow's subscriber reads the case back on another connection when it is
    told of an event: what it read is kept with the event, so a test can tell whether
    the record had committed.
    """

    def __init__(
        self,
        sync_store: SqlStore,
        store: AsyncSqlStore,
        *,
        key_provider: Keyring | None = KEYRING,
        authoriser: Any = None,
        pack: sw.RulePack | None = None,
    ) -> None:
        self.d = Driver(settings=SETTINGS, store=sync_store, pack=pack)
        self.d.workflow.key_provider = key_provider
        self.sync = self.d.workflow
        self.store = store
        self.told: list[tuple[sw.CloudEvent, int]] = []
        other = AsyncSqlStore(store.engine, prefix=store.prefix)

        async def reads_back(event: sw.CloudEvent) -> None:
            self.told.append((event, (await other.get(TENANT, event.subject)).version))

        self.workflow = AsyncWorkflow(
            pack or sw.england.PACK,
            clock=self.d.clock,
            settings=[SETTINGS],
            store=store,
            subscribers=[reads_back],
            authoriser=authoriser,
            key_provider=key_provider,
        )

    def told_ids(self) -> list[str]:
        return [event.id for event, _ in self.told]

    async def check_told_after_commit(self, since: int) -> None:
        """Every event told from *since* on was of a record committed when it was told."""
        told = self.told[since:]
        assert told, "no event was told"
        for event, version in told:
            history = await self.workflow.history(TENANT, event.subject)
            sequence = {r.event_id: r.sequence for r in history}[event.id]
            assert version >= sequence, "an event was told before its commit"


def run(target: Target, scenario: Callable[[SqlStore, AsyncSqlStore], Awaitable[None]]) -> None:
    """Run *scenario* on a sync and an async store of *target*; dispose of both."""

    async def main() -> None:
        store = await target.store()
        sync_store = target.sync()
        try:
            await scenario(sync_store, store)
        finally:
            await store.engine.dispose()
            sync_store.engine.dispose()

    asyncio.run(main())


async def act(workflow: sw.Workflow | AsyncWorkflow, name: str, *args: Any, **kwargs: Any) -> Any:
    """Call *name* on either workflow; await the async one's answer."""
    result = getattr(workflow, name)(*args, **kwargs)
    return await result if inspect.isawaitable(result) else result


def _masked(value: Any) -> Any:
    """
    *value* with its digests and dates replaced: what differs between two cases' records.

    A register's keyed digests differ by data key; the two cases close on different days.
    """
    if isinstance(value, dict):
        return {
            k: "<varies>" if "digest" in k or k.endswith("_on") else _masked(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def _shape(history: tuple[sw.HistoryRecord, ...], since: int = 0) -> list[tuple[Any, ...]]:
    """What two cases that took the same commands share: kinds, events, actors, payloads."""
    shaped = []
    for record in history[since:]:
        body = json.loads(record.body)
        shaped.append(
            (
                record.kind,
                record.event,
                body.get("actor"),
                body.get("role"),
                _masked(body["payload"]),
            )
        )
    return shaped


# -- every new method, next to the sync workflow -------------------------------------------------


async def _register_and_holds(workflow: sw.Workflow | AsyncWorkflow, case_id: str) -> None:
    """The register's, leak checks' and legal holds' commands on a closed case."""
    await act(workflow, "add_identifiers", TENANT, case_id, ENTRIES, people=PEOPLE, actor="user-1")
    await act(
        workflow,
        "add_identifiers",
        TENANT,
        case_id,
        [Identifier("e-school", "p-child", "school", SCHOOL)],
        actor="user-1",
    )
    await act(
        workflow,
        "rectify",
        TENANT,
        case_id,
        "e-address",
        "14 Imaginary Lane",
        actor="user-1",
        reason_ref="rect-1",
    )
    report = publication.check(DRAFT, LEAK_REGISTER)
    assert report.findings
    await act(
        workflow,
        "record_leak_check",
        TENANT,
        case_id,
        report,
        document_ref="draft-1",
        actor="reviewer-1",
        role="reviewer",
    )
    await act(
        workflow,
        "clear_findings",
        TENANT,
        case_id,
        digest=report.digest,
        clearances={f.finding_id: "reason-1" for f in report.findings},
        actor="reviewer-1",
        role="reviewer",
    )
    await act(workflow, "place_legal_hold", TENANT, case_id, hold_ref="hold-1", actor="user-1")


def test_each_command_stores_what_the_sync_workflow_stores(target: Target) -> None:
    """Register, leak check, holds, disposal: the same records, events told after commit."""

    async def scenario(sync_store: SqlStore, store: AsyncSqlStore) -> None:
        pair = Pair(sync_store, store)
        workflow = pair.workflow
        pair.d.walk_to("closed", case_id=SYNC)
        pair.d.walk_to("closed", case_id=ASYNC)
        opened = len(await workflow.history(TENANT, ASYNC))
        await _register_and_holds(pair.sync, SYNC)
        await _register_and_holds(workflow, ASYNC)
        await pair.check_told_after_commit(0)
        assert 6 == len(pair.told)

        # The reads answer as the sync workflow's do.
        register = await workflow.register(TENANT, ASYNC)
        assert register == attrs.evolve(pair.sync.register(TENANT, SYNC), case_id=ASYNC)
        assert {NAME, NHS, "14 Imaginary Lane", SCHOOL} == {e.value for e in register.entries}
        status = await workflow.retention(TENANT, ASYNC)
        assert status == pair.sync.retention(TENANT, ASYNC)
        assert ("hold-1",) == tuple(status.holds)
        assert not status.disposable
        fingerprint = await workflow.deadline_fingerprint(TENANT, ASYNC)
        assert fingerprint == pair.sync.deadline_fingerprint(TENANT, ASYNC)
        assert fingerprint.startswith(f"{sw.england.PACK.name}@")

        # Held: disposal is refused, nothing stored, no one told.
        assert status.ends_on is not None
        later = status.ends_on.add(days=40)
        pair.d.clock.set(pendulum.datetime(later.year, later.month, later.day, 9, tz="UTC"))
        before, told = await workflow.history(TENANT, ASYNC), len(pair.told)
        with pytest.raises(DisposalRefused) as refused:
            await workflow.dispose(TENANT, ASYNC, actor="user-1")
        assert ["legal_hold"] == [r.code for r in refused.value.reasons]
        assert (before, told) == (await workflow.history(TENANT, ASYNC), len(pair.told))
        assert (await workflow.retention(TENANT, ASYNC)).disposable is False

        # Lifted: disposed of, on the record, the register gone.
        for workflow_, case_id in ((pair.sync, SYNC), (workflow, ASYNC)):
            await act(
                workflow_, "lift_legal_hold", TENANT, case_id, hold_ref="hold-1", actor="user-1"
            )
        assert (await workflow.retention(TENANT, ASYNC)).disposable
        out = await workflow.dispose(TENANT, ASYNC, actor="user-1")
        pair.sync.dispose(TENANT, SYNC, actor="user-1")
        assert out.record is not None
        assert "register_disposed" == out.record.kind
        assert out.record.event_id == pair.told[-1][0].id
        assert await store.register_row(TENANT, ASYNC) is None
        disposed = json.loads(out.record.body)["payload"]
        assert (str(status.closed_on), str(status.ends_on)) == (
            disposed["closed_on"],
            disposed["retention_ended_on"],
        )
        await pair.check_told_after_commit(6)

        mine = await workflow.history(TENANT, ASYNC)
        theirs = pair.sync.history(TENANT, SYNC)
        kinds = [
            "register_changed",
            "register_changed",
            "register_corrected",
            "leak_check",
            "findings_cleared",
            "legal_hold_placed",
            "legal_hold_lifted",
            "register_disposed",
        ]
        assert kinds == [r.kind for r in mine[opened:]]
        assert _shape(theirs, opened) == _shape(mine, opened)
        assert verify(mine).ok
        assert [r.event_id for r in mine[opened:]] == pair.told_ids()
        assert mine == pair.sync.history(TENANT, ASYNC)  # the sync store reads the same rows

    run(target, scenario)


def test_subject_access_is_a_command_told_after_its_commit(target: Target) -> None:
    """Every register of the tenant searched; each case disclosed from gets its record."""

    async def scenario(sync_store: SqlStore, store: AsyncSqlStore) -> None:
        pair = Pair(sync_store, store)
        workflow = pair.workflow
        for case_id in ("case-a", "case-b", "case-c"):
            pair.d.open(case_id=case_id)
        await workflow.add_identifiers(TENANT, "case-a", ENTRIES, people=PEOPLE, actor="user-1")
        await workflow.add_identifiers(
            TENANT,
            "case-b",
            [Identifier("b-1", "b-person", "alias", NAME.upper())],
            people=[Person("b-person", "sibling")],
            actor="user-1",
        )
        await workflow.add_identifiers(
            TENANT,
            "case-c",
            [Identifier("c-1", "c-child", "name", "Marigold Puddleby")],
            people=[Person("c-child", "child")],
            actor="user-1",
        )
        before_c = await workflow.history(TENANT, "case-c")
        told = len(pair.told)
        export = await workflow.subject_access(
            TENANT, request_ref="SAR 2024/7", actor="user-2", match={"name": NAME.lower()}
        )
        assert ("case-a", "case-b") == export.case_ids
        assert before_c == await workflow.history(TENANT, "case-c")
        disclosed = [
            (await workflow.history(TENANT, case_id))[-1] for case_id in ("case-a", "case-b")
        ]
        assert ["register_disclosed"] * 2 == [r.kind for r in disclosed]
        assert [r.event_id for r in disclosed] == pair.told_ids()[told:]
        await pair.check_told_after_commit(told)

        # The sync workflow answers the same request the same way, on the same cases.
        again = pair.sync.subject_access(
            TENANT, request_ref="SAR 2024/8", actor="user-2", match={"name": NAME.lower()}
        )
        assert export.case_ids == again.case_ids
        theirs = [pair.sync.history(TENANT, case_id)[-1] for case_id in ("case-a", "case-b")]
        ours = [json.loads(r.body)["payload"] for r in disclosed]
        assert [{**p, "request_ref": "SAR 2024/8"} for p in ours] == [
            json.loads(r.body)["payload"] for r in theirs
        ]

        # Refused: no match nor person, or an authoriser's refusal, stores nothing.
        heads = [len(await workflow.history(TENANT, c)) for c in ("case-a", "case-b")]
        with pytest.raises(sw.InvalidInputError):
            await workflow.subject_access(TENANT, request_ref="SAR 2024/9", actor="user-2")
        assert heads == [len(await workflow.history(TENANT, c)) for c in ("case-a", "case-b")]

    run(target, scenario)


def test_masking_binds_the_register_in_this_task_only(target: Target) -> None:
    """`async with masking(...)` masks the case's values in the block, and only in this task."""

    async def scenario(sync_store: SqlStore, store: AsyncSqlStore) -> None:
        pair = Pair(sync_store, store)
        pair.d.open(case_id=ASYNC)
        await pair.workflow.add_identifiers(TENANT, ASYNC, ENTRIES, people=PEOPLE, actor="user-1")
        line = f"letter to {NAME} at {ADDRESS}"
        masking = MaskingFilter()

        def masked(text: str) -> str:
            record = logging.LogRecord("host", logging.INFO, __file__, 1, text, None, None)
            masking.filter(record)
            return record.getMessage()

        async def elsewhere() -> str:
            return masked(line)

        other = asyncio.create_task(elsewhere())  # made before the block: no masking
        async with pair.workflow.masking(TENANT, ASYNC) as register:
            assert {NAME, NHS, ADDRESS} == {e.value for e in register.entries}
            inside = masked(line)
            await asyncio.sleep(0)
            assert line == await other
        assert NAME not in inside
        assert ADDRESS not in inside
        assert line == masked(line)  # the block has ended

    run(target, scenario)


# -- migrations ------------------------------------------------------------------------------------


def _old_pack() -> sw.RulePack:
    """The England pack as an earlier release labelled it: the same lifecycle, version "1"."""
    new = sw.england.LIFECYCLE
    old = sw.Lifecycle(
        name=new.name,
        version="1",
        states=new.states,
        initial=new.initial,
        terminal=new.terminal,
        roles=new.roles,
        guards=new.guards,
        steps=new.steps,
    )
    return attrs.evolve(sw.england.PACK, lifecycle=old)


def _old_cases(store: SqlStore) -> None:
    """Four cases of version 1: three open, one closed."""
    d = Driver(settings=SETTINGS, store=store, pack=_old_pack())
    for case_id in ("case-1", "case-2", "case-3"):
        d.open(case_id=case_id)
    d.walk_to("closed", case_id="case-4")


def test_migrate_runs_batches_as_the_sync_workflow_does(target: Target) -> None:
    """Batches from `after`, a case a transaction, the same records as the sync migration."""
    twin = f"{target.prefix}twin_"

    async def scenario(sync_store: SqlStore, store: AsyncSqlStore) -> None:
        _old_cases(sync_store)
        twin_store = target.sync(twin)
        try:
            _old_cases(twin_store)
            pair = Pair(twin_store, store)
            migration = sw.england.MIGRATION_1_TO_2
            first = await pair.workflow.migrate(migration, TENANT, actor="admin-1", batch=3)
            assert (("case-1", "case-2", "case-3"), (), "case-3") == (
                first.migrated,
                first.ended,
                first.after,
            )
            assert 3 == len(pair.told)
            await pair.check_told_after_commit(0)
            second = await pair.workflow.migrate(
                migration, TENANT, actor="admin-1", batch=3, after=first.after
            )
            assert ((), ("case-4",), None) == (second.migrated, second.ended, second.after)
            again = await pair.workflow.migrate(migration, TENANT, actor="admin-1")
            assert () == again.migrated
            assert 3 == len(pair.told)

            sync_report = pair.sync.migrate(migration, TENANT, actor="admin-1", batch=500)
            assert first.migrated == sync_report.migrated
            for case_id in ("case-1", "case-2", "case-3", "case-4"):
                mine = await pair.workflow.history(TENANT, case_id)
                theirs = pair.sync.history(TENANT, case_id)
                assert _shape(theirs) == _shape(mine)
                assert verify(mine).ok
            assert "2" == (await pair.workflow.case(TENANT, "case-1")).lifecycle_version
            assert "1" == (await pair.workflow.case(TENANT, "case-4")).lifecycle_version
        finally:
            twin_store.engine.dispose()

    run(target, scenario)


def test_a_migration_that_fails_part_way_keeps_and_tells_what_it_committed(
    target: Target,
) -> None:
    """The cases migrated before the failure stay migrated and are told; a rerun finishes."""

    async def scenario(sync_store: SqlStore, store: AsyncSqlStore) -> None:
        _old_cases(sync_store)
        pair = Pair(sync_store, store)
        migration = sw.england.MIGRATION_1_TO_2
        original = SqlStore.append
        calls = itertools.count()

        def append(self: SqlStore, *args: Any, **kwargs: Any) -> None:
            if next(calls) == 1:
                raise RuntimeError("the host's process failed part way")
            original(self, *args, **kwargs)

        SqlStore.append = append  # type: ignore[method-assign]
        try:
            with pytest.raises(RuntimeError):
                await pair.workflow.migrate(migration, TENANT, actor="admin-1")
        finally:
            SqlStore.append = original  # type: ignore[method-assign]
        assert "2" == (await pair.workflow.case(TENANT, "case-1")).lifecycle_version
        assert "1" == (await pair.workflow.case(TENANT, "case-2")).lifecycle_version
        assert [(await pair.workflow.history(TENANT, "case-1"))[-1].event_id] == pair.told_ids()
        rest = await pair.workflow.migrate(migration, TENANT, actor="admin-1")
        assert ("case-2", "case-3") == rest.migrated
        assert 3 == len(pair.told)

    run(target, scenario)


# -- refusals -------------------------------------------------------------------------------------


def test_refused_commands_store_nothing_and_tell_no_one(target: Target) -> None:
    """Disposal of an open case, the register without a key provider, an authoriser's no."""

    async def scenario(sync_store: SqlStore, store: AsyncSqlStore) -> None:
        asked: list[str] = []

        def authoriser(actor: str, roles: frozenset[str], case: sw.Case, step: str) -> bool:
            asked.append(step)
            return actor != "user-9"

        pair = Pair(sync_store, store, key_provider=None, authoriser=authoriser)
        workflow = pair.workflow
        assert (None, authoriser) == (workflow.key_provider, workflow.authoriser)
        pair.d.open(case_id=ASYNC)
        before = await workflow.history(TENANT, ASYNC)

        with pytest.raises(DisposalRefused) as refused:
            await workflow.dispose(TENANT, ASYNC, actor="user-1")
        assert ["case_open"] == [r.code for r in refused.value.reasons]
        with pytest.raises(sw.ConfigurationError) as unkeyed:
            await workflow.add_identifiers(TENANT, ASYNC, ENTRIES, people=PEOPLE, actor="user-1")
        assert "key_provider" == unkeyed.value.field
        for read in (
            workflow.register(TENANT, ASYNC),
            workflow.subject_access(TENANT, request_ref="SAR 1", actor="user-1", person_id="p-1"),
        ):
            with pytest.raises(sw.ConfigurationError):
                await read
        with pytest.raises(sw.NotAuthorised):
            await workflow.place_legal_hold(TENANT, ASYNC, hold_ref="hold-1", actor="user-9")
        assert "legal_hold" in asked
        with pytest.raises(sw.InvalidInputError):
            await workflow.lift_legal_hold(TENANT, ASYNC, hold_ref="hold-1", actor="user-1")
        with pytest.raises(sw.InvalidInputError):
            await workflow.clear_findings(
                TENANT, ASYNC, digest="sha256:" + "0" * 64, clearances={}, actor="user-1"
            )
        with pytest.raises(sw.CaseNotFoundError):
            await workflow.retention(TENANT, "no-such-case")
        with pytest.raises(sw.UnknownTenantError):
            await workflow.deadline_fingerprint("no-such-tenant", ASYNC)
        assert before == await workflow.history(TENANT, ASYNC)
        assert [] == pair.told

    run(target, scenario)


def test_the_constructor_checks_authoriser_and_key_provider() -> None:
    """The same validation as Workflow: a KeyProvider's methods, a callable authoriser."""

    async def scenario() -> None:
        store = await AsyncSqlStore.sqlite(":memory:")
        clock = Driver().clock
        try:
            for given, field in (
                ({"key_provider": object()}, "key_provider"),
                (
                    {"authoriser": "yes"},
                    "authoriser",
                ),
            ):
                with pytest.raises(sw.ConfigurationError) as caught:
                    AsyncWorkflow(
                        sw.england.PACK, clock=clock, settings=[SETTINGS], store=store, **given
                    )
                assert field == caught.value.field
                with pytest.raises(sw.ConfigurationError):
                    sw.Workflow(sw.england.PACK, clock=clock, settings=[SETTINGS], **given)
        finally:
            await store.engine.dispose()

    asyncio.run(scenario())


# -- parity, for good -----------------------------------------------------------------------------

#: Public methods of Workflow that AsyncWorkflow deliberately lacks, each with its reason.
#: Empty: every one has its counterpart (a coroutine, an async context manager for
#: `masking`, or a plain method for those that read nothing from the store).
LEFT_OUT: dict[str, str] = {}

#: Workflow's constructor parameters AsyncWorkflow deliberately lacks, each with its reason.
LEFT_OUT_OF_INIT = {
    # The async host tells its subscribers itself after each commit; an outbox belongs to
    # the store (relay it with AsyncOutboxRelay).
    "dispatcher": "events are told by AsyncWorkflow after the commit",
}


def _public_methods(cls: type) -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and inspect.isfunction(member)
    }


def test_async_workflow_has_every_public_method_of_workflow() -> None:
    """A method added to Workflow fails this until AsyncWorkflow has it or LEFT_OUT says why."""
    theirs = _public_methods(sw.Workflow)
    ours = _public_methods(AsyncWorkflow)
    assert {"add_identifiers", "dispose", "migrate", "masking", "subject_access"} <= theirs
    assert set() == theirs - ours - set(LEFT_OUT), "AsyncWorkflow lacks these"
    assert set() == set(LEFT_OUT) & ours, "LEFT_OUT names a method AsyncWorkflow has"
    for name in theirs & ours:
        mine = inspect.signature(getattr(AsyncWorkflow, name)).parameters
        sync = inspect.signature(getattr(sw.Workflow, name)).parameters
        assert [(p.name, p.kind, p.default) for p in sync.values()] == [
            (p.name, p.kind, p.default) for p in mine.values()
        ], name
    reads_nothing = {"available", "settings", "calendar", "configure"}
    for name in theirs & ours - reads_nothing:
        method = getattr(AsyncWorkflow, name)
        if name == "masking":
            assert inspect.isasyncgenfunction(inspect.unwrap(method)), name
        else:
            assert inspect.iscoroutinefunction(method), name
    init = inspect.signature(AsyncWorkflow.__init__).parameters
    sync_init = inspect.signature(sw.Workflow.__init__).parameters
    assert set(sync_init) - set(LEFT_OUT_OF_INIT) == set(init)
    for name in ("authoriser", "key_provider", "ids", "registry"):
        assert (sync_init[name].kind, sync_init[name].default) == (
            init[name].kind,
            init[name].default,
        ), name


def test_scrub_after_an_async_disposal_leaves_no_copy(target: Target) -> None:
    """AsyncSqlStore.scrub(): on PostgreSQL the register table is rewritten without the row."""

    async def scenario(sync_store: SqlStore, store: AsyncSqlStore) -> None:
        pair = Pair(sync_store, store)
        workflow = pair.workflow
        pair.d.walk_to("closed", case_id=ASYNC)
        await workflow.add_identifiers(TENANT, ASYNC, ENTRIES, people=PEOPLE, actor="user-1")
        row = await store.register_row(TENANT, ASYNC)
        assert row is not None
        secrets = [row.sealed[13:45], row.wrapped_key]
        stored = b"".join(p.read_bytes() for p in _register_files(target, sync_store) if p.exists())
        assert secrets[0] in stored  # the search can fail: before disposal, the bytes are there
        status = await workflow.retention(TENANT, ASYNC)
        assert status.ends_on is not None
        later = status.ends_on.add(days=1)
        pair.d.clock.set(pendulum.datetime(later.year, later.month, later.day, 9, tz="UTC"))
        await workflow.dispose(TENANT, ASYNC, actor="user-1")
        files = _register_files(target, sync_store)
        assert await store.scrub()
        if target.kind == "postgresql":
            assert files != _register_files(target, sync_store)  # rewritten: VACUUM FULL ran
        for path in _register_files(target, sync_store):
            content = path.read_bytes() if path.exists() else b""
            for secret in secrets:
                assert secret not in content, f"{path.name} still holds disposed bytes"
        assert verify(await workflow.history(TENANT, ASYNC)).ok

    run(target, scenario)


def _register_files(target: Target, store: SqlStore) -> list[Path]:
    """The files that hold the register's rows: the database and its WAL, or the table's."""
    if target.kind == "sqlite":
        return [Path(target.url), Path(target.url + "-wal")]
    name = store.tables["register"].name
    with store.engine.connect() as connection:
        connection.exec_driver_sql("CHECKPOINT")
        data = Path(connection.exec_driver_sql("SHOW data_directory").scalar_one())
        relative = connection.exec_driver_sql(
            "SELECT pg_relation_filepath(%s)", (name,)
        ).scalar_one()
    return [data / relative]
