"""
Wire a host's own publication check and its notifier into the workflow.

A fictional partnership keeps its reports in its own document system, and will
not publish one until its communications team has approved it. That rule is
local policy, so it goes in as a guard: a plain callable that returns a result
with reasons. Its case system turns each stored step into a task for a team: a
subscriber, called only after the step is stored. Everything here is invented.
"""

from __future__ import annotations

from typing import ClassVar

import pendulum

import safeguarding_workflow as sw
from safeguarding_workflow.guards import ALLOW, GuardResult, refuse
from safeguarding_workflow.testing import FrozenClock

TENANT = "fictional-partnership"
LEEDS = "E08000035"


class ApprovedReports:
    """The host's document system, reduced to the set of report references it approved."""

    def __init__(self) -> None:
        self.approved: set[str] = set()

    def __call__(self, case: sw.Case, ctx: sw.GuardContext) -> GuardResult:
        """A guard: refuse publication of a report the communications team has not approved."""
        if ctx.payload.get("publication_ref") in self.approved:
            return ALLOW
        return refuse(
            "not_approved",
            "the communications team has not approved this publication (local policy)",
        )

    def __repr__(self) -> str:
        return "approved_reports()"


class TaskNotifier:
    """A subscriber: turns each stored step into a task on a team's queue."""

    ROUTES: ClassVar[dict[str, str]] = {
        "notify_panel": "safeguarding-partners",
        "submit_rapid_review": "panel-liaison",
        "finalise_report": "communications",
    }

    def __init__(self) -> None:
        self.tasks: list[str] = []

    def __call__(self, event: sw.CloudEvent) -> None:
        """Queue a task for the team that acts next; the event carries only opaque ids."""
        step = event.data["event"]
        team = self.ROUTES.get(step)
        if team is not None:
            self.tasks.append(f"{team}: case {event.subject} reached {step} (event {event.id})")


def main() -> None:
    """Run a fictional case to publication with the host's guard and notifier in place."""
    approvals = ApprovedReports()
    notifier = TaskNotifier()
    clock = FrozenClock(pendulum.datetime(2024, 3, 4, 9, tz="Europe/London"))
    workflow = sw.Workflow(
        sw.england.pack(extra_publication_guards=(approvals,)),
        clock=clock,
        settings=[sw.TenantSettings(TENANT)],
        subscribers=[notifier],
    )
    facts = sw.Incident(
        children=[sw.Child(age=11, harm="serious_harm", normally_resident_in=LEEDS)],
        location=sw.Location.england(LEEDS),
        abuse_or_neglect="known",
        la_aware_at=pendulum.datetime(2024, 3, 1, 14, tz="Europe/London"),
    )
    workflow.open(TENANT, facts, local_authority=LEEDS, actor="officer-2", case_id="case-x")

    day = pendulum.datetime(2024, 3, 4, 10, tz="Europe/London")
    steps = [
        ("notify_panel", "local_authority", {}),
        ("inform_safeguarding_partners", "local_authority", {}),
        ("start_rapid_review", "safeguarding_partners", {}),
        (
            "submit_rapid_review",
            "safeguarding_partners",
            {"decision": "local_review", "rationale_ref": "r-1", "facts_ref": "f-1"},
        ),
        (
            "commission_local_review",
            "safeguarding_partners",
            {
                "improvements_needed": True,
                "recurrent_themes": True,
                "multi_agency_concerns": False,
                "panel_suggested_local_review": False,
                "rationale_ref": "d-1",
            },
        ),
        (
            "appoint_reviewer",
            "safeguarding_partners",
            {
                "reviewer_ref": "rev-1",
                "independence_declared": True,
                "terms_of_reference_ref": "tor-1",
            },
        ),
        ("submit_draft", "reviewer", {"draft_ref": "draft-1"}),
        ("finalise_report", "reviewer", {"report_ref": "rep-1"}),
        ("plan_publication", "safeguarding_partners", {"planned_publication_on": "2024-05-01"}),
        ("send_to_panel_and_sos", "safeguarding_partners", {"report_ref": "rep-1"}),
    ]
    for event, role, payload in steps:
        day = day.add(days=2)
        clock.set(day.add(hours=1))
        workflow.fire(
            sw.Command(
                TENANT,
                "case-x",
                event,
                actor="officer-2",
                role=role,
                occurred_at=day,
                payload=payload,
            )
        )

    publish_day = pendulum.datetime(2024, 5, 1, 10, tz="Europe/London")
    clock.set(publish_day.add(hours=1))
    # The library's own publication checks come first: a recorded, clean leak check of the
    # version published (LR-07) and the sections LR-07 asks for (DEC-10).
    report = sw.publication.check(
        "Child R and Mother; what agencies knew.", sw.publication.Register()
    )
    workflow.record_leak_check(
        TENANT, "case-x", report, document_ref="report-7", actor="officer-2", role="reviewer"
    )
    publish = sw.Command(
        TENANT,
        "case-x",
        "publish_full",
        actor="officer-2",
        role="safeguarding_partners",
        occurred_at=publish_day,
        payload={
            "publication_ref": "web-7",
            "document_digest": report.digest,
            "sections": ["improvements_summary", "systemic_analysis"],
        },
    )
    try:
        workflow.fire(publish)
    except sw.TransitionRefused as refusal:
        print(f"Refused: {refusal.reasons[0].message}")
    approvals.approved.add("web-7")
    case = workflow.fire(publish).case
    print(f"After approval the case is {case.state}.")
    print("Tasks the host queued, each after its step was stored:")
    for task in notifier.tasks:
        print(f"  {task}")


if __name__ == "__main__":
    main()
