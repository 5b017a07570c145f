"""
Assess a few fictional incidents under the England rule pack and print each duty.

Every incident here is invented: no real child, family or case is described.
Run it with ``make demo`` (or ``python examples/assess_incidents.py``).
"""

from __future__ import annotations

import pendulum

import safeguarding_workflow as sw

BARNSLEY = "E08000016"
LEEDS = "E08000035"


def uk_date(day: pendulum.Date | None) -> str:
    """A date in UK style, e.g. "Wednesday 3 January 2024"."""
    return "(waits for its anchor)" if day is None else day.format("dddd D MMMM YYYY")


def show(title: str, assessment: sw.Assessment) -> None:
    """Print one assessment: each duty with its due date, basis and citations."""
    print(f"\n== {title}")
    print(f"   assessed for {assessment.local_authority} under the {assessment.rule_pack} pack")
    for duty in assessment.duties:
        print(f" - {duty.kind}: due {uk_date(duty.due)}")
        print(f"   {duty.summary}")
        print(f"   responsible: {duty.responsible}")
        print(
            f"   duty: {duty.basis}; timescale: {duty.timescale_basis}; "
            f"verification: {duty.verification}"
        )
        print(f"   rules: {', '.join(duty.rule_ids)}")
        for citation in duty.citations:
            print(f"   cites: {citation}")
    for finding in assessment.findings:
        print(f" * {finding.code}: {finding.message} [{', '.join(finding.rule_ids)}]")


def main() -> None:
    """Assess three fictional incidents and print what each requires."""
    # Fictional: a four-year-old dies in Barnsley just before Christmas 2023;
    # neglect is suspected. The 5 working days run over the bank holidays.
    death_at_christmas = sw.Incident(
        children=[sw.Child(age=4, harm=sw.Harm.DEATH, normally_resident_in=BARNSLEY)],
        location=sw.Location.england(BARNSLEY),
        abuse_or_neglect=sw.AbuseOrNeglect.SUSPECTED,
        la_aware_at=pendulum.datetime(2023, 12, 22, 16, 40, tz="Europe/London"),
    )
    show(
        "Fictional case A: a death in the authority's own area",
        sw.england.assess(death_at_christmas, local_authority=BARNSLEY),
    )

    # Fictional: a Barnsley child is seriously harmed on holiday in Wales in 2019.
    # The duty falls on the home authority under s16C(1)(b).
    harmed_in_wales = sw.Incident(
        children=[sw.Child(age=9, harm=sw.Harm.SERIOUS_HARM, normally_resident_in=BARNSLEY)],
        location=sw.Location.wales(),
        abuse_or_neglect=sw.AbuseOrNeglect.KNOWN,
        la_aware_at=pendulum.datetime(2019, 8, 23, 11, 0, tz="Europe/London"),
    )
    show(
        "Fictional case B: harm outside England, as the home authority sees it",
        sw.england.assess(harmed_in_wales, local_authority="Barnsley"),
    )
    show(
        "Fictional case B: the same incident, as another authority sees it",
        sw.england.assess(harmed_in_wales, local_authority=LEEDS),
    )

    # Fictional: a child looked after by Leeds dies of natural causes at Easter 2024.
    # No abuse is suspected, yet the Secretary of State and Ofsted must be told.
    looked_after_death = sw.Incident(
        children=[sw.Child(age=15, harm=sw.Harm.DEATH, looked_after_by=LEEDS)],
        location=sw.Location.england(LEEDS),
        abuse_or_neglect=sw.AbuseOrNeglect.NOT_SUSPECTED,
        la_aware_at=pendulum.datetime(2024, 3, 27, 9, 15, tz="Europe/London"),
    )
    show(
        "Fictional case C: a looked-after child's death, no abuse suspected",
        sw.england.assess(looked_after_death, local_authority=LEEDS),
    )

    # Refusals are clear and name the field, never the value.
    try:
        sw.england.assess(death_at_christmas, local_authority="Cumbria")
    except sw.SafeguardingWorkflowError as error:
        print(f"\nRefused as expected: {error}")


if __name__ == "__main__":
    main()
