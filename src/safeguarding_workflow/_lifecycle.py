"""
Declarative lifecycles, checked when they are built.

A `Lifecycle` names its states, its initial and terminal states, its roles,
its guards (by name) and its `Step` s. Building one checks it whole:
unknown states, roles or guard names, ambiguous steps, unreachable states and dead
ends not marked terminal each raise `InvalidLifecycle`.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Collection, Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final, Literal, final

import attrs
import pendulum

from ._calendar import to_date
from ._guards import Guard
from ._identifiers import OPAQUE_ID, check_opaque_id, check_reference, looks_like_nhs_number
from ._machine import ReferenceMachine
from .exceptions import InvalidInputError, InvalidLifecycle

__all__ = [
    "OPAQUE_ID",
    "DeadlineSpec",
    "Lifecycle",
    "PayloadField",
    "Step",
    "check_opaque_id",
    "check_payload_dates",
    "looks_like_nhs_number",
]

_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,63}")

PayloadKind = Literal["ref", "refs", "date", "bool", "choice", "int"]


@attrs.frozen
class PayloadField:
    """
    One field a step's payload may carry.

    Added in version 0.1.0.

    Payloads hold no free text: narratives (rationales, learning, reports) stay
    in the host's own document store, and the payload carries opaque references
    to them (``ref``, ``refs``). That keeps personal data out of the history.

    A ``date`` lies on the case's timeline (rule TL-04): never before the incident's
    awareness, and never after the date the step happened (its ``occurred_at`` in
    Europe/London), unless it is a plan (``future=True``): a decision or an event is
    dated when it happened, a plan when it is meant to happen.

    Attributes:
        name: The field name.
        kind: ``ref`` (an opaque reference), ``refs`` (a list of them), ``date``,
            ``bool``, ``choice`` (one of *choices*) or ``int`` (0 or more).
        required: Whether the payload must carry it.
        choices: The allowed values of a ``choice``.
        future: For a ``date`` only, and by keyword: whether it may lie after the
            step's own date, as a planned publication does.

    Raises:
        InvalidLifecycle: ``future`` is set on a field that is not a ``date``.

    """

    name: str
    kind: PayloadKind
    required: bool = False
    choices: tuple[str, ...] = ()
    future: bool = attrs.field(default=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.future is not False and (self.future is not True or self.kind != "date"):
            raise InvalidLifecycle(
                f"payload field {self.name!r}: 'future' is true or false, and true only for a date",
                field="payload",
            )

    def convert(self, value: object, field: str) -> object:
        """The value in Python form (dates as pendulum Dates), or raise naming the field."""
        if self.kind == "ref":
            return check_reference(value, field)
        if self.kind == "refs":
            if not isinstance(value, list | tuple) or len(value) > 64:
                raise InvalidInputError(
                    f"{field!r} must be a list of opaque references", field=field
                )
            return tuple(check_reference(v, field) for v in value)
        if self.kind == "date":
            if isinstance(value, str):
                try:
                    value = _dt.date.fromisoformat(value)
                except ValueError:
                    raise InvalidInputError(f"{field!r} must be a date", field=field) from None
            return to_date(value, field)
        if self.kind == "bool":
            if type(value) is not bool:
                raise InvalidInputError(f"{field!r} must be true or false", field=field)
            return value
        if self.kind == "int":
            if type(value) is not int or not 0 <= value <= 1_000_000:
                raise InvalidInputError(f"{field!r} must be a whole number >= 0", field=field)
            return value
        if value not in self.choices:
            raise InvalidInputError(
                f"{field!r} must be one of {', '.join(map(repr, self.choices))}", field=field
            )
        return value


def to_json_value(value: object) -> object:
    """A converted payload value in the JSON form history records hold."""
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


@attrs.frozen
class DeadlineSpec:
    """
    A deadline a step opens, anchored on a milestone.

    Added in version 0.1.0.

    Exactly one of *working_days* (negative counts back from the anchor, WD-02)
    and *months* (calendar months, WD-04) is given.

    Attributes:
        kind: The deadline's name, e.g. ``"local_review_publication"``.
        anchor: The milestone it runs from; while unset the deadline has no due date (DEC-05).
        rule_ids: The rules behind it.
        working_days: Working days after (or, negative, before) the anchor.
        months: Calendar months after the anchor.

    """

    kind: str
    anchor: str
    rule_ids: tuple[str, ...]
    working_days: int | None = None
    months: int | None = None

    def __attrs_post_init__(self) -> None:
        if (self.working_days is None) == (self.months is None):
            raise InvalidLifecycle(
                f"deadline {self.kind!r} needs exactly one of working_days and months",
                field="opens",
            )


@attrs.frozen
class Step:
    """
    One step of a lifecycle: an event that moves a case from one of its sources.

    Added in version 0.1.0.

    ``event``, ``sources``, ``dest`` and ``roles`` may be given by position; the rest by keyword.

    Attributes:
        event: The event name, e.g. ``"notify_panel"``.
        sources: The states it may be taken from.
        dest: The state it leads to; ``None`` for a step that records something
            without changing state (informing the partners, say).
        roles: The roles that may take it (R7).
        guards: Names of the lifecycle's guards it must pass, in order.
        payload: The fields its payload may carry.
        meets: Kinds of deadline it meets.
        sets: Milestones it sets, as ``(milestone, payload field)``; a ``None``
            field sets the milestone to the step's ``occurred_at`` date.
        opens: Deadlines it opens.
        cancels: Whether it cancels every open deadline (a withdrawal, say).
        rule_ids: The rules behind the step.
        summary: The step in a sentence.

    """

    event: str
    sources: tuple[str, ...]
    dest: str | None
    roles: tuple[str, ...]
    guards: tuple[str, ...] = attrs.field(kw_only=True, default=())
    payload: tuple[PayloadField, ...] = attrs.field(kw_only=True, default=())
    meets: tuple[str, ...] = attrs.field(kw_only=True, default=())
    sets: tuple[tuple[str, str | None], ...] = attrs.field(kw_only=True, default=())
    opens: tuple[DeadlineSpec, ...] = attrs.field(kw_only=True, default=())
    cancels: bool = attrs.field(kw_only=True, default=False)
    rule_ids: tuple[str, ...] = attrs.field(kw_only=True, default=())
    summary: str = attrs.field(kw_only=True, default="")

    def convert_payload(
        self,
        payload: Mapping[str, object],
        *,
        aware_on: _dt.date | None = None,
        occurred_on: _dt.date | None = None,
    ) -> dict[str, Any]:
        """
        The payload checked against `payload` and converted to Python values.

        Given the incident's date of awareness (*aware_on*) and the step's own date
        (*occurred_on*), its dates are checked against them as `check_payload_dates()`
        does; the workflow passes both for every command.

        Raises:
            InvalidInputError: an unknown or missing field, a malformed value, or a
                date off the case's timeline.

        """
        converted = convert_payload(self.event, {f.name: f for f in self.payload}, payload)
        dates = [f for f in self.payload if f.kind == "date"]
        if dates:
            check_payload_dates(
                self.event, dates, converted, aware_on=aware_on, occurred_on=occurred_on
            )
        return converted


def convert_payload(
    event: str, fields: Mapping[str, PayloadField], payload: Mapping[str, object]
) -> dict[str, Any]:
    """
    `Step.convert_payload()` of the step *event*, given its payload fields by name.

    The workflow keeps each step's fields by name, so a command need not gather them again.
    """
    # A Command's payload is always a MappingProxyType: the exact-type test skips the ABC check.
    if type(payload) is not MappingProxyType and not isinstance(payload, Mapping):
        raise InvalidInputError("'payload' must be a mapping", field="payload")
    for name in payload:
        if name not in fields:
            raise InvalidInputError(
                f"'payload' has a field the step {event!r} does not take",
                field="payload",
            )
    converted: dict[str, Any] = {}
    for name, spec in fields.items():
        if name in payload:
            converted[name] = spec.convert(payload[name], f"payload.{name}")
        elif spec.required:
            raise InvalidInputError(
                f"'payload.{name}' is required by the step {event!r}",
                field=f"payload.{name}",
            )
    return converted


def check_payload_dates(
    event: str,
    dates: Collection[PayloadField],
    payload: Mapping[str, Any],
    *,
    aware_on: _dt.date | None,
    occurred_on: _dt.date | None,
) -> None:
    """
    Refuse a converted payload whose dates lie off the case's timeline (TL-04).

    Every date field of *dates* the payload holds is checked: not before *aware_on*
    (the incident's date of awareness), and, unless the field is a plan
    (``future=True``), not after *occurred_on* (the step's own date). A bound that is
    None is not checked. The error names the field and never the date.

    Added in version 0.1.0.

    Raises:
        InvalidInputError: a date before awareness, or after the step when it is not a plan.

    """
    for spec in dates:
        value = payload.get(spec.name)
        if not isinstance(value, _dt.date):
            continue
        field = f"payload.{spec.name}"
        if aware_on is not None and value < aware_on:
            raise InvalidInputError(
                f"{field!r} of the step {event!r} must not be before the date the authority "
                "became aware of the incident",
                field=field,
                rule_ids=("TL-04",),
            )
        if not spec.future and occurred_on is not None and value > occurred_on:
            raise InvalidInputError(
                f"{field!r} of the step {event!r} must not be after the date the step "
                "happened (only a plan may lie ahead)",
                field=field,
                rule_ids=("TL-04",),
            )


@final
class Lifecycle:
    """
    A validated lifecycle definition, shared by every case that follows it.

    Added in version 0.1.0.

    Args:
        name: The lifecycle's name, e.g. ``"england"``.
        version: Its version; every case records the name and version it follows.
        states: Every state.
        initial: The state a new case starts in.
        terminal: The states a case may end in.
        roles: Every role a step may name.
        guards: The guards steps may name, by name.
        steps: The steps.

    Raises:
        InvalidLifecycle: the definition is inconsistent (see the module docstring).

    """

    __slots__ = (
        "_available",
        "_reference",
        "_table",
        "guards",
        "initial",
        "name",
        "roles",
        "states",
        "steps",
        "terminal",
        "version",
    )

    def __init__(
        self,
        *,
        name: str,
        version: str,
        states: Iterable[str],
        initial: str,
        terminal: Iterable[str],
        roles: Iterable[str],
        guards: Mapping[str, Guard],
        steps: Iterable[Step],
    ) -> None:
        self.name = name
        self.version = version
        self.states = tuple(states)
        self.initial = initial
        self.terminal = frozenset(terminal)
        self.roles = frozenset(roles)
        self.guards: Mapping[str, Guard] = MappingProxyType(dict(guards))
        self.steps = tuple(steps)
        self._table = self._validate()
        available: dict[str, list[Step]] = {s: [] for s in self.states}
        for (state, _event), step in self._table.items():
            available[state].append(step)
        self._available = {s: tuple(v) for s, v in available.items()}
        self._reference = ReferenceMachine(
            self.states, self.initial, ((s.event, s.sources, s.dest) for s in self.steps)
        )

    def _fail(self, message: str, field: str) -> InvalidLifecycle:
        return InvalidLifecycle(f"lifecycle {self.name!r}: {message}", field=field)

    def _validate(self) -> dict[tuple[str, str], Step]:
        if not _NAME.fullmatch(self.name or "") or not self.version:
            raise self._fail("needs a snake_case name and a version", "name")
        known = set(self.states)
        if len(known) != len(self.states) or not known:
            raise self._fail("states must be distinct and not empty", "states")
        for state in self.states:
            if not _NAME.fullmatch(state):
                raise self._fail(f"state {state!r} is not a snake_case name", "states")
        if self.initial not in known:
            raise self._fail(f"initial state {self.initial!r} is not a state", "initial")
        if not self.terminal or not self.terminal <= known:
            raise self._fail("terminal states must be states, and there must be one", "terminal")
        table: dict[tuple[str, str], Step] = {}
        for step in self.steps:
            if not isinstance(step, Step) or not _NAME.fullmatch(step.event):
                raise self._fail("steps must be Step values with snake_case events", "steps")
            for state in (*step.sources, *([step.dest] if step.dest else [])):
                if state not in known:
                    raise self._fail(f"step {step.event!r} names unknown state {state!r}", "steps")
            if not step.sources:
                raise self._fail(f"step {step.event!r} has no source state", "steps")
            self._check_names(step)
            if not step.roles:
                raise self._fail(f"step {step.event!r} names no role", "steps")
            for role in step.roles:
                if role not in self.roles:
                    raise self._fail(f"step {step.event!r} names unknown role {role!r}", "roles")
            for guard in step.guards:
                if guard not in self.guards:
                    raise self._fail(f"step {step.event!r} names unknown guard {guard!r}", "guards")
            for source in step.sources:
                if source in self.terminal:
                    raise self._fail(
                        f"step {step.event!r} leaves terminal state {source!r}", "terminal"
                    )
                if (source, step.event) in table:
                    raise self._fail(
                        f"event {step.event!r} is defined twice from {source!r}", "steps"
                    )
                table[(source, step.event)] = step
        for name, candidate in self.guards.items():
            if not callable(candidate):
                raise self._fail(f"guard {name!r} is not callable", "guards")
        reached = {self.initial}
        frontier = [self.initial]
        while frontier:
            state = frontier.pop()
            for (source, _), step in table.items():
                if source == state and step.dest and step.dest not in reached:
                    reached.add(step.dest)
                    frontier.append(step.dest)
        unreachable = [s for s in self.states if s not in reached]
        if unreachable:
            raise self._fail(f"unreachable states: {', '.join(unreachable)}", "states")
        for state in self.states:
            leaves = any(s == state and step.dest for (s, _), step in table.items())
            if not leaves and state not in self.terminal:
                raise self._fail(f"state {state!r} is a dead end not marked terminal", "terminal")
        return table

    def _check_names(self, step: Step) -> None:
        """Names that become JSON keys in history records must be ASCII snake_case."""
        names = [
            *(f.name for f in step.payload),
            *step.meets,
            *(m for m, _ in step.sets),
            *(s.kind for s in step.opens),
            *(s.anchor for s in step.opens),
        ]
        for name in names:
            if not isinstance(name, str) or not _NAME.fullmatch(name):
                raise self._fail(f"step {step.event!r}: {name!r} is not a snake_case name", "steps")
        fields = {f.name for f in step.payload}
        for milestone, field in step.sets:
            if field is not None and field not in fields:
                raise self._fail(
                    f"step {step.event!r} sets {milestone!r} from unknown field {field!r}", "steps"
                )
        for spec in step.payload:
            for choice in spec.choices:
                if not isinstance(choice, str) or not _NAME.fullmatch(choice):
                    raise self._fail(
                        f"step {step.event!r}: choice {choice!r} is not a snake_case name", "steps"
                    )

    def step(self, state: str, event: str) -> Step | None:
        """
        The step *event* takes from *state*, or None if it is not available there.

        Added in version 0.1.0.
        """
        return self._table.get((state, event))

    def available(self, state: str) -> tuple[Step, ...]:
        """
        The steps available from *state*.

        Added in version 0.1.0.
        """
        return self._available.get(state, ())

    @property
    def events(self) -> tuple[str, ...]:
        """Every event, in the order its first step was declared."""
        return tuple(dict.fromkeys(s.event for s in self.steps))

    def outcome(self, state: str, event: str, allowed: bool) -> str | None:
        """
        The state the compiled table leads to, or None if *event* is not available.

        With ``allowed=False`` (a guard refused) the case stays in *state*.

        Added in version 0.1.0.
        """
        step = self._table.get((state, event))
        if step is None:
            return None
        if not allowed:
            return state
        return step.dest or state

    def reference_outcome(self, state: str, event: str, allowed: bool) -> str | None:
        """
        What the ``transitions`` machine built from this definition does (see `outcome()`).

        Added in version 0.1.0.
        """
        return self._reference.reference_outcome(state, event, allowed)

    def __repr__(self) -> str:
        return (
            f"<Lifecycle {self.name} v{self.version}: "
            f"{len(self.states)} states, {len(self.steps)} steps>"
        )


def date_or_none(value: object) -> pendulum.Date | None:
    """A payload date, or None."""
    return value if isinstance(value, pendulum.Date) else None
