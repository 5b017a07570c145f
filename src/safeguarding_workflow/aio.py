"""
Async hosts: the workflow over SQLAlchemy's `AsyncEngine`, for asyncio applications.

[`AsyncWorkflow`][safeguarding_workflow.aio.AsyncWorkflow] is
[`Workflow`][safeguarding_workflow.Workflow] with every command and read awaited, over an
[`AsyncSqlStore`][safeguarding_workflow.stores.AsyncSqlStore] (aiosqlite on SQLite,
psycopg's async driver on PostgreSQL);
[`AsyncOutboxRelay`][safeguarding_workflow.stores.AsyncOutboxRelay] relays its outbox.

A command runs the sync workflow's own code, whole, inside SQLAlchemy's
`AsyncConnection.run_sync()` on one connection: the same checks, the same one database
transaction, the same refusals. Its event goes to the subscribers once that
transaction has committed and the connection is back in the pool; a subscriber may be a
coroutine function, and is then awaited.

Importing this module loads SQLAlchemy's asyncio extension; `import
safeguarding_workflow` does not.

Added in version 0.1.0.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import inspect
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from typing import TYPE_CHECKING, Any, Final, TypeVar, final

import attrs
import pendulum

from ._authorities import LocalAuthorityRegistry
from ._calendar import WorkingDayCalendar
from ._case import Case, Command
from ._clock import Clock
from ._events import CloudEvent, ImmediateDispatcher
from ._facts import Incident
from ._guards import Reason
from ._log import logger
from ._migration import Migration, MigrationReport
from ._pack import RulePack
from ._retention import RetentionStatus
from ._settings import TenantSettings
from ._workflow import Authoriser, IdFactory, Outcome, StepOption, Workflow
from .exceptions import ConcurrencyConflict, ConfigurationError
from .history._chain import HistoryRecord
from .stores._base import CaseStore, DueDeadline, PageKey
from .stores._sql._async import AsyncSqlStore

if TYPE_CHECKING:
    from .personal._access import SubjectAccessExport
    from .personal._keys import KeyProvider
    from .personal._register import Identifier, Person, Register
    from .publication._check import LeakReport
else:
    # As in _workflow: the personal subpackage loads on first use, never with this module.
    KeyProvider = Identifier = Person = Register = SubjectAccessExport = LeakReport = Any

__all__ = ["AsyncWorkflow"]

_T = TypeVar("_T")

#: The dispatcher of a command with nobody to tell: its event is built only if it is read.
_NOBODY: Final = ImmediateDispatcher(())


@final
class _Collect:
    """A dispatcher that keeps a command's events for the subscribers, told after the commit."""

    __slots__ = ("events",)

    def __init__(self, events: list[CloudEvent]) -> None:
        self.events = events

    def dispatch(self, events: Sequence[CloudEvent]) -> None:
        self.events.extend(events)


@final
class AsyncWorkflow:
    """
    Runs one rule pack's lifecycle for many tenants over an `AsyncSqlStore`, awaited.

    The methods are `Workflow`'s, as coroutines, with the same arguments, outcomes and
    refusals: each command is one database transaction (on SQLite, ``BEGIN IMMEDIATE``
    on its connection), a refused or failed command stores nothing and tells no
    subscriber, an idempotency key replays its first outcome, and a command decided on a
    stale version raises `ConcurrencyConflict`. Its event goes to the subscribers after
    the commit, in order, the pack's own first; one that raises is logged and the
    others still run.

    Added in version 0.1.0.

    Args:
        pack: The rule pack, e.g. `PACK`.
        clock: Tells the time; the library never reads the wall clock itself.
        settings: Each tenant's settings (an iterable, or a mapping by tenant id).
        store: The async store (`AsyncSqlStore.sqlite()` or `AsyncSqlStore.postgresql()`).
        registry: The local authority registry; the shipped one by default.
        subscribers: Called with each event after its command has committed, in order,
            after the pack's own; a coroutine function's result is awaited.
        ids: Makes case and event ids; `DefaultIds` by default.
        authoriser: The host's object-level check (see `Authoriser`), as for `Workflow`;
            None (the default) allows whatever the roles allow.
        key_provider: Wraps and unwraps the cases' data keys for their identifier
            registers, as for `Workflow`; None (the default) refuses the register's
            commands with `ConfigurationError`.

    Raises:
        ConfigurationError: *store* is not an `AsyncSqlStore`, or as for `Workflow`.

    """

    __slots__ = ("_subscribers", "_workflow", "store")

    def __init__(
        self,
        pack: RulePack,
        *,
        clock: Clock,
        settings: Iterable[TenantSettings] | Mapping[str, TenantSettings],
        store: AsyncSqlStore,
        registry: LocalAuthorityRegistry | None = None,
        subscribers: Iterable[Callable[[CloudEvent], object]] = (),
        ids: IdFactory | None = None,
        authoriser: Authoriser | None = None,
        key_provider: KeyProvider | None = None,
    ) -> None:
        if not isinstance(store, AsyncSqlStore):
            raise ConfigurationError(
                "'store' must be an AsyncSqlStore (a synchronous store goes to Workflow)",
                field="store",
            )
        # The sync workflow the commands run: its store and dispatcher are set per command.
        self._workflow = Workflow(
            pack,
            clock=clock,
            settings=settings,
            store=store._base,
            registry=registry,
            dispatcher=_NOBODY,
            ids=ids,
            authoriser=authoriser,
            key_provider=key_provider,
        )
        self.store = store
        self._subscribers: tuple[Callable[[CloudEvent], object], ...] = (
            *pack.subscribers,
            *subscribers,
        )

    @property
    def pack(self) -> RulePack:
        """The rule pack."""
        return self._workflow.pack

    @property
    def clock(self) -> Clock:
        """The clock."""
        return self._workflow.clock

    @property
    def authoriser(self) -> Authoriser | None:
        """The host's object-level check, or None."""
        return self._workflow.authoriser

    @property
    def key_provider(self) -> KeyProvider | None:
        """The key provider of the cases' identifier registers, or None."""
        return self._workflow.key_provider

    # -- running the sync workflow ----------------------------------------------------------

    def _on(self, store: CaseStore, events: list[CloudEvent]) -> Workflow:
        """The sync workflow on *store*, its events kept in *events*: one command's copy."""
        workflow = copy.copy(self._workflow)  # shares the settings, calendars and plans
        workflow.store = store
        workflow.dispatcher = _Collect(events) if self._subscribers else _NOBODY
        return workflow

    async def _run(self, call: Callable[[Workflow], _T]) -> _T:
        """
        *call* on the sync workflow as one command on one connection; then its events.

        An event is collected only once its transaction has committed, so a call that
        fails tells what it committed before failing (a migration's earlier cases) and
        nothing else; a refused or failed single command has collected nothing.
        """
        events: list[CloudEvent] = []
        try:
            result = await self.store._command(lambda store: call(self._on(store, events)))
        except Exception:
            await self._tell(events)
            raise
        await self._tell(events)
        return result

    async def _read(self, call: Callable[[Workflow], _T]) -> _T:
        return await self.store._read(lambda store: call(self._on(store, [])))

    async def _tell(self, events: list[CloudEvent]) -> None:
        """Hand each committed event to every subscriber in order, awaiting coroutines."""
        for event in events:
            for subscriber in self._subscribers:
                try:
                    result = subscriber(event)
                    if inspect.isawaitable(result):
                        await result
                except Exception as error:
                    logger().warning(
                        "subscriber_failed",
                        event_id=event.id,
                        event_type=event.type,
                        subscriber=getattr(subscriber, "__qualname__", type(subscriber).__name__),
                        error=type(error).__name__,
                    )

    # -- tenants --------------------------------------------------------------------------------

    def settings(self, tenant_id: str) -> TenantSettings:
        """A tenant's settings, as `Workflow.settings()`."""
        return self._workflow.settings(tenant_id)

    def calendar(self, tenant_id: str) -> WorkingDayCalendar:
        """A tenant's working-day calendar, as `Workflow.calendar()`."""
        return self._workflow.calendar(tenant_id)

    def configure(self, settings: TenantSettings) -> None:
        """Replace one tenant's settings, as `Workflow.configure()`."""
        self._workflow.configure(settings)

    # -- reading --------------------------------------------------------------------------------

    async def case(self, tenant_id: str, case_id: str) -> Case:
        """
        The latest record of a case; `CaseNotFoundError` if none.

        Added in version 0.1.0.
        """
        return await self._read(lambda workflow: workflow.case(tenant_id, case_id))

    async def history(self, tenant_id: str, case_id: str) -> tuple[HistoryRecord, ...]:
        """
        A case's history records, in order; `CaseNotFoundError` if none.

        Added in version 0.1.0.
        """
        return await self._read(lambda workflow: workflow.history(tenant_id, case_id))

    async def overdue(
        self,
        tenant_id: str | None = None,
        as_of: dt.date | None = None,
        *,
        tenant_ids: Iterable[str] | None = None,
        limit: int = 100,
        after: PageKey | None = None,
        rule_id: str | None = None,
    ) -> list[DueDeadline]:
        """
        Open deadlines due before *as_of*, oldest first, as `Workflow.overdue()`.

        Added in version 0.1.0.
        """
        return await self._read(
            lambda workflow: workflow.overdue(
                tenant_id, as_of, tenant_ids=tenant_ids, limit=limit, after=after, rule_id=rule_id
            )
        )

    async def due_soon(
        self,
        tenant_id: str | None = None,
        as_of: dt.date | None = None,
        *,
        working_days: int,
        tenant_ids: Iterable[str] | None = None,
        limit: int = 100,
        after: PageKey | None = None,
        rule_id: str | None = None,
    ) -> list[DueDeadline]:
        """
        Open deadlines due from *as_of* to *working_days* working days on (`Workflow.due_soon()`).

        Added in version 0.1.0.
        """
        return await self._read(
            lambda workflow: workflow.due_soon(
                tenant_id,
                as_of,
                working_days=working_days,
                tenant_ids=tenant_ids,
                limit=limit,
                after=after,
                rule_id=rule_id,
            )
        )

    async def check(self, command: Command) -> tuple[Reason, ...]:
        """
        Why `fire()` would refuse *command* now; empty if it would take it (`Workflow.check()`).

        A dry run: it reads the case and stores nothing.

        Added in version 0.1.0.
        """
        return await self._read(lambda workflow: workflow.check(command))

    async def register(self, tenant_id: str, case_id: str) -> Register:
        """
        A case's identifier register, decrypted with its data key; empty if it has none.

        As `Workflow.register()`: reading is not recorded and asks no authoriser.

        Added in version 0.1.0.
        """
        return await self._read(lambda workflow: workflow.register(tenant_id, case_id))

    @contextlib.asynccontextmanager
    async def masking(self, tenant_id: str, case_id: str) -> AsyncIterator[Register]:
        """
        Mask the case's identifiers in everything logged in this task, in the block.

        As `Workflow.masking()`, with ``async with``: the register is read (awaited, as
        `register()`), then its values are bound for the host's log masking in this
        task's context until the block ends. Other tasks never see them; a task created
        inside the block starts with a copy, as asyncio copies the context.

        Added in version 0.1.0.
        """
        from .personal._masking import masking

        register = await self.register(tenant_id, case_id)
        with masking(register):
            yield register

    async def retention(
        self, tenant_id: str, case_id: str, *, as_of: dt.date | None = None
    ) -> RetentionStatus:
        """
        Where a case stands on retention: its closing date, holds, and first day of disposal.

        As `Workflow.retention()`.

        Added in version 0.1.0.
        """
        return await self._read(
            lambda workflow: workflow.retention(tenant_id, case_id, as_of=as_of)
        )

    async def deadline_fingerprint(self, tenant_id: str, case_id: str) -> str:
        """
        The fingerprint a due date computed now on the case would carry.

        As `Workflow.deadline_fingerprint()`.

        Added in version 0.1.0.
        """
        return await self._read(lambda workflow: workflow.deadline_fingerprint(tenant_id, case_id))

    def available(
        self,
        case: Case,
        roles: Iterable[str],
        *,
        actor: str | None = None,
        occurred_at: pendulum.DateTime | None = None,
        payloads: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> tuple[StepOption, ...]:
        """
        The steps from *case*'s state, judged for a user holding *roles* (`Workflow.available()`).

        Not a coroutine: it judges *case* as given and reads nothing from the store.

        Added in version 0.1.0.
        """
        return self._workflow.available(
            case, roles, actor=actor, occurred_at=occurred_at, payloads=payloads
        )

    # -- commands -------------------------------------------------------------------------------

    async def open(
        self,
        tenant_id: str,
        facts: Incident,
        *,
        local_authority: str,
        actor: str,
        role: str | None = None,
        case_id: str | None = None,
        roles: Iterable[str] | None = None,
    ) -> Outcome:
        """
        Record an incident: assess it and open a case with its deadlines (`Workflow.open()`).

        Added in version 0.1.0.
        """
        return await self._run(
            lambda workflow: workflow.open(
                tenant_id,
                facts,
                local_authority=local_authority,
                actor=actor,
                role=role,
                case_id=case_id,
                roles=roles,
            )
        )

    async def fire(self, command: Command) -> Outcome:
        """
        Take one step on one case in one transaction (`Workflow.fire()`).

        Added in version 0.1.0.
        """
        return await self._run(lambda workflow: workflow.fire(command))

    async def correct(
        self,
        tenant_id: str,
        case_id: str,
        *,
        corrects: int | str,
        occurred_at: pendulum.DateTime,
        actor: str,
        role: str,
        reason_ref: str,
        expected_version: int | None = None,
    ) -> Outcome:
        """
        Correct when a step really happened, by appending a record (`Workflow.correct()`).

        Added in version 0.1.0.
        """
        return await self._run(
            lambda workflow: workflow.correct(
                tenant_id,
                case_id,
                corrects=corrects,
                occurred_at=occurred_at,
                actor=actor,
                role=role,
                reason_ref=reason_ref,
                expected_version=expected_version,
            )
        )

    async def update_facts(
        self,
        tenant_id: str,
        case_id: str,
        facts: Incident,
        *,
        actor: str,
        role: str | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        """
        Replace a case's facts and recompute its deadlines (`Workflow.update_facts()`).

        Added in version 0.1.0.
        """
        return await self._run(
            lambda workflow: workflow.update_facts(
                tenant_id, case_id, facts, actor=actor, role=role, expected_version=expected_version
            )
        )

    async def recompute_deadlines(self, tenant_id: str, case_id: str, *, actor: str) -> Outcome:
        """
        Recompute a case's due dates on the tenant's current calendar.

        As `Workflow.recompute_deadlines()`.

        Added in version 0.1.0.
        """
        return await self._run(
            lambda workflow: workflow.recompute_deadlines(tenant_id, case_id, actor=actor)
        )

    async def fire_with_retry(
        self,
        tenant_id: str,
        case_id: str,
        build: Callable[[Case], Command | Awaitable[Command]],
        *,
        attempts: int = 5,
    ) -> Outcome:
        """
        Build a command from the current case and fire it, re-reading on a concurrency conflict.

        As `Workflow.fire_with_retry()`; *build* may be a coroutine function.

        Added in version 0.1.0.

        Raises:
            ConcurrencyConflict: still conflicting after *attempts* tries.

        """
        if type(attempts) is not int or attempts < 1:
            raise ConfigurationError("'attempts' must be at least 1", field="attempts")
        for attempt in range(1, attempts + 1):
            case = await self.case(tenant_id, case_id)
            built = build(case)
            command = await built if inspect.isawaitable(built) else built
            command = attrs.evolve(command, expected_version=case.version)
            try:
                return await self.fire(command)
            except ConcurrencyConflict:
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    # -- the identifier register ---------------------------------------------------------------

    async def add_identifiers(
        self,
        tenant_id: str,
        case_id: str,
        entries: Iterable[Identifier] = (),
        *,
        actor: str,
        role: str | None = None,
        people: Iterable[Person] = (),
        expected_version: int | None = None,
    ) -> Outcome:
        """
        Add people and identifier entries to a case's register, and record that they were.

        As `Workflow.add_identifiers()`.

        Added in version 0.1.0.
        """
        return await self._run(
            lambda workflow: workflow.add_identifiers(
                tenant_id,
                case_id,
                entries,
                actor=actor,
                role=role,
                people=people,
                expected_version=expected_version,
            )
        )

    async def rectify(
        self,
        tenant_id: str,
        case_id: str,
        entry_id: str,
        value: str,
        *,
        actor: str,
        reason_ref: str,
        role: str | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        """
        Correct the value of one register entry, and record that a correction happened.

        As `Workflow.rectify()`.

        Added in version 0.1.0.
        """
        return await self._run(
            lambda workflow: workflow.rectify(
                tenant_id,
                case_id,
                entry_id,
                value,
                actor=actor,
                reason_ref=reason_ref,
                role=role,
                expected_version=expected_version,
            )
        )

    # -- migrations ------------------------------------------------------------------------------

    async def migrate(
        self,
        migration: Migration,
        tenant_id: str,
        *,
        actor: str,
        batch: int = 100,
        after: str | None = None,
    ) -> MigrationReport:
        """
        Move a tenant's open cases of an old lifecycle version to the new one, on the record.

        As `Workflow.migrate()`: one call is one batch of up to *batch* cases, walked on
        one connection, and each case migrated gets its ``migrated`` record in a
        transaction of its own, so a batch that fails part way keeps the cases it had
        moved, and running it again (or the next batch, from ``report.after``) moves
        only what it had not. The batch's events are told once it ends; if it fails part
        way, those of the cases it had committed are told before the error is raised.

        Added in version 0.1.0.
        """
        return await self._run(
            lambda workflow: workflow.migrate(
                migration, tenant_id, actor=actor, batch=batch, after=after
            )
        )

    # -- publication: leak checks on the record -------------------------------------------------

    async def record_leak_check(
        self,
        tenant_id: str,
        case_id: str,
        report: LeakReport,
        *,
        document_ref: str,
        actor: str,
        role: str | None = None,
    ) -> Outcome:
        """
        Record a leak check of one document version against the case.

        As `Workflow.record_leak_check()`.

        Added in version 0.1.0.
        """
        return await self._run(
            lambda workflow: workflow.record_leak_check(
                tenant_id, case_id, report, document_ref=document_ref, actor=actor, role=role
            )
        )

    async def clear_findings(
        self,
        tenant_id: str,
        case_id: str,
        *,
        digest: str,
        clearances: Mapping[str, str],
        actor: str,
        role: str | None = None,
    ) -> Outcome:
        """
        Clear findings of a recorded leak check, each with the reference of its reason.

        As `Workflow.clear_findings()`.

        Added in version 0.1.0.
        """
        return await self._run(
            lambda workflow: workflow.clear_findings(
                tenant_id, case_id, digest=digest, clearances=clearances, actor=actor, role=role
            )
        )

    # -- retention, legal holds, disposal, subject access --------------------------------------

    async def place_legal_hold(
        self,
        tenant_id: str,
        case_id: str,
        *,
        hold_ref: str,
        actor: str,
        role: str | None = None,
    ) -> Outcome:
        """
        Suspend disposal of a case's register until the hold *hold_ref* is lifted.

        As `Workflow.place_legal_hold()`.

        Added in version 0.1.0.
        """
        return await self._run(
            lambda workflow: workflow.place_legal_hold(
                tenant_id, case_id, hold_ref=hold_ref, actor=actor, role=role
            )
        )

    async def lift_legal_hold(
        self,
        tenant_id: str,
        case_id: str,
        *,
        hold_ref: str,
        actor: str,
        role: str | None = None,
    ) -> Outcome:
        """
        Lift the legal hold *hold_ref*: a ``legal_hold_lifted`` record.

        As `Workflow.lift_legal_hold()`.

        Added in version 0.1.0.
        """
        return await self._run(
            lambda workflow: workflow.lift_legal_hold(
                tenant_id, case_id, hold_ref=hold_ref, actor=actor, role=role
            )
        )

    async def dispose(
        self,
        tenant_id: str,
        case_id: str,
        *,
        actor: str,
        role: str | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        """
        Dispose of a closed case's identifier register at the end of its retention period.

        As `Workflow.dispose()`. On SQLite the deleted bytes are overwritten and the WAL
        truncated when the command's transaction commits; on PostgreSQL await
        `AsyncSqlStore.scrub()` after it.

        Added in version 0.1.0.
        """
        return await self._run(
            lambda workflow: workflow.dispose(
                tenant_id, case_id, actor=actor, role=role, expected_version=expected_version
            )
        )

    async def subject_access(
        self,
        tenant_id: str,
        *,
        request_ref: str,
        actor: str,
        match: Mapping[str, str] | None = None,
        person_id: str | None = None,
        role: str | None = None,
    ) -> SubjectAccessExport:
        """
        Answer a subject access request: everything the tenant holds about one person.

        As `Workflow.subject_access()`: a command, since each case disclosed from gets a
        ``register_disclosed`` record, all in one transaction; their events are told
        after it has committed.

        Added in version 0.1.0.
        """
        return await self._run(
            lambda workflow: workflow.subject_access(
                tenant_id,
                request_ref=request_ref,
                actor=actor,
                match=match,
                person_id=person_id,
                role=role,
            )
        )
