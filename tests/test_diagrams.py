"""Diagrams: golden Mermaid and DOT text of the England lifecycle and of a case's deadlines."""

from __future__ import annotations

from pathlib import Path

import pendulum

import safeguarding_workflow as sw

from .helpers import Driver

GOLDEN = Path(__file__).parent / "golden"


def test_mermaid_state_diagram() -> None:
    """The Mermaid stateDiagram-v2 of the England lifecycle is exactly the golden text."""
    assert (GOLDEN / "england.mmd").read_text() == sw.diagrams.mermaid(sw.england.LIFECYCLE)


def test_dot_digraph() -> None:
    """The DOT digraph of the England lifecycle is exactly the golden text."""
    assert (GOLDEN / "england.dot").read_text() == sw.diagrams.dot(sw.england.LIFECYCLE)


def test_gantt_of_a_case() -> None:
    """The Gantt chart of a fictional case's deadlines is exactly the golden text."""
    d = Driver()
    d.walk_to("sent_to_panel_and_sos")
    assert (GOLDEN / "case-gantt.mmd").read_text() == sw.diagrams.gantt(d.case())


def test_gantt_marks_late_waiting_and_cancelled() -> None:
    """Late deadlines are crit; waiting ones and cancelled ones are comments."""
    d = Driver(
        settings=sw.TenantSettings(
            "fictional-partnership",
            packs=[sw.england.Settings(rapid_review_anchor="notification_sent")],
        )
    )
    d.open()
    assert "%% rapid_review: waits for notification_sent" in sw.diagrams.gantt(d.case())
    d.fire("notify_panel", days=12)
    case = d.fire("withdraw").case
    text = sw.diagrams.gantt(case)
    assert "due 2024-01-12 (NOT-01 NOT-04 NOT-11) :crit, d2, 2024-01-05, 2024-01-12" in text
    assert "met late 2024-01-17 :milestone, m2, 2024-01-17, 0d" in text
    assert "%% rapid_review: cancelled" in text
    assert pendulum.date(2024, 1, 17) == case.deadline("notify_panel").met_on  # type: ignore[union-attr]


def test_every_state_and_step_is_drawn() -> None:
    """Each state appears in both diagrams; each step's event labels an edge."""
    life = sw.england.LIFECYCLE
    mermaid, dot = sw.diagrams.mermaid(life), sw.diagrams.dot(life)
    for state in life.states:
        assert state in mermaid
        assert f'"{state}"' in dot
    for event in life.events:
        assert f": {event} (" in mermaid
        assert f'label="{event}\\n' in dot
