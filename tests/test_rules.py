"""The rule catalogue, and traceability from every rule id to the tests that exercise it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import safeguarding_workflow as sw

SRC = Path(sw.__file__).parent
TESTS = Path(__file__).parent

#: DOMAIN sections 0-3 and 7: the rules this release implements.
IMPLEMENTED = (
    [f"DEC-0{n}" for n in range(1, 10)]
    + [f"DEC-{n}" for n in range(11, 15)]
    + ["SCO-04"]
    + [f"DEF-0{n}" for n in range(1, 6)]
    + [f"NOT-{n:02}" for n in range(1, 12)]
    + [f"RR-0{n}" for n in range(1, 5)]
    + [f"WD-0{n}" for n in range(1, 5)]
)
#: Rules of section 3 that belong to the Panel's own steps (the lifecycle), not to an assessment.
PANEL_STEPS = ("RR-05", "RR-06")


def test_catalogue_has_every_implemented_rule() -> None:
    """Every rule of DOMAIN sections 0-3 and 7 is in the catalogue with a status."""
    for rule_id in (*IMPLEMENTED, *PANEL_STEPS):
        rule = sw.RULES[rule_id]
        assert rule_id == rule.id
        assert rule.summary
        assert rule.verification in set(sw.Verification)


def test_code_cites_only_catalogued_rules() -> None:
    """Every rule id the library's code mentions is in the catalogue (or a later pack's id)."""
    later = {"SCR-03", "SCR-07"}  # named by the refusal that points to the legacy regime
    cited = set()
    for path in SRC.rglob("*.py"):
        cited |= set(re.findall(r'"((?:DEC|DEF|NOT|RR|WD|LR|SCR|TL)-\d\d)"', path.read_text()))
    assert set() == cited - set(sw.RULES) - later


@pytest.mark.parametrize("rule_id", IMPLEMENTED)
def test_every_implemented_rule_has_a_test(rule_id: str) -> None:
    """Traceability: each implemented rule id is named in at least one test's docstring."""
    texts = [p.read_text() for p in TESTS.rglob("test_*.py") if p != Path(__file__)]
    assert any(rule_id in text for text in texts), rule_id


def test_weakest() -> None:
    """DEC-08: the weakest status wins; V > V2 > R > I."""
    v = sw.Verification
    assert sw._rules.weakest([v.V, v.I, v.R]) == v.I
    assert sw._rules.weakest([v.V, v.V2]) == v.V2
    assert sw._rules.weakest([]) == v.V
    assert [s.rank for s in (v.V, v.V2, v.R, v.I)] == [0, 1, 2, 3]


def test_duty_verification_is_weakest_of_its_rules() -> None:
    """DEC-08 holds for every duty an assessment produces; DEC-06, DEC-07 fields are present."""
    import pendulum

    incident = sw.Incident(
        children=[sw.Child(age=2, harm="death", looked_after_by="E08000035")],
        location=sw.Location.england("E08000035"),
        abuse_or_neglect="known",
        la_aware_at=pendulum.datetime(2024, 5, 1, 9, tz="Europe/London"),
    )
    for duty in sw.england.assess(incident, local_authority="Leeds").duties:
        assert sw._rules.weakest(r.verification for r in duty.rules) == duty.verification
        assert len(duty.citations) >= 2
        assert duty.basis in set(sw.Basis)
        assert duty.timescale_basis in set(sw.Basis)
