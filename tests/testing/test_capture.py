"""The shipped capture(): the library's log lines and the events it dispatches in a block."""

from __future__ import annotations

import logging
import threading

import pytest
import structlog

import safeguarding_workflow as sw
from safeguarding_workflow.testing import Captured, capture

from ..helpers import TENANT, Driver


def test_capture_collects_lines_and_events() -> None:
    """A block's commands are captured: one line and one event each, as dispatched."""
    d = Driver()
    with capture() as captured:
        d.walk_to("rapid_review")
    stored = [line for line in captured.logs if line["event"] == "command_stored"]
    assert [1, 2, 3] == [line["sequence"] for line in stored]
    assert {"event", "log_level", "tenant", "case", "step", "sequence", "state"} == set(stored[0])
    assert ("info", TENANT, "case-1") == (
        stored[0]["log_level"],
        stored[0]["tenant"],
        stored[0]["case"],
    )
    assert d.events == captured.events
    assert [
        "org.safeguarding-workflow.opened.opened",
        "org.safeguarding-workflow.step.notify_panel",
        "org.safeguarding-workflow.step.start_rapid_review",
    ] == [event.type for event in captured.events]
    assert "Captured(logs=3, events=3)" == repr(captured)


def test_capture_keeps_only_the_block() -> None:
    """Lines and events from before and after the block are not captured."""
    d = Driver()
    d.open()
    with capture() as captured:
        d.fire("notify_panel")
    d.fire("start_rapid_review")
    assert ["command_stored"] == [line["event"] for line in captured.logs]
    assert ["org.safeguarding-workflow.step.notify_panel"] == [e.type for e in captured.events]


def test_capture_collects_refusals_and_warnings() -> None:
    """A refused command logs its codes; a failing subscriber logs a warning."""

    def failing(event: sw.CloudEvent) -> None:
        raise RuntimeError("a subscriber bug")

    d = Driver(subscribers=(failing,))
    d.walk_to("rapid_review")
    with capture() as captured:
        with pytest.raises(sw.TransitionRefused):
            d.fire("submit_rapid_review", rationale_ref=None)
        d.fire("submit_rapid_review")
    refused, stored, failed = captured.logs
    assert ("command_refused", ["payload_missing"]) == (refused["event"], refused["codes"])
    assert ("command_stored", "info") == (stored["event"], stored["log_level"])
    assert ("subscriber_failed", "warning", "RuntimeError") == (
        failed["event"],
        failed["log_level"],
        failed["error"],
    )


def test_capture_puts_everything_back() -> None:
    """After the block, even one left by an exception, the logger and dispatcher are as before."""
    logger = logging.getLogger("safeguarding_workflow")
    before = (logger.level, list(logger.handlers), sw.ImmediateDispatcher.dispatch)
    during: list[object] = []

    def leave_by_an_exception() -> None:
        with capture():
            during.extend([logger.level, sw.ImmediateDispatcher.dispatch is before[2]])
            raise RuntimeError("left by an exception")

    with pytest.raises(RuntimeError, match="left"):
        leave_by_an_exception()
    assert [logging.DEBUG, False] == during
    assert before == (logger.level, list(logger.handlers), sw.ImmediateDispatcher.dispatch)


def test_captures_nest() -> None:
    """An inner block sees its own part; the outer sees the whole; both are undone after."""
    d = Driver()
    before = sw.ImmediateDispatcher.dispatch
    with capture() as outer:
        d.open()
        with capture() as inner:
            d.fire("notify_panel")
        d.fire("start_rapid_review")
    assert (3, 3) == (len(outer.logs), len(outer.events))
    assert (1, 1) == (len(inner.logs), len(inner.events))
    assert inner.events[0] == outer.events[1]
    assert before is sw.ImmediateDispatcher.dispatch


def test_capture_sees_every_thread() -> None:
    """Commands fired on other threads during the block are captured, none lost or doubled."""
    d = Driver()
    for i in range(8):
        d.open(case_id=f"case-{i}")
    commands = [d.command("notify_panel", case_id=f"case-{i}", days=0) for i in range(8)]
    barrier = threading.Barrier(8)

    def run(command: sw.Command) -> None:
        barrier.wait()
        d.workflow.fire(command)

    with capture() as captured:
        threads = [threading.Thread(target=run, args=(c,)) for c in commands]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert {f"case-{i}" for i in range(8)} == {e.subject for e in captured.events}
    assert (8, 8) == (len(captured.events), len(captured.logs))


def test_capture_on_a_host_structlog_pipeline() -> None:
    """A host that configured structlog over logging has the library's lines captured once."""
    structlog.configure(
        processors=[structlog.stdlib.render_to_log_kwargs],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
    )
    try:
        host = structlog.get_logger("host.app")
        d = Driver()
        with capture() as captured:
            host.info("host_line")
            d.walk_to("notified")
        processors = structlog.get_config()["processors"]
    finally:
        structlog.reset_defaults()
    assert [structlog.stdlib.render_to_log_kwargs] == processors
    assert ["command_stored", "command_stored"] == [line["event"] for line in captured.logs]
    assert {"tenant", "case", "step", "sequence", "state"} <= set(captured.logs[1])


def test_captured_is_what_capture_yields() -> None:
    """The object a block yields is a Captured, empty until something happens."""
    with capture() as captured:
        pass
    assert isinstance(captured, Captured)
    assert ([], []) == (captured.logs, captured.events)
