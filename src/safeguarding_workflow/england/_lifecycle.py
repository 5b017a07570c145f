"""
The England lifecycle (DOMAIN sections 2 to 5): from incident to publication.

Every step names the roles that may take it, the guards it must pass (each
citing its rules), what it records in its payload (opaque references, dates,
booleans and choices, never free text), the deadlines it meets and the
milestones it sets.

A looked-after child's death is notified to the Secretary of State and Ofsted
(NOT-06) and, when abuse or neglect is known or suspected, to the Panel (NOT-01):
the two go through one online system, and either may come first, so each is
recorded at its true time. Notifying the Secretary of State and Ofsted first
leads to ``sos_and_ofsted_notified``, which is not an end: if abuse or neglect is
suspected later (``update_facts``, DEC-04), the Panel notification, the partners'
report and the rapid review follow from it. The local authority closes it when
nothing more is due. A care leaver's death (NOT-07) works the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from .._case import Case, GuardContext
from .._guards import ALLOW, Guard, GuardResult, all_, payload_present, refuse
from .._lifecycle import DeadlineSpec, Lifecycle, PayloadField, Step

__all__ = ["LIFECYCLE_VERSION", "build_lifecycle"]

LIFECYCLE_VERSION: Final = "2"

LA: Final = "local_authority"
SP: Final = "safeguarding_partners"
REVIEWER: Final = "reviewer"
PANEL: Final = "panel"

_S16C: Final = "Children Act 2004 s16C(1)"
_S16F: Final = "Children Act 2004 s16F"
_REG11: Final = (
    "Child Safeguarding Practice Review and Relevant Agency (England) Regulations 2018, reg 11"
)
_WT: Final = "Working Together to Safeguard Children 2018, ch.4; 2023, ch.5"


def _has_deadline(case: Case, kind: str, rule: str | None = None) -> bool:
    return any(d.kind == kind and (rule is None or rule in d.rule_ids) for d in case.deadlines)


def panel_duty(case: Case, ctx: GuardContext) -> GuardResult:
    """Allows when the assessment raised the duty to notify the Panel (NOT-01, NOT-02)."""
    if _has_deadline(case, "notify_panel"):
        return ALLOW
    return refuse(
        "not_notifiable",
        "the facts do not make the incident notifiable to the Panel by this authority",
        rule_ids=("NOT-01", "NOT-02", "NOT-03"),
        citations=(_S16C,),
    )


def panel_notification_not_pending(case: Case, ctx: GuardContext) -> GuardResult:
    """Allows unless a Panel notification is due and not yet made (NOT-01, RR-01)."""
    if not any(d.kind == "notify_panel" and d.is_open for d in case.deadlines):
        return ALLOW
    return refuse(
        "panel_notification_pending",
        "the incident is notifiable to the Panel: notify the Panel first, and the rapid "
        "review follows",
        rule_ids=("NOT-01", "RR-01"),
        citations=(_S16C,),
    )


def looked_after_death(case: Case, ctx: GuardContext) -> GuardResult:
    """Allows when a looked-after child's death raised the Secretary of State duty (NOT-06)."""
    if _has_deadline(case, "notify_secretary_of_state_and_ofsted", "NOT-06"):
        return ALLOW
    return refuse(
        "not_a_looked_after_death",
        "no looked-after child's death of this authority is recorded in the facts",
        rule_ids=("NOT-06", "DEF-04"),
        citations=("Children Act 1989 Sch 2 para 20(1)(a)",),
    )


def care_leaver_death(case: Case, ctx: GuardContext) -> GuardResult:
    """Allows when a care leaver's death raised the Secretary of State duty (NOT-07)."""
    if _has_deadline(case, "notify_secretary_of_state_and_ofsted", "NOT-07"):
        return ALLOW
    return refuse(
        "not_a_care_leaver_death",
        "no care leaver's death of this authority is recorded in the facts",
        rule_ids=("NOT-07",),
        citations=("Working Together to Safeguard Children 2023, ch.5",),
    )


def nothing_to_notify(case: Case, ctx: GuardContext) -> GuardResult:
    """Allows only when the assessment raised no duty at all (NOT-03)."""
    if not case.deadlines:
        return ALLOW
    kinds = ", ".join(sorted({d.kind for d in case.deadlines}))
    return refuse(
        "duties_arise",
        f"the facts raise duties ({kinds}): the incident cannot be closed as not notifiable",
        rule_ids=("NOT-03",),
        citations=(_S16C,),
    )


def no_open_deadlines(case: Case, ctx: GuardContext) -> GuardResult:
    """Allows when every deadline with a due date is met, so nothing is closed over."""
    open_kinds = sorted(d.kind for d in case.deadlines if d.is_open and d.due is not None)
    if not open_kinds:
        return ALLOW
    return refuse(
        "deadlines_open",
        f"deadlines are still open ({', '.join(open_kinds)}): record the steps that meet them",
        rule_ids=("DEC-05",),
    )


def publication_planned(case: Case, ctx: GuardContext) -> GuardResult:
    """Allows once a publication date is planned, so the LR-08 deadline exists (DEC-05)."""
    if case.milestone("publication_planned") is not None:
        return ALLOW
    return refuse(
        "publication_not_planned",
        "plan the publication date first: the report goes to the Panel and the Secretary of "
        "State no later than 7 working days before it",
        rule_ids=("LR-08", "DEC-05"),
        citations=(_WT,),
    )


def seven_working_days_after_sending(case: Case, ctx: GuardContext) -> GuardResult:
    """LR-08: publication no sooner than 7 working days after the report went to the Panel."""
    sent = case.milestone("sent_to_panel_and_sos")
    if sent is None:  # pragma: no cover - the lifecycle only publishes after sending
        return refuse("not_sent", "the report has not been sent", rule_ids=("LR-08",))
    latest_send = ctx.calendar.add_working_days(ctx.occurred_on, -7)
    if sent <= latest_send:
        return ALLOW
    earliest = ctx.calendar.add_working_days(sent, 7)
    return refuse(
        "too_soon_after_sending",
        "the report went to the Panel and the Secretary of State fewer than 7 working days "
        f"before this publication date; the earliest publication date is {earliest.isoformat()}",
        rule_ids=("LR-08", "WD-02"),
        citations=(_WT,),
    )


_RR_DECISIONS: Final = ("local_review", "no_local_review", "refer_national")
_LR01_CRITERIA: Final = (
    "improvements_needed",
    "recurrent_themes",
    "multi_agency_concerns",
    "panel_suggested_local_review",
)


def _answered(
    fields: Iterable[str], rule_ids: tuple[str, ...], citations: tuple[str, ...]
) -> Guard:
    return all_(*(payload_present(f, rule_ids=rule_ids, citations=citations) for f in fields))


class _CriteriaConsidered:
    """LR-01: each criterion the partners must take into account is answered (true or false)."""

    __slots__ = ()

    def __call__(self, case: Case, ctx: GuardContext) -> GuardResult:
        missing = [c for c in _LR01_CRITERIA if c not in ctx.payload]
        if not missing:
            return ALLOW
        return refuse(
            "criteria_not_considered",
            f"the decision must record each criterion of reg 11 as considered: "
            f"{', '.join(missing)}",
            rule_ids=("LR-01",),
            citations=(_REG11, _S16F),
        )

    def __repr__(self) -> str:
        return "criteria_considered()"


class _ReviewerIndependent:
    """LR-04: a reviewer is appointed with independence declared and terms of reference agreed."""

    __slots__ = ()

    def __call__(self, case: Case, ctx: GuardContext) -> GuardResult:
        reasons = []
        if ctx.payload.get("independence_declared") is not True:
            reasons.append("the reviewer's independence of the case must be declared")
        if not ctx.payload.get("terms_of_reference_ref"):
            reasons.append("the terms of reference must be agreed")
        if not reasons:
            return ALLOW
        return refuse(
            "reviewer_not_ready",
            "; ".join(reasons),
            rule_ids=("LR-04",),
            citations=(_WT,),
        )

    def __repr__(self) -> str:
        return "reviewer_independent()"


#: The sections LR-07 asks of a report (DEC-10), as the partners attest them.
REPORT_SECTIONS: Final = ("improvements_summary", "systemic_analysis")


def document_cleared_for(rule_ids: tuple[str, ...]) -> Guard:
    """
    A guard: the version published was checked for leaks, every finding cleared, all read.

    The payload names the version (``document_digest``, `LeakReport.digest`); the case's
    history must hold a leak check of it (`Workflow.record_leak_check`) whose findings are
    all cleared (`Workflow.clear_findings`) and which could read everything. Refusals cite
    *rule_ids* (LR-07 for a practice review, SCR-06 for a serious case review).
    """

    def document_cleared(case: Case, ctx: GuardContext) -> GuardResult:
        from .._publication_commands import checks_of

        digest = ctx.payload.get("document_digest")
        if not digest:
            return refuse(
                "document_not_checked",
                "name the document version published (document_digest): it must have a "
                "recorded leak check",
                rule_ids=rule_ids,
                citations=(_WT,),
            )
        last, cleared = checks_of(ctx.records(), str(digest))
        if last is None:
            return refuse(
                "document_not_checked",
                "no leak check of this document version is recorded on the case",
                rule_ids=rule_ids,
                citations=(_WT,),
            )
        reasons = []
        if last["unreadable"]:
            reasons.append(
                f"the leak check could not read {last['unreadable']} part(s) of this version"
            )
        left = [f["id"] for f in last["findings"] if f["id"] not in cleared]
        if left:
            reasons.append(f"{len(left)} finding(s) of its leak check are not cleared")
        if not reasons:
            return ALLOW
        return refuse(
            "document_not_cleared", "; ".join(reasons), rule_ids=rule_ids, citations=(_WT,)
        )

    return document_cleared


#: LR-07: the practice review's report, checked and cleared.
document_cleared: Final = document_cleared_for(("LR-07",))


def sections_for(required: tuple[str, ...], rule_ids: tuple[str, ...]) -> Guard:
    """A guard: the partners attest, in ``sections``, each section the report must hold."""

    def sections_present(case: Case, ctx: GuardContext) -> GuardResult:
        given = set(ctx.payload.get("sections") or ())
        missing = [s for s in required if s not in given]
        if not missing:
            return ALLOW
        return refuse(
            "sections_missing",
            f"the report must hold, and the partners attest in 'sections': {', '.join(missing)}",
            rule_ids=rule_ids,
            citations=(_WT,),
        )

    return sections_present


def available_for(months: int, rule_ids: tuple[str, ...]) -> Guard:
    """A guard: a published report stays available *months* months, unless overridden."""

    def available(case: Case, ctx: GuardContext) -> GuardResult:
        published = case.milestone("published")
        if published is None:  # pragma: no cover - a lifecycle removes only what it published
            return ALLOW
        until = published.add(months=months)
        if ctx.occurred_on >= until or ctx.payload.get("override_ref"):
            return ALLOW
        return refuse(
            "published_less_than_a_year",
            f"a published report stays available until {until.isoformat()}; removing it "
            "sooner needs an override with its reason (override_ref: a court order, a newly "
            "found risk of identification)",
            rule_ids=rule_ids,
            citations=(_WT,),
        )

    return available


#: LR-10: at least one year.
available_a_year: Final = available_for(12, ("LR-10",))


def _guards(extra_publication_guards: Iterable[Guard]) -> dict[str, Guard]:
    extra = tuple(extra_publication_guards)
    publication: Guard = (
        all_(seven_working_days_after_sending, *extra)
        if extra
        else seven_working_days_after_sending
    )
    return {
        "panel_duty": panel_duty,
        "panel_notification_not_pending": panel_notification_not_pending,
        "looked_after_death": looked_after_death,
        "care_leaver_death": care_leaver_death,
        "sos_duty": _any_sos,
        "nothing_to_notify": nothing_to_notify,
        "no_open_deadlines": no_open_deadlines,
        "withdrawal_reason": payload_present("reason_ref", rule_ids=("RR-01",)),
        "rapid_review_outputs": _answered(
            ("decision", "rationale_ref", "facts_ref"), ("RR-02", "RR-04"), (_WT,)
        ),
        "criteria_considered": _CriteriaConsidered(),
        "decision_rationale": payload_present(
            "rationale_ref", rule_ids=("LR-03",), citations=(_WT,)
        ),
        "learning_recorded": payload_present(
            "learning_refs", rule_ids=("RR-02", "LR-03"), citations=(_WT,)
        ),
        "reviewer_independent": _ReviewerIndependent(),
        "publication_planned": publication_planned,
        "publication_checks": publication,
        "non_publication_justified": payload_present(
            "justification_ref", rule_ids=("LR-09",), citations=(_S16F, _WT)
        ),
        "document_cleared": document_cleared,
        "report_sections": sections_for(REPORT_SECTIONS, ("LR-07", "DEC-10")),
        "improvements_sections": sections_for(REPORT_SECTIONS[:1], ("LR-07", "DEC-10")),
        "available_a_year": available_a_year,
        "deferral_reasons": payload_present(
            "reasons_ref", rule_ids=("LR-06", "LR-09"), citations=(_WT,)
        ),
    }


def _any_sos(case: Case, ctx: GuardContext) -> GuardResult:
    """
    Allows once for a looked-after child's or a care leaver's death (NOT-06, NOT-07).

    A second record of the same notification is refused: it would move the
    milestone the first one set. A wrong time is put right with a correction.
    """
    sos = [d for d in case.deadlines if d.kind == "notify_secretary_of_state_and_ofsted"]
    if any(d.is_open for d in sos):
        return ALLOW
    if sos:
        return refuse(
            "already_notified",
            "the notification to the Secretary of State and Ofsted is already recorded; "
            "correct its time instead if it was recorded wrongly",
            rule_ids=("NOT-06", "NOT-07"),
        )
    return refuse(
        "no_secretary_of_state_duty",
        "the facts raise no duty to notify the Secretary of State and Ofsted",
        rule_ids=("NOT-06", "NOT-07"),
    )


def _ref(name: str, required: bool = False) -> PayloadField:
    return PayloadField(name, "ref", required)


_STATES: Final = (
    "incident_recorded",
    "not_notifiable",
    "sos_and_ofsted_notified",
    "care_leaver_death_notified",
    "notified",
    "rapid_review",
    "withdrawn",
    "rapid_review_submitted",
    "national_review",
    "no_further_review",
    "local_review_commissioned",
    "review_in_progress",
    "report_draft",
    "report_final",
    "sent_to_panel_and_sos",
    "publication_deferred",
    "published_full",
    "published_improvements_only",
    "publication_removed",
    "closed",
)
_TERMINAL: Final = ("not_notifiable", "withdrawn", "closed")
_NOTIFIED_STATES: Final = ("notified", "rapid_review", "rapid_review_submitted")
#: States a case reaches by a notification to the Secretary of State and Ofsted alone; the
#: Panel notification may still follow from them, in either order or after suspicion arises.
_SOS_NOTIFIED_STATES: Final = ("sos_and_ofsted_notified", "care_leaver_death_notified")


def _steps() -> tuple[Step, ...]:
    lr06 = DeadlineSpec(
        "local_review_publication", "local_review_commissioned", ("LR-06",), months=6
    )
    lr08 = DeadlineSpec(
        "send_report_to_panel_and_sos", "publication_planned", ("LR-08", "WD-02"), working_days=-7
    )
    rr_payload = (
        PayloadField("decision", "choice", choices=_RR_DECISIONS),
        _ref("rationale_ref"),
        _ref("facts_ref"),
        PayloadField("immediate_actions_considered", "bool"),
        PayloadField("learning_refs", "refs"),
    )
    publish_from = ("sent_to_panel_and_sos", "publication_deferred")
    return (
        Step(
            "notify_panel",
            ("incident_recorded", *_SOS_NOTIFIED_STATES),
            "notified",
            (LA,),
            guards=("panel_duty",),
            payload=(_ref("notification_ref"),),
            meets=("notify_panel",),
            sets=(("notification_sent", None),),
            rule_ids=("NOT-01", "NOT-02", "NOT-04", "NOT-08"),
            summary="The local authority notifies the Panel.",
        ),
        Step(
            "inform_safeguarding_partners",
            ("incident_recorded", *_SOS_NOTIFIED_STATES, *_NOTIFIED_STATES),
            None,
            (LA,),
            guards=("panel_duty",),
            payload=(PayloadField("areas", "refs"),),
            meets=("inform_safeguarding_partners",),
            sets=(("partners_informed", None),),
            rule_ids=("NOT-05",),
            summary="The local authority informs the safeguarding partners.",
        ),
        Step(
            "notify_secretary_of_state_and_ofsted",
            ("incident_recorded",),
            "sos_and_ofsted_notified",
            (LA,),
            guards=("looked_after_death",),
            payload=(_ref("notification_ref"),),
            meets=("notify_secretary_of_state_and_ofsted",),
            sets=(("sos_and_ofsted_notified", None),),
            rule_ids=("NOT-06",),
            summary="A looked-after child's death: the Secretary of State and Ofsted are "
            "notified. Without suspected abuse the Panel does not consider it; with it, the "
            "Panel notification may come before or after this one.",
        ),
        Step(
            "notify_secretary_of_state_and_ofsted",
            _NOTIFIED_STATES,
            None,
            (LA,),
            guards=("sos_duty",),
            payload=(_ref("notification_ref"),),
            meets=("notify_secretary_of_state_and_ofsted",),
            sets=(("sos_and_ofsted_notified", None),),
            rule_ids=("NOT-06", "NOT-07"),
            summary="On a case notified to the Panel: the Secretary of State and Ofsted are "
            "notified too, once.",
        ),
        Step(
            "notify_care_leaver_death",
            ("incident_recorded",),
            "care_leaver_death_notified",
            (LA,),
            guards=("care_leaver_death",),
            payload=(_ref("notification_ref"),),
            meets=("notify_secretary_of_state_and_ofsted",),
            sets=(("sos_and_ofsted_notified", None),),
            rule_ids=("NOT-07", "DEC-09"),
            summary="A care leaver's death: the Secretary of State and Ofsted are notified.",
        ),
        Step(
            "decide_not_notifiable",
            ("incident_recorded",),
            "not_notifiable",
            (LA,),
            guards=("nothing_to_notify",),
            payload=(_ref("rationale_ref", required=True),),
            rule_ids=("NOT-03",),
            summary="The incident raises no duty: the case ends as not notifiable.",
        ),
        Step(
            "start_rapid_review",
            ("notified",),
            "rapid_review",
            (SP,),
            sets=(("rapid_review_started", None),),
            rule_ids=("RR-01",),
            summary="The safeguarding partners start the rapid review.",
        ),
        Step(
            "withdraw",
            ("notified", "rapid_review"),
            "withdrawn",
            (LA, SP),
            guards=("withdrawal_reason",),
            payload=(_ref("reason_ref"),),
            cancels=True,
            rule_ids=("RR-01",),
            summary="The case is found not to meet the criteria after all; it is withdrawn.",
        ),
        Step(
            "submit_rapid_review",
            ("rapid_review",),
            "rapid_review_submitted",
            (SP,),
            guards=("rapid_review_outputs",),
            payload=rr_payload,
            meets=("rapid_review",),
            sets=(("rapid_review_submitted", None),),
            rule_ids=("RR-02", "RR-03", "RR-04"),
            summary="The rapid review, with its decision, goes to the Panel.",
        ),
        Step(
            "commission_national_review",
            ("rapid_review_submitted", "local_review_commissioned", "review_in_progress"),
            "national_review",
            (PANEL,),
            guards=(),
            payload=(_ref("decision_ref", required=True),),
            sets=(("national_review_commissioned", None),),
            rule_ids=("RR-05",),
            summary="The Panel takes the case for a national review; the local case follows it.",
        ),
        Step(
            "close_national_review",
            ("national_review",),
            "closed",
            (PANEL,),
            guards=(),
            payload=(_ref("report_ref", required=True),),
            rule_ids=("RR-06",),
            summary="The Panel reports; the local case closes.",
        ),
        Step(
            "commission_local_review",
            ("rapid_review_submitted", "care_leaver_death_notified"),
            "local_review_commissioned",
            (SP,),
            guards=("panel_notification_not_pending", "criteria_considered", "decision_rationale"),
            payload=(*(PayloadField(c, "bool") for c in _LR01_CRITERIA), _ref("rationale_ref")),
            sets=(("local_review_commissioned", None),),
            opens=(lr06,),
            rule_ids=("LR-01", "LR-02", "LR-03", "LR-06"),
            summary="The partners commission a local child safeguarding practice review.",
        ),
        Step(
            "decide_no_further_review",
            ("rapid_review_submitted",),
            "no_further_review",
            (SP,),
            guards=("decision_rationale", "learning_recorded"),
            payload=(_ref("rationale_ref"), PayloadField("learning_refs", "refs")),
            rule_ids=("LR-03", "RR-02"),
            summary="The partners decide on no further review, recording the learning.",
        ),
        Step(
            "appoint_reviewer",
            ("local_review_commissioned",),
            "review_in_progress",
            (SP,),
            guards=("reviewer_independent",),
            payload=(
                _ref("reviewer_ref", required=True),
                PayloadField("independence_declared", "bool"),
                _ref("terms_of_reference_ref"),
            ),
            sets=(("reviewer_appointed", None),),
            rule_ids=("LR-04",),
            summary="A reviewer is appointed, independence declared, terms of reference agreed.",
        ),
        Step(
            "submit_draft",
            ("review_in_progress",),
            "report_draft",
            (REVIEWER,),
            guards=(),
            payload=(_ref("draft_ref", required=True),),
            rule_ids=("LR-05", "LR-07"),
            summary="The reviewer submits a draft overview report.",
        ),
        Step(
            "return_for_changes",
            ("report_draft",),
            "review_in_progress",
            (SP,),
            guards=(),
            payload=(_ref("request_ref", required=True),),
            rule_ids=("LR-05",),
            summary="The partners return the draft, asking in writing for changes.",
        ),
        Step(
            "finalise_report",
            ("report_draft",),
            "report_final",
            (REVIEWER,),
            guards=(),
            payload=(_ref("report_ref", required=True),),
            sets=(("report_final", None),),
            rule_ids=("LR-07",),
            summary="The reviewer finalises the overview report.",
        ),
        Step(
            "plan_publication",
            ("report_final", "sent_to_panel_and_sos", "publication_deferred"),
            None,
            (SP,),
            guards=(),
            payload=(PayloadField("planned_publication_on", "date", required=True, future=True),),
            sets=(("publication_planned", "planned_publication_on"),),
            opens=(lr08,),
            rule_ids=("LR-08", "DEC-05"),
            summary="The partners plan the publication date; the LR-08 date follows from it.",
        ),
        Step(
            "send_to_panel_and_sos",
            ("report_final",),
            "sent_to_panel_and_sos",
            (SP,),
            guards=("publication_planned",),
            payload=(_ref("report_ref"), PayloadField("improvements_only", "bool")),
            meets=("send_report_to_panel_and_sos",),
            sets=(("sent_to_panel_and_sos", None),),
            rule_ids=("LR-08",),
            summary="The report goes to the Panel and the Secretary of State.",
        ),
        Step(
            "defer_publication",
            ("sent_to_panel_and_sos",),
            "publication_deferred",
            (SP,),
            guards=("deferral_reasons",),
            payload=(_ref("reasons_ref"),),
            rule_ids=("LR-06", "LR-09"),
            summary="Publication is deferred (other proceedings, say), with reasons given "
            "to the Panel and the Secretary of State.",
        ),
        Step(
            "publish_full",
            publish_from,
            "published_full",
            (SP,),
            guards=("publication_checks", "document_cleared", "report_sections"),
            payload=(
                _ref("publication_ref", required=True),
                _ref("document_digest"),
                PayloadField("sections", "refs"),
            ),
            meets=("local_review_publication",),
            sets=(("published", None),),
            rule_ids=("LR-06", "LR-08", "LR-09"),
            summary="The partners publish the report.",
        ),
        Step(
            "publish_improvements_only",
            publish_from,
            "published_improvements_only",
            (SP,),
            guards=(
                "publication_checks",
                "non_publication_justified",
                "document_cleared",
                "improvements_sections",
            ),
            payload=(
                _ref("publication_ref", required=True),
                _ref("justification_ref"),
                _ref("document_digest"),
                PayloadField("sections", "refs"),
            ),
            meets=("local_review_publication",),
            sets=(("published", None),),
            rule_ids=("LR-06", "LR-08", "LR-09"),
            summary="The partners publish the improvements only, having justified not "
            "publishing the full report.",
        ),
        Step(
            "remove_publication",
            ("published_full", "published_improvements_only"),
            "publication_removed",
            (SP,),
            guards=("available_a_year",),
            payload=(_ref("removal_ref", required=True), _ref("override_ref")),
            rule_ids=("LR-10",),
            summary="The partners take the published report down: after a year, or sooner "
            "with an override and its reason.",
        ),
        Step(
            "close",
            (
                "no_further_review",
                "published_full",
                "published_improvements_only",
                "publication_removed",
                "care_leaver_death_notified",
            ),
            "closed",
            (SP, LA),
            guards=("no_open_deadlines",),
            rule_ids=("LR-11",),
            summary="The case closes.",
        ),
        Step(
            "close",
            ("sos_and_ofsted_notified",),
            "closed",
            (LA,),
            guards=("no_open_deadlines",),
            rule_ids=("NOT-06",),
            summary="The local authority closes a looked-after child's death case once "
            "nothing more is due.",
        ),
    )


def build_lifecycle(extra_publication_guards: Iterable[Guard] = ()) -> Lifecycle:
    """
    The England lifecycle, with any host guards run before publication.

    *extra_publication_guards* is the seam for publication checks that come
    with later releases or from the host (the anonymisation leak check, say):
    each runs, after the LR-08 date check, on both publication steps.

    Added in version 0.1.0.
    """
    return Lifecycle(
        name="england",
        version=LIFECYCLE_VERSION,
        states=_STATES,
        initial="incident_recorded",
        terminal=_TERMINAL,
        roles=(LA, SP, REVIEWER, PANEL),
        guards=_guards(extra_publication_guards),
        steps=_steps(),
    )


def guard_names() -> Mapping[str, Guard]:
    """The default England guards by name (for documentation and tests)."""
    return _guards(())
