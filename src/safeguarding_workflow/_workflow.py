"""
The workflow: opens cases and runs commands through a rule pack's lifecycle.

Order of work for a command, documented and fixed:

1. open the store's transaction scope (`CaseStore.transaction()`: one database
   transaction on a SQL store) and load the case, with the record of an earlier
   command under the same idempotency key in the tenant if there is one: a retry of
   that very command returns its first outcome, and any other command under the key
   is refused (``IdempotencyKeyReused``); refuse if the command's
   ``expected_version`` is stale;
2. find the step for the case's state and the event (else ``UnknownEventError`` for an
   event the lifecycle does not have, ``StepNotAvailable`` for one of its steps that is
   not taken from this state);
3. check the role, or find the first of the actor's roles that may take the step (else
   ``RoleNotPermitted``), ask the host's authoriser if there is one (else
   ``NotAuthorised``), and check the payload (else ``InvalidInputError``), its dates too:
   none before the incident's awareness, none after the step's own date unless the field
   is a plan (TL-04);
4. check ``occurred_at``: not in the future, not before the previous lifecycle step;
5. run the step's guards in order (any refusal: ``TransitionRefused`` with every reason);
6. build the new case record and the sealed history record;
7. store both together and close the scope, committing (a concurrent writer makes
   this ``ConcurrencyConflict``);
8. only then log one line and hand the event to the dispatcher, which calls subscribers,
   through ``CaseStore.after_commit()``: at once, since the scope has committed, except
   on a store in the host's transaction (``SqlStore.bound()``), which holds the event
   until the host commits (and ``publish()`` delivers it) and drops it on a rollback.

Nothing is stored before step 7, and nothing but guards runs before it; a refused
or failed command leaves the scope by its exception and the store exactly as it was.

Steps 1 to 5 are one method, ``_decide``, which ``fire`` runs to raise at the first
refusal and the dry runs (``check``, ``available``) run to gather every refusal as a
``Reason``: the answers cannot disagree.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import functools
import hashlib
import operator
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, NoReturn, Protocol, cast, final

import attrs
import pendulum

from ._authorities import LocalAuthorityRegistry
from ._calendar import WorkingDayCalendar
from ._case import (
    Case,
    Command,
    Deadline,
    DeadlineStatus,
    GuardContext,
    check_roles,
    replace_case,
)
from ._clock import Clock, read_clock
from ._codec import (
    date_from_json,
    date_to_json,
    deadline_change,
    deadline_to_json,
    in_utc,
    incident_to_json,
    status_change,
    time_to_json,
    utc_facts,
)
from ._dates import as_date, today
from ._duties import Assessment
from ._events import CloudEvent, Dispatcher, ImmediateDispatcher, Subscriber, to_cloud_event
from ._facts import Incident
from ._guards import Guard, Reason
from ._identifiers import check_opaque_id, check_reference, looks_like_nhs_number
from ._lifecycle import Lifecycle, Step, check_payload_dates, convert_payload, to_json_value
from ._log import log_info
from ._migration import MIGRATED, Migration, MigrationReport
from ._pack import RulePack
from ._records import Entry, known_time, remember, seal, state_json
from ._retention import RetentionStatus
from ._settings import TenantSettings
from ._times import iso_utc, london_date, utc_naive, utc_pendulum
from .exceptions import (
    ConcurrencyConflict,
    ConfigurationError,
    IdempotencyKeyReused,
    InvalidInputError,
    NotAuthorised,
    RoleNotPermitted,
    SafeguardingWorkflowError,
    StepNotAvailable,
    TransitionRefused,
    UnknownEventError,
    UnknownTenantError,
)
from .history._canonical import canonical_json
from .history._chain import GENESIS, HistoryRecord
from .history._replay import rebuild
from .stores._base import CaseStore, DueDeadline, PageKey, RegisterRow
from .stores._memory import MemoryStore

if TYPE_CHECKING:
    from .personal._access import SubjectAccessExport
    from .personal._keys import KeyProvider
    from .personal._register import Identifier, Person, Register
    from .publication._check import LeakReport
else:
    # The personal subpackage loads on first use, never with the package: at run time
    # (typing.get_type_hints) the register's hints resolve to Any instead of loading it.
    KeyProvider = Identifier = Person = Register = SubjectAccessExport = LeakReport = Any

__all__ = ["Authoriser", "DefaultIds", "IdFactory", "Outcome", "StepOption", "Workflow"]

#: Namespace of the default, deterministic event ids (uuid5 of tenant/case/sequence).
EVENT_ID_NAMESPACE: Final = uuid.UUID("6f1b2c1e-6a55-5b7e-9a43-0b3c9f1d2e10")
_NAMESPACE_BYTES: Final = EVENT_ID_NAMESPACE.bytes
#: A hex digit with its top two bits set to the RFC 4122 variant, 10.
_VARIANT: Final = {f"{n:x}": f"{(n & 0x3) | 0x8:x}" for n in range(16)}


class IdFactory(Protocol):
    """
    Makes ids. Injected, so tests and replays get the ids they expect.

    Added in version 0.1.0.
    """

    def case_id(self, tenant_id: str) -> str:
        """A new opaque case id."""
        ...

    def event_id(self, tenant_id: str, case_id: str, sequence: int) -> str:
        """The id of a case's *sequence*-th record and its event."""
        ...


class Authoriser(Protocol):
    """
    A host's object-level check: whether *actor*, holding *roles*, may take *step* on *case*.

    Registered with `Workflow` (``authoriser=``) and asked for every command, dry run
    and opening, after the lifecycle's own role check: a host answers from its own
    records (is this user in the authority that owns the case? assigned to it?).
    *step* is the step's event, or ``"open"``, ``"correct"`` or ``"update_facts"``; for
    ``"open"``, *case* is the case as it would be opened, not yet stored.
    Answer True or False (anything else is a `ConfigurationError`); False refuses the
    command with `NotAuthorised` (reason ``not_authorised``) and stores nothing.
    A plain function does.

    Added in version 0.1.0.
    """

    def __call__(self, actor: str, roles: frozenset[str], case: Case, step: str) -> bool:
        """Whether the actor may take the step on the case."""
        ...


@final
class DefaultIds:
    """
    Random case ids; event ids derived from tenant, case and sequence (uuid5).

    A replayed command therefore produces the same event id, and ids never
    collide across tenants.

    Added in version 0.1.0.
    """

    __slots__ = ()

    def case_id(self, tenant_id: str) -> str:
        """A random case id (uuid4, hex), never one that holds an NHS-number-like run of digits."""
        while looks_like_nhs_number(candidate := uuid.uuid4().hex):  # pragma: no cover - rare
            pass
        return candidate

    def event_id(self, tenant_id: str, case_id: str, sequence: int) -> str:
        """
        uuid5 of ``tenant/case/sequence``, as text.

        Computed here rather than by ``uuid.uuid5`` because it runs on every
        command and ``uuid.UUID`` objects cost several microseconds to build;
        a test checks it equals ``str(uuid.uuid5(...))``.
        """
        name = f"{tenant_id}/{case_id}/{sequence}".encode()
        h = hashlib.sha1(_NAMESPACE_BYTES + name).hexdigest()
        # Version 5 sets digit 12 to "5"; the RFC 4122 variant sets digit 16's top bits to 10.
        return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


@attrs.frozen
class Outcome:
    """
    What a command produced: the new case, its history record and its event.

    ``record`` and ``event`` are None when the command changed nothing (a
    recomputation that moved no deadline).

    Added in version 0.1.0.
    """

    case: Case
    record: HistoryRecord | None
    event: CloudEvent | None


@attrs.frozen
class StepOption:
    """
    A step of a case's current state, as `Workflow.available` judges it for one user.

    Added in version 0.1.0.

    Attributes:
        event: The step's event.
        role: The role the user would take it in: the first of their roles, in sorted
            order, that the step allows; None if none does.
        reasons: Why `Workflow.fire` would refuse it now, with the payload given for it
            (none, by default); empty if it would take it.
        required: The step's required payload fields, for the host's form.

    """

    event: str
    role: str | None
    reasons: tuple[Reason, ...]
    required: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        """Whether `Workflow.fire` would take the step now, with the payload it was judged on."""
        return not self.reasons

    @property
    def enabled(self) -> bool:
        """
        Whether the user could take the step once its form is filled in.

        True when the step is refused for nothing but its payload (reasons
        ``payload_invalid``), which the button's form supplies.
        """
        return all(r.code == "payload_invalid" for r in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        """
        The option as JSON values, with `allowed` and `enabled`, for a host's buttons.

        Added in version 0.1.0.
        """
        return {
            "event": self.event,
            "role": self.role,
            "allowed": self.allowed,
            "enabled": self.enabled,
            "required": list(self.required),
            "reasons": [r.to_dict() for r in self.reasons],
        }


@final
class _PendingEvent:
    """What an outcome's event is built from, when nobody needed it at once."""

    __slots__ = ("lifecycle", "record", "time")

    def __init__(self, record: HistoryRecord, lifecycle: str, time: str) -> None:
        self.record = record
        self.lifecycle = lifecycle
        self.time = time


@final
class _EventSlot:
    """
    ``Outcome.event``: attrs' slot for the field, building a pending event when first read.

    With nobody subscribed, a command need not build its event. Its outcome holds a
    ``_PendingEvent`` in the slot, and the first read of ``event`` replaces it with the
    CloudEvent ``to_cloud_event`` builds from it, the one the command would have built.
    Equality, hashing, ``repr``, ``attrs.asdict`` and pickling all read the field, so
    nothing can tell the two apart.
    """

    __slots__ = ("_slot",)

    def __init__(self, slot: Any) -> None:
        self._slot = slot

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = self._slot.__get__(instance, owner)
        if type(value) is _PendingEvent:
            value = to_cloud_event(value.record, value.lifecycle, value.time)
            self._slot.__set__(instance, value)
        return value

    def __set__(self, instance: object, value: object) -> None:
        self._slot.__set__(instance, value)


# Outcome is frozen: only attrs' __init__ (and unpickling) set the slot, through this.
setattr(Outcome, "event", _EventSlot(Outcome.__dict__["event"]))  # noqa: B010 - mypy refuses `=`


@final
class _Stored:
    """A record stored inside a command's transaction, to announce once the scope commits."""

    # A plain slotted class: it lives for one command and never leaves the module.
    __slots__ = ("case", "record", "recorded_at")

    def __init__(self, case: Case, record: HistoryRecord, recorded_at: str) -> None:
        self.case = case
        self.record = record
        self.recorded_at = recorded_at


@final
class _StepPlan:
    """What every command taking one step of one lifecycle shares, worked out once."""

    __slots__ = ("converts_to_json", "dates", "fields", "guards", "lifecycle", "meets", "step")

    def __init__(self, lifecycle: Lifecycle, step: Step) -> None:
        self.lifecycle = lifecycle
        self.step = step
        #: The payload fields by name (as Step.convert_payload gathers them).
        self.fields = {f.name: f for f in step.payload}
        #: Whether a converted payload differs from its JSON form: only dates and lists of
        #: references do (to_json_value leaves strings, booleans and integers as they are).
        self.converts_to_json = any(f.kind in ("date", "refs") for f in step.payload)
        #: The date fields, checked against the case's timeline (TL-04); most steps have none.
        self.dates = tuple(f for f in step.payload if f.kind == "date")
        #: The guards themselves, in the step's order.
        self.guards: tuple[Guard, ...] = tuple(lifecycle.guards[name] for name in step.guards)
        self.meets = frozenset(step.meets)


#: The scope CaseStore.transaction gives when a store does not override it.
_PLAIN_SCOPE: Final = CaseStore.transaction
#: CaseStore.after_commit when a store does not override it: it runs the delivery at once.
_PLAIN_AFTER_COMMIT: Final = CaseStore.after_commit
_OPEN: Final = DeadlineStatus.OPEN


#: Why a command whose expected version is stale is refused.
_MOVED_ON: Final = "the case changed since the command read it; re-read and retry"


def _reason(code: str, message: str, *rule_ids: str) -> Reason:
    return Reason(code, message, rule_ids)


@final
class Workflow:
    """
    Runs one rule pack's lifecycle for many tenants, over a case store.

    Added in version 0.1.0.

    Args:
        pack: The rule pack, e.g. `PACK`.
        clock: Tells the time; the library never reads the wall clock itself.
        settings: Each tenant's settings (an iterable, or a mapping by tenant id).
        store: Where cases live; a new `MemoryStore` by default.
        registry: The local authority registry; the shipped one by default.
        subscribers: Called with each event after its record is stored, in order, after
            the pack's own subscribers (those of the lifecycle).
        dispatcher: Delivers events; by default an `ImmediateDispatcher`
            over *subscribers*. A durable store brings an outbox instead.
        ids: Makes case and event ids; `DefaultIds` by default.
        authoriser: The host's object-level check (see `Authoriser`), asked for every
            command, dry run and opening after the lifecycle's role check; None (the
            default) allows whatever the roles allow.
        key_provider: Wraps and unwraps the cases' data keys for their identifier
            registers (`safeguarding_workflow.personal.KeyProvider`); None (the
            default) refuses the register's commands with `ConfigurationError`.

    """

    __slots__ = (
        "_calendars",
        "_plans",
        "_settings",
        "_stamps",
        "authoriser",
        "clock",
        "dispatcher",
        "ids",
        "key_provider",
        "pack",
        "registry",
        "store",
    )

    def __init__(
        self,
        pack: RulePack,
        *,
        clock: Clock,
        settings: Iterable[TenantSettings] | Mapping[str, TenantSettings],
        store: CaseStore | None = None,
        registry: LocalAuthorityRegistry | None = None,
        subscribers: Iterable[Subscriber] = (),
        dispatcher: Dispatcher | None = None,
        ids: IdFactory | None = None,
        authoriser: Authoriser | None = None,
        key_provider: KeyProvider | None = None,
    ) -> None:
        if not isinstance(pack, RulePack):
            raise ConfigurationError("'pack' must be a RulePack", field="pack")
        if not callable(getattr(clock, "now", None)):
            raise ConfigurationError("'clock' must have a now() method", field="clock")
        values = settings.values() if isinstance(settings, Mapping) else settings
        by_tenant: dict[str, TenantSettings] = {}
        for item in values:
            if not isinstance(item, TenantSettings):
                raise ConfigurationError("'settings' must hold TenantSettings", field="settings")
            by_tenant[item.tenant_id] = item
        self.pack = pack
        self.clock = clock
        self._settings = by_tenant
        self.store: CaseStore = store if store is not None else MemoryStore()
        self.registry = registry if registry is not None else LocalAuthorityRegistry.default()
        self.dispatcher: Dispatcher = (
            dispatcher
            if dispatcher is not None
            else ImmediateDispatcher((*pack.subscribers, *subscribers))
        )
        self.ids: IdFactory = ids if ids is not None else DefaultIds()
        if authoriser is not None and not callable(authoriser):
            raise ConfigurationError("'authoriser' must be callable", field="authoriser")
        self.authoriser: Authoriser | None = authoriser
        if key_provider is not None and not all(
            callable(getattr(key_provider, name, None)) for name in ("wrap", "unwrap")
        ):
            raise ConfigurationError(
                "'key_provider' must have wrap() and unwrap() methods (a KeyProvider)",
                field="key_provider",
            )
        self.key_provider: KeyProvider | None = key_provider
        self._calendars: dict[str, WorkingDayCalendar] = {}
        # Each fingerprint once, shared by every deadline it stamps (P2: a case's bytes).
        self._stamps: dict[tuple[str, str, str], str] = {}
        # Each step's plan, by the step's id; a plan holds its step, so the id stays its own.
        self._plans: dict[int, _StepPlan] = {}

    # -- tenants ------------------------------------------------------------------------------

    def settings(self, tenant_id: str) -> TenantSettings:
        """
        A tenant's settings.

        Raises:
            UnknownTenantError: the tenant is not configured (every method that takes a
                tenant raises it, before reading or writing anything).
            InvalidInputError: *tenant_id* is not a string.

        """
        found = self._settings.get(tenant_id) if type(tenant_id) is str else None
        if found is None:
            if type(tenant_id) is not str:
                raise InvalidInputError("'tenant_id' must be a string", field="tenant_id")
            raise UnknownTenantError(
                "'tenant_id' names a tenant this workflow has no settings for", field="tenant_id"
            )
        return found

    def calendar(self, tenant_id: str) -> WorkingDayCalendar:
        """
        A tenant's working-day calendar (built once, then reused).

        Raises:
            UnknownTenantError: the tenant is not configured.

        """
        calendar = self._calendars.get(tenant_id)
        if calendar is None:
            calendar = self.pack.calendar(self.settings(tenant_id))
            self._calendars[tenant_id] = calendar
        return calendar

    def _check_opener(
        self, role: str | None, case_id: str, event: str, roles: Iterable[str] | None = None
    ) -> str:
        """
        The role that opens a case or records its facts.

        *role* if given; else the first of *roles*, in sorted order, that is one of the
        pack's openers; else (neither given) the pack's first opener. Refuses a malformed
        role as `check_opaque_id` does, a *role* not among *roles*, and a role that is
        not one of the pack's openers; no refusal repeats a role.
        """
        held = check_roles(roles, "roles")
        if held is not None:
            if role is not None and role not in held:
                raise InvalidInputError("'role' must be one of 'roles'", field="role")
            if role is None:
                role = next((r for r in sorted(held) if r in self.pack.openers), None)
                if role is None:
                    role = sorted(held)[0]  # refused below, as a role that may not open
        if role is None:
            return self.pack.openers[0]
        check_opaque_id(role, "role")
        if role not in self.pack.openers:
            raise RoleNotPermitted(
                f"the role may not {'open a case' if event == 'open' else 'record the facts'} "
                f"(it is for: {', '.join(self.pack.openers)})",
                case_id=case_id,
                event=event,
                reasons=(
                    _reason(
                        "role_not_permitted",
                        "the role may not open cases or record their facts",
                        *self.pack.open_rule_ids,
                    ),
                ),
                field="role",
            )
        return role

    def _assess(self, tenant_id: str, facts: Incident, local_authority: str) -> Assessment:
        """The pack's assessment of *facts* for a tenant, on its calendar, refusing future facts."""
        read_clock(self.clock)  # a naive clock is refused before the pack reads it
        return self.pack.assess(
            facts,
            local_authority=local_authority,
            settings=self.settings(tenant_id),
            calendar=self.calendar(tenant_id),
            registry=self.registry,
            clock=self.clock,
        )

    # -- reading ------------------------------------------------------------------------------

    def case(self, tenant_id: str, case_id: str) -> Case:
        """
        The latest record of a case.

        Raises:
            UnknownTenantError: the tenant is not configured.
            CaseNotFoundError: no such case.

        """
        _check_case_key(tenant_id, case_id)
        self.settings(tenant_id)
        return self.store.get(tenant_id, case_id)

    def history(self, tenant_id: str, case_id: str) -> tuple[HistoryRecord, ...]:
        """
        A case's history records, in order.

        Raises:
            UnknownTenantError: the tenant is not configured.
            CaseNotFoundError: no such case.

        """
        _check_case_key(tenant_id, case_id)
        self.settings(tenant_id)
        return self.store.history(tenant_id, case_id)

    def overdue(
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
        Open deadlines due before *as_of* (today in Europe/London by default), oldest first.

        Of one tenant, of several (*tenant_ids*: a regional view), or of every tenant
        the workflow has when neither is given; ordered by due date, tenant, case and
        kind, a page at a time (pass the last row's `DueDeadline.key` as *after*).
        Each row carries the case's authority and state, the roles that answer for
        the deadline in the pack's lifecycle, and its working days late on its
        tenant's own calendar. See `CaseStore.overdue`.

        Added in version 0.1.0.

        Raises:
            UnknownTenantError: a tenant is not configured.
            InvalidInputError: a malformed argument.

        """
        return self.store.overdue(
            tenant_ids=self._query_tenants(tenant_id, tenant_ids),
            as_of=today(self.clock) if as_of is None else as_of,
            limit=limit,
            after=after,
            rule_id=rule_id,
            calendar=self.calendar,
            lifecycles=self.pack.lifecycles,
        )

    def due_soon(
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
        Open deadlines due from *as_of* (today by default) to *working_days* working days on.

        Each tenant's window ends on its own calendar. Tenants, order, pages and rows
        as `overdue()`; `DueDeadline.working_days_left` says how long is left.

        Added in version 0.1.0.

        Raises:
            UnknownTenantError: a tenant is not configured.
            InvalidInputError: a malformed argument.

        """
        return self.store.due_soon(
            tenant_ids=self._query_tenants(tenant_id, tenant_ids),
            as_of=today(self.clock) if as_of is None else as_of,
            working_days=working_days,
            limit=limit,
            after=after,
            rule_id=rule_id,
            calendar=self.calendar,
            lifecycles=self.pack.lifecycles,
        )

    def _query_tenants(self, tenant_id: object, tenant_ids: object) -> tuple[str, ...]:
        """The tenants a query names (all of the workflow's if none), each one configured."""
        if tenant_id is not None and tenant_ids is not None:
            raise InvalidInputError(
                "give 'tenant_id' or 'tenant_ids', not both", field="tenant_ids"
            )
        if tenant_id is not None:
            tenants: tuple[object, ...] = (tenant_id,)
        elif tenant_ids is None:
            tenants = tuple(self._settings)
        elif isinstance(tenant_ids, str | bytes) or not isinstance(tenant_ids, Iterable):
            raise InvalidInputError(
                "'tenant_ids' must be a collection of tenant ids", field="tenant_ids"
            )
        else:
            tenants = tuple(tenant_ids)
        for tenant in tenants:
            self.settings(tenant)  # type: ignore[arg-type]  # checked there
        return cast("tuple[str, ...]", tenants)

    # -- opening ------------------------------------------------------------------------------

    def open(
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
        Record an incident: assess it and open a case with its deadlines.

        The opening record's ``occurred_at`` is the moment the authority became
        aware (``facts.la_aware_at``). The opener's role follows the rule of a step:
        *role* if given, else the first of the actor's *roles* (in sorted order) that
        is one of the pack's openers, else the pack's first opener; and the workflow's
        authoriser, if any, is asked (step ``"open"``, with the case as it would be
        opened) before anything is stored.

        *local_authority* (a GSS code, a DfE number or a name) resolves to the code in
        force when the authority became aware: the case's ``local_authority``. When the
        host gave a GSS code that a recode has since replaced, the case keeps that code
        too, as ``local_authority_given`` (see `Case.authority_codes`).

        Raises:
            UnknownTenantError: the tenant is not configured.
            InvalidInputError: malformed ids, facts in the future, unknown authorities.
            RoleNotPermitted: the role (or none of *roles*) is one of the pack's openers.
            NotAuthorised: the workflow's authoriser refused.
            RegimeNotSupportedError: the facts fall under a regime the pack lacks.
            CaseExistsError: *case_id* is taken.

        """
        self.settings(tenant_id)  # an unknown tenant fails before anything else
        check_opaque_id(actor, "actor")
        if case_id is None:
            case_id = self.ids.case_id(tenant_id)
        check_opaque_id(case_id, "case_id")
        role = self._check_opener(role, case_id, "open", roles)
        assessment = self._assess(tenant_id, facts, local_authority)
        # The code the host gave, kept beside the code in force when a recode moved it.
        given = self.registry.code_given(local_authority)
        if given == assessment.local_authority:
            given = None
        facts = utc_facts(facts)
        lifecycle = self.pack.lifecycle_for(assessment.regime)
        fingerprint = self._fingerprint(tenant_id, lifecycle.name, lifecycle.version)
        deadlines = tuple(Deadline.from_duty(d, fingerprint) for d in assessment.duties)
        # The regime and why, on the record (SCR-07): a case keeps its regime to the end.
        reason = assessment.regime_reason
        opening = (
            {"regime": assessment.regime, "regime_reason": reason.code if reason else None}
            if assessment.regime
            else {}
        )
        now = pendulum.instance(read_clock(self.clock))
        entry = Entry(
            kind="opened",
            event="opened",
            actor=actor,
            role=role,
            occurred_at=time_to_json(facts.la_aware_at),
            recorded_at=time_to_json(now),
            payload=opening,
            changes={
                "case": {
                    "local_authority": assessment.local_authority,
                    "lifecycle": lifecycle.name,
                    "lifecycle_version": lifecycle.version,
                    "rule_pack": self.pack.name,
                    "rule_pack_version": self.pack.version,
                    **({} if given is None else {"local_authority_given": given}),
                },
                "state": lifecycle.initial,
                "facts": incident_to_json(facts),
                "deadlines": [deadline_to_json(d) for d in deadlines],
                "milestones": {},
                "last_step_at": time_to_json(facts.la_aware_at),
            },
            rule_ids=sorted({r for d in assessment.duties for r in d.rule_ids}),
        )
        opened = Case(
            tenant_id=tenant_id,
            case_id=case_id,
            local_authority=assessment.local_authority,
            state=lifecycle.initial,
            facts=facts,
            deadlines=deadlines,
            milestones=(),
            version=1,
            head="",  # the record's hash, once sealed: the record commits to the rest
            last_step_at=facts.la_aware_at,
            lifecycle=lifecycle.name,
            lifecycle_version=lifecycle.version,
            rule_pack=self.pack.name,
            rule_pack_version=self.pack.version,
            local_authority_given=given,
        )
        if self.authoriser is not None:
            held = frozenset(roles) if roles is not None else frozenset((role,))
            self._authorise(self.authoriser, actor, held, opened, "open", _raise)
        state = state_json(opened)
        sealed = seal(
            entry,
            tenant_id=tenant_id,
            case_id=case_id,
            sequence=1,
            event_id=self.ids.event_id(tenant_id, case_id, 1),
            from_state=None,
            prev=GENESIS,
            state=state,
        )
        case = replace_case(opened, version=1, head=sealed.hash)
        remember(case, state)
        self.store.create(case, sealed)
        return self._announce(case, sealed, time_to_json(now))

    # -- commands -----------------------------------------------------------------------------

    def fire(self, command: Command) -> Outcome:
        """
        Take one step on one case; see the module docstring for the order of work.

        Raises:
            CaseNotFoundError: no such case.
            ConcurrencyConflict: the case moved on from ``expected_version``.
            StepNotAvailable: the event is not a step from the case's state.
            RoleNotPermitted: the role may not take the step (R7).
            InvalidInputError: a malformed payload or ``occurred_at``.
            TransitionRefused: a guard refused; carries the reasons, rule ids and citations.

        """
        if not isinstance(command, Command):
            raise InvalidInputError("'command' must be a Command", field="command")
        if command.tenant_id not in self._settings:
            self.settings(command.tenant_id)  # raises: misconfiguration, before any read
        store = self.store
        if getattr(type(store), "transaction", None) is _PLAIN_SCOPE:
            # The default scope yields the store and does nothing else: skip its generator.
            return self._finish(self._fire(store, command))
        with store.transaction() as scoped:
            result = self._fire(scoped, command)
        return self._finish(result)

    def check(self, command: Command) -> tuple[Reason, ...]:
        """
        Why `fire` would refuse *command* now; empty if it would take it. Stores nothing.

        A dry run, for greying out a host's buttons or checking a form before it is sent.
        It runs the very checks `fire` runs, in the same code (`fire` stops at the first
        refusal; this goes on and gathers them all), each refusal a `Reason` whose code
        says what refused it:

        - ``concurrency_conflict``: ``expected_version`` is not the case's version;
        - ``unknown_event``: the event is no step of the lifecycle;
        - ``step_not_available``: a step, but not from the case's state;
        - ``role_not_permitted``: the command's role (or none of its roles) may take it;
        - ``not_authorised``: the host's authoriser refused it;
        - ``payload_invalid``: the payload (its fields, or its dates);
        - ``occurred_at_invalid``: the time is in the future, or before the last step;
        - ``idempotency_key_reused``: the key names another command already stored;
        - a guard's own code, with its rule ids and citations.

        A command whose key names the very command already stored is not refused
        (`fire` returns its first outcome). Guards read the payload, so a refused
        payload leaves them unjudged. The answer holds for the case as it is now:
        another command may move it on before this one is fired.

        Added in version 0.1.0.

        Raises:
            CaseNotFoundError: no such case.
            ConfigurationError: the tenant is not configured.

        """
        if not isinstance(command, Command):
            raise InvalidInputError("'command' must be a Command", field="command")
        self.settings(command.tenant_id)  # an unknown tenant is misconfiguration, not a refusal
        case = self.store.get(command.tenant_id, command.case_id)
        if command.idempotency_key is not None:
            first = self.store.find(command.tenant_id, command.case_id, command.idempotency_key)
            if first is not None:
                try:
                    self._check_repeat(command, first, case)
                except IdempotencyKeyReused as error:
                    return (_reason("idempotency_key_reused", str(error)),)
                return ()
        found: list[Reason] = []
        self._decide(case, command, found)
        return tuple(found)

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
        The steps from *case*'s state, each judged for a user holding *roles*: for buttons.

        Each step is judged as `check` judges a command that takes it now (at
        *occurred_at*, the clock's time by default) in the first of *roles* that may,
        with the payload *payloads* gives for its event (none by default), so the
        answer and `fire` cannot disagree. A step whose only reasons are its payload's
        (`StepOption.enabled`) is one the user may take once they fill in its form, as
        far as the checks go without it: guards read the payload, so they are judged
        only on a valid payload (give the form's draft in *payloads* for the full answer).
        Nothing is read from the store: *case* is judged as given (read it with
        `case()` first).

        Added in version 0.1.0.

        Args:
            case: The case, as read from the store.
            roles: Every role the user holds.
            actor: The user's opaque id: required when the workflow has an authoriser,
                which is asked for each step.
            occurred_at: When the step would happen; now, by default.
            payloads: A payload to judge a step with, by the step's event.

        Raises:
            InvalidInputError: *case* is not a Case, *roles* holds no role, a role or
                *actor* is malformed, *actor* is missing though an authoriser is set, or
                *payloads* names an event that is not a step from the case's state.
            ConfigurationError: the case's tenant is not configured.

        """
        if not isinstance(case, Case):
            raise InvalidInputError("'case' must be a Case", field="case")
        self.settings(case.tenant_id)
        held = check_roles(roles, "roles")
        if held is None:
            raise InvalidInputError("'roles' must name at least one role", field="roles")
        if actor is None:
            if self.authoriser is not None:
                raise InvalidInputError(
                    "'actor' is required: the workflow's authoriser is asked for each step",
                    field="actor",
                )
            actor = "anonymous"
        at = pendulum.instance(read_clock(self.clock)) if occurred_at is None else occurred_at
        steps = self.pack.lifecycle_named(case.lifecycle).available(case.state)
        given = {} if payloads is None else payloads
        if not isinstance(given, Mapping) or any(
            event not in {s.event for s in steps} for event in given
        ):
            raise InvalidInputError(
                "'payloads' must map steps from the case's state to payloads", field="payloads"
            )
        options = []
        for step in steps:
            probe = Command(
                case.tenant_id,
                case.case_id,
                step.event,
                actor=actor,
                roles=held,
                occurred_at=at,
                payload=given.get(step.event),
            )
            found: list[Reason] = []
            self._decide(case, probe, found)
            options.append(
                StepOption(
                    step.event,
                    _acting_role(probe, step),
                    tuple(found),
                    tuple(f.name for f in step.payload if f.required),
                )
            )
        return tuple(options)

    def _fire(self, store: CaseStore, command: Command) -> Outcome | _Stored:
        case, first = store.load(command.tenant_id, command.case_id, command.idempotency_key)
        if first is not None:
            self._check_repeat(command, first, case)
            return self._first_outcome(store, case, first)
        try:
            return self._step(store, case, command)
        except SafeguardingWorkflowError as error:
            if not store._served_unread():
                _note_refused(case, error)
                raise
            refused = error
        # The store served the case it kept without reading it (SqlStore.load), and the
        # command was refused or its write found another row: asked again in the same
        # transaction, the store reads the case. The same case: the refusal stands.
        stored, _ = store.load(command.tenant_id, command.case_id, None)
        if stored is case:
            _note_refused(case, refused)
            raise refused
        try:
            return self._step(store, stored, command)
        except SafeguardingWorkflowError as error:
            _note_refused(stored, error)
            raise

    def _step(self, store: CaseStore, case: Case, command: Command) -> _Stored:
        """Decide *command* on *case* and apply it: `fire` once the case is read."""
        decided = self._decide(case, command, None, store)
        if decided is None:  # pragma: no cover - without a list, _decide raises or decides
            raise AssertionError("unreachable")
        plan, role, payload, calendar, occurred_at, now = decided
        return self._apply(store, case, plan, command, role, payload, calendar, occurred_at, now)

    def _decide(
        self,
        case: Case,
        command: Command,
        found: list[Reason] | None,
        store: CaseStore | None = None,
    ) -> (
        tuple[_StepPlan, str, Mapping[str, Any], WorkingDayCalendar, pendulum.DateTime, dt.datetime]
        | None
    ):
        """
        Every check a command meets before its step is applied: one path for all callers.

        With *found* None (`fire`) the first refusal raises, as the module docstring
        orders them. With a list (`check`, `available`) each refusal adds its reasons
        and the checks go on as far as they can: past a refused role or authoriser to
        the payload, the times and the guards; past a refused payload to the times, but
        not to the guards, which read the payload. Returns what applying the step needs,
        or None when something was refused into *found*. A store is never written.
        """

        def refuse(error: Exception, reasons: tuple[Reason, ...]) -> None:
            if found is None:
                raise error
            found.extend(reasons)

        expected = command.expected_version
        if expected is not None and expected != case.version:
            refuse(
                ConcurrencyConflict(_MOVED_ON, field="expected_version"),
                (_reason("concurrency_conflict", _MOVED_ON),),
            )
        lifecycle = self.pack.lifecycle_named(case.lifecycle)
        if case.lifecycle_version != lifecycle.version:
            # Never new rules in silence: a case of another version is migrated first.
            message = (
                f"the case follows version {case.lifecycle_version!r} of its lifecycle and "
                f"this workflow runs version {lifecycle.version!r}: migrate it first "
                "(Workflow.migrate)"
            )
            refuse(
                ConfigurationError(message, field="lifecycle_version"),
                (_reason("lifecycle_version_differs", message),),
            )
            return None
        step = lifecycle.step(case.state, command.event)
        if step is None:
            if command.event not in lifecycle.events:
                # The caller's value is not repeated (R9): it is no step of the lifecycle.
                message = "'Command.event' is not a step of the lifecycle"
                refuse(
                    UnknownEventError(message, field="event"),
                    (_reason("unknown_event", message),),
                )
            else:
                available = ", ".join(s.event for s in lifecycle.available(case.state)) or "none"
                reason = _reason("step_not_available", "not a step from this state")
                refuse(
                    StepNotAvailable(
                        f"the step {command.event!r} is not a step from state {case.state!r} "
                        f"(available: {available})",
                        case_id=case.case_id,
                        event=command.event,
                        reasons=(reason,),
                        field="event",
                    ),
                    (reason,),
                )
            return None
        role = command.role
        if role is None or role not in step.roles:
            role = _acting_role(command, step)
            if role is None:
                reason = _reason("role_not_permitted", "the role may not take this step")
                refuse(
                    RoleNotPermitted(
                        f"the role may not take the step {step.event!r} "
                        f"(it is for: {', '.join(step.roles)})",
                        case_id=case.case_id,
                        event=command.event,
                        reasons=(reason,),
                        field="role" if command.roles is None else "roles",
                    ),
                    (reason,),
                )
        authoriser = self.authoriser
        if authoriser is not None:
            self._authorise(authoriser, command.actor, _roles_of(command), case, step.event, refuse)
        plan = self._plans.get(id(step))
        if plan is None or plan.step is not step or plan.lifecycle is not lifecycle:
            plan = self._plans[id(step)] = _StepPlan(lifecycle, step)
        payload: Mapping[str, Any] | None = None
        try:
            payload = convert_payload(step.event, plan.fields, command.payload)
            if plan.dates:
                check_payload_dates(
                    step.event,
                    plan.dates,
                    payload,
                    aware_on=case.facts.la_aware_on,
                    occurred_on=command.occurred_on,
                )
        except InvalidInputError as error:
            refuse(error, (_reason("payload_invalid", str(error)),))
            payload = None
        now = utc_naive(read_clock(self.clock))
        # in_utc(command.occurred_at), from the UTC time the command already holds: the
        # case's next last_step_at, and in the same zone as the current one for comparing.
        occurred_at = utc_pendulum(command.occurred_utc)
        try:
            self._check_time(case, command, occurred_at, now)
        except InvalidInputError as error:
            refuse(error, (_reason("occurred_at_invalid", str(error)),))
        tenant_id = case.tenant_id
        settings = self._settings.get(tenant_id)
        if settings is None:
            settings = self.settings(tenant_id)  # raises: the tenant is not configured
        calendar = self._calendars.get(tenant_id)
        if calendar is None:
            calendar = self.calendar(tenant_id)
        if payload is None:  # refused into *found*: the guards read the payload
            return None
        reasons: list[Reason] = []
        if plan.guards:  # a step without guards needs no context for them
            reading = self.store if store is None else store
            ctx = GuardContext(
                command,
                payload,
                command.occurred_on,
                calendar,
                settings,
                self.registry,
                records=functools.partial(reading.history, case.tenant_id, case.case_id),
            )
            for guard in plan.guards:
                result = guard(case, ctx)
                if not result.allowed:
                    reasons.extend(result.reasons)
        if reasons:
            if found is not None:
                found.extend(reasons)
                return None
            raise TransitionRefused(
                f"the step {step.event!r} was refused: "
                + "; ".join(f"{r.message} [{', '.join(r.rule_ids)}]" for r in reasons),
                case_id=case.case_id,
                event=step.event,
                reasons=tuple(reasons),
            )
        if found or role is None:  # refused above, into the list (a refused role raised)
            return None
        return plan, role, payload, calendar, occurred_at, now

    @staticmethod
    def _authorise(
        authoriser: Authoriser,
        actor: str,
        roles: frozenset[str],
        case: Case,
        step: str,
        refuse: Callable[[Exception, tuple[Reason, ...]], None],
    ) -> None:
        """Ask the host's authoriser; refuse (``not_authorised``) unless it answers True."""
        answer = authoriser(actor, roles, case, step)
        if type(answer) is not bool:
            raise ConfigurationError("the authoriser must answer True or False", field="authoriser")
        if not answer:
            reason = _reason("not_authorised", "the host's authoriser refused this step")
            refuse(
                NotAuthorised(
                    f"the actor may not take the step {step!r} on this case "
                    "(refused by the host's authoriser)",
                    case_id=case.case_id,
                    event=step,
                    reasons=(reason,),
                    field="actor",
                ),
                (reason,),
            )

    @staticmethod
    def _check_time(
        case: Case, command: Command, occurred_at: pendulum.DateTime, now: dt.datetime
    ) -> None:
        if command.occurred_utc > now:
            raise InvalidInputError("'occurred_at' must not be in the future", field="occurred_at")
        # *occurred_at* is command.occurred_at in UTC: two times in one zone compare field by
        # field, without the zone look-ups a comparison across zones makes.
        if occurred_at < case.last_step_at:
            raise InvalidInputError(
                "'occurred_at' must not be before the previous step of the case",
                field="occurred_at",
            )

    def _apply(
        self,
        store: CaseStore,
        case: Case,
        plan: _StepPlan,
        command: Command,
        role: str,
        payload: Mapping[str, Any],
        calendar: WorkingDayCalendar,
        occurred_at: pendulum.DateTime,
        now: dt.datetime,
    ) -> _Stored:
        step = plan.step
        sequence = case.version + 1
        occurred_on = command.occurred_on
        milestones = case.milestones
        set_now: dict[str, pendulum.Date] = {}
        if step.sets:
            merged = dict(milestones)
            for milestone, field in step.sets:
                merged[milestone] = set_now[milestone] = (
                    occurred_on if field is None else payload[field]
                )
            milestones = tuple(merged.items())
        deadlines = list(case.deadlines)
        for spec in step.opens:
            if all(d.kind != spec.kind for d in deadlines):
                deadlines.append(
                    Deadline(
                        spec.kind,
                        rule_ids=spec.rule_ids,
                        anchor_event=spec.anchor,
                        anchor_on=None,
                        working_days=spec.working_days,
                        months=spec.months,
                    )
                )
        known = len(case.deadlines)
        changes_list = []
        meets = plan.meets
        stamp: str | None = None
        for index, deadline in enumerate(deadlines):
            updated = deadline
            recomputed = deadline.anchor_event in set_now
            if recomputed:
                if stamp is None:  # once a step, and only for a step that anchors a deadline
                    stamp = self._fingerprint(
                        case.tenant_id, case.lifecycle, case.lifecycle_version
                    )
                updated = updated.computed(calendar, set_now[deadline.anchor_event], stamp)
            if updated.status is _OPEN:
                if deadline.kind in meets:
                    updated = updated.met(occurred_on, sequence)
                elif step.cancels:
                    updated = updated.with_status(DeadlineStatus.CANCELLED, None, None)
            if updated is not deadline or index >= known:
                deadlines[index] = updated
                if index >= known:  # a new deadline, written whole
                    changes_list.append(deadline_to_json(updated))
                elif recomputed:
                    changes_list.append(deadline_change(deadline, updated))
                else:  # only met() or with_status() changed it
                    changes_list.append(status_change(deadline, updated))
        occurred = iso_utc(command.occurred_utc)
        known_time(occurred_at, occurred)  # the case's state, digested, writes it again
        changes: dict[str, Any] = {"state": step.dest or case.state, "last_step_at": occurred}
        if changes_list:
            changes["deadlines"] = changes_list
        if set_now:
            changes["milestones"] = {m: on.isoformat() for m, on in set_now.items()}
        updates = {
            "state": step.dest or case.state,
            "deadlines": tuple(deadlines),
            "milestones": milestones,
            "last_step_at": occurred_at,
            "step_times": (*case.step_times, (sequence, occurred_at)),
        }
        json_payload = (
            {k: to_json_value(v) for k, v in payload.items()} if plan.converts_to_json else payload
        )
        return self._append(
            store,
            case,
            updates,
            Entry(
                kind="step",
                event=step.event,
                actor=command.actor,
                role=role,
                occurred_at=occurred,
                recorded_at=iso_utc(now),
                payload=json_payload,
                changes=changes,
                rule_ids=step.rule_ids,
                idempotency_key=command.idempotency_key,
            ),
        )

    # -- corrections and recomputation -------------------------------------------------------

    def correct(
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
        Correct when a step really happened, by appending a record; nothing is rewritten.

        The correcting record names the record it corrects. Deadlines that step
        met are re-judged against the corrected date, and milestones it set (and
        the deadlines anchored on them) move with it.

        Args:
            tenant_id: The tenant.
            case_id: The case.
            corrects: The step record being corrected: its sequence number, or its event
                id (`HistoryRecord.event_id`, the id of the CloudEvent it emitted),
                looked for among the records of this case only.
            occurred_at: When the step really happened: not in the future, not
                before the step before it, not after the step after it.
            actor: Opaque id of who corrects it.
            role: Their role; it must be a role that may take the corrected step.
            reason_ref: Opaque reference to the host's note of why.
            expected_version: As for `Command`.

        Raises:
            UnknownTenantError: the tenant is not configured.
            InvalidInputError: a malformed id or role (as for `Command`), *corrects* is not
                a step record of the case (by sequence number or event id), or the new
                time is out of order.
            RoleNotPermitted: *role* may not take the corrected step.

        """
        _check_case_key(tenant_id, case_id)
        self.settings(tenant_id)  # an unknown tenant fails before anything else
        check_opaque_id(actor, "actor")
        check_opaque_id(role, "role")
        check_reference(reason_ref, "reason_ref")
        at = _aware(occurred_at, "occurred_at")
        with self.store.transaction() as store:
            result = self._correct(
                store, tenant_id, case_id, corrects, at, actor, role, reason_ref, expected_version
            )
        return self._finish(result)

    def _correct(
        self,
        store: CaseStore,
        tenant_id: str,
        case_id: str,
        corrects: int | str,
        at: pendulum.DateTime,
        actor: str,
        role: str,
        reason_ref: str,
        expected_version: int | None,
    ) -> _Stored:
        case = store.get(tenant_id, case_id)
        _check_version(case, expected_version)
        # The case keeps each step's time, corrections applied (Case.step_times): the steps
        # around the corrected one need no history, and only the corrected record is read,
        # so a correction costs the same on a case of ten records or ten thousand.
        times = case.step_times
        if type(corrects) is str:
            corrects = self._sequence_of(store, case, corrects)
        position = _step_position(times, corrects)
        if position is None or type(corrects) is not int:
            raise InvalidInputError(
                "'corrects' must be the sequence number or event id of a step record of the case",
                field="corrects",
            )
        target = store.record(tenant_id, case_id, corrects).data
        step = self.pack.lifecycle_named(case.lifecycle).step(target["from"], target["event"])
        if step is None:  # pragma: no cover - every stored step comes from the lifecycle
            raise InvalidInputError("'corrects' names an unknown step", field="corrects")
        if role not in step.roles:
            raise RoleNotPermitted(
                f"the role may not correct the step {step.event!r} "
                f"(it is for: {', '.join(step.roles)})",
                case_id=case_id,
                event="correct",
                reasons=(_reason("role_not_permitted", "the role may not take this step"),),
                field="role",
            )
        if self.authoriser is not None:
            self._authorise(self.authoriser, actor, frozenset((role,)), case, "correct", _raise)
        earlier = times[position - 1][1] if position else case.facts.la_aware_at
        later = times[position + 1][1] if position + 1 < len(times) else None
        if at > read_clock(self.clock):
            raise InvalidInputError("'occurred_at' must not be in the future", field="occurred_at")
        if at < earlier or (later is not None and at > later):
            raise InvalidInputError(
                "'occurred_at' must lie between the steps before and after the corrected one",
                field="occurred_at",
                rule_ids=("TL-01",),
            )
        on = london_date(utc_naive(at))
        _check_dated_before(step, target.get("payload"), on)
        calendar = self.calendar(tenant_id)
        fingerprint = self._fingerprint(tenant_id, case.lifecycle, case.lifecycle_version)
        milestones = dict(case.milestones)
        moved = {m for m, field in step.sets if field is None}
        for milestone in moved:
            milestones[milestone] = on
        changed: dict[str, Deadline] = {}
        for deadline in case.deadlines:
            updated = deadline
            if deadline.anchor_event in moved:
                updated = updated.computed(calendar, on, fingerprint)
            if deadline.met_by == corrects:
                updated = updated.met(on, corrects)
            if updated != deadline:
                changed[deadline.kind] = updated
        moved_at = in_utc(at)
        last = moved_at if later is None else case.last_step_at
        payload = {"corrects": corrects, "occurred_at": time_to_json(at), "reason_ref": reason_ref}
        current = {d.kind: d for d in case.deadlines}
        changes: dict[str, Any] = {
            "deadlines": [deadline_change(current[k], d) for k, d in changed.items()],
            "milestones": {m: date_to_json(on) for m in moved},
            "last_step_at": time_to_json(last),
        }
        updates = {
            "deadlines": tuple(changed.get(d.kind, d) for d in case.deadlines),
            "milestones": tuple(milestones.items()),
            "last_step_at": last,
            "step_times": (*times[:position], (corrects, moved_at), *times[position + 1 :]),
        }
        return self._append(
            store,
            case,
            updates,
            Entry(
                kind="correction",
                event="correct",
                actor=actor,
                role=role,
                occurred_at=time_to_json(at),
                recorded_at=iso_utc(utc_naive(read_clock(self.clock))),
                payload=payload,
                changes=changes,
                rule_ids=step.rule_ids,
            ),
        )

    def _sequence_of(self, store: CaseStore, case: Case, event_id: str) -> int:
        """
        The sequence number of the step record of *case* whose event id is *event_id*.

        Looked for among the case's own step records only. The id factory predicts each
        step's event id, and the record so found is read to confirm it (one read); ids it
        does not predict (a factory that changed, or random ids) are looked for in the
        case's history. A record that is not a step, or no record, is refused like a
        sequence number that names no step, never repeating the id.
        """
        if not 0 < len(event_id) <= 128:
            raise InvalidInputError(
                "'corrects' must be the sequence number or event id of a step record",
                field="corrects",
            )
        tenant_id, case_id = case.tenant_id, case.case_id
        for sequence, _ in case.step_times:
            if self.ids.event_id(tenant_id, case_id, sequence) == event_id:
                if store.record(tenant_id, case_id, sequence).event_id == event_id:
                    return sequence
                break
        for record in store.history(tenant_id, case_id):
            if record.event_id == event_id:
                return record.sequence
        return 0  # names no record: refused as no step record

    def update_facts(
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
        Replace a case's facts (abuse suspected later, say: DEC-04) and recompute its deadlines.

        The case is assessed again. Deadlines move to their new due dates and keep
        whether they were met (re-judged against the new date); duties that now
        arise are added. The record lists every deadline that changed.

        New facts follow the lifecycle and the timeline. A case in a terminal state has
        ended, and its facts no longer change (TL-02): a duty that arose then could never
        be met. Awareness of the incident may not move after the first step taken (a
        step cannot come before the authority knew), and a suspicion of abuse or neglect
        already recorded may not move past a step taken while it was held (TL-03). Before
        the first step, the case's ``last_step_at`` follows awareness.

        Raises:
            UnknownTenantError: the tenant is not configured.
            RoleNotPermitted: *role* is not one of the pack's openers.
            InvalidInputError: malformed or future facts.
            TransitionRefused: the case has ended (reason ``case_ended``), or the facts
                move awareness or suspicion past steps taken (``awareness_after_steps``,
                ``suspicion_after_steps``); each reason carries its rule ids, and nothing
                is stored.

        """
        _check_case_key(tenant_id, case_id)
        self.settings(tenant_id)  # an unknown tenant fails before anything else
        check_opaque_id(actor, "actor")
        with self.store.transaction() as store:
            result = self._update_facts(
                store, tenant_id, case_id, facts, actor, role, expected_version
            )
        return self._finish(result)

    def _update_facts(
        self,
        store: CaseStore,
        tenant_id: str,
        case_id: str,
        facts: Incident,
        actor: str,
        role: str | None,
        expected_version: int | None,
    ) -> _Stored:
        case = store.get(tenant_id, case_id)
        _check_version(case, expected_version)
        role = self._check_opener(role, case_id, "update_facts")
        if self.authoriser is not None:
            self._authorise(
                self.authoriser, actor, frozenset((role,)), case, "update_facts", _raise
            )
        if case.state in self.pack.lifecycle_named(case.lifecycle).terminal:
            self._refuse_facts(
                case,
                f"the case has ended (state {case.state!r}); its facts can no longer change",
                [
                    _reason(
                        "case_ended",
                        "the case is in a terminal state: its facts no longer change, and no "
                        "step could meet a duty they raised",
                        "TL-02",
                    )
                ],
                None,
            )
        calendar = self.calendar(tenant_id)
        assessment = self._assess(tenant_id, facts, case.local_authority)
        if self.pack.lifecycle_for(assessment.regime).name != case.lifecycle:
            raise InvalidInputError(
                "the new facts fall under another regime than the case's: a case keeps the "
                "regime it opened under; open a new case for the other regime",
                field="facts",
            )
        self._check_facts_timeline(case, facts)
        fingerprint = self._fingerprint(tenant_id, case.lifecycle, case.lifecycle_version)
        current = {d.kind: d for d in case.deadlines}
        changed: dict[str, Deadline] = {}
        for duty in assessment.duties:
            fresh = Deadline.from_duty(duty, fingerprint)
            old = current.get(fresh.kind)
            updated = (
                fresh
                if old is None
                else attrs.evolve(
                    old,
                    rule_ids=fresh.rule_ids,
                    anchor_event=fresh.anchor_event,
                    working_days=fresh.working_days,
                ).computed(calendar, fresh.anchor_on, fingerprint)
            )
            if updated != old:
                changed[fresh.kind] = updated
        merged = {**current, **changed}
        now = utc_naive(read_clock(self.clock))
        changes: dict[str, Any] = {
            "facts": incident_to_json(facts),
            "deadlines": [deadline_change(current.get(k), d) for k, d in changed.items()],
        }
        rule_ids = tuple(
            sorted(
                {r for d in changed.values() for r in d.rule_ids} | set(self.pack.facts_rule_ids)
            )
        )
        new_facts = utc_facts(facts)
        updates: dict[str, Any] = {"facts": new_facts, "deadlines": tuple(merged.values())}
        if not case.step_times and new_facts.la_aware_at != case.last_step_at:
            # No step yet: the next one is checked against awareness (TL-01), as at opening.
            updates["last_step_at"] = new_facts.la_aware_at
            changes["last_step_at"] = time_to_json(new_facts.la_aware_at)
        return self._append(
            store,
            case,
            updates,
            Entry(
                kind="facts_updated",
                event="update_facts",
                actor=actor,
                role=role,
                occurred_at=iso_utc(now),
                recorded_at=iso_utc(now),
                payload={},
                changes=changes,
                rule_ids=rule_ids,
            ),
        )

    # -- the identifier register ---------------------------------------------------------------

    def add_identifiers(
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

        The register is sealed under the case's data key (made at the case's first
        register change and stored wrapped by the workflow's ``key_provider``) and
        stored with the history record in the command's transaction. The record, of kind
        ``register_changed``, lists the people's ids and each entry's id, person id,
        kind and keyed digest (`entry_digest`), never a value; the case's state and
        deadlines do not change. Taken by one of the pack's openers; the authoriser is
        asked about the step ``"register"``. Allowed in every state of the case.

        Example:
            ```python
            workflow.add_identifiers(
                "tenant-1",
                case_id,
                [Identifier("e-1", "p-1", "name", "Alex Fictional")],
                people=[Person("p-1", "child")],
                actor="user-7",
            )
            ```

        Added in version 0.1.0.

        Raises:
            ConfigurationError: the workflow has no key provider.
            UnknownTenantError: the tenant is not configured.
            CaseNotFoundError: no such case.
            InvalidInputError: no person or entry, a repeated id, an entry naming an
                unknown person (named by field, no value repeated).
            RoleNotPermitted: *role* is not one of the pack's openers.
            NotAuthorised: the authoriser refused; nothing is stored.

        """
        from ._register_commands import add

        return self._on_case(
            tenant_id,
            case_id,
            actor,
            lambda store: add(
                self, store, tenant_id, case_id, people, entries, actor, role, expected_version
            ),
            register=True,
        )

    def rectify(
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

        The entry keeps its id, person and kind; the register is sealed again without
        the old value, in the command's transaction. The record, of kind
        ``register_corrected``, names the entry, its kind, its new keyed digest and
        *reason_ref*, never the old or the new value. Taken by one of the pack's
        openers; the authoriser is asked about the step ``"rectify"``.

        Added in version 0.1.0.

        Raises:
            ConfigurationError: the workflow has no key provider.
            InvalidInputError: the register has no such entry, the value is not one of
                the entry's kind, or *reason_ref* is not an opaque reference.
            RoleNotPermitted: *role* is not one of the pack's openers.
            NotAuthorised: the authoriser refused; nothing is stored.

        """
        from ._register_commands import rectify

        return self._on_case(
            tenant_id,
            case_id,
            actor,
            lambda store: rectify(
                self,
                store,
                tenant_id,
                case_id,
                entry_id,
                value,
                actor,
                role,
                reason_ref,
                expected_version,
            ),
            register=True,
        )

    def register(self, tenant_id: str, case_id: str) -> Register:
        """
        A case's identifier register, decrypted with its data key; empty if it has none.

        Reading is not recorded and asks no authoriser: check access before calling.

        Added in version 0.1.0.

        Raises:
            ConfigurationError: the workflow has no key provider.
            CaseNotFoundError: no such case.
            RegisterIntegrityError: the stored register or key was altered.

        """
        from ._register_commands import provider_of, read

        _check_case_key(tenant_id, case_id)
        self.settings(tenant_id)  # an unknown tenant fails before anything else
        provider_of(self)
        return read(self, tenant_id, case_id)

    @contextlib.contextmanager
    def masking(self, tenant_id: str, case_id: str) -> Iterator[Register]:
        """
        Mask the case's identifiers in everything logged in this thread or task, in the block.

        Reads the case's register and binds its values for the host's log masking
        (`safeguarding_workflow.personal.masking`): the structlog processor
        `mask_identifiers` and the ``logging`` filter `MaskingFilter` then mask them in
        every line logged until the block ends, in this context only (other requests'
        threads and tasks never see them). Yields the register. Use it around the
        handling of one case, e.g. a web request about it.

        Example:
            ```python
            with workflow.masking("tenant-1", case_id) as register:
                log.info("letter drafted", text=draft)  # the case's names come out masked
            ```

        Added in version 0.1.0.

        Raises:
            ConfigurationError: the workflow has no key provider.
            CaseNotFoundError: no such case.

        """
        from .personal._masking import masking

        register = self.register(tenant_id, case_id)
        with masking(register):
            yield register

    # -- migrations ------------------------------------------------------------------------------

    def migrate(
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

        Looks at up to *batch* cases in case id order (after *after*, the previous call's
        ``report.after``). Each open case of the migration's lifecycle at its old version
        gets a ``migrated`` record, in a transaction of its own: its state mapped
        (`Migration.target`), its ``lifecycle_version`` the new one, the payload naming
        both versions, the state it left and the migration's ``reason_ref``. Its deadlines
        are not recomputed (`recompute_deadlines` is a step of its own). Cases that have
        ended, and cases of other lifecycles or versions, are left as they are, so running
        a migration again, after a crash say, moves only what it had not moved.

        The workflow's pack must hold the new lifecycle (``pack.lifecycle`` or a regime's):
        the cases then run on it.

        Added in version 0.1.0.

        Raises:
            ConfigurationError: *migration* is not a `Migration`, its lifecycle is not the
                pack's, or the store cannot list a tenant's cases.
            InvalidInputError: *batch* is not 1 to 10,000, or *after* not a case id.

        """
        if not isinstance(migration, Migration):
            raise ConfigurationError("'migration' must be a Migration", field="migration")
        running = self.pack.lifecycle_named(migration.lifecycle)
        if (running.name, running.version) != (migration.to.name, migration.to.version):
            raise ConfigurationError(
                "the migration's lifecycle is not one of the workflow's pack", field="migration"
            )
        self.settings(tenant_id)
        check_opaque_id(actor, "actor")
        if type(batch) is not int or not 1 <= batch <= 10_000:
            raise InvalidInputError("'batch' must be 1 to 10,000 cases", field="batch")
        if after is not None:
            check_opaque_id(after, "after")
        ids = [c for c in self.store.case_ids(tenant_id) if after is None or c > after]
        looked, rest = ids[:batch], ids[batch:]
        migrated: list[str] = []
        ended: list[str] = []
        others: list[str] = []
        for case_id in looked:
            with self.store.transaction() as store:
                case = store.get(tenant_id, case_id)
                if (
                    case.lifecycle != migration.lifecycle
                    or case.lifecycle_version != migration.from_version
                ):
                    others.append(case_id)
                    continue
                if case.state in migration.from_terminal:
                    ended.append(case_id)
                    continue
                now = iso_utc(utc_naive(read_clock(self.clock)))
                target = migration.target(case.state)
                changes: dict[str, Any] = {"case": {"lifecycle_version": migration.to.version}}
                if target != case.state:
                    changes["state"] = target
                entry = Entry(
                    kind=MIGRATED,
                    event="migrate",
                    actor=actor,
                    role=self.pack.openers[0],
                    occurred_at=now,
                    recorded_at=now,
                    payload={
                        "from_version": migration.from_version,
                        "to_version": migration.to.version,
                        "from_state": case.state,
                        "reason_ref": migration.reason_ref,
                    },
                    changes=changes,
                    rule_ids=(),
                )
                stored = self._append(
                    store,
                    case,
                    {"state": target, "lifecycle_version": migration.to.version},
                    entry,
                )
            self._finish(stored)
            migrated.append(case_id)
        return MigrationReport(
            tuple(migrated), tuple(ended), tuple(others), looked[-1] if rest and looked else None
        )

    def _on_case(
        self,
        tenant_id: str,
        case_id: str,
        actor: str,
        command: Callable[[CaseStore], _Stored],
        *,
        register: bool = False,
    ) -> Outcome:
        """
        Run a command that is not a lifecycle step on one case, in one transaction.

        The case key, the tenant (an unknown one fails first), with *register* the key
        provider, and the actor are checked before *command* runs in the store's
        transaction; its record is announced once the transaction has committed.
        """
        _check_case_key(tenant_id, case_id)
        self.settings(tenant_id)
        if register:
            from ._register_commands import provider_of

            provider_of(self)
        check_opaque_id(actor, "actor")
        with self.store.transaction() as store:
            result = command(store)
        return self._finish(result)

    # -- publication: leak checks on the record -------------------------------------------------

    def record_leak_check(
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
        Record a leak check of one document version (`publication.check`) against the case.

        Appends a ``leak_check`` record: the version's digest, *document_ref* (the
        host's reference to the document), whether it was clean, how many parts were
        unreadable, and each finding's id, kind, severity and part; never the text. The
        publication steps need a recorded check of the exact version they publish, with
        every finding cleared (`clear_findings`) and nothing unread. Allowed in every
        state. Any role of the lifecycle may record one (the pack's first opener by
        default); the authoriser is asked about ``"leak_check"``.

        Added in version 0.1.0.

        Raises:
            InvalidInputError: *report* is not a `LeakReport`, or *document_ref* not an
                opaque reference.
            RoleNotPermitted: *role* is not a role of the lifecycle.
            NotAuthorised: the authoriser refused; nothing is stored.

        """
        from ._publication_commands import record_check

        return self._on_case(
            tenant_id,
            case_id,
            actor,
            lambda store: record_check(
                self, store, tenant_id, case_id, report, document_ref, actor, role
            ),
        )

    def clear_findings(
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

        *clearances* maps finding ids (``"name@1042"``, `LeakFinding.finding_id`) of the
        check recorded for *digest* to opaque references of the reasons (a reviewer's
        note: "a name of a professional, not of the family"). Appends a
        ``findings_cleared`` record with the digest, ids and reason references; never
        the findings' text. A cleared finding stays cleared for that version only: a
        changed document is a new version, checked afresh. The authoriser is asked
        about ``"findings_cleared"``.

        Added in version 0.1.0.

        Raises:
            InvalidInputError: *digest* is not a digest or has no recorded check; a key is
                not a finding of that check; a reason is not an opaque reference.
            RoleNotPermitted: *role* is not a role of the lifecycle.
            NotAuthorised: the authoriser refused; nothing is stored.

        """
        from ._publication_commands import clear

        return self._on_case(
            tenant_id,
            case_id,
            actor,
            lambda store: clear(self, store, tenant_id, case_id, digest, clearances, actor, role),
        )

    # -- retention, legal holds, disposal, subject access --------------------------------------

    def retention(
        self, tenant_id: str, case_id: str, *, as_of: dt.date | None = None
    ) -> RetentionStatus:
        """
        Where a case stands on retention: its closing date, holds, and first day of disposal.

        *as_of* (a date in Europe/London) defaults to today by the workflow's clock;
        ``status.disposable`` says whether `dispose` would dispose of the register then.

        Added in version 0.1.0.

        Raises:
            UnknownTenantError: the tenant is not configured.
            CaseNotFoundError: no such case.
            InvalidInputError: *as_of* is not a date.

        """
        from ._retention_commands import status

        _check_case_key(tenant_id, case_id)
        self.settings(tenant_id)
        day = today(self.clock) if as_of is None else as_date(as_of, "as_of")
        with self.store.transaction() as store:
            return status(self, store, store.get(tenant_id, case_id), day)

    def place_legal_hold(
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

        Appends a ``legal_hold_placed`` record naming *hold_ref* (an opaque reference:
        the litigation, inquiry or coroner's request). A case may carry several holds;
        `dispose` is refused while any is in force. Allowed in every state of the case.
        Taken by one of the pack's openers; the authoriser is asked about
        ``"legal_hold"``.

        Added in version 0.1.0.

        Raises:
            InvalidInputError: *hold_ref* is not an opaque reference, or a hold with it
                is in force already.
            RoleNotPermitted: *role* is not one of the pack's openers.
            NotAuthorised: the authoriser refused; nothing is stored.

        """
        return self._hold(tenant_id, case_id, hold_ref, actor, role, place=True)

    def lift_legal_hold(
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

        Added in version 0.1.0.

        Raises:
            InvalidInputError: no hold with *hold_ref* is in force.
            RoleNotPermitted: *role* is not one of the pack's openers.
            NotAuthorised: the authoriser refused; nothing is stored.

        """
        return self._hold(tenant_id, case_id, hold_ref, actor, role, place=False)

    def _hold(
        self,
        tenant_id: str,
        case_id: str,
        hold_ref: str,
        actor: str,
        role: str | None,
        *,
        place: bool,
    ) -> Outcome:
        from ._retention_commands import legal_hold

        return self._on_case(
            tenant_id,
            case_id,
            actor,
            lambda store: legal_hold(
                self, store, tenant_id, case_id, hold_ref, actor, role, place=place
            ),
        )

    def dispose(
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

        Refused (`DisposalRefused`, nothing stored) while the case is not in a terminal
        state, before the tenant's `RetentionRule` period from its closing date has
        ended (by the workflow's clock, in Europe/London), while a legal hold is in
        force, or once disposed of. Otherwise, in one transaction: the register row, the
        only stored copy of the case's wrapped data key, is deleted, and a
        ``register_disposed`` record is appended naming the rule's reference, the closing
        date, the day the period ended, and the ids and kinds of the people and entries
        disposed of (never a value); the case gets the milestone ``register_disposed``,
        and no register command is accepted on it again. The history stays whole and
        verifies. On SQLite the deleted bytes are overwritten and the WAL truncated
        when the command's transaction is the store's own; in the host's transaction,
        or on PostgreSQL, call the store's ``scrub()`` after the commit.

        Taken by one of the pack's openers; the authoriser is asked about ``"dispose"``.

        Added in version 0.1.0.

        Raises:
            ConfigurationError: the tenant has no retention rule, or the case has a
                register and the workflow no key provider.
            DisposalRefused: not closed, period running, held, or disposed of already.
            RoleNotPermitted: *role* is not one of the pack's openers.
            NotAuthorised: the authoriser refused; nothing is stored.

        """
        from ._retention_commands import dispose

        return self._on_case(
            tenant_id,
            case_id,
            actor,
            lambda store: dispose(self, store, tenant_id, case_id, actor, role, expected_version),
        )

    def subject_access(
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

        Every register of the tenant is read; a person matches when, for each kind in
        *match* (``{"name": ..., "date_of_birth": ...}``), one of their entries of that
        kind has that value (values are compared in their normal form, names, aliases,
        schools, addresses and facts without regard to case or spacing; a ``name``
        matches aliases too), and, with *person_id*, when the person has that id. The
        export (`SubjectAccessExport`) holds their entries in clear and the history
        records and events that refer to them by opaque id. Each case disclosed from
        gets a ``register_disclosed`` record naming *request_ref* and the people's ids,
        all in one transaction: the accesses are on record.

        Registers disposed of are gone and are not searched. Taken by one of the
        pack's openers; the authoriser is asked about ``"subject_access"`` for each
        case disclosed from, and a refusal stores nothing.

        Added in version 0.1.0.

        Raises:
            ConfigurationError: the workflow has no key provider.
            InvalidInputError: neither *match* nor *person_id*, an unknown kind, a value
                malformed for its kind, or *request_ref* not an opaque reference.
            NotAuthorised: the authoriser refused a case; nothing is stored.

        """
        from ._register_commands import provider_of
        from ._retention_commands import check_match, subject_access

        check_opaque_id(tenant_id, "tenant_id")
        self.settings(tenant_id)
        provider_of(self)
        check_reference(request_ref, "request_ref")
        check_opaque_id(actor, "actor")
        if person_id is not None:
            check_opaque_id(person_id, "person_id")
        pairs = check_match(match)
        if not pairs and person_id is None:
            raise InvalidInputError("give 'match' or 'person_id'", field="match")
        with self.store.transaction() as store:
            export, stored = subject_access(
                self, store, tenant_id, person_id, pairs, request_ref, actor, role
            )
        for item in stored:
            self._finish(item)
        return export

    def _check_facts_timeline(self, case: Case, facts: Incident) -> None:
        """
        Refuse facts that move awareness or a suspicion already held past steps taken (TL-03).

        Awareness is bounded by the first step, not the latest: no step can come before
        the authority knew of the incident, whichever step it is. A suspicion already
        recorded (its date is the notification anchor, DEC-04) is bounded by the first
        step taken on or after it, as dated in Europe/London: a step taken while the
        suspicion was held may have rested on it, and the core cannot tell which did. A
        suspicion recorded for the first time is not bounded: no step rested on it (a
        looked-after child's death notified to the Secretary of State and Ofsted, then
        abuse suspected, DEC-04). Moving either date earlier is always allowed.
        """
        times = case.step_times
        if not times:
            return
        rule_ids = ("TL-03", *self.pack.facts_rule_ids)
        problems: list[tuple[Reason, str]] = []
        if facts.la_aware_at > times[0][1]:
            problems.append(
                (
                    Reason(
                        "awareness_after_steps",
                        "awareness of the incident must not be after the first step taken: "
                        "no step comes before the authority knew (correct the step's time "
                        "first if it was recorded wrongly)",
                        rule_ids,
                    ),
                    "facts.la_aware_at",
                )
            )
        held, suspected = _suspected_on(case.facts), _suspected_on(facts)
        if held is not None and suspected is not None and suspected > held:
            taken = (london_date(utc_naive(at)) for _, at in times)
            first = next((on for on in taken if on >= held), None)
            if first is not None and suspected > first:
                problems.append(
                    (
                        Reason(
                            "suspicion_after_steps",
                            "abuse or neglect must not be first known or suspected after a "
                            "step taken while it was already suspected",
                            rule_ids,
                        ),
                        "facts.abuse_or_neglect_since",
                    )
                )
        if problems:
            self._refuse_facts(
                case,
                "the facts were refused: "
                + "; ".join(f"{r.message} [{', '.join(r.rule_ids)}]" for r, _ in problems),
                [r for r, _ in problems],
                problems[0][1] if len(problems) == 1 else "facts",
            )

    @staticmethod
    def _refuse_facts(
        case: Case, message: str, reasons: list[Reason], field: str | None
    ) -> NoReturn:
        """Log and raise the refusal of new facts: ``TransitionRefused``, nothing stored."""
        log_info(
            "command_refused",
            tenant=case.tenant_id,
            case=case.case_id,
            step="update_facts",
            codes=[r.code for r in reasons],
        )
        raise TransitionRefused(
            message,
            case_id=case.case_id,
            event="update_facts",
            reasons=tuple(reasons),
            field=field,
        )

    def recompute_deadlines(self, tenant_id: str, case_id: str, *, actor: str) -> Outcome:
        """
        Recompute a case's due dates on the tenant's current calendar (DEC-02).

        Call it for each open case after `configure()` gives a tenant a newly
        proclaimed bank holiday, or after an upgrade brings new holiday data or a
        new pack (`deadline_fingerprint()` tells which cases need it). Every due
        date is computed again, from its recorded anchor and timescale, on the
        tenant's calendar as configured now. When a due date moves or a deadline's
        `Deadline.fingerprint` changes, a ``deadlines_recomputed`` record lists
        each change, the calendar additions in force and the new fingerprint;
        when nothing changes, nothing is recorded and the outcome's record is None.
        """
        _check_case_key(tenant_id, case_id)
        self.settings(tenant_id)  # an unknown tenant fails before anything else
        check_opaque_id(actor, "actor")
        with self.store.transaction() as store:
            result = self._recompute_deadlines(store, tenant_id, case_id, actor)
        return self._finish(result)

    def _recompute_deadlines(
        self, store: CaseStore, tenant_id: str, case_id: str, actor: str
    ) -> Outcome | _Stored:
        case = store.get(tenant_id, case_id)
        calendar = self.calendar(tenant_id)
        fingerprint = self._fingerprint(tenant_id, case.lifecycle, case.lifecycle_version)
        changed = {
            d.kind: updated
            for d in case.deadlines
            if d.anchor_on is not None
            and (updated := d.computed(calendar, d.anchor_on, fingerprint)) != d
        }
        if not changed:
            return Outcome(case, None, None)
        now = utc_naive(read_clock(self.clock))
        current = {d.kind: d for d in case.deadlines}
        changes = {
            "deadlines": [deadline_change(current[k], d) for k, d in changed.items()],
            "calendar_additions": sorted(a.date.isoformat() for a in calendar.additions),
            "fingerprint": fingerprint,
        }
        updates = {"deadlines": tuple(changed.get(d.kind, d) for d in case.deadlines)}
        return self._append(
            store,
            case,
            updates,
            Entry(
                kind="deadlines_recomputed",
                event="recompute_deadlines",
                actor=actor,
                role="system",
                occurred_at=iso_utc(now),
                recorded_at=iso_utc(now),
                payload={},
                changes=changes,
                rule_ids=("DEC-02",),
            ),
        )

    def deadline_fingerprint(self, tenant_id: str, case_id: str) -> str:
        """
        The fingerprint a due date computed now on the case would carry.

        ``<pack>@<version>/<lifecycle>@<version>/<calendar fingerprint>``: this
        workflow's pack, the case's lifecycle and the tenant's calendar as configured
        now. A deadline whose `Deadline.fingerprint` differs was computed by other
        rules or another calendar (an earlier release of the holiday data, say); its
        date stands as recorded until `recompute_deadlines()` moves it, on the record.

        Added in version 0.1.0.

        Raises:
            UnknownTenantError: the tenant is not configured.
            CaseNotFoundError: there is no such case.

        """
        _check_case_key(tenant_id, case_id)
        self.settings(tenant_id)
        case = self.store.get(tenant_id, case_id)
        return self._fingerprint(tenant_id, case.lifecycle, case.lifecycle_version)

    def _fingerprint(self, tenant_id: str, lifecycle: str, version: str) -> str:
        """What computes a due date now: this pack, the lifecycle, the tenant's calendar."""
        key = (self.calendar(tenant_id).fingerprint, lifecycle, version)
        stamp = self._stamps.get(key)
        if stamp is None:
            stamp = f"{self.pack.name}@{self.pack.version}/{lifecycle}@{version}/{key[0]}"
            self._stamps[key] = stamp
        return stamp

    def configure(self, settings: TenantSettings) -> None:
        """
        Replace one tenant's settings (new calendar additions, say); its calendar is rebuilt.

        Existing cases keep their due dates until `recompute_deadlines()`.
        """
        if not isinstance(settings, TenantSettings):
            raise ConfigurationError("'settings' must be a TenantSettings", field="settings")
        self._settings[settings.tenant_id] = settings
        self._calendars.pop(settings.tenant_id, None)

    def _append(
        self,
        store: CaseStore,
        case: Case,
        updates: dict[str, Any],
        entry: Entry,
        *,
        register: RegisterRow | None = None,
        dispose: bool = False,
    ) -> _Stored:
        """
        Seal *entry* as the case's next record and store it with the case it produces.

        With *register*, the case's register row is written in the same transaction;
        with *dispose*, it is deleted in it.
        """
        sequence = case.version + 1
        # The record commits to the case it produces, all but the record's own hash.
        produced = replace_case(case, version=sequence, head="", **updates)
        state = state_json(produced)
        sealed = seal(
            entry,
            tenant_id=case.tenant_id,
            case_id=case.case_id,
            sequence=sequence,
            event_id=self.ids.event_id(case.tenant_id, case.case_id, sequence),
            from_state=case.state,
            prev=case.head,
            state=state,
        )
        new_case = replace_case(produced, version=sequence, head=sealed.hash)
        remember(new_case, state)
        if register is None and not dispose:
            store.append(new_case, sealed, expected_version=case.version)
        else:
            store.append_with_register(new_case, sealed, case.version, register)
        return _Stored(new_case, sealed, entry.recorded_at)

    def _finish(self, result: Outcome | _Stored) -> Outcome:
        """Announce a record once its command's scope has committed."""
        if isinstance(result, Outcome):
            return result
        return self._announce(result.case, result.record, result.recorded_at)

    def _check_repeat(self, command: Command, first: HistoryRecord, case: Case) -> None:
        """
        Refuse *command* unless it is the very command that stored *first* under its key.

        A key names one command of a tenant: a retry must name the same case, step,
        actor, role, ``occurred_at`` (the same instant, in any zone) and payload (in the
        JSON form the record holds, so a tuple for a list or another zone is the same).
        ``expected_version`` is not part of it: a retry may have read a later version.
        Runs only when a store found a record under the command's key, so commands
        without a key never pay for it.

        Raises:
            IdempotencyKeyReused: naming *first* by its sequence number, and what differs.

        """
        data = first.data
        differs: list[str] = []
        if first.tenant_id != command.tenant_id:  # pragma: no cover - stores keep tenants apart
            differs.append("tenant_id")
        if first.case_id != command.case_id:
            differs.append("case_id")
        if data.get("kind") != "step" or first.event != command.event:
            differs.append("event")
        if data.get("actor") != command.actor:
            differs.append("actor")
        lifecycle = self.pack.lifecycle_named(case.lifecycle)
        if data.get("role") != self._repeat_role(command, data, lifecycle):
            differs.append("role")
        if data.get("occurred_at") != iso_utc(command.occurred_utc):
            differs.append("occurred_at")
        if self._payload_form(command, data, lifecycle) != canonical_json(data.get("payload")):
            differs.append("payload")
        if not differs:
            return
        where = (
            "this case"
            if first.case_id == command.case_id and first.tenant_id == command.tenant_id
            else "another case of the tenant"
        )
        raise IdempotencyKeyReused(
            f"this idempotency key was first used by record {first.sequence} of {where}, "
            f"for a different command (it differs in: {', '.join(differs)}); "
            "give each command a key of its own",
            case_id=first.case_id,
            sequence=first.sequence,
            differs=tuple(differs),
        )

    def _repeat_role(
        self, command: Command, data: Mapping[str, Any], lifecycle: Lifecycle
    ) -> str | None:
        """The role *command* would have taken the step of record *data* in (see fire)."""
        if command.roles is None:
            return command.role
        source = data.get("from")
        step = lifecycle.step(source, command.event) if type(source) is str else None
        return None if step is None else _acting_role(command, step)

    def _payload_form(
        self, command: Command, data: Mapping[str, Any], lifecycle: Lifecycle
    ) -> bytes | None:
        """
        *command*'s payload in the canonical JSON form a record holds; None if it has none.

        Converted by the fields of the step the record took, when the command names that
        step, as the command would have been; a payload that step refuses differs from
        the one it stored, and is compared as given.
        """
        payload: Mapping[str, Any] = command.payload
        source = data.get("from")
        step = lifecycle.step(source, command.event) if type(source) is str else None
        if step is not None and step.event == data.get("event"):
            with contextlib.suppress(InvalidInputError):  # refused: compared as given
                payload = convert_payload(step.event, {f.name: f for f in step.payload}, payload)
        try:
            return canonical_json({k: to_json_value(v) for k, v in payload.items()})
        except InvalidInputError:
            return None

    @staticmethod
    def _first_outcome(store: CaseStore, case: Case, record: HistoryRecord) -> Outcome:
        """The outcome a command had when it was first stored (an idempotent retry)."""
        history = store.history(case.tenant_id, case.case_id)
        then = rebuild(history[: record.sequence])
        log_info(
            "command_repeated", tenant=case.tenant_id, case=case.case_id, sequence=record.sequence
        )
        return Outcome(
            then, record, to_cloud_event(record, case.lifecycle, record.data["recorded_at"])
        )

    def fire_with_retry(
        self, tenant_id: str, case_id: str, build: Callable[[Case], Command], *, attempts: int = 5
    ) -> Outcome:
        """
        Build a command from the current case and fire it, re-reading on a concurrency conflict.

        Added in version 0.1.0.

        *build* receives the latest case and returns the command to fire; its
        ``expected_version`` is set to that case's version. Give the command an
        ``idempotency_key`` so a retry after a lost acknowledgement is not taken twice.

        Raises:
            ConcurrencyConflict: still conflicting after *attempts* tries.

        """
        if type(attempts) is not int or attempts < 1:
            raise ConfigurationError("'attempts' must be at least 1", field="attempts")
        _check_case_key(tenant_id, case_id)
        self.settings(tenant_id)  # an unknown tenant fails before anything else
        for attempt in range(1, attempts + 1):
            case = self.store.get(tenant_id, case_id)
            command = attrs.evolve(build(case), expected_version=case.version)
            try:
                return self.fire(command)
            except ConcurrencyConflict:
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _announce(self, case: Case, record: HistoryRecord, recorded_at: str) -> Outcome:
        dispatcher = self.dispatcher
        # With no subscriber, immediate dispatch calls no one: the event waits in the
        # outcome (see _EventSlot) and is built only if it is read.
        deliver = type(dispatcher) is not ImmediateDispatcher or bool(dispatcher.subscribers)
        event = (
            to_cloud_event(record, case.lifecycle, recorded_at)
            if deliver
            else cast(CloudEvent, _PendingEvent(record, case.lifecycle, recorded_at))
        )
        log_info(
            "command_stored",
            tenant=case.tenant_id,
            case=case.case_id,
            step=record.event,
            sequence=record.sequence,
            state=case.state,
        )
        if deliver:
            store = self.store
            if type(store).after_commit is _PLAIN_AFTER_COMMIT:  # committed: deliver now
                dispatcher.dispatch((event,))
            else:  # a store in its host's transaction holds it until the host commits
                store.after_commit(record, functools.partial(dispatcher.dispatch, (event,)))
        return Outcome(case, record, event)


def _note_refused(case: Case, error: SafeguardingWorkflowError) -> None:
    """Log a command its guards refused (``command_refused``), once it is refused for good."""
    if isinstance(error, TransitionRefused):
        log_info(
            "command_refused",
            tenant=case.tenant_id,
            case=case.case_id,
            step=error.event,
            codes=[r.code for r in error.reasons],
        )


def _aware(value: object, field: str) -> pendulum.DateTime:
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise InvalidInputError(f"{field!r} must be a timezone-aware datetime", field=field)
    return pendulum.instance(value)


def _step_position(
    times: tuple[tuple[int, pendulum.DateTime], ...], sequence: object
) -> int | None:
    """Where the step record *sequence* is in a case's ``step_times``; None if it is not one."""
    if type(sequence) is not int:
        return None
    position = bisect.bisect_left(times, sequence, key=operator.itemgetter(0))
    return position if position < len(times) and times[position][0] == sequence else None


def _suspected_on(facts: Incident) -> pendulum.Date | None:
    """The date abuse or neglect was first known or suspected (DEC-04); None if it is not."""
    return facts.notification_anchor if facts.abuse_or_neglect.known_or_suspected else None


def _check_dated_before(step: Step, payload: object, on: pendulum.Date) -> None:
    """
    Refuse to correct a step to a day before a date its payload records (TL-04).

    A decision or an event a step records is dated on or before the step; a plan
    (``future=True``) may lie after it, so it never stops a correction.
    """
    if not isinstance(payload, Mapping):  # pragma: no cover - every step record has one
        return
    for spec in step.payload:
        if spec.kind != "date" or spec.future:
            continue
        recorded = date_from_json(payload.get(spec.name))
        if recorded is not None and recorded > on:
            raise InvalidInputError(
                f"'occurred_at' must not be before the date 'payload.{spec.name}' that the "
                f"step {step.event!r} records",
                field="occurred_at",
                rule_ids=("TL-04",),
            )


def _check_case_key(tenant_id: object, case_id: object) -> None:
    """Refuse a tenant or case id that is not a string: no store could look it up."""
    for value, field in ((tenant_id, "tenant_id"), (case_id, "case_id")):
        if type(value) is not str:
            raise InvalidInputError(f"{field!r} must be a string", field=field)


def _check_version(case: Case, expected: int | None) -> None:
    if expected is not None and expected != case.version:
        raise ConcurrencyConflict(_MOVED_ON, field="expected_version")


def _raise(error: Exception, _reasons: tuple[Reason, ...]) -> None:
    """The refusal of a command that is not a dry run: raise."""
    raise error


def _acting_role(command: Command, step: Step) -> str | None:
    """
    The role *command* takes *step* in; None if it may not.

    A command that names its ``role`` acts in that role, if the step allows it; one that
    gives only ``roles`` acts in the first of them, in sorted order, that the step allows.
    """
    if command.role is not None:
        return command.role if command.role in step.roles else None
    if command.roles is None:  # pragma: no cover - a Command holds a role or roles
        return None
    return next((r for r in sorted(command.roles) if r in step.roles), None)


def _roles_of(command: Command) -> frozenset[str]:
    """Every role *command*'s actor holds, as the authoriser receives them."""
    if command.roles is not None:
        return command.roles
    return frozenset((command.role,)) if command.role is not None else frozenset()
