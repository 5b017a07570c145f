"""Fictional cases and a driver that walks the England lifecycle to any state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum

import safeguarding_workflow as sw
from safeguarding_workflow.testing import FrozenClock

BARNSLEY, LEEDS = "E08000016", "E08000035"
TENANT = "fictional-partnership"

#: Identifiers of fictional people that must never reach a log, an event or an error (R5).
CANARIES = ("Zebedee Quillfeather", "9434765919", "12 Imaginary Lane", "Nowhere Primary Academy")

#: A valid payload for every England step.
PAYLOADS: dict[str, dict[str, Any]] = {
    "notify_panel": {"notification_ref": "sin-1"},
    "inform_safeguarding_partners": {"areas": [BARNSLEY]},
    "notify_secretary_of_state_and_ofsted": {"notification_ref": "sos-1"},
    "notify_care_leaver_death": {"notification_ref": "sos-1"},
    "decide_not_notifiable": {"rationale_ref": "note-1"},
    "start_rapid_review": {},
    "withdraw": {"reason_ref": "note-2"},
    "submit_rapid_review": {
        "decision": "local_review",
        "rationale_ref": "rr-rationale",
        "facts_ref": "rr-facts",
        "immediate_actions_considered": True,
        "learning_refs": ["learning-1"],
    },
    "commission_national_review": {"decision_ref": "panel-1"},
    "close_national_review": {"report_ref": "panel-report-1"},
    "commission_local_review": {
        "improvements_needed": True,
        "recurrent_themes": False,
        "multi_agency_concerns": True,
        "panel_suggested_local_review": False,
        "rationale_ref": "lcspr-rationale",
    },
    "decide_no_further_review": {"rationale_ref": "nfr-1", "learning_refs": ["learning-2"]},
    "appoint_reviewer": {
        "reviewer_ref": "reviewer-1",
        "independence_declared": True,
        "terms_of_reference_ref": "tor-1",
    },
    "submit_draft": {"draft_ref": "draft-1"},
    "return_for_changes": {"request_ref": "request-1"},
    "finalise_report": {"report_ref": "report-1"},
    "plan_publication": {"planned_publication_on": "2099-01-01"},  # replaced by the driver
    "send_to_panel_and_sos": {"report_ref": "report-1"},
    "defer_publication": {"reasons_ref": "deferral-1"},
    "publish_full": {"publication_ref": "pub-1"},
    "publish_improvements_only": {"publication_ref": "pub-1", "justification_ref": "just-1"},
    "close": {},
}

#: The role that takes each step in the driver.
ROLES: dict[str, str] = {step.event: step.roles[0] for step in sw.england.LIFECYCLE.steps}

#: Events that lead from the initial state to each state.
ROUTES: dict[str, tuple[str, ...]] = {
    "incident_recorded": (),
    "notified": ("notify_panel",),
    "rapid_review": ("notify_panel", "start_rapid_review"),
    "withdrawn": ("notify_panel", "withdraw"),
    "rapid_review_submitted": (
        "notify_panel",
        "inform_safeguarding_partners",
        "start_rapid_review",
        "submit_rapid_review",
    ),
}
ROUTES["national_review"] = (*ROUTES["rapid_review_submitted"], "commission_national_review")
ROUTES["no_further_review"] = (*ROUTES["rapid_review_submitted"], "decide_no_further_review")
ROUTES["local_review_commissioned"] = (*ROUTES["rapid_review_submitted"], "commission_local_review")
ROUTES["review_in_progress"] = (*ROUTES["local_review_commissioned"], "appoint_reviewer")
ROUTES["report_draft"] = (*ROUTES["review_in_progress"], "submit_draft")
ROUTES["report_final"] = (*ROUTES["report_draft"], "finalise_report")
ROUTES["sent_to_panel_and_sos"] = (
    *ROUTES["report_final"],
    "plan_publication",
    "send_to_panel_and_sos",
)
ROUTES["publication_deferred"] = (*ROUTES["sent_to_panel_and_sos"], "defer_publication")
ROUTES["published_full"] = (*ROUTES["sent_to_panel_and_sos"], "publish_full")
ROUTES["published_improvements_only"] = (
    *ROUTES["sent_to_panel_and_sos"],
    "publish_improvements_only",
)
ROUTES["closed"] = (*ROUTES["published_full"], "close")
ROUTES["not_notifiable"] = ("decide_not_notifiable",)
ROUTES["sos_and_ofsted_notified"] = ("notify_secretary_of_state_and_ofsted",)
ROUTES["care_leaver_death_notified"] = ("notify_care_leaver_death",)


def facts_for(state: str) -> sw.Incident:
    """Fictional facts whose route reaches *state*."""
    if state == "not_notifiable":
        return death_in_barnsley(
            children=[sw.Child(age=4, harm="harm_not_serious", normally_resident_in=BARNSLEY)]
        )
    if state == "sos_and_ofsted_notified":
        return death_in_barnsley(
            abuse_or_neglect="not_suspected",
            children=[sw.Child(age=15, harm="death", looked_after_by=BARNSLEY)],
        )
    if state == "care_leaver_death_notified":
        return death_in_barnsley(
            abuse_or_neglect="not_suspected",
            children=[sw.Child(age=20, harm="death", care_leaver_of=BARNSLEY)],
        )
    return death_in_barnsley()


def death_in_barnsley(**overrides: Any) -> sw.Incident:
    """A fictional death in Barnsley with neglect suspected, known on Friday 5 January 2024."""
    base: dict[str, Any] = {
        "children": [sw.Child(age=4, harm="death", normally_resident_in=BARNSLEY)],
        "location": sw.Location.england(BARNSLEY),
        "abuse_or_neglect": "suspected",
        "la_aware_at": pendulum.datetime(2024, 1, 5, 9, tz="Europe/London"),
    }
    return sw.Incident(**{**base, **overrides})


class Driver:
    """A workflow on a frozen clock, with helpers to take steps a day apart."""

    def __init__(
        self,
        settings: sw.TenantSettings | None = None,
        subscribers: tuple[Callable[[sw.CloudEvent], object], ...] = (),
        pack: sw.RulePack | None = None,
        store: sw.CaseStore | None = None,
    ) -> None:
        self.clock = FrozenClock(pendulum.datetime(2024, 1, 5, 12, tz="UTC"))
        self.events: list[sw.CloudEvent] = []
        self.workflow = sw.Workflow(
            pack or sw.england.PACK,
            clock=self.clock,
            settings=[settings or sw.TenantSettings(TENANT)],
            subscribers=(self.events.append, *subscribers),
            store=store,
        )
        self.when = pendulum.datetime(2024, 1, 5, 10, tz="UTC")

    def open(self, facts: sw.Incident | None = None, case_id: str = "case-1") -> sw.Case:
        return self.workflow.open(
            TENANT,
            facts or death_in_barnsley(),
            local_authority=BARNSLEY,
            actor="user-1",
            case_id=case_id,
        ).case

    def command(
        self,
        event: str,
        *,
        role: str | None = None,
        days: int = 1,
        case_id: str = "case-1",
        **payload: Any,
    ) -> sw.Command:
        """
        A command a day or more after the previous one, the clock moved past it.

        *payload* overrides the step's usual payload; a None value leaves the field out.
        """
        self.when = self.when.add(days=days)
        self.clock.set(self.when.add(hours=1))
        body = {k: v for k, v in {**PAYLOADS[event], **payload}.items() if v is not None}
        if event == "plan_publication" and "planned_publication_on" not in payload:
            body["planned_publication_on"] = self.when.add(days=30).date().isoformat()
        return sw.Command(
            TENANT,
            case_id,
            event,
            actor="user-1",
            role=role or ROLES[event],
            occurred_at=self.when,
            payload=body,
        )

    def fire(self, event: str, **kwargs: Any) -> sw.Outcome:
        return self.workflow.fire(self.command(event, **kwargs))

    def walk_to(self, state: str, *, case_id: str = "case-1") -> sw.Case:
        """Open a case and take the route to *state*."""
        case = self.open(facts_for(state), case_id=case_id)
        for event in ROUTES[state]:
            days = 31 if event == "publish_full" or event == "publish_improvements_only" else 1
            case = self.fire(event, case_id=case_id, days=days).case
        assert state == case.state
        return case

    def history(self, case_id: str = "case-1") -> tuple[sw.HistoryRecord, ...]:
        return self.workflow.history(TENANT, case_id)

    def case(self, case_id: str = "case-1") -> sw.Case:
        return self.workflow.case(TENANT, case_id)
