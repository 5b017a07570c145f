"""
The publication rules in the England lifecycle: leak check, clearing, sections, LR-08, LR-10.

A fictional case is walked to the point of publication. Publishing needs a recorded leak
check of the exact version published (its digest) with every finding cleared and nothing
unread (LR-07), the sections LR-07 asks of the report (DEC-10), and still the LR-08 date;
taking a report down within a year needs an override with its reason (LR-10). The records
hold ids, kinds and digests, never the report's text.
"""

from __future__ import annotations

import json

import pendulum
import pytest

import safeguarding_workflow as sw
from safeguarding_workflow import publication
from safeguarding_workflow.publication import Part, ReadDocument, Segment, Unreadable

from ..helpers import TENANT, Driver

CASE = "case-1"
REGISTER = publication.Register(
    names=[["Zebedee Quillfeather", "Zeb"], "Marigold Quillfeather"],
    schools=["Puddleby Primary School"],
)
DRAFT = (
    "Zebedee Quillfeather attended Puddleby Primary School. Mrs Quillfeather said the "
    "family had moved.\n\nThe review found that agencies did not share information."
)
SECTIONS = ["improvements_summary", "systemic_analysis"]


def _ready() -> Driver:
    d = Driver()
    d.walk_to("sent_to_panel_and_sos")
    return d


def _publish(d: Driver, digest: str | None, sections: list[str] | None = SECTIONS) -> sw.Outcome:
    return d.fire("publish_full", days=31, document_digest=digest, sections=sections)


def _codes(error: pytest.ExceptionInfo[sw.TransitionRefused]) -> list[str]:
    return [r.code for r in error.value.reasons]


def test_publishing_needs_a_recorded_check_of_that_version() -> None:
    d = _ready()
    report = publication.check(DRAFT, REGISTER)
    with pytest.raises(sw.TransitionRefused) as refused:
        d.workflow.fire(
            d.command("publish_full", days=31, document_digest=report.digest, sections=SECTIONS)
        )
    assert ["document_not_checked"] == _codes(refused)
    assert "LR-07" in refused.value.rule_ids
    with pytest.raises(sw.TransitionRefused) as unnamed:
        d.workflow.fire(d.command("publish_full", days=0, document_digest=None, sections=SECTIONS))
    assert ["document_not_checked"] == _codes(unnamed)
    assert "sent_to_panel_and_sos" == d.case().state


def test_every_finding_cleared_then_published() -> None:
    """Findings open: refused, counted; cleared one by one with reasons: published."""
    d = _ready()
    report = publication.check(DRAFT, REGISTER)
    assert len(report.findings) >= 3
    d.workflow.record_leak_check(
        TENANT, CASE, report, document_ref="draft-3", actor="reviewer-1", role="reviewer"
    )
    command = d.command("publish_full", days=31, document_digest=report.digest, sections=SECTIONS)
    reasons = d.workflow.check(command)
    assert ["document_not_cleared"] == [r.code for r in reasons]
    assert f"{len(report.findings)} finding(s)" in reasons[0].message
    first, *rest = report.findings
    d.workflow.clear_findings(
        TENANT,
        CASE,
        digest=report.digest,
        clearances={first.finding_id: "reason-1"},
        actor="reviewer-1",
        role="reviewer",
    )
    assert f"{len(rest)} finding(s)" in d.workflow.check(command)[0].message
    d.workflow.clear_findings(
        TENANT,
        CASE,
        digest=report.digest,
        clearances={f.finding_id: "reason-2" for f in rest},
        actor="reviewer-1",
        role="reviewer",
    )
    assert () == d.workflow.check(command)
    assert "published_full" == d.workflow.fire(command).case.state
    history = d.history()
    assert sw.verify(history).ok
    for record in history:
        for value in ("Zebedee", "Quillfeather", "Puddleby", "moved"):
            assert value.encode() not in record.body
    check_record = next(r for r in history if r.kind == "leak_check")
    body = json.loads(check_record.body)
    assert {"digest": report.digest, "document_ref": "draft-3"} == body["payload"]
    assert {f.finding_id for f in report.findings} == {
        f["id"] for f in body["changes"]["leak_check"]["findings"]
    }


def test_a_redacted_clean_version_publishes_without_clearing() -> None:
    d = _ready()
    redacted = publication.redact(
        DRAFT,
        REGISTER,
        pseudonyms={"Zebedee Quillfeather": "Child R", "Marigold Quillfeather": "Mother"},
    )
    assert redacted.report.clean
    d.workflow.record_leak_check(
        TENANT, CASE, redacted.report, document_ref="final-1", actor="reviewer-1"
    )
    assert "published_full" == _publish(d, redacted.report.digest).case.state


def test_a_cleared_finding_does_not_carry_to_a_new_version() -> None:
    d = _ready()
    old = publication.check(DRAFT, REGISTER)
    d.workflow.record_leak_check(TENANT, CASE, old, document_ref="draft-1", actor="user-1")
    d.workflow.clear_findings(
        TENANT,
        CASE,
        digest=old.digest,
        clearances={f.finding_id: "reason-1" for f in old.findings},
        actor="user-1",
    )
    new = publication.check(DRAFT + " Zeb was 8.", REGISTER)
    d.workflow.record_leak_check(TENANT, CASE, new, document_ref="draft-2", actor="user-1")
    with pytest.raises(sw.TransitionRefused) as refused:
        _publish(d, new.digest)
    assert ["document_not_cleared"] == _codes(refused)


def test_an_unreadable_part_blocks_publication(monkeypatch: pytest.MonkeyPatch) -> None:
    d = _ready()
    read = ReadDocument(
        (Segment(Part.BODY, "Child R was seen.", page=1),),
        (Unreadable(Part.BODY, "page has no text layer (scanned?)", page=2),),
        "a" * 64,
    )
    monkeypatch.setattr("safeguarding_workflow.publication._check._read", lambda _doc: read)
    report = publication.check("ignored", REGISTER)
    assert not report.clean
    assert report.findings == ()
    d.workflow.record_leak_check(TENANT, CASE, report, document_ref="scan-1", actor="user-1")
    with pytest.raises(sw.TransitionRefused) as refused:
        _publish(d, report.digest)
    assert "could not read 1 part(s)" in str(refused.value)


def test_sections_and_lr08_still_apply() -> None:
    d = _ready()
    clean = publication.check("Child R was seen by Practitioner A.", REGISTER)
    d.workflow.record_leak_check(TENANT, CASE, clean, document_ref="final-1", actor="user-1")
    with pytest.raises(sw.TransitionRefused) as soon:
        d.fire("publish_full", days=1, document_digest=clean.digest, sections=SECTIONS)
    assert ["too_soon_after_sending"] == _codes(soon)
    with pytest.raises(sw.TransitionRefused) as missing:
        _publish(d, clean.digest, sections=["improvements_summary"])
    assert ["sections_missing"] == _codes(missing)
    assert "systemic_analysis" in str(missing.value)
    assert "published_full" == _publish(d, clean.digest).case.state


def test_improvements_only_needs_the_improvements_section_and_a_justification() -> None:
    d = _ready()
    clean = publication.check("The partnership will agree one chronology.", REGISTER)
    d.workflow.record_leak_check(TENANT, CASE, clean, document_ref="info-1", actor="user-1")
    with pytest.raises(sw.TransitionRefused) as refused:
        d.fire(
            "publish_improvements_only",
            days=31,
            document_digest=clean.digest,
            sections=[],
            justification_ref=None,
        )
    codes = _codes(refused)
    assert "sections_missing" in codes
    assert any("justification_ref" in r.message for r in refused.value.reasons)
    outcome = d.fire("publish_improvements_only", days=0, document_digest=clean.digest)
    assert "published_improvements_only" == outcome.case.state


def test_clearing_refuses_what_was_not_checked() -> None:
    d = _ready()
    report = publication.check(DRAFT, REGISTER)
    history = d.history()
    with pytest.raises(sw.InvalidInputError) as unchecked:
        d.workflow.clear_findings(
            TENANT, CASE, digest=report.digest, clearances={"name@0": "r-1"}, actor="user-1"
        )
    assert "digest" == unchecked.value.field
    d.workflow.record_leak_check(TENANT, CASE, report, document_ref="draft-1", actor="user-1")
    for clearances in ({"name@99999": "r-1"}, {"Zebedee": "r-1"}, {}, {"name@0": "Zebedee Q"}):
        with pytest.raises(sw.InvalidInputError) as refused:
            d.workflow.clear_findings(
                TENANT, CASE, digest=report.digest, clearances=clearances, actor="user-1"
            )
        assert "Zebedee" not in str(refused.value)
    with pytest.raises(sw.InvalidInputError):
        d.workflow.clear_findings(
            TENANT, CASE, digest="not-a-digest", clearances={"name@0": "r-1"}, actor="user-1"
        )
    assert len(history) + 1 == len(d.history())


def test_removal_within_a_year_needs_an_override() -> None:
    d = Driver()
    d.walk_to("published_full")
    published = d.case().milestone("published")
    assert published is not None
    with pytest.raises(sw.TransitionRefused) as refused:
        d.fire("remove_publication", days=30, override_ref=None)
    assert ["published_less_than_a_year"] == _codes(refused)
    assert "LR-10" in refused.value.rule_ids
    assert published.add(years=1).isoformat() in str(refused.value)
    outcome = d.fire("remove_publication", days=0)  # with the partners' override
    assert "publication_removed" == outcome.case.state
    assert "close" in [
        o.event for o in d.workflow.available(outcome.case, ["safeguarding_partners"])
    ]


def test_removal_after_a_year_needs_no_override() -> None:
    d = Driver()
    d.walk_to("published_full")
    published = d.case().milestone("published")
    assert published is not None
    d.when = pendulum.datetime(published.year + 1, published.month, published.day, 10, tz="UTC")
    outcome = d.fire("remove_publication", days=0, override_ref=None)
    assert "publication_removed" == outcome.case.state
