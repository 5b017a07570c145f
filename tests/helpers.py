"""Fictional cases and a driver that walks the England lifecycle to any state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum

import safeguarding_workflow as sw
from safeguarding_workflow.testing import FrozenClock
from safeguarding_workflow.testing._england import (
    PUBLISHED_DIGEST,
    USUAL_PATH,
    days_before,
    record_published_check,
    step_command,
)

BARNSLEY, LEEDS = "E08000016", "E08000035"
TENANT = "fictional-partnership"

#: Identifiers of fictional people that must never reach a log, an event or an error (R5).
CANARIES = ("Zebedee Quillfeather", "9434765919", "12 Imaginary Lane", "Nowhere Primary Academy")

#: A valid payload for every England step: the usual path's, and those of the steps off it.
PAYLOADS: dict[str, dict[str, Any]] = {
    **{event: dict(payload) for event, _, payload in USUAL_PATH},
    "notify_secretary_of_state_and_ofsted": {"notification_ref": "sos-1"},
    "notify_care_leaver_death": {"notification_ref": "sos-1"},
    "decide_not_notifiable": {"rationale_ref": "note-1"},
    "withdraw": {"reason_ref": "note-2"},
    "commission_national_review": {"decision_ref": "panel-1"},
    "close_national_review": {"report_ref": "panel-report-1"},
    "decide_no_further_review": {"rationale_ref": "nfr-1", "learning_refs": ["learning-2"]},
    "return_for_changes": {"request_ref": "request-1"},
    "defer_publication": {"reasons_ref": "deferral-1"},
    "publish_improvements_only": {
        "publication_ref": "pub-1",
        "justification_ref": "just-1",
        "document_digest": PUBLISHED_DIGEST,
        "sections": ["improvements_summary"],
    },
    "remove_publication": {"removal_ref": "removal-1", "override_ref": "court-order-1"},
}

#: The role that takes each step in the driver: the usual path's, else the step's first.
ROLES: dict[str, str] = {
    **{step.event: step.roles[0] for step in sw.england.LIFECYCLE.steps},
    **{event: role for event, role, _ in USUAL_PATH},
}

_USUAL = tuple(event for event, _, _ in USUAL_PATH)


def _usual_through(event: str) -> tuple[str, ...]:
    """The usual path's events as far as *event*."""
    return _USUAL[: _USUAL.index(event) + 1]


#: Events that lead from the initial state to each state: along the usual path where it
#: goes there, and the shortest way off it elsewhere.
ROUTES: dict[str, tuple[str, ...]] = {
    "incident_recorded": (),
    "notified": _usual_through("notify_panel"),
    "rapid_review": ("notify_panel", "start_rapid_review"),
    "withdrawn": ("notify_panel", "withdraw"),
    "rapid_review_submitted": _usual_through("submit_rapid_review"),
    "local_review_commissioned": _usual_through("commission_local_review"),
    "review_in_progress": _usual_through("appoint_reviewer"),
    "report_draft": _usual_through("submit_draft"),
    "report_final": _usual_through("finalise_report"),
    "sent_to_panel_and_sos": _usual_through("send_to_panel_and_sos"),
    "published_full": _usual_through("publish_full"),
    "closed": _usual_through("close"),
}
ROUTES["national_review"] = (*ROUTES["rapid_review_submitted"], "commission_national_review")
ROUTES["no_further_review"] = (*ROUTES["rapid_review_submitted"], "decide_no_further_review")
ROUTES["publication_deferred"] = (*ROUTES["sent_to_panel_and_sos"], "defer_publication")
ROUTES["published_improvements_only"] = (
    *ROUTES["sent_to_panel_and_sos"],
    "publish_improvements_only",
)
ROUTES["publication_removed"] = (*ROUTES["published_full"], "remove_publication")
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
        return step_command(TENANT, case_id, event, role or ROLES[event], body, self.when)

    def fire(self, event: str, **kwargs: Any) -> sw.Outcome:
        return self.fire_command(self.command(event, **kwargs))

    def fire_command(self, command: sw.Command) -> sw.Outcome:
        """Fire *command*; a publishing step by its usual role first gets its leak check."""
        event = command.event
        if command.payload.get("document_digest") == PUBLISHED_DIGEST and command.role == ROLES.get(
            event
        ):
            # Publishing needs a recorded, cleared leak check of the version published.
            # Only when the check is all that is missing: a command refused for another
            # reason (too soon after sending, say) must leave the case as it was.
            reasons = {r.code for r in self.workflow.check(command)}
            if reasons == {"document_not_checked"}:
                record_published_check(self.workflow, TENANT, command.case_id)
        return self.workflow.fire(command)

    def walk_to(self, state: str, *, case_id: str = "case-1") -> sw.Case:
        """Open a case and take the route to *state*."""
        case = self.open(facts_for(state), case_id=case_id)
        for event in ROUTES[state]:
            case = self.fire(event, case_id=case_id, days=days_before(event)).case
        assert state == case.state
        return case

    def history(self, case_id: str = "case-1") -> tuple[sw.HistoryRecord, ...]:
        return self.workflow.history(TENANT, case_id)

    def case(self, case_id: str = "case-1") -> sw.Case:
        return self.workflow.case(TENANT, case_id)
