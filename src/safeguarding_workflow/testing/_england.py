"""
The England lifecycle's usual path: one walk for the store contract, bulk and the tests.

A fictional case goes from a new incident to a closed case through a rapid review, a
local review and a report published in full. Payloads carry opaque, fictional references
only, and the partners informed are Barnsley's (E08000016), where the tests' cases are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

import pendulum

from .._case import Command

if TYPE_CHECKING:
    from .._workflow import Outcome, Workflow
    from ._clock import FrozenClock

__all__ = [
    "BARNSLEY",
    "PUBLISHED_DIGEST",
    "PUBLISHED_REPORT",
    "PUBLISHED_SECTIONS",
    "USUAL_PATH",
    "days_before",
    "record_published_check",
    "step_command",
    "walk_usual_path",
]

#: Barnsley's GSS code: the authority whose partners the path informs.
BARNSLEY: Final = "E08000016"

#: The fictional report the path publishes: anonymised, so its leak check is clean.
PUBLISHED_REPORT: Final = (
    "Child R lived with Mother and Sibling 1. The review found that agencies did not share "
    "what they knew about the family's circumstances.\n\nImprovements: the partnership will "
    "agree one chronology for each child it reviews."
)
#: The digest of `PUBLISHED_REPORT` (`LeakReport.digest`): the version the path publishes.
PUBLISHED_DIGEST: Final = hashlib.sha256(PUBLISHED_REPORT.encode("utf-8")).hexdigest()
#: The sections LR-07 asks of a report, as the path attests them (DEC-10).
PUBLISHED_SECTIONS: Final = ("improvements_summary", "systemic_analysis")

#: The usual path, step by step, with the role that takes each step and its payload.
#: ``plan_publication`` carries no date: `step_command()` sets one a month on.
USUAL_PATH: Final[tuple[tuple[str, str, Mapping[str, object]], ...]] = (
    ("notify_panel", "local_authority", {"notification_ref": "sin-1"}),
    ("inform_safeguarding_partners", "local_authority", {"areas": [BARNSLEY]}),
    ("start_rapid_review", "safeguarding_partners", {}),
    (
        "submit_rapid_review",
        "safeguarding_partners",
        {
            "decision": "local_review",
            "rationale_ref": "rr-rationale",
            "facts_ref": "rr-facts",
            "immediate_actions_considered": True,
            "learning_refs": ["learning-1"],
        },
    ),
    (
        "commission_local_review",
        "safeguarding_partners",
        {
            "improvements_needed": True,
            "recurrent_themes": False,
            "multi_agency_concerns": True,
            "panel_suggested_local_review": False,
            "rationale_ref": "lcspr-rationale",
        },
    ),
    (
        "appoint_reviewer",
        "safeguarding_partners",
        {
            "reviewer_ref": "reviewer-1",
            "independence_declared": True,
            "terms_of_reference_ref": "tor-1",
        },
    ),
    ("submit_draft", "reviewer", {"draft_ref": "draft-1"}),
    ("finalise_report", "reviewer", {"report_ref": "report-1"}),
    ("plan_publication", "safeguarding_partners", {}),
    ("send_to_panel_and_sos", "safeguarding_partners", {"report_ref": "report-1"}),
    (
        "publish_full",
        "safeguarding_partners",
        {
            "publication_ref": "pub-1",
            "document_digest": PUBLISHED_DIGEST,
            "sections": list(PUBLISHED_SECTIONS),
        },
    ),
    ("close", "safeguarding_partners", {}),
)

#: The steps that publish: a walk takes them a month after the step before.
_PUBLISHING: Final = frozenset({"publish_full", "publish_improvements_only"})


def days_before(event: str) -> int:
    """
    The days a walk leaves between the previous step and *event*.

    A month before publishing, well clear of the earliest publication date (7 working days
    after the report went to the Panel and the Secretary of State, LR-08); a day otherwise.
    """
    return 31 if event in _PUBLISHING else 1


def step_command(
    tenant: str,
    case_id: str,
    event: str,
    role: str,
    payload: Mapping[str, object],
    occurred_at: pendulum.DateTime,
    *,
    actor: str = "user-1",
    expected_version: int | None = None,
    idempotency_key: str | None = None,
) -> Command:
    """
    The command taking *event* at *occurred_at*.

    A ``plan_publication`` payload without a date plans publication 30 days after the step.
    """
    body = dict(payload)
    if event == "plan_publication" and "planned_publication_on" not in body:
        body["planned_publication_on"] = occurred_at.add(days=30).date().isoformat()
    return Command(
        tenant,
        case_id,
        event,
        actor=actor,
        role=role,
        occurred_at=occurred_at,
        payload=body,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
    )


def record_published_check(
    workflow: Workflow, tenant: str, case_id: str, *, actor: str = "user-1"
) -> Outcome:
    """
    Record the (clean) leak check of `PUBLISHED_REPORT` on a case, as publishing needs (LR-07).

    A walk calls it before each publishing step.
    """
    from ..publication import Register, check

    report = check(PUBLISHED_REPORT, Register())
    return workflow.record_leak_check(
        tenant, case_id, report, document_ref="report-1", actor=actor, role="safeguarding_partners"
    )


def walk_usual_path(
    workflow: Workflow,
    tenant: str,
    case_id: str,
    clock: FrozenClock,
    start: pendulum.DateTime,
    steps: int = len(USUAL_PATH),
    *,
    actor: str = "user-1",
) -> list[Outcome]:
    """
    Take the first *steps* steps of the usual path on an open case, after *start*.

    Each step happens `days_before()` it after the one before (the first after
    *start*), and the clock is moved to an hour after each step before it is taken. Before
    a publishing step the leak check of `PUBLISHED_REPORT` is recorded (LR-07). The
    outcomes of every record are returned in order (that check's too); a walk goes on from
    the last one's ``last_step_at``.
    """
    outcomes: list[Outcome] = []
    when = start
    for event, role, payload in USUAL_PATH[:steps]:
        when = when.add(days=days_before(event))
        clock.set(when.add(hours=1))
        if event in _PUBLISHING:
            outcomes.append(record_published_check(workflow, tenant, case_id, actor=actor))
        outcomes.append(
            workflow.fire(step_command(tenant, case_id, event, role, payload, when, actor=actor))
        )
    return outcomes
