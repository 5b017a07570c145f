"""
Unborn children: outside s16C (DEC-13), inside a partnership's local policy (DEF-03).

The England pack gives an unborn child a finding and no duty; a local pack whose policy
includes unborn children raises a local-policy notification the ``notify_panel`` step
meets. The fact round-trips through JSON, the store and the history. All fictional.
"""

from __future__ import annotations

import pytest

import safeguarding_workflow as sw
from safeguarding_workflow import local

from ..helpers import BARNSLEY, LEEDS, TENANT, Driver, death_in_barnsley

POLICY_RULE = local.LocalRule(
    "PUDU-01",
    "Notify the Panel of the death or serious harm of an unborn child within 5 working days.",
    "Puddleby safeguarding procedures 7.1",
)


def _unborn(harm: str = "death", **more: object) -> sw.Child:
    return sw.Child(0, harm, normally_resident_in=BARNSLEY, unborn=True, **more)  # type: ignore[arg-type]


def _pack(rule: local.LocalRule = POLICY_RULE, rule_id: str = "PUDU-01") -> sw.RulePack:
    return local.extend(
        sw.england.PACK,
        name="puddleby_unborn",
        version="1",
        rules=[rule],
        unborn_children=local.UnbornChildren(rule_id=rule_id, working_days=5),
    )


def test_an_unborn_child_is_a_fact_with_rules_of_its_own() -> None:
    child = _unborn()
    assert not child.is_child
    for bad in ({"age": 1}, {"looked_after_by": BARNSLEY}):
        args = {"age": 0, "harm": "death", "unborn": True, **bad}
        with pytest.raises(sw.InvalidInputError) as refused:
            sw.Child(**args)  # type: ignore[arg-type]
        assert "Child.unborn" == refused.value.field
    with pytest.raises(sw.InvalidInputError):
        sw.Child(0, "death", unborn="yes")  # type: ignore[arg-type]
    incident = death_in_barnsley(children=[child])
    assert incident == sw.Incident.from_dict(incident.to_dict())
    born = death_in_barnsley()
    assert (
        "unborn" not in born.to_dict()["children"][0] or not born.to_dict()["children"][0]["unborn"]
    )


def test_the_england_pack_gives_a_finding_and_no_duty() -> None:
    assessment = sw.england.assess(
        death_in_barnsley(children=[_unborn()]), local_authority=BARNSLEY
    )
    assert () == assessment.duties
    assert "unborn_outside_scope" in [f.code for f in assessment.findings]
    finding = next(f for f in assessment.findings if f.code == "unborn_outside_scope")
    assert {"DEC-13", "DEF-03"} == set(finding.rule_ids)


def test_a_local_policy_notifies_under_its_own_rule() -> None:
    pack = _pack()
    assessment = pack.assess(death_in_barnsley(children=[_unborn()]), local_authority=BARNSLEY)
    (duty,) = assessment.duties
    assert ("notify_panel", ("PUDU-01",)) == (duty.kind, duty.rule_ids)
    assert ("local_policy", "local_policy") == (duty.basis, duty.timescale_basis)
    assert (
        sw.england.assess(death_in_barnsley(), local_authority=BARNSLEY).duty("notify_panel").due
        == duty.due
    )  # type: ignore[union-attr]
    assert "unborn_local_policy" in [f.code for f in assessment.findings]
    # Not for harm that is not serious, without abuse or neglect, or elsewhere.
    for facts in (
        death_in_barnsley(children=[_unborn("harm_not_serious")]),
        death_in_barnsley(children=[_unborn()], abuse_or_neglect="not_suspected"),
    ):
        assert () == pack.assess(facts, local_authority=BARNSLEY).duties
    elsewhere = death_in_barnsley(
        children=[sw.Child(0, "death", normally_resident_in=LEEDS, unborn=True)],
        location=sw.Location.england(LEEDS),
    )
    assert () == pack.assess(elsewhere, local_authority=BARNSLEY).duties


def test_a_born_childs_statutory_duty_is_left_as_it_is() -> None:
    pack = _pack()
    both = death_in_barnsley(
        children=[sw.Child(4, "death", normally_resident_in=BARNSLEY), _unborn()]
    )
    duty = pack.assess(both, local_authority=BARNSLEY).duty("notify_panel")
    assert duty is not None
    assert "statute" == duty.basis  # the born child's s16C duty, not the local one


def test_the_notify_panel_step_meets_it_and_the_history_keeps_the_fact() -> None:
    d = Driver(pack=_pack())
    case = d.open(death_in_barnsley(children=[_unborn()]))
    assert case.facts.children[0].unborn
    out = d.fire("notify_panel")
    assert "notified" == out.case.state
    assert "met" == out.case.deadline("notify_panel").status  # type: ignore[union-attr]
    history = d.history()
    assert sw.verify(history).ok
    assert d.case() == sw.rebuild(history)
    assert TENANT == history[0].tenant_id


def test_the_policy_is_checked_when_the_pack_is_built() -> None:
    with pytest.raises(sw.ConfigurationError) as unknown:
        _pack(rule_id="PUDU-99")
    assert "unborn_children.rule_id" == unknown.value.field
    with pytest.raises(sw.ConfigurationError):
        local.UnbornChildren(rule_id="PUDU-01", working_days=0)
    with pytest.raises(sw.ConfigurationError):
        local.UnbornChildren(rule_id="PUDU-01", working_days=-3)
