"""Duties, findings and assessments: what a rule pack says about an incident."""

from __future__ import annotations

from typing import Any

import attrs
import pendulum

from ._calendar import WorkingDayCalendar
from ._rules import RULES, Basis, Rule, Verification, strongest_basis, weakest
from .exceptions import ConfigurationError

__all__ = [
    "Anchor",
    "Assessment",
    "DeadlineChange",
    "Duty",
    "Finding",
    "Party",
    "Recomputation",
]


@attrs.frozen
class Party:
    """
    Who holds a duty, or receives what it sends.

    Added in version 0.1.0.

    Attributes:
        role: ``"local_authority"``, ``"safeguarding_partners"``,
            ``"child_safeguarding_practice_review_panel"``, ``"secretary_of_state"``
            or ``"ofsted"``.
        area: GSS code of the authority whose area the party serves, if any.
        name: A readable name, e.g. ``"Barnsley (E08000016)"``.

    """

    role: str
    area: str | None = None
    name: str = ""

    def __str__(self) -> str:
        label = self.role.replace("_", " ")
        return f"{label} of {self.name}" if self.name else label


@attrs.frozen
class Anchor:
    """
    What a deadline runs from.

    Added in version 0.1.0.

    Attributes:
        event: The anchoring event, e.g. ``"la_aware"``,
            ``"la_aware_and_abuse_or_neglect_known"``, ``"notification_sent"``.
        on: Its date, or ``None`` while it has not happened (DEC-05).

    """

    event: str
    on: pendulum.Date | None


@attrs.frozen(kw_only=True)
class Duty:
    """
    One duty an incident raises, with its deadline and its legal basis.

    Added in version 0.1.0.

    Every field is given by keyword.

    Attributes:
        kind: What must be done: one of the kinds its rule pack defines, e.g.
            ``"notify_panel"``.
        responsible: Who must do it.
        recipients: Who it is done for or sent to.
        due: The last day to do it, or ``None`` while its anchor has not happened (DEC-05).
        anchor: What the deadline runs from.
        working_days: The timescale in working days after the anchor (WD-02), or
            ``None`` for a duty that runs in months.
        rule_ids: Every rule the duty rests on (DEC-07).
        citations: Every citation behind it, full short titles (DEC-07).
        basis: Whether the duty itself is statute, statutory guidance or local policy (DEC-06).
        timescale_basis: The same, for its deadline (DEC-06).
        verification: The weakest status of the rules behind it (DEC-08).
        projected: Whether the due date rests on rule-projected holidays (DEC-02).
        children: Indexes into the incident's children that the duty concerns.
        summary: The duty in a sentence.
        months: The timescale in calendar months after the anchor (WD-04), for a
            duty that runs in months; ``None`` otherwise.

    """

    kind: str
    responsible: Party
    recipients: tuple[Party, ...]
    due: pendulum.Date | None
    anchor: Anchor
    working_days: int | None
    rule_ids: tuple[str, ...]
    citations: tuple[str, ...]
    basis: Basis
    timescale_basis: Basis
    verification: Verification
    projected: bool
    children: tuple[int, ...]
    summary: str
    months: int | None = None

    def __attrs_post_init__(self) -> None:
        if (self.working_days is None) == (self.months is None):
            raise ConfigurationError(
                "a duty runs in working days or in months: give exactly one",
                field="Duty.working_days",
                rule_ids=("WD-02", "WD-04"),
            )

    @property
    def waits_for(self) -> str | None:
        """The event the duty waits for before it has a due date (DEC-05), else ``None``."""
        return self.anchor.event if self.due is None else None

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The catalogue entries behind `rule_ids`, with their status notes."""
        return tuple(RULES[r] for r in self.rule_ids)

    def recompute(self, calendar: WorkingDayCalendar) -> Duty:
        """
        The same duty with its due date computed on *calendar* (after host-added days, say).

        Added in version 0.1.0.
        """
        on = self.anchor.on
        if on is None:
            return self
        if self.months is not None:
            due = calendar.add_months(on, self.months)
        else:
            due = calendar.add_working_days(on, self.working_days or 0)
        return attrs.evolve(self, due=due, projected=calendar.is_projected(on, due))

    def to_dict(self) -> dict[str, Any]:
        """
        The duty as JSON values, keyed by its field names.

        Parties and the anchor are objects, dates ``YYYY-MM-DD`` (or null), `basis`,
        `timescale_basis` and `verification` their string values, tuples lists. Its
        schema is ``schemas.schema("duty")``.

        Added in version 0.1.0.
        """
        return _json(self)


@attrs.frozen
class Finding:
    """
    Something the assessment concluded that is not a duty of the assessing authority.

    Added in version 0.1.0.

    For instance that the duty lies with another authority (NOT-03, NOT-10),
    or that the incident is not notifiable and why.

    Attributes:
        code: Stable machine-readable code, e.g. ``"duty_lies_elsewhere"``.
        message: The finding in a sentence (no identifying values).
        rule_ids: The rules behind it.
        authority: GSS code of the authority it names, if any.
        citations: The sources behind it, full short titles (DEC-07), where the
            finding states what another body must do; by keyword.
        verification: The status of what it states (DEC-08); by keyword. By
            default the weakest status of *rule_ids*; a pack gives it where a
            rule's compound status applies only in part (DEC-12 is V for
            Scotland, R for Wales).

    """

    code: str
    message: str
    rule_ids: tuple[str, ...]
    authority: str | None = None
    citations: tuple[str, ...] = attrs.field(default=(), kw_only=True)
    verification: Verification = attrs.field(kw_only=True)

    @verification.default
    def _weakest_of_rules(self) -> Verification:
        return weakest(RULES[r].verification for r in self.rule_ids if r in RULES)

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The catalogue entries behind `rule_ids`, with their status notes."""
        return tuple(RULES[r] for r in self.rule_ids)

    def to_dict(self) -> dict[str, Any]:
        """
        The finding as JSON values, keyed by its field names (``schemas.schema("finding")``).

        Added in version 0.1.0.
        """
        return _json(self)


@attrs.frozen
class DeadlineChange:
    """
    A due date that moved when an assessment was recomputed (DEC-02).

    Added in version 0.1.0.
    """

    kind: str
    previous_due: pendulum.Date | None
    due: pendulum.Date | None
    reason: str


@attrs.frozen
class Assessment:
    """
    What a rule pack says about one incident for one authority.

    Added in version 0.1.0.

    Attributes:
        rule_pack: Name of the rule pack, e.g. ``"england"``.
        rule_pack_version: Its version.
        local_authority: GSS code of the assessing authority.
        duties: The duties that arise for it (and its safeguarding partners).
        findings: Other conclusions: duties that lie elsewhere, reasons an
            incident is not notifiable.
        calendar: The name of the working-day calendar used.
        regime: The regime the rules applied are of, where a pack has several (the
            England pack: ``"cspr"`` from the area's new arrangements, ``"scr"`` before
            29 June 2018, ``"scr_hybrid"`` between; SCR-07); "" for a pack with one.
        regime_reason: Why that regime applies (code ``regime_...``, with its rule ids).

    """

    rule_pack: str
    rule_pack_version: str
    local_authority: str
    duties: tuple[Duty, ...]
    findings: tuple[Finding, ...]
    calendar: str
    regime: str = attrs.field(default="", kw_only=True)
    regime_reason: Finding | None = attrs.field(default=None, kw_only=True)

    def duty(self, kind: str) -> Duty | None:
        """
        The duty of this kind, or ``None`` if none arises.

        Added in version 0.1.0.
        """
        return next((d for d in self.duties if d.kind == kind), None)

    @property
    def projected(self) -> bool:
        """Whether any due date rests on rule-projected holidays (DEC-02)."""
        return any(d.projected for d in self.duties)

    def recompute(self, calendar: WorkingDayCalendar, *, reason: str = "") -> Recomputation:
        """
        Recompute every due date on *calendar* and record the ones that moved (DEC-02).

        Use it when the host adds a newly proclaimed bank holiday
        (`WorkingDayCalendar.with_additions()`).

        Added in version 0.1.0.
        """
        why = reason or "; ".join(a.reason for a in calendar.additions) or "calendar changed"
        duties = tuple(d.recompute(calendar) for d in self.duties)
        changes = tuple(
            DeadlineChange(new.kind, old.due, new.due, why)
            for old, new in zip(self.duties, duties, strict=True)
            if old.due != new.due
        )
        return Recomputation(attrs.evolve(self, duties=duties, calendar=calendar.name), changes)

    def to_dict(self) -> dict[str, Any]:
        """
        The assessment as JSON values, keyed by its field names.

        Each duty is `Duty.to_dict()` and each finding `Finding.to_dict()`. Its schema
        is ``schemas.schema("assessment")``.

        Added in version 0.1.0.
        """
        return _json(self)


@attrs.frozen
class Recomputation:
    """
    The result of `Assessment.recompute()`: the new assessment and what moved.

    Added in version 0.1.0.
    """

    assessment: Assessment
    changes: tuple[DeadlineChange, ...]


def verification_of(rule_ids: tuple[str, ...]) -> Verification:
    """The weakest status among *rule_ids* (DEC-08)."""
    return weakest(RULES[r].verification for r in rule_ids)


def rule_citations(rule_ids: tuple[str, ...]) -> tuple[str, ...]:
    """
    The sources of *rule_ids* as the rule catalogue in use gives them, each once, in order.

    An id no catalogue in use knows (a pack not built in this process) is left out.
    """
    sources = (RULES[r].source for r in rule_ids if r in RULES)
    return tuple(dict.fromkeys(sources))


def rules_basis(rule_ids: tuple[str, ...]) -> Basis | None:
    """
    The strongest basis among *rule_ids* (DEC-06).

    A duty resting on statute and guidance is statute's. None when none of them names
    one (or no catalogue in use knows them).
    """
    return strongest_basis(RULES[r].basis for r in rule_ids if r in RULES)


def rules_verification(rule_ids: tuple[str, ...]) -> Verification:
    """
    The weakest status among *rule_ids* (DEC-08).

    An id no catalogue in use knows counts as ``I``: nothing here vouches for it.
    """
    return weakest(RULES[r].verification if r in RULES else Verification.I for r in rule_ids)


def _json(value: object) -> dict[str, Any]:
    """An attrs value of this module as JSON values (the codec's `json_value`)."""
    from ._codec import json_value  # _codec imports _case, which imports this module

    data: dict[str, Any] = json_value(value)
    return data
