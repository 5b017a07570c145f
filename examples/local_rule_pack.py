"""
A local rule pack: the fictional Puddleby partnership tightens a deadline and adds a QA step.

Puddleby's procedures (invented for this example) ask its authority to notify the Panel
within 3 working days, sooner than the 5 of Working Together, and its quality assurer to
review every draft overview report. `local.extend()` builds Puddleby's pack on England's
without copying it: the 3-day target is a duty of its own, of local policy, and the
England duty stays as it is. Every person, place and reference here is fictional.
"""

from __future__ import annotations

import pendulum

import safeguarding_workflow as sw
from safeguarding_workflow import local
from safeguarding_workflow.testing import FrozenClock

#: Barnsley's GSS code: the fictional case is assessed there.
BARNSLEY = "E08000016"
TENANT = "puddleby-partnership"


def build_pack() -> sw.RulePack:
    """Puddleby's pack: England's, a 3-working-day internal target, and a QA step."""
    return local.extend(
        sw.england.PACK,
        name="puddleby",
        version="1",
        rules=[
            local.LocalRule(
                "PUD-01", "Notify the Panel within 3 working days.", "Puddleby procedures 4.2"
            ),
            local.LocalRule(
                "PUD-02", "The quality assurer reviews each draft.", "Puddleby procedures 6.1"
            ),
        ],
        internal_targets=[
            local.InternalTarget(duty_kind="notify_panel", working_days=3, rule_id="PUD-01")
        ],
        extra_roles=["quality_assurer"],
        extra_steps=[
            sw.Step(
                "quality_assure_draft",
                ("report_draft",),
                None,  # records the review; the draft stays a draft
                ("quality_assurer",),
                payload=(sw.PayloadField("qa_ref", "ref", required=True),),
                sets=(("draft_quality_assured", None),),
                rule_ids=("PUD-02",),
                summary="The quality assurer reviews the draft overview report.",
            )
        ],
    )


def main() -> None:
    """Assess a fictional incident on Puddleby's pack, open its case and notify the Panel."""
    pack = build_pack()
    incident = sw.Incident(
        children=[sw.Child(age=6, harm="death", normally_resident_in=BARNSLEY)],
        location=sw.Location.england(BARNSLEY),
        abuse_or_neglect="suspected",
        la_aware_at=pendulum.datetime(2023, 12, 22, 9, tz="Europe/London"),
    )
    print(f"{pack.name} v{pack.version}, lifecycle {pack.lifecycle!r}")
    for duty in pack.assess(incident, local_authority=BARNSLEY).duties:
        print(f"  {duty.kind:32} due {duty.due}  {duty.basis}/{duty.timescale_basis}")
    clock = FrozenClock(pendulum.datetime(2023, 12, 22, 10, tz="Europe/London"))
    workflow = sw.Workflow(
        pack, clock=clock, settings=[sw.TenantSettings(TENANT)], store=sw.MemoryStore()
    )
    case = workflow.open(
        TENANT, incident, local_authority=BARNSLEY, actor="clerk-1", case_id="pud-1"
    ).case
    sent = pendulum.datetime(2023, 12, 28, 11, tz="Europe/London")
    clock.set(sent.add(hours=1))
    case = workflow.fire(
        sw.Command(
            TENANT,
            case.case_id,
            "notify_panel",
            actor="clerk-1",
            role="local_authority",
            occurred_at=sent,
            payload={"notification_ref": "sin-puddleby-1"},
        )
    ).case
    print(f"Notified on {sent.date()}:")
    for deadline in case.deadlines:
        if deadline.kind.startswith("notify_panel"):
            print(f"  {deadline.kind:32} {deadline.status} (due {deadline.due})")


if __name__ == "__main__":
    main()
