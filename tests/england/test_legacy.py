"""
The legacy regime: serious case reviews (DOMAIN section 6) and regime selection (SCR-07).

A table of worked examples per rule id of section 6, the regime on each side of 29 June
2018, an area's own switch date and 29 September 2019, a hybrid case, and a whole serious
case review through the workflow. All cases are fictional.
"""

from __future__ import annotations

import json

import pendulum
import pytest

import safeguarding_workflow as sw
from safeguarding_workflow import publication

from ..helpers import BARNSLEY, LEEDS, TENANT, Driver, death_in_barnsley

D = pendulum.date
#: A fictional incident known before 29 June 2018.
LEGACY_DAY = D(2017, 3, 1)


def _at(day: pendulum.Date) -> pendulum.DateTime:
    return pendulum.datetime(day.year, day.month, day.day, 9, tz="Europe/London")


def _assess(aware: pendulum.Date, *, area_switch: pendulum.Date | None = None, **facts: object):
    settings = sw.TenantSettings(
        TENANT, packs=[sw.england.Settings(arrangements_implemented_on=area_switch)]
    )
    incident = death_in_barnsley(la_aware_at=_at(aware), **facts)
    return sw.england.assess(incident, local_authority=BARNSLEY, settings=settings)


# -- regime selection (SCR-07) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("aware", "switch", "regime"),
    [
        (D(2018, 6, 28), None, "scr"),
        (D(2018, 6, 29), None, "scr_hybrid"),
        (D(2019, 9, 27), None, "scr_hybrid"),
        (D(2019, 9, 29), None, "cspr"),
        (D(2019, 3, 31), D(2019, 4, 1), "scr_hybrid"),
        (D(2019, 4, 1), D(2019, 4, 1), "cspr"),
        (D(2018, 6, 28), D(2018, 6, 29), "scr"),
        (D(2018, 6, 29), D(2018, 6, 29), "cspr"),
    ],
)
def test_the_regime_follows_the_dates(
    aware: pendulum.Date, switch: pendulum.Date | None, regime: str
) -> None:
    assessment = _assess(aware, area_switch=switch)
    assert regime == assessment.regime
    assert assessment.regime_reason is not None
    assert f"regime_{regime}" == assessment.regime_reason.code
    assert "SCR-07" in assessment.regime_reason.rule_ids


def test_an_area_switch_outside_the_transition_is_a_configuration_error() -> None:
    for day in (D(2018, 6, 28), D(2019, 9, 30)):
        with pytest.raises(sw.ConfigurationError) as refused:
            sw.england.Settings(arrangements_implemented_on=day)
        assert "arrangements_implemented_on" == refused.value.field


# -- SCR rules, worked examples -----------------------------------------------------------------


def test_scr03_ofsted_and_the_board_within_5_working_days() -> None:
    """Known on Friday 22 December 2017: due Monday 2 January 2018 (Christmas, New Year)."""
    assessment = _assess(D(2017, 12, 22))
    duty = assessment.duty("notify_ofsted_and_lscb")
    assert duty is not None
    assert D(2018, 1, 3) == duty.due  # 25, 26 Dec and 1 Jan are bank holidays
    assert ("SCR-03",) == duty.rule_ids
    assert "statutory_guidance" == duty.basis
    assert {"ofsted", "lscb"} == {p.role for p in duty.recipients}
    assert ["notify_ofsted_and_lscb", "lscb_decision", "scr_complete", "scr_publication"] == [
        d.kind for d in assessment.duties
    ]


def test_scr03_a_looked_after_death_is_notifiable_without_abuse_but_needs_no_review() -> None:
    assessment = _assess(
        D(2017, 5, 2),
        abuse_or_neglect="not_suspected",
        children=[sw.Child(age=15, harm="death", looked_after_by=BARNSLEY)],
    )
    assert ["notify_ofsted_and_lscb"] == [d.kind for d in assessment.duties]


def test_scr03_nothing_notifiable_is_a_finding() -> None:
    assessment = _assess(D(2017, 5, 2), abuse_or_neglect="not_suspected")
    assert () == assessment.duties
    assert ["not_notifiable_scr"] == [f.code for f in assessment.findings]


def test_scr04_and_05_deadlines_wait_for_their_anchors() -> None:
    assessment = _assess(D(2017, 5, 2))
    decision, complete = assessment.duty("lscb_decision"), assessment.duty("scr_complete")
    assert decision is not None
    assert complete is not None
    assert (None, 1, "notification_sent") == (
        decision.due,
        decision.months,
        decision.anchor.event,
    )
    assert (None, 6, "scr_initiated") == (complete.due, complete.months, complete.anchor.event)
    assert ("SCR-01", "SCR-04") == decision.rule_ids
    assert "statute" == decision.basis


def test_hybrid_notifies_the_panel_and_keeps_the_serious_case_review() -> None:
    assessment = _assess(D(2018, 10, 1))
    kinds = [d.kind for d in assessment.duties]
    assert ["notify_panel", "lscb_decision", "scr_complete", "scr_publication"] == kinds
    assert "rapid_review" not in kinds


def test_current_regime_is_unchanged() -> None:
    assessment = _assess(D(2024, 1, 5))
    assert "cspr" == assessment.regime
    assert ["inform_safeguarding_partners", "notify_panel", "rapid_review"] == sorted(
        d.kind for d in assessment.duties
    )


# -- a serious case review through the workflow ------------------------------------------------


class _Scr:
    def __init__(self, aware: pendulum.Date = LEGACY_DAY, **facts: object) -> None:
        self.d = Driver()
        self.case = self.d.workflow.open(
            TENANT,
            death_in_barnsley(la_aware_at=_at(aware), **facts),
            local_authority=BARNSLEY,
            actor="user-1",
        ).case
        self.when = _at(aware)

    def fire(self, event: str, role: str, days: int = 1, **payload: object) -> sw.Case:
        self.when = self.when.add(days=days)
        self.d.clock.set(self.when.add(hours=1))
        command = sw.Command(
            TENANT,
            self.case.case_id,
            event,
            actor="user-1",
            role=role,
            occurred_at=self.when,
            payload=payload,
        )
        self.case = self.d.workflow.fire(command).case
        return self.case


def test_a_whole_serious_case_review_verifies_and_rebuilds() -> None:
    scr = _Scr()
    assert ("england_scr", "incident_recorded") == (scr.case.lifecycle, scr.case.state)
    opened = scr.d.workflow.history(TENANT, scr.case.case_id)[0]
    assert {"regime": "scr", "regime_reason": "regime_scr"} == json.loads(opened.body)["payload"]
    scr.fire("notify_ofsted_and_lscb", "local_authority", notification_ref="n-1")
    decision = scr.case.deadline("lscb_decision")
    assert decision is not None
    assert decision.due is not None
    scr.fire("initiate_scr", "lscb_chair", days=20, decision_ref="d-1")
    complete = scr.case.deadline("scr_complete")
    assert complete is not None
    assert complete.due is not None
    scr.fire("complete_scr", "lscb", days=150, report_ref="r-1")
    report = publication.check("Child A lived with Mother.", publication.Register())
    scr.d.workflow.record_leak_check(
        TENANT, scr.case.case_id, report, document_ref="scr-1", actor="user-1", role="lscb"
    )
    sections = ["case_overview", "terms_of_reference", "conclusions", "recommendations"]
    with pytest.raises(sw.TransitionRefused) as missing:
        scr.fire(
            "publish_scr",
            "lscb",
            publication_ref="web-1",
            response_ref="resp-1",
            document_digest=report.digest,
            sections=sections,
        )
    assert ["sections_missing"] == [r.code for r in missing.value.reasons]
    assert "board_response" in str(missing.value)
    scr.fire(
        "publish_scr",
        "lscb",
        days=0,
        publication_ref="web-1",
        response_ref="resp-1",
        document_digest=report.digest,
        sections=[*sections, "board_response"],
    )
    with pytest.raises(sw.TransitionRefused) as early:
        scr.fire("remove_publication", "lscb", days=200, removal_ref="rm-1")
    assert "SCR-06" in early.value.rule_ids
    scr.fire("remove_publication", "lscb", days=200, removal_ref="rm-1")  # past 12 months
    assert "closed" == scr.fire("close", "lscb").state
    assert {"met"} == {x.status for x in scr.case.deadlines}
    # Each due date says it was computed by the serious case review lifecycle.
    stamp = scr.d.workflow.deadline_fingerprint(TENANT, scr.case.case_id)
    assert "/england_scr@" in stamp
    assert {stamp} == {x.fingerprint for x in scr.case.deadlines}
    history = scr.d.workflow.history(TENANT, scr.case.case_id)
    assert sw.verify(history).ok
    assert scr.case == sw.rebuild(history)


def test_scr01_a_death_with_abuse_cannot_be_declined() -> None:
    scr = _Scr()
    scr.fire("notify_ofsted_and_lscb", "local_authority", notification_ref="n-1")
    with pytest.raises(sw.TransitionRefused) as refused:
        scr.fire("decline_scr", "lscb_chair", decision_ref="d-1", panel_notice_ref="p-1")
    assert ["scr_mandatory"] == [r.code for r in refused.value.reasons]
    assert ("SCR-01",) == refused.value.rule_ids


def test_scr01_serious_harm_needs_the_working_together_question_answered() -> None:
    harm = [sw.Child(age=6, harm="serious_harm", normally_resident_in=BARNSLEY)]
    scr = _Scr(children=harm)
    scr.fire("notify_ofsted_and_lscb", "local_authority", notification_ref="n-1")
    with pytest.raises(sw.TransitionRefused) as unanswered:
        scr.fire("decline_scr", "lscb_chair", decision_ref="d-1", panel_notice_ref="p-1")
    assert ["criteria_not_considered"] == [r.code for r in unanswered.value.reasons]
    with pytest.raises(sw.TransitionRefused) as mandatory:
        scr.fire(
            "decline_scr",
            "lscb_chair",
            days=0,
            decision_ref="d-1",
            panel_notice_ref="p-1",
            cause_for_concern=True,
        )
    assert ["scr_mandatory"] == [r.code for r in mandatory.value.reasons]
    case = scr.fire(
        "decline_scr",
        "lscb_chair",
        days=0,
        decision_ref="d-1",
        panel_notice_ref="p-1",
        cause_for_concern=False,
    )
    assert "scr_not_initiated" == case.state
    statuses = {x.kind: x.status for x in case.deadlines}
    assert "met" == statuses["lscb_decision"]
    assert "cancelled" == statuses["scr_complete"]


def test_scr02_and_scr08_discretionary_and_custody_grounds() -> None:
    harm = [sw.Child(age=6, harm="serious_harm", normally_resident_in=BARNSLEY)]
    scr = _Scr(children=harm)
    scr.fire("notify_ofsted_and_lscb", "local_authority", notification_ref="n-1")
    with pytest.raises(sw.TransitionRefused) as none:
        scr.fire("initiate_scr", "lscb_chair", decision_ref="d-1", cause_for_concern=False)
    assert ["no_scr_grounds"] == [r.code for r in none.value.reasons]
    assert {"SCR-01", "SCR-08"} == set(none.value.rule_ids)
    with pytest.raises(sw.TransitionRefused):
        scr.fire(
            "initiate_scr",
            "lscb_chair",
            days=0,
            decision_ref="d-1",
            cause_for_concern=False,
            discretionary_grounds=["a_reason_of_its_own"],
        )
    case = scr.fire(
        "initiate_scr",
        "lscb_chair",
        days=0,
        decision_ref="d-1",
        cause_for_concern=False,
        discretionary_grounds=["serious_sexual_abuse"],
    )
    assert "scr_in_progress" == case.state
    other = _Scr(children=harm)
    other.fire("notify_ofsted_and_lscb", "local_authority", notification_ref="n-1")
    with pytest.raises(sw.TransitionRefused) as custody:
        other.fire(
            "decline_scr",
            "lscb_chair",
            decision_ref="d-1",
            panel_notice_ref="p-1",
            cause_for_concern=False,
            custody_or_detention=True,
        )
    assert ("SCR-02",) == custody.value.rule_ids


def test_a_hybrid_case_notifies_the_panel_then_the_board_decides() -> None:
    scr = _Scr(D(2018, 10, 1))
    assert "england_scr" == scr.case.lifecycle
    with pytest.raises(sw.TransitionRefused):
        scr.fire("notify_ofsted_and_lscb", "local_authority", notification_ref="n-1")
    scr.fire("notify_panel", "local_authority", days=0, notification_ref="sin-1")
    assert "notified" == scr.case.state
    assert "initiate_scr" in [o.event for o in scr.d.workflow.available(scr.case, ["lscb_chair"])]


def test_a_case_keeps_its_regime_when_facts_change() -> None:
    scr = _Scr(D(2017, 3, 1))
    with pytest.raises(sw.InvalidInputError) as moved:
        scr.d.workflow.update_facts(
            TENANT,
            scr.case.case_id,
            death_in_barnsley(la_aware_at=_at(D(2024, 1, 5))),
            actor="user-1",
        )
    assert "facts" == moved.value.field
    assert 1 == len(scr.d.workflow.history(TENANT, scr.case.case_id))


def test_an_incident_elsewhere_is_a_finding_in_the_legacy_regime() -> None:
    incident = death_in_barnsley(
        la_aware_at=_at(D(2017, 3, 1)),
        location=sw.Location.england(BARNSLEY),
        children=[sw.Child(age=4, harm="death", normally_resident_in=BARNSLEY)],
    )
    assessment = sw.england.assess(incident, local_authority=LEEDS)
    assert "scr" == assessment.regime
    assert () == assessment.duties
    assert ["not_notifiable_scr"] == [f.code for f in assessment.findings]


def test_the_how_to_shows_the_legacy_lifecycle_as_defined() -> None:
    """docs/how-to/serious-case-reviews.md shows the lifecycle exactly as the library does."""
    from pathlib import Path

    page = (Path(__file__).parents[2] / "docs" / "how-to" / "serious-case-reviews.md").read_text()
    lifecycle = sw.england.LEGACY_LIFECYCLE
    diagram = "```mermaid\n" + sw.diagrams.mermaid(lifecycle) + "```\n"
    begin, end = "<!-- legacy-diagram:begin -->\n", "<!-- legacy-diagram:end -->"
    assert diagram == page[page.index(begin) + len(begin) : page.index(end)]
    begin, end = "<!-- legacy-steps:begin -->\n", "<!-- legacy-steps:end -->"
    steps = page[page.index(begin) + len(begin) : page.index(end)]
    for step in lifecycle.steps:
        assert f"| `{step.event}` | {', '.join(step.sources)} |" in steps
