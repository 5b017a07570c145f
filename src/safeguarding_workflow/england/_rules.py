"""
The England pack's rule catalogue: the rules its assessment and lifecycle cite (DOMAIN.md).

Each row is the catalogue's id, the rule in a sentence, its source as the
catalogue gives it, and the weakest verification status that applies (DEC-08).
"""

from __future__ import annotations

from typing import Final

from .._rules import Basis, Rule, RuleCatalogue, Verification

__all__ = ["RULES"]

V, V2, R, I = Verification.V, Verification.V2, Verification.R, Verification.I  # noqa: E741

RULES: Final = RuleCatalogue(
    (
        Rule(
            "DEC-04",
            "The notification clock runs from the date the authority first both knows "
            "of the death or serious harm and knows or suspects abuse or neglect; the "
            "rapid-review clock from the same date (or, by tenant setting, from the "
            "notification). A recorded partners-aware date is kept as a fact but never "
            "moves a deadline later: the authority is itself a safeguarding partner "
            "(CA 2004 s16E). Revised 2026-11-29.",
            "Library decision",
            I,
        ),
        Rule(
            "DEC-09",
            "Care-leaver deaths: the duty's basis is statutory guidance (should); its "
            "5 working days from awareness are an advisory timescale the library chose, "
            "as no source gives WT2023's own.",
            "Library decision, on a partnership's published WT2023 guidance and a July 2022 "
            "DfE written answer",
            I,
            "Rests on a secondary source (V2, weak); the live GOV.UK text is still to be checked.",
        ),
        Rule(
            "DEC-10",
            "Required sections of a published report: for a local child safeguarding "
            "practice review, what LR-07 requires (a summary of recommended improvements, "
            "and an analysis of the systemic or underlying reasons); for a serious case "
            "review, the overview of the case, the terms of reference, the conclusions and "
            "the recommendations, with the board's response (SCR-06).",
            "Library decision, on LR-07 and a safeguarding partnership's published page on "
            "serious case reviews",
            V2,
        ),
        Rule(
            "DEC-11",
            "Working Together 2023 applies from 15 December 2023, the day it was published "
            "and replaced the 2018 edition: duties anchored on or after it cite WT2023 ch.5, "
            "earlier ones WT2018 ch.4; care-leaver deaths (NOT-07) arise only for awareness "
            "on or after it.",
            "GOV.UK, Working Together to Safeguard Children 2023, publication page change "
            "log (15 December 2023); partnership bulletins of the same day",
            V2,
        ),
        Rule(
            "DEC-12",
            "Who notifies a looked-after child's death depends on the looking-after "
            "authority's nation: an English authority notifies the Secretary of State and "
            "Ofsted; a Scottish council the Scottish Ministers and the Care Inspectorate "
            "(SCO-04); a Welsh council the Welsh Ministers. Neither notifies the Secretary "
            "of State or Ofsted, and the English authority where the child died has no "
            "looked-after-death duty of its own.",
            "Library decision; Children Act 1989 Sch 2 para 20 (English authorities); "
            "SSI 2009/210 reg 6(1)(a)",
            R,
            "V (Scotland, England) / R (Wales: the Welsh provision is not verified).",
        ),
        Rule(
            "DEC-13",
            "People outside the rules' scope get a finding, not an input error: a care "
            "leaver aged 25 or more, a person aged 18 or more who is not a care leaver. "
            "Unborn children are outside s16C; a child harmed in utero and born alive is "
            "in scope.",
            "Library decision; CA 2004 s65(1)",
            I,
            "V (statute) / I.",
        ),
        Rule(
            "DEF-01",
            "A serious child safeguarding incident: abuse or neglect known or "
            "suspected, and the child has died or been seriously harmed.",
            "WT2018 ch.4; WT2023 ch.5; CA 2004 ss16B, 16F",
            R,
            "V2 (many partnership quotes); statutory definition subsection R.",
        ),
        Rule(
            "DEF-02",
            "Serious harm is a human judgement (serious or long-term impairment of "
            "health or development), not something computed.",
            "WT2018 ch.4; WT2023 ch.5; DfE SIN statistics methodology",
            V2,
            "V (DfE methodology page) / V2.",
        ),
        Rule(
            "DEF-03",
            "A child is a person under 18.",
            "CA 2004 s65(1)",
            R,
            "R (statute) / V2 (unborn children: local procedures).",
        ),
        Rule(
            "DEF-04",
            "A looked-after child is looked after by a local authority within "
            "Children Act 1989 s22(1).",
            "Children Act 1989 s22",
            R,
        ),
        Rule(
            "DEF-05",
            "Normally resident is not defined in statute; it is an input fact.",
            "CA 2004 s16C(1)(b)",
            I,
        ),
        Rule(
            "NOT-01",
            "The local authority must notify the Panel where abuse or neglect is known "
            "or suspected and a child dies or is seriously harmed in its area.",
            "CA 2004 s16C(1)(a)",
            V,
            basis=Basis.STATUTE,
        ),
        Rule(
            "NOT-02",
            "The local authority must notify the Panel where abuse or neglect is known "
            "or suspected and a child normally resident in its area dies or is seriously "
            "harmed outside England.",
            "CA 2004 s16C(1)(b)",
            V,
            basis=Basis.STATUTE,
        ),
        Rule(
            "NOT-03",
            "Not notifiable by this authority: no abuse or neglect; outside England and "
            "not normally resident here; in England but in another authority's area; harm not "
            "serious.",
            "CA 2004 s16C(1), read as a whole",
            I,
            "I (derived from V text).",
        ),
        Rule(
            "NOT-04",
            "Notify within 5 working days of becoming aware of the incident.",
            "WT2018 ch.4; WT2023 ch.5; GOV.UK Report a serious child safeguarding incident "
            "(now Report the death or serious harm of a child or care leaver)",
            V2,
            "V (gov.uk) / V2.",
            basis=Basis.STATUTORY_GUIDANCE,
        ),
        Rule(
            "NOT-05",
            "Report the event to the safeguarding partners in the authority's area "
            "(and other areas where appropriate) within 5 working days.",
            "WT2018 ch.4; WT2023 ch.5; GOV.UK Report a serious child safeguarding incident "
            "(now Report the death or serious harm of a child or care leaver)",
            V2,
            "V / V2.",
            basis=Basis.STATUTORY_GUIDANCE,
        ),
        Rule(
            "NOT-06",
            "A looked-after child's death is notified to the Secretary of State and "
            "Ofsted whether or not abuse or neglect is known or suspected, within 5 working "
            "days.",
            "WT2018 ch.4; WT2023 ch.5; GOV.UK; Children Act 1989 Sch 2 para 20(1)(a)",
            R,
            "V (gov.uk); Secretary of State limb V (Children Act 1989 Sch 2 para 20(1)(a)); "
            "Ofsted limb R (current text not checked).",
            basis=Basis.STATUTE,
        ),
        Rule(
            "NOT-07",
            "A care leaver's death up to and including age 24 should be notified to "
            "the Secretary of State and Ofsted; no rapid review is required.",
            "WT2023 ch.5 (as summarised by a partnership's procedures); GOV.UK Report the "
            "death or serious harm of a child or care leaver",
            I,
            "V2; deadline I (DEC-09).",
            basis=Basis.STATUTORY_GUIDANCE,
        ),
        Rule(
            "NOT-08",
            "One notification per incident, even with several children; up to 4 "
            "children on the form, others in free text.",
            "GOV.UK Report a serious child safeguarding incident (now Report the death or "
            "serious harm of a child or care leaver)",
            V,
        ),
        Rule(
            "NOT-09",
            "Other organisations inform the safeguarding partners; the duty to notify "
            "the Panel rests only with the local authority.",
            "WT2018 ch.4; WT2023 ch.5",
            V2,
        ),
        Rule(
            "NOT-10",
            "Across areas, the authority where the incident took place notifies and "
            "leads the rapid review, collaborating with the authority where the child lives.",
            "Panel FAQs",
            V,
        ),
        Rule(
            "NOT-11",
            "The notification and partner-report clocks run from the date the authority "
            "first both knows of the death or harm and knows or suspects abuse or neglect.",
            "WT2018 ch.4; WT2023 ch.5, read with s16C(1)",
            I,
        ),
        Rule(
            "RR-01",
            "Every notification to the Panel requires a rapid review, unless the case "
            "is later found not to meet the criteria.",
            "Panel FAQs; WT2018 ch.4; WT2023 ch.5",
            V,
            basis=Basis.STATUTORY_GUIDANCE,
        ),
        Rule(
            "RR-02",
            "The rapid review gathers the facts, decides immediate action, considers "
            "improvements and decides next steps including a local review.",
            "WT2018 ch.4; WT2023 ch.5; Panel guidance for safeguarding partners",
            V2,
            basis=Basis.STATUTORY_GUIDANCE,
        ),
        Rule(
            "RR-03",
            "The rapid review is expected within 15 working days, from awareness or "
            "(by tenant setting) from the notification.",
            "WT2018 ch.4; Panel guidance 2025; Panel FAQs",
            I,
            "V2; anchor choice I.",
            basis=Basis.STATUTORY_GUIDANCE,
        ),
        Rule(
            "RR-04",
            "Send the rapid review to the Panel as soon as it is complete, with the "
            "decision on a local or national review.",
            "WT2018 ch.4; WT2023 ch.5",
            V2,
            basis=Basis.STATUTORY_GUIDANCE,
        ),
        Rule(
            "RR-05",
            "The Panel decides on a national review; no statutory time limit.",
            "CA 2004 s16B(1); 2018 Regs reg 3",
            V,
            "V (s16B, reg 3); SLA I.",
        ),
        Rule(
            "RR-06",
            "The Panel must publish a national review's report unless inappropriate.",
            "CA 2004 s16B(3)-(5); 2018 Regs regs 4-10",
            R,
            "V (s16B); regs 4-10 R.",
        ),
        Rule(
            "LR-01",
            "The partners identify serious cases raising issues of importance for their area and "
            "review those they consider appropriate, taking into account the criteria of reg 11: "
            "improvements needed, recurrent themes, concerns about agencies working together, "
            "and the Panel's view that a local review may be more appropriate.",
            "CA 2004 s16F(1); 2018 Regs reg 11; WT2018 ch.4; WT2023 ch.5",
            R,
            "V (reg 11 text); WT paragraph number R.",
        ),
        Rule(
            "LR-02",
            "The partners also have regard to single-agency concerns, no agency involvement, "
            "several areas or bodies involved, and institutional settings.",
            "WT2018 ch.4; WT2023 ch.5",
            R,
            "V2 (first item) / R (full list).",
        ),
        Rule(
            "LR-03",
            "Meeting the criteria does not oblige a review; the decision and its rationale are "
            "transparent and communicated to the Panel.",
            "WT2018 ch.4; WT2023 ch.5",
            V2,
        ),
        Rule(
            "LR-04",
            "The partners commission a suitable reviewer, independent of the case, and agree "
            "the terms of reference and methodology.",
            "2018 Regs Pt 3; WT2018 ch.4; WT2023 ch.5",
            R,
        ),
        Rule(
            "LR-05",
            "The partners monitor the time taken and the quality of the review; requests for "
            "information or a draft must be in writing.",
            "2018 Regs reg 14(1)-(3)",
            V,
        ),
        Rule(
            "LR-06",
            "The review is completed and published within six months of the decision to "
            "initiate it; delays are explained to the Panel and the Secretary of State.",
            "WT2018 ch.4; WT2023 ch.5",
            R,
            "V2 (WT2018); WT2023 R.",
            basis=Basis.STATUTORY_GUIDANCE,
        ),
        Rule(
            "LR-07",
            "The final report summarises recommended improvements and analyses systemic or "
            "underlying reasons, written so publication harms no child.",
            "CA 2004 s16F(2); 2018 Regs Pt 3; WT2018 ch.4",
            R,
        ),
        Rule(
            "LR-08",
            "The full report goes to the Panel and the Secretary of State no later than 7 working "
            "days before publication.",
            "WT2018 ch.4; WT2023 ch.5",
            R,
            "R (wording) / V2 (existence).",
            basis=Basis.STATUTORY_GUIDANCE,
        ),
        Rule(
            "LR-09",
            "The report is published unless inappropriate; then the improvements are published "
            "and the Panel and the Secretary of State given the justification.",
            "CA 2004 s16F; WT2018 ch.4; WT2023 ch.5",
            R,
            "s16B mirror V; s16F subsection R.",
        ),
        Rule(
            "LR-10",
            "Published reports stay available for at least one year.",
            "WT2018 ch.4; WT2023 ch.5",
            R,
            "V2 for WT2018; R for WT2023.",
        ),
        Rule(
            "LR-11",
            "The partners act on the findings and report yearly on what they have done, "
            "including on child safeguarding practice reviews.",
            "CA 2004 s16G; WT2018 ch.3; WT2023 ch.2",
            R,
            "V2 (WT quote) / R (section no.).",
        ),
        Rule(
            "SCR-01",
            "A serious case (abuse or neglect known or suspected, and the child has died, or "
            "been seriously harmed with cause for concern about how the authority and its "
            "partners worked together) must be reviewed by the board.",
            "Local Safeguarding Children Boards Regulations 2006 reg 5(1)(e), 5(2)",
            V2,
            "V2 (verbatim in several board procedures); SI number R.",
            basis=Basis.STATUTE,
        ),
        Rule(
            "SCR-02",
            "A serious case review should always be held when a child dies in custody, on "
            "remand, in a young offender institution, secure training centre or secure "
            "children's home, or while detained under the Mental Health Act.",
            "WT2015 ch.4, Serious Case Reviews",
            V2,
            basis=Basis.STATUTORY_GUIDANCE,
        ),
        Rule(
            "SCR-03",
            "Before 29 June 2018 the authority told Ofsted and the board of a notifiable "
            "incident within 5 working days of becoming aware: a child's death or serious "
            "harm with abuse or neglect known or suspected, or a looked-after child's death.",
            "WT2015 ch.4, Notifiable incidents",
            V2,
            basis=Basis.STATUTORY_GUIDANCE,
        ),
        Rule(
            "SCR-04",
            "The board of the area where the child normally lives decides, normally within "
            "one month of the notification, whether to hold a review; its chair has the final "
            "say; a decision not to hold one goes to the national panel with the reasons.",
            "WT2015 ch.4; national panel guidance flowchart",
            V2,
            basis=Basis.STATUTORY_GUIDANCE,
        ),
        Rule(
            "SCR-05",
            "The board should aim to complete a serious case review within six months of "
            "initiating it.",
            "WT2015 ch.4, Timescale for SCR completion",
            V2,
            basis=Basis.STATUTORY_GUIDANCE,
        ),
        Rule(
            "SCR-06",
            "The final report and the board's response are published, anonymised, on the "
            "board's website for at least 12 months.",
            "WT2015 ch.4, Publication of reports; WT2013 ch.4; WT2010 ch.8",
            V2,
            "V2 (12 months); WT2010 history R.",
            basis=Basis.STATUTORY_GUIDANCE,
        ),
        Rule(
            "SCR-07",
            "Transition: the serious case review rules apply to incidents the authority "
            "learnt of before 29 June 2018; from then until the area's new arrangements (by "
            "29 September 2019) the Panel is notified and the review is still a serious case "
            "review; a review commissioned under the old rules is finished under them.",
            "WT2018 transitional guidance; Solihull LSCP note",
            R,
            "V2 (dates); the 12-month window for finishing legacy reviews R.",
        ),
        Rule(
            "SCR-08",
            "A board may also review: a potentially life-threatening injury or serious and "
            "permanent impairment through abuse or neglect; serious harm from sexual abuse; a "
            "parent murdered with a domestic homicide review; serious harm after a violent "
            "assault; concerns about inter-agency working.",
            "Barnsley Safeguarding Children Partnership, Serious Case Reviews (the seed "
            "page); WT2010 ch.8",
            V2,
            "V2 (seed) / R (WT2010 paragraph).",
        ),
        Rule(
            "SCO-04",
            "Death of a looked-after child in Scotland: the council notifies the Scottish "
            "Ministers immediately and the Care Inspectorate within one working day of "
            "becoming aware (the Care Inspectorate's own page says within 24 hours); where "
            "no learning review is held, a full report within 28 days of the death.",
            "Looked After Children (Scotland) Regulations 2009 (SSI 2009/210) reg 6(1)(a); "
            "gov.scot, Death of a looked after child, pages 2-4",
            V,
        ),
    ),
    name="england",
)
"""The England pack's rule catalogue: every rule it cites, by id, with its source and status."""
