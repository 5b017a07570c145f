"""Logging: silent by default, reaches hosts on logging and on structlog, never identifiers."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import structlog
from structlog.testing import capture_logs

import safeguarding_workflow as sw

from .helpers import CANARIES, Driver

SCRIPT = textwrap.dedent(
    """
    import pendulum, sys
    sys.path.insert(0, {root!r})
    from tests.helpers import Driver
    {setup}
    d = Driver()
    d.walk_to("rapid_review")
    """
)


def run(setup: str) -> subprocess.CompletedProcess[str]:
    from pathlib import Path

    root = str(Path(__file__).parent.parent)
    code = SCRIPT.format(root=root, setup=setup)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )


def test_silent_until_the_host_turns_it_on() -> None:
    """With neither logging nor structlog configured, nothing is printed."""
    result = run("")
    assert ("", "") == (result.stdout, result.stderr)


def test_reaches_a_host_on_plain_logging() -> None:
    """A host on the standard library sees one line per command."""
    result = run("import logging; logging.basicConfig(level=logging.INFO)")
    lines = [ln for ln in result.stderr.splitlines() if "command_stored" in ln]
    assert 3 == len(lines)
    assert "INFO:safeguarding_workflow:command_stored" in lines[0]


def test_reaches_a_host_on_structlog() -> None:
    """A host that configured structlog receives the events through its own pipeline."""
    structlog.configure(processors=[structlog.processors.JSONRenderer()])
    try:
        with capture_logs() as logs:
            Driver().walk_to("rapid_review")
    finally:
        structlog.reset_defaults()
    stored = [e for e in logs if e["event"] == "command_stored"]
    assert 3 == len(stored)
    assert {"tenant", "case", "step", "sequence", "state", "event", "log_level"} == set(stored[0])


def test_refusals_log_codes_not_values(caplog: pytest.LogCaptureFixture) -> None:
    """A refused command logs its reason codes only."""
    d = Driver()
    d.walk_to("rapid_review")
    with (
        caplog.at_level("INFO", logger="safeguarding_workflow"),
        pytest.raises(sw.TransitionRefused),
    ):
        d.fire("submit_rapid_review", rationale_ref=None)
    refused = [r for r in caplog.records if r.sw_event == "command_refused"]  # type: ignore[attr-defined]
    assert [["payload_missing"]] == [r.sw_fields["codes"] for r in refused]  # type: ignore[attr-defined]


@pytest.mark.parametrize("canary", CANARIES)
def test_identifiers_are_refused_without_being_echoed(canary: str) -> None:
    """R5: an identifier given where an id or reference goes is refused, and not repeated."""
    d = Driver()
    d.open()
    attempts = [
        lambda: d.fire("notify_panel", notification_ref=canary),
        lambda: d.workflow.fire(
            sw.Command(
                "fictional-partnership",
                "case-1",
                "notify_panel",
                actor=canary,
                role="local_authority",
                occurred_at=d.when,
                payload={},
            )
        ),
        lambda: sw.Child(age=3, harm="death", normally_resident_in=canary),
        lambda: sw.TenantSettings(canary),
        lambda: d.workflow.open(
            "fictional-partnership",
            d.workflow.case("fictional-partnership", "case-1").facts,
            local_authority=canary,
            actor="u",
        ),
    ]
    for attempt in attempts:
        with pytest.raises(sw.SafeguardingWorkflowError) as info:
            attempt()
        assert canary not in str(info.value)
        assert canary not in repr(info.value)
