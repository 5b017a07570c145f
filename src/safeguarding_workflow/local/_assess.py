"""
A local pack's assessment: the base pack's, with the internal duties beside their base duties.

Each internal duty copies its base duty's holder, recipients, anchor and children, runs its
own timescale from the same anchor, and rests on its local rule alone: its basis and its
timescale's basis are local policy (DEC-06), and an anchor that has not happened leaves it
without a due date, as it leaves the base duty (DEC-05).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, final

import attrs

from .._authorities import LocalAuthorityRegistry
from .._calendar import WorkingDayCalendar
from .._clock import Clock
from .._duties import Anchor, Assessment, Duty, Finding, Party
from .._facts import Harm, Incident
from .._pack import Assess, RulePack
from .._rules import Basis, Rule
from .._settings import TenantSettings
from ..exceptions import ConfigurationError
from ._model import InternalTarget, UnbornChildren

__all__ = ["LocalAssess", "internal_duty"]

_TIGHTEN: Final = "a local target may only tighten its base duty: it must not fall due after it"


def internal_duty(
    target: InternalTarget, rule: Rule, base: Duty, calendar: WorkingDayCalendar
) -> Duty:
    """
    The internal duty *target* raises beside *base*, computed on *calendar*.

    Raises:
        ConfigurationError: the base duty runs in the other unit, or the internal duty
            would fall due after it (field ``internal_targets.working_days``).

    """
    unit, count = target.timescale
    base_unit = "months" if base.months is not None else "working_days"
    base_count = base.months if base.months is not None else base.working_days
    field = f"internal_targets.{unit}"
    if unit != base_unit:
        raise ConfigurationError(
            f"the internal target for {target.duty_kind!r} must run in {base_unit}, as its "
            "base duty does",
            field=field,
        )
    if base_count is not None and count > base_count:
        raise ConfigurationError(f"{_TIGHTEN} ({target.duty_kind!r})", field=field)
    duty = Duty(
        kind=target.kind,
        responsible=base.responsible,
        recipients=base.recipients,
        due=None,
        anchor=base.anchor,
        working_days=count if unit == "working_days" else None,
        months=count if unit == "months" else None,
        rule_ids=(rule.id,),
        citations=(rule.source,),
        basis=Basis.LOCAL_POLICY,
        timescale_basis=Basis.LOCAL_POLICY,
        verification=rule.verification,
        projected=False,
        children=base.children,
        summary=target.summary or rule.summary,
    ).recompute(calendar)
    if duty.due is not None and base.due is not None and duty.due > base.due:
        raise ConfigurationError(f"{_TIGHTEN} ({target.duty_kind!r})", field=field)
    return duty


def unborn_duty(
    policy: UnbornChildren,
    rule: Rule,
    incident: Incident,
    authority: str,
    calendar: WorkingDayCalendar,
) -> Duty | None:
    """The local-policy notification for harm to unborn children in *authority*'s area, if any."""
    harmed = tuple(
        i
        for i, child in enumerate(incident.children)
        if child.unborn and child.harm in (Harm.DEATH, Harm.SERIOUS_HARM)
    )
    in_area = incident.location.local_authority == authority or any(
        incident.children[i].normally_resident_in == authority for i in harmed
    )
    if not harmed or not in_area or not incident.abuse_or_neglect.known_or_suspected:
        return None
    on = incident.notification_anchor
    due = calendar.add_working_days(on, policy.working_days)
    return Duty(
        kind="notify_panel",
        responsible=Party("local_authority", authority),
        recipients=(Party("child_safeguarding_practice_review_panel"),),
        due=due,
        anchor=Anchor("la_aware_and_abuse_or_neglect_known", on),
        working_days=policy.working_days,
        rule_ids=(rule.id,),
        citations=(rule.source,),
        basis=Basis.LOCAL_POLICY,
        timescale_basis=Basis.LOCAL_POLICY,
        verification=rule.verification,
        projected=calendar.is_projected(on, due),
        children=harmed,
        summary="Notify the Panel of harm to an unborn child, under the partnership's local "
        "policy (outside s16C).",
    )


@final
class LocalAssess:
    """
    The assessment of a local pack: its base pack's, with the internal duties added.

    Added in version 0.1.0.

    It has the shape of [`Assess`][safeguarding_workflow.typing.Assess]; the assessment
    it returns names the local pack and its version. Called directly, *settings*,
    *calendar* and *registry* default as the England pack's assessment defaults them
    (the calendar is the base pack's for the tenant).

    Attributes:
        base: The base pack.
        name: The local pack's name.
        version: The local pack's version.
        targets: The internal targets, each with its local rule.

    """

    __slots__ = ("base", "name", "targets", "unborn", "version")

    def __init__(
        self,
        base: RulePack,
        *,
        name: str,
        version: str,
        targets: Iterable[tuple[InternalTarget, Rule]],
        unborn: tuple[UnbornChildren, Rule] | None = None,
    ) -> None:
        self.base = base
        self.name = name
        self.version = version
        self.targets = tuple(targets)
        self.unborn = unborn

    @property
    def base_assess(self) -> Assess:
        """The base pack's assessment."""
        return self.base.assess

    def __call__(
        self,
        incident: Incident,
        /,
        *,
        local_authority: str,
        settings: TenantSettings | None = None,
        calendar: WorkingDayCalendar | None = None,
        registry: LocalAuthorityRegistry | None = None,
        clock: Clock | None = None,
    ) -> Assessment:
        """Assess *incident* for *local_authority*: the base pack's duties, then the internal."""
        if settings is None:
            settings = TenantSettings("default")
        if calendar is None:
            calendar = self.base.calendar(settings)
        if registry is None:
            registry = LocalAuthorityRegistry.default()
        assessment = self.base.assess(
            incident,
            local_authority=local_authority,
            settings=settings,
            calendar=calendar,
            registry=registry,
            clock=clock,
        )
        duties = list(assessment.duties)
        findings = list(assessment.findings)
        if self.unborn is not None and assessment.duty("notify_panel") is None:
            duty = unborn_duty(*self.unborn, incident, assessment.local_authority, calendar)
            if duty is not None:
                duties.append(duty)
                findings.append(
                    Finding(
                        "unborn_local_policy",
                        "The partnership's local policy includes unborn children: the "
                        "Panel is notified under it, not under s16C.",
                        (self.unborn[1].id, "DEF-03", "DEC-13"),
                    )
                )
        for target, rule in self.targets:
            base = assessment.duty(target.duty_kind)
            if base is not None:
                duties.append(internal_duty(target, rule, base, calendar))
        # Stable: the base pack's order among equal dates, each internal after its base's.
        duties.sort(key=lambda d: (d.due is None, d.due.toordinal() if d.due else 0))
        return attrs.evolve(
            assessment,
            rule_pack=self.name,
            rule_pack_version=self.version,
            duties=tuple(duties),
            findings=tuple(findings),
        )

    def __repr__(self) -> str:
        return f"<LocalAssess {self.name} v{self.version} on {self.base.name}>"
