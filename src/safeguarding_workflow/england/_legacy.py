"""
The legacy regime: serious case reviews under the Local Safeguarding Children Boards.

Before 29 June 2018 a local authority told Ofsted and its Local Safeguarding Children
Board of a notifiable incident within 5 working days (SCR-03); the board decided within a
month whether to hold a serious case review, its chair having the final say (SCR-04),
aimed to complete one within six months (SCR-05), and published the overview report with
its response for at least 12 months (SCR-06). Between 29 June 2018 and the day an area's
new safeguarding arrangements began (29 September 2019 at the latest) the regime was
hybrid: the Panel was notified under s16C, and the review was still a serious case review
(SCR-07). This module holds that regime's lifecycle, its guards and its duties; the
England assessment (`assess`) chooses the regime from the dates.
"""

from __future__ import annotations

from typing import Final

import pendulum

from .._case import Case, GuardContext
from .._duties import Anchor, Duty, Party
from .._guards import ALLOW, GuardResult, refuse
from .._lifecycle import Lifecycle, PayloadField, Step
from .._rules import Basis, Verification
from ._lifecycle import (
    LA,
    available_for,
    document_cleared_for,
    no_open_deadlines,
    nothing_to_notify,
    sections_for,
)

__all__ = [
    "ARRANGEMENTS_DEADLINE",
    "LEGACY_LIFECYCLE_VERSION",
    "SCR_DUTY_KINDS",
    "build_legacy_lifecycle",
]

ARRANGEMENTS_DEADLINE: Final = pendulum.Date(2019, 9, 29)
"""
The day by which every area's new safeguarding arrangements had to be implemented (SCR-07).

An area's own date (`Settings.arrangements_implemented_on`) may be earlier; incidents the
authority learnt of from 29 June 2018 until then are of the ``scr_hybrid`` regime.
"""
LEGACY_LIFECYCLE_VERSION: Final = "1"
#: The board and its chair: who decides on, completes and publishes a serious case review.
LSCB: Final = "lscb"
LSCB_CHAIR: Final = "lscb_chair"

_WT2015: Final = "Working Together to Safeguard Children 2015, ch.4"
_REG5: Final = "Local Safeguarding Children Boards Regulations 2006, reg 5"
_SEED: Final = "Barnsley Safeguarding Children Partnership, Serious Case Reviews"
_TRANSITION: Final = "Working Together: transitional guidance, 2018"

#: The legacy regime's duty kinds (DESIGN's contract names them).
NOTIFY_OFSTED_AND_LSCB: Final = "notify_ofsted_and_lscb"
LSCB_DECISION: Final = "lscb_decision"
SCR_COMPLETE: Final = "scr_complete"
SCR_PUBLICATION: Final = "scr_publication"
SCR_DUTY_KINDS: Final = (NOTIFY_OFSTED_AND_LSCB, LSCB_DECISION, SCR_COMPLETE, SCR_PUBLICATION)

#: The grounds on which a board may hold a review it is not bound to (SCR-08, the seed's list).
DISCRETIONARY_GROUNDS: Final = (
    "life_threatening_injury",
    "serious_sexual_abuse",
    "parent_murdered_domestic_homicide_review",
    "violent_assault",
    "inter_agency_working_concerns",
)
#: The sections of a published serious case review (DEC-10, SCR-06).
SCR_SECTIONS: Final = (
    "case_overview",
    "terms_of_reference",
    "conclusions",
    "recommendations",
    "board_response",
)


# -- duties --------------------------------------------------------------------------------


def review_duties(
    me: Party, board: Party, anchor_notified: str, children: tuple[int, ...]
) -> list[Duty]:
    """The board's duties for a serious case: decide (SCR-04), complete (SCR-05), publish."""
    return [
        Duty(
            kind=LSCB_DECISION,
            responsible=board,
            recipients=(me,),
            due=None,
            anchor=Anchor(anchor_notified, None),
            working_days=None,
            months=1,
            rule_ids=("SCR-01", "SCR-04"),
            citations=(_REG5, _WT2015),
            basis=Basis.STATUTE,
            timescale_basis=Basis.STATUTORY_GUIDANCE,
            verification=Verification.V2,
            projected=False,
            children=children,
            summary="The board of the area where the child normally lives decides whether "
            "to hold a serious case review, normally within one month of the notification; "
            "its chair has the final say.",
        ),
        Duty(
            kind=SCR_COMPLETE,
            responsible=board,
            recipients=(),
            due=None,
            anchor=Anchor("scr_initiated", None),
            working_days=None,
            months=6,
            rule_ids=("SCR-05",),
            citations=(_WT2015,),
            basis=Basis.STATUTORY_GUIDANCE,
            timescale_basis=Basis.STATUTORY_GUIDANCE,
            verification=Verification.V2,
            projected=False,
            children=children,
            summary="Aim to complete the review within six months of initiating it.",
        ),
        Duty(
            kind=SCR_PUBLICATION,
            responsible=board,
            recipients=(),
            due=None,
            anchor=Anchor("published", None),
            working_days=0,
            rule_ids=("SCR-06", "DEC-10"),
            citations=(_WT2015,),
            basis=Basis.STATUTORY_GUIDANCE,
            timescale_basis=Basis.STATUTORY_GUIDANCE,
            verification=Verification.V2,
            projected=False,
            children=children,
            summary="Publish the overview report, anonymised, with the board's response, "
            "for at least 12 months; no timescale is set for publishing.",
        ),
    ]


# -- guards ---------------------------------------------------------------------------------


def _open(kind: str, rule_ids: tuple[str, ...]):  # type: ignore[no-untyped-def]
    def duty_open(case: Case, ctx: GuardContext) -> GuardResult:
        if any(d.kind == kind and d.is_open for d in case.deadlines):
            return ALLOW
        return refuse(
            "no_such_duty",
            f"the case has no open duty {kind!r} for this step",
            rule_ids=rule_ids,
        )

    return duty_open


def _mandatory(case: Case, ctx: GuardContext) -> tuple[str, ...]:
    """The rules that make a serious case review mandatory here (SCR-01, SCR-02), if any."""
    facts = case.facts
    if not facts.abuse_or_neglect.known_or_suspected:
        return ()
    if ctx.payload.get("custody_or_detention") is True:
        return ("SCR-02",)
    harms = {child.harm for child in facts.children if child.is_child}
    if "death" in harms:
        return ("SCR-01",)
    if "serious_harm" in harms and ctx.payload.get("cause_for_concern") is True:
        return ("SCR-01",)
    return ()


def _considered(case: Case, ctx: GuardContext) -> GuardResult | None:
    """A serious harm case needs the board's answer on how agencies worked together."""
    harms = {child.harm for child in case.facts.children if child.is_child}
    if "death" not in harms and "cause_for_concern" not in ctx.payload:
        return refuse(
            "criteria_not_considered",
            "for a child seriously harmed, record whether there is cause for concern about "
            "how the authority and its partners worked together (cause_for_concern)",
            rule_ids=("SCR-01",),
            citations=(_REG5,),
        )
    return None


def scr_grounds(case: Case, ctx: GuardContext) -> GuardResult:
    """SCR-01, SCR-02, SCR-08: a review held is mandatory or on a discretionary ground."""
    unanswered = _considered(case, ctx)
    if unanswered is not None:
        return unanswered
    if _mandatory(case, ctx):
        return ALLOW
    grounds = set(ctx.payload.get("discretionary_grounds") or ())
    unknown = grounds - set(DISCRETIONARY_GROUNDS)
    if grounds and not unknown:
        return ALLOW
    return refuse(
        "no_scr_grounds",
        "the criteria for a mandatory review are not met: name the discretionary grounds "
        f"(discretionary_grounds, of: {', '.join(DISCRETIONARY_GROUNDS)})",
        rule_ids=("SCR-01", "SCR-08"),
        citations=(_REG5, _SEED),
    )


def scr_not_mandatory(case: Case, ctx: GuardContext) -> GuardResult:
    """SCR-01, SCR-02: a board may not decline a review the criteria make mandatory."""
    unanswered = _considered(case, ctx)
    if unanswered is not None:
        return unanswered
    rules = _mandatory(case, ctx)
    if not rules:
        return ALLOW
    return refuse(
        "scr_mandatory",
        "the criteria for a serious case review are met: it must be held",
        rule_ids=rules,
        citations=(_REG5, _WT2015),
    )


def _guards() -> dict[str, object]:
    return {
        "ofsted_and_lscb_duty": _open(NOTIFY_OFSTED_AND_LSCB, ("SCR-03",)),
        "panel_duty_hybrid": _open("notify_panel", ("NOT-01", "SCR-07")),
        "lscb_decision_due": _open(LSCB_DECISION, ("SCR-04",)),
        "nothing_to_notify": nothing_to_notify,
        "no_open_deadlines": no_open_deadlines,
        "scr_grounds": scr_grounds,
        "scr_not_mandatory": scr_not_mandatory,
        "scr_document_cleared": document_cleared_for(("SCR-06",)),
        "scr_sections": sections_for(SCR_SECTIONS, ("SCR-06", "DEC-10")),
        "available_twelve_months": available_for(12, ("SCR-06",)),
    }


def _ref(name: str, required: bool = False) -> PayloadField:
    return PayloadField(name, "ref", required)


def _steps() -> tuple[Step, ...]:
    criteria = (
        _ref("decision_ref", required=True),
        PayloadField("cause_for_concern", "bool"),
        PayloadField("custody_or_detention", "bool"),
    )
    return (
        Step(
            "notify_ofsted_and_lscb",
            ("incident_recorded",),
            "notified",
            (LA,),
            guards=("ofsted_and_lscb_duty",),
            payload=(_ref("notification_ref"),),
            meets=(NOTIFY_OFSTED_AND_LSCB,),
            sets=(("notification_sent", None),),
            rule_ids=("SCR-03",),
            summary="The local authority tells Ofsted and the board of the incident.",
        ),
        Step(
            "notify_panel",
            ("incident_recorded",),
            "notified",
            (LA,),
            guards=("panel_duty_hybrid",),
            payload=(_ref("notification_ref"),),
            meets=("notify_panel",),
            sets=(("notification_sent", None),),
            rule_ids=("NOT-01", "NOT-04", "SCR-07"),
            summary="Between 29 June 2018 and the area's new arrangements, the local "
            "authority notifies the Panel; the board still decides on a serious case review.",
        ),
        Step(
            "decide_not_notifiable",
            ("incident_recorded",),
            "not_notifiable",
            (LA,),
            guards=("nothing_to_notify",),
            payload=(_ref("rationale_ref", required=True),),
            rule_ids=("SCR-03",),
            summary="Nothing is notifiable: the case ends.",
        ),
        Step(
            "initiate_scr",
            ("notified",),
            "scr_in_progress",
            (LSCB_CHAIR,),
            guards=("lscb_decision_due", "scr_grounds"),
            payload=(*criteria, PayloadField("discretionary_grounds", "refs")),
            meets=(LSCB_DECISION,),
            sets=(("scr_initiated", None),),
            rule_ids=("SCR-01", "SCR-02", "SCR-04", "SCR-08"),
            summary="The board's chair decides to hold a serious case review.",
        ),
        Step(
            "decline_scr",
            ("notified",),
            "scr_not_initiated",
            (LSCB_CHAIR,),
            guards=("lscb_decision_due", "scr_not_mandatory"),
            payload=(*criteria, _ref("panel_notice_ref", required=True)),
            meets=(LSCB_DECISION,),
            cancels=True,
            rule_ids=("SCR-01", "SCR-04"),
            summary="The board's chair decides not to hold one, and tells the national panel "
            "with the reasons (panel_notice_ref).",
        ),
        Step(
            "complete_scr",
            ("scr_in_progress",),
            "report_final",
            (LSCB,),
            guards=(),
            payload=(_ref("report_ref", required=True),),
            meets=(SCR_COMPLETE,),
            rule_ids=("SCR-05",),
            summary="The overview report is final.",
        ),
        Step(
            "publish_scr",
            ("report_final",),
            "published",
            (LSCB,),
            guards=("scr_document_cleared", "scr_sections"),
            payload=(
                _ref("publication_ref", required=True),
                _ref("response_ref", required=True),
                _ref("document_digest"),
                PayloadField("sections", "refs"),
            ),
            meets=(SCR_PUBLICATION,),
            sets=(("published", None),),
            rule_ids=("SCR-06", "DEC-10"),
            summary="The board publishes the overview report, anonymised, with its response.",
        ),
        Step(
            "remove_publication",
            ("published",),
            "publication_removed",
            (LSCB,),
            guards=("available_twelve_months",),
            payload=(_ref("removal_ref", required=True), _ref("override_ref")),
            rule_ids=("SCR-06",),
            summary="The board takes the report down: after 12 months, or sooner with an "
            "override and its reason.",
        ),
        Step(
            "close",
            ("notified", "scr_not_initiated", "published", "publication_removed"),
            "closed",
            (LSCB, LA),
            guards=("no_open_deadlines",),
            rule_ids=("SCR-06",),
            summary="The case closes once nothing more is due.",
        ),
    )


def build_legacy_lifecycle() -> Lifecycle:
    """
    The serious case review lifecycle (DOMAIN section 6), validated when built.

    Added in version 0.1.0.
    """
    return Lifecycle(
        name="england_scr",
        version=LEGACY_LIFECYCLE_VERSION,
        states=(
            "incident_recorded",
            "not_notifiable",
            "notified",
            "scr_not_initiated",
            "scr_in_progress",
            "report_final",
            "published",
            "publication_removed",
            "closed",
        ),
        initial="incident_recorded",
        terminal=("not_notifiable", "closed"),
        roles=(LA, LSCB, LSCB_CHAIR),
        guards=_guards(),  # type: ignore[arg-type]
        steps=_steps(),
    )


#: The citation of the transition (SCR-07), for the regime findings.
TRANSITION_CITATIONS: Final = (_TRANSITION,)
