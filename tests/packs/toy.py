"""
A toy second rule pack, built only from the library's public API.

It proves a third party can write a pack without touching the core: its own duty
kinds, rule catalogue, settings type, calendar (Scotland's working days) and a
three-state lifecycle. Its rules are invented for the tests and cite nothing real.
"""

from __future__ import annotations

from typing import Final

import attrs

import safeguarding_workflow as sw
from safeguarding_workflow.guards import payload_present

#: The toy's duty kinds: one in working days, one in months.
FILE_RETURN: Final = "toy_file_return"
YEARLY_CHECK: Final = "toy_yearly_check"

RULES: Final = sw.RuleCatalogue(
    (
        sw.Rule(
            "TOY-01", "A toy return is filed within the tenant's grace days.", "Toy rules", "I"
        ),
        sw.Rule("TOY-02", "A toy case is checked within 12 months of filing.", "Toy rules", "I"),
        sw.Rule("TOY-03", "A clerk opens toy cases.", "Toy rules", "R"),
    ),
    name="toy",
)


@attrs.frozen(kw_only=True)
class ToySettings:
    """The toy pack's per-tenant setting: how many working days a return may take."""

    grace_days: int = 3


def assess(
    incident: sw.Incident,
    /,
    *,
    local_authority: str,
    settings: sw.TenantSettings,
    calendar: sw.WorkingDayCalendar,
    registry: sw.LocalAuthorityRegistry,
    clock: sw.typing.Clock | None,
) -> sw.Assessment:
    """One duty in working days from awareness; the yearly check waits for the filing."""
    authority = registry.resolve(local_authority, incident.la_aware_on, field="local_authority")
    clerk = sw.Party("toy_clerk", authority.gss_code, str(authority))
    days = settings.of(ToySettings).grace_days
    file_return = sw.Duty(
        kind=FILE_RETURN,
        responsible=clerk,
        recipients=(),
        due=None,
        anchor=sw.Anchor("la_aware", incident.la_aware_on),
        working_days=days,
        rule_ids=("TOY-01",),
        citations=("Toy rules, rule 1",),
        basis=sw.Basis.LOCAL_POLICY,
        timescale_basis=sw.Basis.LOCAL_POLICY,
        verification=sw.Verification.I,
        projected=False,
        children=tuple(range(len(incident.children))),
        summary="File the toy return.",
    ).recompute(calendar)
    return sw.Assessment(
        rule_pack="toy",
        rule_pack_version="1",
        local_authority=authority.gss_code,
        duties=(file_return,),
        findings=(),
        calendar=calendar.name,
    )


LIFECYCLE: Final = sw.Lifecycle(
    name="toy",
    version="1",
    states=("open", "filed", "checked"),
    initial="open",
    terminal=("checked",),
    roles=("toy_clerk", "toy_auditor"),
    guards={"has_return": payload_present("return_ref", rule_ids=("TOY-01",))},
    steps=(
        sw.Step(
            "file",
            ("open",),
            "filed",
            ("toy_clerk",),
            guards=("has_return",),
            payload=(sw.PayloadField("return_ref", "ref", required=True),),
            meets=(FILE_RETURN,),
            sets=(("filed", None),),
            opens=(sw.DeadlineSpec(YEARLY_CHECK, "filed", ("TOY-02",), months=12),),
            rule_ids=("TOY-01",),
        ),
        sw.Step("check", ("filed",), "checked", ("toy_auditor",), meets=(YEARLY_CHECK,)),
    ),
)

PACK: Final = sw.RulePack(
    name="toy",
    version="1",
    lifecycle=LIFECYCLE,
    assess=assess,
    calendar=lambda settings: sw.WorkingDayCalendar.scotland(),
    rules=RULES,
    duty_kinds=(FILE_RETURN, YEARLY_CHECK),
    openers=("toy_clerk",),
    open_rule_ids=("TOY-03",),
    settings=ToySettings,
)

#: The walk from opening to the terminal state, as the pack contract takes it.
WALK: Final = (
    ("file", "toy_clerk", {"return_ref": "toy-return-1"}),
    ("check", "toy_auditor", {}),
)
