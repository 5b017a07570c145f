"""Local rule packs: a fictional partnership tightens an England deadline and adds a step."""

from __future__ import annotations

from typing import Any

import attrs
import pendulum
import pytest

import safeguarding_workflow as sw
from safeguarding_workflow import local
from safeguarding_workflow.guards import refuse
from safeguarding_workflow.testing import FrozenClock, PackContract, PackScenario

from ..helpers import BARNSLEY, PAYLOADS, ROLES, ROUTES, death_in_barnsley

TENANT = "puddleby-partnership"

#: The fictional Puddleby partnership's own rules (ids of the tests' own).
RULES = (
    local.LocalRule("PUDT-01", "Notify the Panel within 3 working days.", "Puddleby 4.2"),
    local.LocalRule("PUDT-02", "A draft report is quality assured.", "Puddleby 6.1"),
    local.LocalRule("PUDT-03", "A local review is commissioned with a QA lead.", "Puddleby 5.3"),
)
TARGET = local.InternalTarget(duty_kind="notify_panel", working_days=3, rule_id="PUDT-01")
QA_STEP = sw.Step(
    "quality_assure_draft",
    ("report_draft",),
    None,
    ("quality_assurer",),
    payload=(sw.PayloadField("qa_ref", "ref", required=True),),
    sets=(("draft_quality_assured", None),),
    rule_ids=("PUDT-02",),
    summary="The partnership's quality assurer reviews the draft.",
)


def qa_lead_named(case: sw.Case, ctx: sw.GuardContext) -> Any:
    """Refuses a local review commissioned without a QA lead (PUDT-03)."""
    if ctx.payload.get("qa_lead_ref"):
        return sw.guards.ALLOW
    return refuse("no_qa_lead", "name the review's QA lead", rule_ids=("PUDT-03",))


def build(**overrides: Any) -> sw.RulePack:
    """The Puddleby pack, with *overrides* to extend()."""
    arguments: dict[str, Any] = {
        "name": "puddleby",
        "version": "1",
        "rules": RULES,
        "internal_targets": [TARGET],
        "extra_roles": ["quality_assurer"],
        "extra_steps": [QA_STEP],
    }
    return local.extend(sw.england.PACK, **{**arguments, **overrides})


PACK = build()


class TestPuddleby(PackContract):
    """The shipped pack contract, run on a local pack over England's."""

    def make_pack(self) -> sw.RulePack:
        return PACK

    def scenario(self) -> PackScenario:
        route = (*ROUTES["national_review"], "close_national_review")
        walk = tuple((event, ROLES[event], PAYLOADS[event]) for event in route)
        return PackScenario(death_in_barnsley(), BARNSLEY, walk=walk)


def christmas_incident() -> sw.Incident:
    """A fictional death in Barnsley, known on Friday 22 December 2023."""
    return death_in_barnsley(la_aware_at=pendulum.datetime(2023, 12, 22, 9, tz="Europe/London"))


def test_internal_duty_is_local_policy_and_due_sooner_across_christmas() -> None:
    """5 WD: Wednesday 3 January 2024; 3 WD: Friday 29 December (25, 26 Dec are holidays)."""
    assessment = PACK.assess(christmas_incident(), local_authority=BARNSLEY)
    base, internal = assessment.duty("notify_panel"), assessment.duty("notify_panel_internal")
    assert base is not None
    assert internal is not None
    assert pendulum.date(2024, 1, 3) == base.due
    assert pendulum.date(2023, 12, 29) == internal.due
    assert (3, ("PUDT-01",)) == (internal.working_days, internal.rule_ids)
    assert (sw.Basis.LOCAL_POLICY, sw.Basis.LOCAL_POLICY) == (
        internal.basis,
        internal.timescale_basis,
    )
    assert ("Puddleby 4.2",) == internal.citations
    assert base.anchor == internal.anchor
    assert ("puddleby", "1") == (assessment.rule_pack, assessment.rule_pack_version)
    # The base duty is England's, unchanged.
    england = sw.england.assess(christmas_incident(), local_authority=BARNSLEY)
    assert england.duty("notify_panel") == base
    assert england.duty("notify_panel_internal") is None
    assert sw.Basis.STATUTE == base.basis


def test_the_england_pack_is_not_changed() -> None:
    """Extending leaves England's lifecycle, kinds and name as they were."""
    assert sw.england.PACK.lifecycle is sw.england.LIFECYCLE
    assert "notify_panel_internal" not in sw.england.PACK.duty_kinds
    step = sw.england.LIFECYCLE.step("incident_recorded", "notify_panel")
    assert step is not None
    assert ("notify_panel",) == step.meets
    assert sw.england.LIFECYCLE.step("report_draft", "quality_assure_draft") is None
    assert "PUDT-01" not in sw.england.PACK.rules
    assert PACK.lifecycle.name == "puddleby"
    assert {"PUDT-01", "NOT-04"} <= set(PACK.rules)
    assert sw.Basis.LOCAL_POLICY == PACK.rules["PUDT-01"].basis


def test_known_timescales_match_the_england_assessment() -> None:
    """The timescales extend() checks targets against are England's, duty by duty."""
    facts = death_in_barnsley(
        children=[sw.Child(age=15, harm="death", looked_after_by=BARNSLEY)],
    )
    duties = sw.england.assess(facts, local_authority=BARNSLEY).duties
    known = local.KNOWN_TIMESCALES[(sw.england.RULE_PACK, sw.england.RULE_PACK_VERSION)]
    assert set(known) == {d.kind for d in duties}
    for duty in duties:
        assert known[duty.kind] == ("working_days", duty.working_days), duty.kind


class Driver:
    """A workflow on the Puddleby pack, taking steps a day apart."""

    def __init__(self, pack: sw.RulePack = PACK) -> None:
        self.facts = death_in_barnsley()
        self.clock = FrozenClock(self.facts.la_aware_at.add(hours=1))
        self.workflow = sw.Workflow(
            pack, clock=self.clock, settings=[sw.TenantSettings(TENANT)], store=sw.MemoryStore()
        )
        self.case = self.workflow.open(
            TENANT, self.facts, local_authority=BARNSLEY, actor="user-1", case_id="pud-1"
        ).case
        self.when = self.facts.la_aware_at

    def fire(self, event: str, role: str | None = None, **payload: Any) -> sw.Outcome:
        self.when = self.when.add(days=1)
        self.clock.set(self.when.add(hours=1))
        if event == "plan_publication":
            payload.setdefault("planned_publication_on", self.when.add(days=30).date().isoformat())
        command = sw.Command(
            TENANT,
            "pud-1",
            event,
            actor="user-1",
            role=role or ROLES[event],
            occurred_at=self.when,
            payload=payload or PAYLOADS.get(event, {}),
        )
        outcome = self.workflow.fire(command)
        self.case = outcome.case
        return outcome


def deadline(case: sw.Case, kind: str) -> sw.Deadline:
    """The case's deadline of *kind*."""
    return next(d for d in case.deadlines if d.kind == kind)


def test_case_has_the_internal_deadline_met_by_notify_panel() -> None:
    """Opened on the local pack, the case holds both deadlines; notify_panel meets both."""
    driver = Driver()
    internal = deadline(driver.case, "notify_panel_internal")
    base = deadline(driver.case, "notify_panel")
    assert internal.is_open
    assert internal.due is not None
    assert base.due is not None
    assert internal.due < base.due
    assert sw.Basis.LOCAL_POLICY == internal.basis
    assert sw.Basis.STATUTE == base.basis
    assert driver.case.lifecycle == "puddleby"
    driver.fire("notify_panel")
    assert sw.DeadlineStatus.MET == deadline(driver.case, "notify_panel_internal").status
    assert sw.DeadlineStatus.MET == deadline(driver.case, "notify_panel").status


def test_a_late_internal_target_is_met_late_while_the_base_is_met() -> None:
    """Notified on the fourth working day: late by Puddleby's rule, in time by England's."""
    driver = Driver()
    driver.when = driver.facts.la_aware_at.add(days=5)  # Friday 5 Jan + 6 days: Thursday 11th
    driver.fire("notify_panel")
    assert sw.DeadlineStatus.MET_LATE == deadline(driver.case, "notify_panel_internal").status
    assert sw.DeadlineStatus.MET == deadline(driver.case, "notify_panel").status


def test_the_quality_assurance_step_stays_in_state() -> None:
    """The extra step records the QA on a draft; only the quality assurer may take it."""
    driver = Driver()
    for event in ROUTES["report_draft"]:
        driver.fire(event)
    assert "report_draft" == driver.case.state
    with pytest.raises(sw.RoleNotPermitted):
        driver.fire("quality_assure_draft", "safeguarding_partners", qa_ref="qa-1")
    outcome = driver.fire("quality_assure_draft", "quality_assurer", qa_ref="qa-1")
    assert "report_draft" == outcome.case.state
    assert outcome.case.milestone("draft_quality_assured") is not None
    driver.fire("finalise_report")
    assert "report_final" == driver.case.state


def test_extra_guard_runs_after_the_steps_own() -> None:
    """A guard added to commission_local_review refuses without a QA lead, then allows."""
    pack = build(name="puddleby_guarded", extra_guards={"commission_local_review": [qa_lead_named]})
    driver = Driver(pack)
    for event in ROUTES["rapid_review_submitted"]:
        driver.fire(event)
    payload = dict(PAYLOADS["commission_local_review"])
    with pytest.raises(sw.TransitionRefused) as refused:
        driver.fire("commission_local_review", **payload)
    assert "no_qa_lead" in {r.code for r in refused.value.reasons}
    step = pack.lifecycle.step("rapid_review_submitted", "commission_local_review")
    assert step is not None
    assert "puddleby_guarded_commission_local_review_1" == step.guards[-1]
    assert step.guards[:-1] == sw.england.LIFECYCLE.steps[11].guards


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (
            {
                "internal_targets": [
                    local.InternalTarget(
                        duty_kind="notify_panel", working_days=6, rule_id="PUDT-01"
                    )
                ]
            },
            "internal_targets.working_days",
        ),
        (
            {
                "internal_targets": [
                    local.InternalTarget(
                        duty_kind="notify_pigeons", working_days=3, rule_id="PUDT-01"
                    )
                ]
            },
            "internal_targets.duty_kind",
        ),
        (
            {
                "internal_targets": [
                    local.InternalTarget(duty_kind="notify_panel", working_days=3, rule_id="NOT-04")
                ]
            },
            "internal_targets.rule_id",
        ),
        (
            {
                "internal_targets": [
                    local.InternalTarget(
                        duty_kind="local_review_publication", months=7, rule_id="PUDT-01"
                    )
                ]
            },
            "internal_targets.months",
        ),
        (
            {
                "internal_targets": [
                    local.InternalTarget(
                        duty_kind="local_review_publication", working_days=20, rule_id="PUDT-01"
                    )
                ]
            },
            "internal_targets.working_days",
        ),
        ({"extra_steps": [sw.Step("qa", ("nowhere",), None, ("quality_assurer",))]}, "extra_steps"),
        ({"extra_steps": [sw.Step("qa", ("report_draft",), None, ("auditor",))]}, "extra_steps"),
        ({"extra_roles": [], "extra_steps": [QA_STEP]}, "extra_steps"),
        ({"rules": [*RULES, local.LocalRule("NOT-04", "Not ours.", "Puddleby 1.1")]}, "rules"),
        ({"rules": [*RULES, RULES[0]]}, "rules"),
        (
            {"rules": [sw.Rule("PUDT-09", "A statute.", "An Act", "V", basis=sw.Basis.STATUTE)]},
            "rules",
        ),
        ({"extra_guards": {"fly_away": [qa_lead_named]}}, "extra_guards"),
        ({"extra_guards": {"close": ["no_such_guard"]}}, "extra_guards"),
        ({"name": "england"}, "name"),
        ({"name": "Puddleby"}, "name"),
        ({"version": ""}, "version"),
    ],
)
def test_extend_refuses_with_the_field(overrides: dict[str, Any], field: str) -> None:
    """Each inconsistency is a ConfigurationError naming its field, raised by extend()."""
    with pytest.raises(sw.ConfigurationError) as error:
        build(**overrides)
    assert field == error.value.field


def test_a_target_in_months_tightens_a_lifecycle_deadline() -> None:
    """A 5-month target on the 6-month publication deadline opens beside it and is met with it."""
    rule = local.LocalRule("PUDT-04", "Publish within 5 months.", "Puddleby 7.1")
    target = local.InternalTarget(duty_kind="local_review_publication", months=5, rule_id="PUDT-04")
    pack = build(name="puddleby_months", rules=[*RULES, rule], internal_targets=[target])
    step = pack.lifecycle.step("rapid_review_submitted", "commission_local_review")
    assert step is not None
    assert ["local_review_publication", "local_review_publication_internal"] == [
        s.kind for s in step.opens
    ]
    driver = Driver(pack)
    for event in ROUTES["local_review_commissioned"]:
        driver.fire(event)
    internal = deadline(driver.case, "local_review_publication_internal")
    base = deadline(driver.case, "local_review_publication")
    assert internal.due is not None
    assert base.due is not None
    assert (5, 6) == (internal.months, base.months)
    assert internal.due < base.due
    assert sw.Basis.LOCAL_POLICY == internal.basis


def test_local_rule_values_are_checked() -> None:
    """A local rule's id, text and status are checked as it is made."""
    with pytest.raises(sw.ConfigurationError) as error:
        local.LocalRule("pud 1", "A rule.", "Puddleby 1.1")
    assert "Rule.id" == error.value.field
    with pytest.raises(sw.ConfigurationError) as error:
        local.LocalRule("PUDT-05", "", "Puddleby 1.1")
    assert "LocalRule.summary" == error.value.field
    with pytest.raises(sw.ConfigurationError) as error:
        local.InternalTarget(duty_kind="notify_panel", rule_id="PUDT-01")
    assert "InternalTarget.working_days" == error.value.field
    with pytest.raises(sw.ConfigurationError) as error:
        local.InternalTarget(duty_kind="notify_panel", working_days=0, rule_id="PUDT-01")
    assert "InternalTarget.working_days" == error.value.field


def test_a_looser_target_on_an_undeclared_base_is_refused_when_assessed() -> None:
    """Where extend() cannot know the base timescale, the assessment refuses a looser target."""
    unknown = attrs.evolve(sw.england.PACK, version="0-unlisted")  # not in KNOWN_TIMESCALES
    loose = local.InternalTarget(duty_kind="notify_panel", working_days=6, rule_id="PUDT-01")
    pack = local.extend(
        unknown, name="puddleby_loose", version="1", rules=RULES, internal_targets=[loose]
    )
    with pytest.raises(sw.ConfigurationError) as error:
        pack.assess(christmas_incident(), local_authority=BARNSLEY)
    assert "internal_targets.working_days" == error.value.field
    tight = attrs.evolve(loose, working_days=4)
    pack = local.extend(
        unknown, name="puddleby_tight", version="1", rules=RULES, internal_targets=[tight]
    )
    internal = pack.assess(christmas_incident(), local_authority=BARNSLEY).duty(tight.kind)
    assert internal is not None
    assert pendulum.date(2024, 1, 2) == internal.due


def test_a_new_timescale_reaches_an_open_case_only_by_a_new_assessment() -> None:
    """Version 2 of the pack tightens 3 days to 2: recompute keeps 3; update_facts takes 2."""
    clock = FrozenClock(pendulum.datetime(2024, 1, 5, 12, tz="UTC"))
    settings = [sw.TenantSettings(TENANT)]
    store = sw.MemoryStore()
    old = sw.Workflow(PACK, clock=clock, settings=settings, store=store)
    facts = death_in_barnsley()
    old.open(TENANT, facts, local_authority=BARNSLEY, actor="user-1", case_id="case-1")
    tighter = local.InternalTarget(duty_kind="notify_panel", working_days=2, rule_id="PUDT-01")
    new = sw.Workflow(
        build(version="2", internal_targets=[tighter]), clock=clock, settings=settings, store=store
    )

    def internal() -> sw.Deadline:
        found = new.case(TENANT, "case-1").deadline("notify_panel_internal")
        assert found is not None
        return found

    before = internal()
    assert (3, "puddleby@1/") == (before.working_days, before.fingerprint[:11])
    new.recompute_deadlines(TENANT, "case-1", actor="scheduler")
    restamped = internal()
    assert (3, before.due) == (restamped.working_days, restamped.due)  # the recorded timescale
    assert restamped.fingerprint is not None
    assert restamped.fingerprint.startswith("puddleby@2/")
    new.update_facts(TENANT, "case-1", facts, actor="user-1")
    assessed = internal()
    assert 2 == assessed.working_days
    assert assessed.due is not None
    assert before.due is not None
    assert assessed.due < before.due
    assert sw.verify(new.history(TENANT, "case-1")).ok
    assert new.case(TENANT, "case-1") == sw.rebuild(new.history(TENANT, "case-1"))
