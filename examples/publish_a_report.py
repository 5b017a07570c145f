"""
From a draft full of identifiers to a report published on the first day the rules allow.

Everything here is invented: no real child, family, school or place is described. The
partners' reviewer finds the leaks in a fictional draft, redacts them with the pseudonyms
the partners chose, clears what the check still flags with reasons, sends the report to
the Panel and the Secretary of State, and publishes it on the first date LR-08 allows
(7 working days after sending). The clock is a frozen one moved by hand; a real host
passes ``sw.SystemClock()``.
"""

from __future__ import annotations

import pendulum

import safeguarding_workflow as sw
from safeguarding_workflow import publication
from safeguarding_workflow.testing import FrozenClock

TENANT = "fictional-partnership"
BARNSLEY = "E08000016"
CASE = "case-publication-1"

DRAFT = """# Local child safeguarding practice review: Zebedee

## Background

Zebedee Quillfeather (born 14 March 2015) lived with his mother, Marigold Quillfeather,
at 12 Imaginary Lane, Puddleby ZZ9 9ZZ. Zeb attended Puddleby Primary School, where his
attendance fell in the Summer term of 2021. His NHS number, 943 476 5919, appears on
every health record.

## Analysis

Mrs Quillfeather's concerns were not shared between agencies. Dr Ashworth, the GP,
saw Zebedee's sister Grace twice. The systemic reason was that no agency held a single
chronology.

## Improvements

The partnership will agree one chronology for each child it reviews.
"""


def main() -> None:
    """Check, redact, clear, send, publish."""
    clock = FrozenClock(pendulum.datetime(2024, 1, 5, 10, tz="Europe/London"))
    workflow = sw.Workflow(sw.england.PACK, clock=clock, settings=[sw.TenantSettings(TENANT)])
    at = pendulum.datetime

    def step(event: str, role: str, when: pendulum.DateTime, **payload: object) -> sw.Case:
        clock.set(when.add(hours=1))
        command = sw.Command(
            TENANT, CASE, event, actor="reviewer-3", role=role, occurred_at=when, payload=payload
        )
        return workflow.fire(command).case

    workflow.open(
        TENANT,
        sw.Incident(
            children=[sw.Child(age=9, harm="serious_harm", normally_resident_in=BARNSLEY)],
            location=sw.Location.england(BARNSLEY),
            abuse_or_neglect="suspected",
            la_aware_at=at(2024, 1, 5, 9, tz="Europe/London"),
        ),
        local_authority=BARNSLEY,
        actor="officer-1",
        case_id=CASE,
    )
    usual = [
        ("notify_panel", "local_authority", {"notification_ref": "sin-9"}),
        ("inform_safeguarding_partners", "local_authority", {"areas": [BARNSLEY]}),
        ("start_rapid_review", "safeguarding_partners", {}),
        (
            "submit_rapid_review",
            "safeguarding_partners",
            {
                "decision": "local_review",
                "rationale_ref": "rr-9",
                "facts_ref": "facts-9",
                "immediate_actions_considered": True,
                "learning_refs": ["learning-9"],
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
                "rationale_ref": "lcspr-9",
            },
        ),
        (
            "appoint_reviewer",
            "safeguarding_partners",
            {
                "reviewer_ref": "reviewer-3",
                "independence_declared": True,
                "terms_of_reference_ref": "tor-9",
            },
        ),
        ("submit_draft", "reviewer", {"draft_ref": "draft-9"}),
        ("finalise_report", "reviewer", {"report_ref": "report-9"}),
    ]
    when = at(2024, 1, 8, 10, tz="Europe/London")
    for event, role, payload in usual:
        step(event, role, when, **payload)
        when = when.add(days=3)

    # The family, as the case's identifier register would give it.
    family = publication.Register(
        names=[
            ["Zebedee Quillfeather", "Zeb"],
            "Marigold Quillfeather",
            "Grace Quillfeather",
        ],
        dates_of_birth=["2015-03-14"],
        postcodes=["ZZ9 9ZZ"],
        nhs_numbers=["9434765919"],
        schools=["Puddleby Primary School"],
        addresses=["12 Imaginary Lane, Puddleby"],
    )

    print("1. The draft is checked against the family's identifiers.")
    draft = publication.check(DRAFT, family)
    print(f"   {len(draft.findings)} findings: {draft.counts()}")

    print("\n2. It is redacted with the pseudonyms the partners chose, and checked again.")
    redacted = publication.redact(
        DRAFT,
        family,
        pseudonyms={
            "Zebedee Quillfeather": "Child R",
            "Marigold Quillfeather": "Mother",
            "Grace Quillfeather": "Sibling 1",
        },
    )
    print(f"   replaced: {dict(redacted.replaced)}; clean: {redacted.report.clean}")
    # The reviewer's own edits: a professional's name out, the partnership's office in.
    final = redacted.text.replace("Dr Ashworth, the GP,", "the GP") + (
        "\nCopies of this report are held at the partnership's office, PD1 4NB.\n"
    )
    report = publication.check(final, family)
    workflow.record_leak_check(
        TENANT, CASE, report, document_ref="report-9-final", actor="reviewer-3", role="reviewer"
    )
    left = [report.text[f.start : f.end] for f in report.findings]
    print(f"   the final version still flags {len(report.findings)}: {left}")
    if report.findings:
        workflow.clear_findings(
            TENANT,
            CASE,
            digest=report.digest,
            # The office's postcode is the partnership's, not the family's.
            clearances={f.finding_id: "reviewer-note-4" for f in report.findings},
            actor="reviewer-3",
            role="reviewer",
        )
        print("   each cleared with the reviewer's reason, on the record")

    print("\n3. The publication date is planned and the report goes to the Panel and the SoS.")
    step("plan_publication", "safeguarding_partners", when, planned_publication_on="2024-06-03")
    sent_on = when.add(days=1)
    step("send_to_panel_and_sos", "safeguarding_partners", sent_on, report_ref="report-9")
    calendar = workflow.calendar(TENANT)
    first = calendar.add_working_days(sent_on.date(), 7)
    print(f"   sent {sent_on.date()}; the first publication date LR-08 allows is {first}")

    publish = {
        "publication_ref": "web-9",
        "document_digest": report.digest,
        "sections": ["improvements_summary", "systemic_analysis"],
    }
    try:
        step("publish_full", "safeguarding_partners", sent_on.add(days=1), **publish)
    except sw.TransitionRefused as refused:
        print(f"   a day after sending: refused ({refused.reasons[0].code})")
    day = at(first.year, first.month, first.day, 10, tz="Europe/London")
    case = step("publish_full", "safeguarding_partners", day, **publish)
    print(f"\n4. Published on {first}: the case is {case.state}.")
    history = workflow.history(TENANT, CASE)
    kinds = [r.kind for r in history if r.kind in ("leak_check", "findings_cleared")]
    print(f"   the record holds {kinds}; the chain verifies: {sw.verify(history).ok}")


if __name__ == "__main__":
    main()
