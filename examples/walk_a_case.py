"""
Walk one fictional case from incident to publication under the England rules.

Everything here is invented: no real child, family or case is described. The
clock is a frozen one moved by hand so the dates are reproducible; a real host
passes ``sw.SystemClock()``. Run it with ``make demo``: it leaves the case in the
SQLite file ``safeguarding-demo.db``, which the inspector's verifier checks::

    .venv/bin/python -m safeguarding_workflow verify --database sqlite:///safeguarding-demo.db
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pendulum

import safeguarding_workflow as sw
from safeguarding_workflow.testing import FrozenClock

TENANT = "fictional-partnership"
BARNSLEY = "E08000016"
CASE = "case-demo-1"


def uk(day: pendulum.Date | None) -> str:
    """A date in UK style: "Wednesday 3 January 2024"."""
    return "(waiting)" if day is None else day.format("dddd D MMMM YYYY")


def main(database: str = "safeguarding-demo.db") -> None:
    """Open a fictional case, take it through its steps and show what the library records."""
    Path(database).unlink(missing_ok=True)
    clock = FrozenClock(pendulum.datetime(2023, 12, 22, 17, tz="Europe/London"))
    notices: list[str] = []
    workflow = sw.Workflow(
        sw.england.PACK,
        clock=clock,
        settings=[sw.TenantSettings(TENANT)],
        store=sw.SqlStore.sqlite(database),
        subscribers=[lambda event: notices.append(event.type)],
    )

    print("1. A fictional four-year-old dies in Barnsley; neglect is suspected.")
    facts = sw.Incident(
        children=[sw.Child(age=4, harm="death", normally_resident_in=BARNSLEY)],
        location=sw.Location.england(BARNSLEY),
        abuse_or_neglect="suspected",
        la_aware_at=pendulum.datetime(2023, 12, 22, 16, 40, tz="Europe/London"),
    )
    case = workflow.open(
        TENANT, facts, local_authority=BARNSLEY, actor="officer-17", case_id=CASE
    ).case
    for deadline in case.deadlines:
        print(f"   {deadline.kind}: due {uk(deadline.due)} [{', '.join(deadline.rule_ids)}]")

    def step(event: str, role: str, at: pendulum.DateTime, **payload: Any) -> sw.Case:
        clock.set(at.add(hours=1) if clock.now() < at.add(hours=1) else clock.now())
        command = sw.Command(
            TENANT, CASE, event, actor="officer-17", role=role, occurred_at=at, payload=payload
        )
        return workflow.fire(command).case

    at = pendulum.datetime
    print("\n2. The Panel is notified on 2 January. The entry is made two days later, on")
    print("   4 January, but the deadline is judged by when it really happened.")
    clock.set(at(2024, 1, 4, 9, tz="Europe/London"))
    case = step(
        "notify_panel",
        "local_authority",
        at(2024, 1, 2, 15, tz="Europe/London"),
        notification_ref="sin-0001",
    )
    panel = case.deadline("notify_panel")
    assert panel is not None
    print(f"   notify_panel: {panel.status} on {uk(panel.met_on)} (due {uk(panel.due)})")

    print("\n3. Informing the partners is entered as 12 January, which would be late. The")
    print("   officer finds the real date, 3 January, and corrects it with a new record.")
    clock.set(at(2024, 1, 12, 12, tz="Europe/London"))
    outcome = workflow.fire(
        sw.Command(
            TENANT,
            CASE,
            "inform_safeguarding_partners",
            actor="officer-17",
            role="local_authority",
            occurred_at=at(2024, 1, 12, 10, tz="Europe/London"),
            payload={"areas": [BARNSLEY]},
        )
    )
    informed = outcome.case.deadline("inform_safeguarding_partners")
    assert informed is not None
    print(f"   as entered: {informed.status} on {uk(informed.met_on)}")
    clock.set(at(2024, 1, 15, 9, tz="Europe/London"))
    case = workflow.correct(
        TENANT,
        CASE,
        corrects=outcome.case.version,
        occurred_at=at(2024, 1, 3, 10, tz="Europe/London"),
        actor="officer-17",
        role="local_authority",
        reason_ref="memo-0042",
    ).case
    informed = case.deadline("inform_safeguarding_partners")
    assert informed is not None
    print(f"   corrected:  {informed.status} on {uk(informed.met_on)}")

    print("\n4. The rapid review is sent without its rationale: refused, with reasons.")
    case = step(
        "start_rapid_review", "safeguarding_partners", at(2024, 1, 15, 10, tz="Europe/London")
    )
    try:
        step(
            "submit_rapid_review",
            "safeguarding_partners",
            at(2024, 1, 16, 10, tz="Europe/London"),
            decision="local_review",
            facts_ref="rr-facts-1",
        )
    except sw.TransitionRefused as refusal:
        for reason in refusal.reasons:
            print(f"   refused: {reason.message} [{', '.join(reason.rule_ids)}]")
    case = step(
        "submit_rapid_review",
        "safeguarding_partners",
        at(2024, 1, 16, 11, tz="Europe/London"),
        decision="local_review",
        facts_ref="rr-facts-1",
        rationale_ref="rr-rationale-1",
    )

    print("\n5. A local review is commissioned; six months to publish (LR-06).")
    case = step(
        "commission_local_review",
        "safeguarding_partners",
        at(2024, 1, 24, 10, tz="Europe/London"),
        improvements_needed=True,
        recurrent_themes=False,
        multi_agency_concerns=True,
        panel_suggested_local_review=False,
        rationale_ref="lcspr-decision-1",
    )
    case = step(
        "appoint_reviewer",
        "safeguarding_partners",
        at(2024, 2, 7, 10, tz="Europe/London"),
        reviewer_ref="reviewer-3",
        independence_declared=True,
        terms_of_reference_ref="tor-1",
    )
    case = step(
        "submit_draft", "reviewer", at(2024, 5, 1, 10, tz="Europe/London"), draft_ref="draft-1"
    )
    case = step(
        "return_for_changes",
        "safeguarding_partners",
        at(2024, 5, 8, 10, tz="Europe/London"),
        request_ref="letter-9",
    )
    case = step(
        "submit_draft", "reviewer", at(2024, 5, 29, 10, tz="Europe/London"), draft_ref="draft-2"
    )
    case = step(
        "finalise_report",
        "reviewer",
        at(2024, 6, 5, 10, tz="Europe/London"),
        report_ref="report-final-1",
    )
    case = step(
        "plan_publication",
        "safeguarding_partners",
        at(2024, 6, 6, 10, tz="Europe/London"),
        planned_publication_on="2024-07-04",
    )
    send = case.deadline("send_report_to_panel_and_sos")
    assert send is not None
    print(f"   send to the Panel and the Secretary of State by {uk(send.due)} (LR-08)")
    case = step(
        "send_to_panel_and_sos",
        "safeguarding_partners",
        at(2024, 6, 20, 10, tz="Europe/London"),
        report_ref="report-final-1",
    )
    print("   Before publishing, the final report is checked for anything identifying (LR-07):")
    family = sw.publication.Register(names=[["Zebedee Quillfeather", "Zeb"]])
    final = (
        "Child R lived with Mother. Agencies did not share what they knew.\n\n"
        "Improvements: one chronology for each child the partnership reviews."
    )
    leak_check = sw.publication.check(final, family)
    workflow.record_leak_check(
        TENANT,
        CASE,
        leak_check,
        document_ref="report-final-1",
        actor="officer-17",
        role="safeguarding_partners",
    )
    print(f"   clean: {leak_check.clean}; version {leak_check.digest[:12]}… is on the record")
    case = step(
        "publish_full",
        "safeguarding_partners",
        at(2024, 7, 4, 10, tz="Europe/London"),
        publication_ref="web-page-1",
        document_digest=leak_check.digest,
        sections=["improvements_summary", "systemic_analysis"],
    )
    case = step("close", "safeguarding_partners", at(2024, 7, 5, 10, tz="Europe/London"))

    print(f"\n6. The case is {case.state}. Deadlines:")
    for deadline in case.deadlines:
        print(
            f"   {deadline.kind}: due {uk(deadline.due)}, {deadline.status} "
            f"on {uk(deadline.met_on)}"
        )

    history = workflow.history(TENANT, CASE)
    result = sw.verify(history)
    print(
        f"\n7. History: {len(history)} records; chain verifies: {result.ok}; "
        f"head {history[-1].hash[:16]}…"
    )
    rebuilt = sw.rebuild(history)
    print(
        f"   rebuilt from the history alone, it equals the stored case: "
        f"{rebuilt == workflow.case(TENANT, CASE)}"
    )
    print(f"   events delivered to the host after each record was stored: {len(notices)}")

    print(f"   stored in {database}; check it as an inspector would with:")
    print(f"   python -m safeguarding_workflow verify --database sqlite:///{database}")

    print("\n8. The lifecycle, as Mermaid (first lines):")
    for line in sw.diagrams.mermaid(sw.england.LIFECYCLE).splitlines()[:8]:
        print(f"   {line}")
    print("\n9. The case's deadlines, as a Mermaid Gantt chart:")
    for line in sw.diagrams.gantt(case).splitlines():
        print(f"   {line}")


if __name__ == "__main__":
    main()
