"""Cases are data: frozen records of facts, state, deadlines and version; commands name a step."""

from __future__ import annotations

import datetime as _dt
import datetime as dt
import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

import attrs
import pendulum

from ._authorities import LocalAuthorityRegistry
from ._calendar import WorkingDayCalendar
from ._duties import Duty, rule_citations, rules_basis, rules_verification
from ._facts import Incident
from ._identifiers import check_opaque_id, check_reference
from ._rules import Basis, Verification
from ._settings import TenantSettings
from ._times import london_date as london_date_of
from ._times import utc_naive
from .exceptions import InvalidInputError

__all__ = [
    "Case",
    "Command",
    "Deadline",
    "DeadlineStatus",
    "GuardContext",
    "london_date",
    "replace_case",
]

_LONDON: Final = pendulum.timezone("Europe/London")
_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})


def london_date(at: pendulum.DateTime) -> pendulum.Date:
    """The date of *at* in Europe/London: the date that counts for deadlines."""
    return at.in_timezone(_LONDON).date()


class DeadlineStatus(enum.StrEnum):
    """
    Where a deadline stands.

    ``open``: not yet met. ``met``: met on or before its due date (by the step's
    ``occurred_at``). ``met_late``: met after it. ``cancelled``: the case ended
    by a route on which it no longer applies (withdrawn, say).

    Added in version 0.1.0.
    """

    OPEN = "open"
    MET = "met"
    MET_LATE = "met_late"
    CANCELLED = "cancelled"


@attrs.frozen
class Deadline:
    """
    One deadline on a case: a duty's due date and whether it was met.

    Added in version 0.1.0.

    All fields but ``kind`` are given by keyword.

    Attributes:
        kind: What must be done, e.g. ``"notify_panel"``.
        rule_ids: The rules behind it.
        anchor_event: What it runs from.
        anchor_on: The anchor's date, or None while it has not happened (DEC-05).
        working_days: Working days after (negative: before) the anchor, or None.
        months: Calendar months after the anchor, or None.
        due: The due date, or None while the anchor has not happened.
        projected: Whether the due date rests on rule-projected holidays (DEC-02).
        non_working_day: Whether a month-based due date falls on a non-working day
            (WD-04: surfaced, not moved).
        status: Where it stands.
        met_on: The date (Europe/London) of the ``occurred_at`` of the step that met it.
        met_by: The sequence number of the history record of that step.
        fingerprint: What computed ``due``, or None while there is no due date:
            ``<pack>@<version>/<lifecycle>@<version>/<calendar fingerprint>`` (see
            [`WorkingDayCalendar.fingerprint`][safeguarding_workflow.WorkingDayCalendar]).
            A recorded due date never moves by itself: a new release of the
            holiday data or of a pack changes the fingerprint a recomputation
            would give, and only `Workflow.recompute_deadlines()`, a recorded
            step, moves the date and the fingerprint together.

    """

    kind: str
    rule_ids: tuple[str, ...] = attrs.field(kw_only=True)
    anchor_event: str = attrs.field(kw_only=True)
    anchor_on: pendulum.Date | None = attrs.field(kw_only=True)
    working_days: int | None = attrs.field(kw_only=True, default=None)
    months: int | None = attrs.field(kw_only=True, default=None)
    due: pendulum.Date | None = attrs.field(kw_only=True, default=None)
    projected: bool = attrs.field(kw_only=True, default=False)
    non_working_day: bool = attrs.field(kw_only=True, default=False)
    status: DeadlineStatus = attrs.field(kw_only=True, default=DeadlineStatus.OPEN)
    met_on: pendulum.Date | None = attrs.field(kw_only=True, default=None)
    met_by: int | None = attrs.field(kw_only=True, default=None)
    fingerprint: str | None = attrs.field(kw_only=True, default=None)

    @classmethod
    def from_duty(cls, duty: Duty, fingerprint: str | None = None) -> Deadline:
        """The deadline of an assessed duty; *fingerprint* is stamped when it has a due date."""
        return cls(
            kind=str(duty.kind),
            rule_ids=duty.rule_ids,
            anchor_event=duty.anchor.event,
            anchor_on=duty.anchor.on,
            working_days=duty.working_days,
            months=duty.months,
            due=duty.due,
            projected=duty.projected,
            fingerprint=None if duty.due is None else fingerprint,
        )

    def computed(
        self,
        calendar: WorkingDayCalendar,
        anchor_on: pendulum.Date | None,
        fingerprint: str | None = None,
    ) -> Deadline:
        """
        The deadline anchored on *anchor_on* and computed on *calendar*; status re-checked.

        *fingerprint* (what the workflow computes it with: pack, lifecycle and
        *calendar*) is stamped on it; without an anchor there is no due date and no
        fingerprint.
        """
        if anchor_on is None:
            return attrs.evolve(self, anchor_on=None, due=None, projected=False, fingerprint=None)
        if self.months is not None:
            due = calendar.add_months(anchor_on, self.months)
            non_working = not calendar.is_working_day(due)
        else:
            due = calendar.add_working_days(anchor_on, self.working_days or 0)
            non_working = False
        # Built directly, as attrs.evolve would (Deadline has no validators or converters),
        # without evolve's per-field introspection: this is on the command path.
        updated = Deadline(
            self.kind,
            rule_ids=self.rule_ids,
            anchor_event=self.anchor_event,
            anchor_on=anchor_on,
            working_days=self.working_days,
            months=self.months,
            due=due,
            projected=calendar.is_projected(anchor_on, due),
            non_working_day=non_working,
            status=self.status,
            met_on=self.met_on,
            met_by=self.met_by,
            fingerprint=fingerprint,
        )
        if updated.met_on is not None:
            return updated.met(updated.met_on, updated.met_by)
        return updated

    def met(self, on: pendulum.Date, by: int | None) -> Deadline:
        """The deadline met on *on* by record *by*: ``met`` or ``met_late`` against its due date."""
        late = self.due is not None and on > self.due
        return self.with_status(DeadlineStatus.MET_LATE if late else DeadlineStatus.MET, on, by)

    def with_status(
        self, status: DeadlineStatus, met_on: pendulum.Date | None, met_by: int | None
    ) -> Deadline:
        """The same deadline with a new status (built directly: this is on the command path)."""
        return Deadline(
            self.kind,
            rule_ids=self.rule_ids,
            anchor_event=self.anchor_event,
            anchor_on=self.anchor_on,
            working_days=self.working_days,
            months=self.months,
            due=self.due,
            projected=self.projected,
            non_working_day=self.non_working_day,
            status=status,
            met_on=met_on,
            met_by=met_by,
            fingerprint=self.fingerprint,
        )

    @property
    def is_open(self) -> bool:
        """Whether the deadline still waits to be met."""
        return self.status is DeadlineStatus.OPEN

    @property
    def citations(self) -> tuple[str, ...]:
        """
        The sources of its rules, each once, as the rule catalogue in use gives them.

        Taken from `rule_ids` through `RULES` when asked, not stored, so a host shows
        them without assessing the incident again. An id no catalogue in use knows
        (its pack is not built in this process) is left out.

        Added in version 0.1.0.
        """
        return rule_citations(self.rule_ids)

    @property
    def basis(self) -> Basis | None:
        """
        Whether it is a duty of statute, statutory guidance or local policy (DEC-06).

        The strongest basis its rules name in `RULES`, like `citations` taken when asked:
        the basis of the duty it came from. None if none of its rules names one.

        Added in version 0.1.0.
        """
        return rules_basis(self.rule_ids)

    @property
    def verification(self) -> Verification:
        """
        The weakest verification status of its rules (DEC-08), from `RULES` like `citations`.

        An id no catalogue in use knows counts as ``I``.

        Added in version 0.1.0.
        """
        return rules_verification(self.rule_ids)

    def to_dict(self) -> dict[str, Any]:
        """
        The deadline as JSON values: its fields, with `citations`, `basis` and `verification`.

        Dates are ``YYYY-MM-DD`` (or null), the status its string value, `rule_ids` and
        `citations` lists. Its schema is ``schemas.schema("deadline")``.

        Added in version 0.1.0.
        """
        from ._codec import deadline_to_dict  # _codec imports this module

        return deadline_to_dict(self)


@attrs.frozen
class Case:
    """
    One case: an immutable record. Commands produce new records; nothing changes in place.

    Added in version 0.1.0.

    Attributes:
        tenant_id: The tenant the case belongs to.
        case_id: Its opaque id.
        local_authority: GSS code of the authority whose case it is.
        state: Its lifecycle state.
        facts: The incident facts (no personal data).
        deadlines: Its deadlines.
        milestones: Dates the lifecycle recorded, as ``(name, date)`` pairs.
        version: The sequence number of its latest history record.
        head: The hash of its latest history record.
        last_step_at: ``occurred_at`` of its latest lifecycle step, corrections
            applied; before the first step, the incident's awareness
            (``facts.la_aware_at``).
        lifecycle: Name of the lifecycle it follows.
        lifecycle_version: That lifecycle's version.
        rule_pack: Name of the rule pack that assessed it.
        rule_pack_version: That pack's version.
        step_times: Each lifecycle step taken, in order, as the sequence number of its
            history record and its ``occurred_at`` in UTC, corrections applied. It is
            what a correction (the steps around the corrected one) and new facts (the
            first step) need of the timeline (rules TL-01, TL-03), kept so that neither
            reads the history; it grows by one pair a step, never with corrections.
        local_authority_given: The GSS code the host gave when it opened the case, when
            that is not `local_authority`: an earlier code of an authority recoded since
            (Gateshead's ``E08000020`` for ``E08000037``, say), kept so that a host keyed
            on its own code still finds its cases. None when the host gave the code in
            force (or a name or DfE number, which resolve to it), and in cases opened
            before the field existed. See `authority_codes`.

    """

    tenant_id: str
    case_id: str
    local_authority: str
    state: str
    facts: Incident
    deadlines: tuple[Deadline, ...]
    milestones: tuple[tuple[str, pendulum.Date], ...]
    version: int
    head: str
    last_step_at: pendulum.DateTime
    lifecycle: str
    lifecycle_version: str
    rule_pack: str
    rule_pack_version: str
    step_times: tuple[tuple[int, pendulum.DateTime], ...] = ()
    local_authority_given: str | None = None

    @property
    def authority_codes(self) -> tuple[str, ...]:
        """
        Every GSS code the case answers to: `local_authority`, then `local_authority_given`.

        Match a host's own authority code against these, not `local_authority` alone.

        Added in version 0.1.0.
        """
        given = self.local_authority_given
        return (self.local_authority,) if given is None else (self.local_authority, given)

    def deadline(self, kind: str) -> Deadline | None:
        """
        The deadline of this kind, or None.

        Added in version 0.1.0.
        """
        return next((d for d in self.deadlines if d.kind == kind), None)

    def milestone(self, name: str) -> pendulum.Date | None:
        """
        The date of this milestone, or None if it has not happened.

        Added in version 0.1.0.
        """
        return next((on for n, on in self.milestones if n == name), None)

    def to_dict(self) -> dict[str, Any]:
        """
        The case as JSON values, keyed by its field names.

        The facts are `Incident.to_dict()`, each deadline `Deadline.to_dict()`, instants
        UTC RFC 3339 strings (``2024-01-03T09:30:00.000000Z``), dates ``YYYY-MM-DD``,
        `milestones` ``[name, date]`` pairs and `step_times` ``[sequence, instant]``
        pairs. Its schema is ``schemas.schema("case")``.

        Added in version 0.1.0.
        """
        from ._codec import case_to_dict  # _codec imports this module

        return case_to_dict(self)


def _to_aware(value: object) -> pendulum.DateTime:
    if not isinstance(value, _dt.datetime) or value.utcoffset() is None:
        raise InvalidInputError(
            "'Command.occurred_at' must be a timezone-aware datetime", field="Command.occurred_at"
        )
    return pendulum.instance(value)


def _to_payload(value: object) -> Mapping[str, Any]:
    if value is None:
        return _EMPTY
    if not isinstance(value, Mapping) or not all(type(k) is str for k in value):
        raise InvalidInputError(
            "'Command.payload' must be a mapping with string keys", field="Command.payload"
        )
    return MappingProxyType(dict(value))


def _check_id(field: str) -> Any:
    def check(_instance: Any, _attribute: Any, value: Any) -> None:
        check_opaque_id(value, field)

    return check


def _check_version(_instance: Any, _attribute: Any, value: Any) -> None:
    if value is not None and (type(value) is not int or value < 0):
        raise InvalidInputError(
            "'Command.expected_version' must be None or a whole number",
            field="Command.expected_version",
        )


def _check_optional_id(_instance: Any, _attribute: Any, value: Any) -> None:
    if value is not None:
        check_reference(value, "Command.idempotency_key")


def _check_optional_role(_instance: Any, _attribute: Any, value: Any) -> None:
    if value is not None:
        check_opaque_id(value, "Command.role")


def check_roles(value: object, field: str) -> frozenset[str] | None:
    """The roles an actor holds, as a frozenset; None if not given. Each is an opaque id."""
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInputError(f"{field!r} must be a collection of role names", field=field)
    roles = frozenset(value)
    if not roles:
        raise InvalidInputError(f"{field!r} must name at least one role", field=field)
    for role in roles:
        check_opaque_id(role, field)
    return roles


def _to_roles(value: object) -> frozenset[str] | None:
    return check_roles(value, "Command.roles")


def _check_event(_instance: Any, _attribute: Any, value: Any) -> None:
    if type(value) is not str or not value.isidentifier() or len(value) > 64:
        raise InvalidInputError("'Command.event' must be a step name", field="Command.event")


@attrs.frozen
class Command:
    """
    A request to take one step on one case.

    Added in version 0.1.0.

    ``tenant_id``, ``case_id`` and ``event`` may be given by position; the rest by keyword.

    Attributes:
        tenant_id: The tenant.
        case_id: The case.
        event: The step's event, e.g. ``"notify_panel"``.
        actor: Opaque id of the person or system acting (never a name).
        role: The role they act in, e.g. ``"local_authority"``. Give `role`, `roles` or
            both (then `role` must be one of `roles`).
        roles: Every role the actor holds, from the host's users (e.g. their groups):
            the command acts in the first of them, in sorted order, that may take the
            step, and that role is the one recorded. A host's authoriser receives them
            all (see `Workflow`).
        occurred_at: When the step really happened (timezone-aware); deadlines are
            met or missed by its date in Europe/London.
        payload: The step's data (see each step's payload fields).
        expected_version: The case version the command was decided on, if the
            caller wants the step refused when the case has moved on.
        idempotency_key: An opaque key for this command, unique in the tenant: a retry
            of the same command with the same key (after a lost acknowledgement, say)
            returns the first outcome instead of taking the step twice, and a different
            command under the key is refused (`IdempotencyKeyReused`).

    """

    tenant_id: str = attrs.field(validator=_check_id("Command.tenant_id"))
    case_id: str = attrs.field(validator=_check_id("Command.case_id"))
    event: str = attrs.field(validator=_check_event)
    actor: str = attrs.field(kw_only=True, validator=_check_id("Command.actor"))
    role: str | None = attrs.field(kw_only=True, default=None, validator=_check_optional_role)
    occurred_at: pendulum.DateTime = attrs.field(kw_only=True, converter=_to_aware)
    payload: Mapping[str, Any] = attrs.field(kw_only=True, default=None, converter=_to_payload)
    expected_version: int | None = attrs.field(kw_only=True, default=None, validator=_check_version)
    idempotency_key: str | None = attrs.field(
        kw_only=True, default=None, validator=_check_optional_id
    )
    roles: frozenset[str] | None = attrs.field(kw_only=True, default=None, converter=_to_roles)
    _utc: dt.datetime = attrs.field(init=False, eq=False, repr=False)
    _occurred_on: pendulum.Date = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.role is None:
            if self.roles is None:
                raise InvalidInputError("a Command needs 'role' or 'roles'", field="Command.role")
        elif self.roles is not None and self.role not in self.roles:
            raise InvalidInputError(
                "'Command.role' must be one of 'Command.roles'", field="Command.role"
            )
        utc = utc_naive(self.occurred_at)
        object.__setattr__(self, "_utc", utc)
        object.__setattr__(self, "_occurred_on", london_date_of(utc))

    @property
    def occurred_on(self) -> pendulum.Date:
        """The date of `occurred_at` in Europe/London: the date deadlines are judged by."""
        return self._occurred_on

    @property
    def occurred_utc(self) -> dt.datetime:
        """`occurred_at` as a naive UTC datetime."""
        return self._utc

    def to_dict(self) -> dict[str, Any]:
        """
        The command as JSON values, keyed by its field names; `from_dict()` reads it back.

        `occurred_at` is written in UTC (``2024-01-03T09:30:00.000000Z``), `roles` as a
        sorted list (or null), payload dates as ``YYYY-MM-DD``. Its schema is
        ``schemas.schema("command")``.

        Added in version 0.1.0.
        """
        from ._codec import command_to_dict  # _codec imports this module

        return command_to_dict(self)

    @classmethod
    def from_dict(cls, data: object) -> Command:
        """
        A command from JSON values, as a host's API receives it: checked, nothing coerced.

        `tenant_id`, `case_id`, `event`, `actor` and `occurred_at` (RFC 3339 with an
        offset) are required; `role` or `roles` (an array of distinct names) must be
        given; `payload` (an object), `expected_version` and `idempotency_key` may be
        left out or null. Exactly what ``schemas.schema("command")`` accepts, save the
        checks a schema cannot make (see `schemas`).

        Added in version 0.1.0.

        Raises:
            InvalidInputError: a key missing or unknown, or a value malformed; the error
                names the field and never echoes the value.

        """
        from ._codec import command_from_dict  # _codec imports this module

        return command_from_dict(data)


@attrs.frozen
class GuardContext:
    """
    What a guard may read besides the case.

    Added in version 0.1.0.

    Attributes:
        command: The command being decided.
        payload: Its payload, checked and converted (dates as pendulum Dates).
        occurred_on: The date of ``occurred_at`` in Europe/London.
        calendar: The tenant's working-day calendar.
        settings: The tenant's settings.
        registry: The local authority registry.
        records: Reads the case's history records, in order (called only by a guard
            that needs them: the publication guards look for the leak check of the
            document version published, and its clearings).

    """

    command: Command
    payload: Mapping[str, Any]
    occurred_on: pendulum.Date
    calendar: WorkingDayCalendar
    settings: TenantSettings
    registry: LocalAuthorityRegistry
    records: Callable[[], Sequence[Any]] = attrs.field(
        default=tuple, kw_only=True, eq=False, repr=False
    )


def replace_case(
    case: Case,
    *,
    version: int,
    head: str,
    state: str | None = None,
    facts: Incident | None = None,
    deadlines: tuple[Deadline, ...] | None = None,
    milestones: tuple[tuple[str, pendulum.Date], ...] | None = None,
    last_step_at: pendulum.DateTime | None = None,
    step_times: tuple[tuple[int, pendulum.DateTime], ...] | None = None,
    lifecycle_version: str | None = None,
) -> Case:
    """The next record of *case*, built directly (``attrs.evolve`` is slow on the command path)."""
    return Case(
        case.tenant_id,
        case.case_id,
        case.local_authority,
        case.state if state is None else state,
        case.facts if facts is None else facts,
        case.deadlines if deadlines is None else deadlines,
        case.milestones if milestones is None else milestones,
        version,
        head,
        case.last_step_at if last_step_at is None else last_step_at,
        case.lifecycle,
        case.lifecycle_version if lifecycle_version is None else lifecycle_version,
        case.rule_pack,
        case.rule_pack_version,
        case.step_times if step_times is None else step_times,
        case.local_authority_given,
    )
