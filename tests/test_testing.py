"""The shipped test helpers: capture() and a store contract that can fail."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import unittest

import pytest
import structlog

import safeguarding_workflow as sw
from safeguarding_workflow.testing import Captured, StoreContract, capture

from .helpers import TENANT, Driver
from .stores.test_custom import DictStore, Row

# -- capture() ---------------------------------------------------------------------------------


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


# -- StoreContract -----------------------------------------------------------------------------


class _IgnoresVersion(DictStore):
    """Appends whatever version the case is at: a lost update waiting to happen."""

    def append(self, case: sw.Case, record: sw.HistoryRecord, expected_version: int) -> None:
        current = self.get(case.tenant_id, case.case_id).version
        super().append(case, record, current)


class _ForgetsKeys(DictStore):
    """Never finds the record of an idempotency key."""

    def find(self, tenant_id: str, case_id: str, idempotency_key: str) -> sw.HistoryRecord | None:
        return None


class _Reversed(DictStore):
    """Returns a history newest first."""

    def history(self, tenant_id: str, case_id: str) -> tuple[sw.HistoryRecord, ...]:
        return super().history(tenant_id, case_id)[::-1]


class _Overwrites(DictStore):
    """Creates over an existing case instead of refusing."""

    def create(self, case: sw.Case, record: sw.HistoryRecord) -> None:
        self._cases(case.tenant_id).pop(case.case_id, None)
        super().create(case, record)


class _Mixes(DictStore):
    """Files every tenant's cases together, by case id alone."""

    def _cases(self, tenant_id: str) -> dict[str, tuple[sw.Case, list[Row]]]:
        return super()._cases("everyone")


def _failures(store_class: type[sw.CaseStore]) -> dict[str, type[BaseException]]:
    """Each contract test the store fails, with what it raised."""

    class Contract(StoreContract):
        def make_store(self) -> sw.CaseStore:
            return store_class()

    failed: dict[str, type[BaseException]] = {}
    for name in sorted(n for n in dir(Contract) if n.startswith("test_")):
        try:
            getattr(Contract(), name)()
        except Exception as error:
            failed[name] = type(error)
    return failed


def test_the_contract_holds_for_a_good_store() -> None:
    """Run directly, every contract test passes on a store that keeps the contract."""
    assert {} == _failures(DictStore)


@pytest.mark.parametrize(
    ("store_class", "must_fail"),
    [
        (
            _IgnoresVersion,
            {
                "test_stale_append_is_refused_and_stores_nothing",
                "test_append_ahead_of_the_case_is_refused",
                "test_a_conflict_in_the_transaction_stores_nothing",
            },
        ),
        (
            _ForgetsKeys,
            {
                "test_find_returns_the_record_of_a_key",
                "test_load_returns_the_case_and_the_record_of_a_key",
                "test_idempotent_retry_returns_the_first_outcome",
            },
        ),
        (_Reversed, {"test_history_is_in_order", "test_walk_rebuild_verify"}),
        (_Overwrites, {"test_create_twice_is_refused"}),
        (_Mixes, {"test_tenants_are_isolated"}),
    ],
)
def test_the_contract_fails_a_broken_store(
    store_class: type[sw.CaseStore], must_fail: set[str]
) -> None:
    """A store that breaks one promise fails the contract tests that check it."""
    failed = _failures(store_class)
    assert set() == must_fail - set(failed)


def test_an_ignored_version_fails_with_an_assertion() -> None:
    """The stale-append test fails a store that ignores expected_version with AssertionError."""

    class Contract(StoreContract):
        def make_store(self) -> sw.CaseStore:
            return _IgnoresVersion()

    with pytest.raises(AssertionError, match="expected ConcurrencyConflict; nothing was raised"):
        Contract().test_stale_append_is_refused_and_stores_nothing()


def test_a_wrong_outcome_fails_with_both_values() -> None:
    """An inequality fails with the expected and the actual value in the message."""

    class Contract(StoreContract):
        def make_store(self) -> sw.CaseStore:
            return _Reversed()

    with pytest.raises(AssertionError, match=r"expected \[1, 2, 3"):
        Contract().test_history_is_in_order()


def test_make_store_is_required() -> None:
    """A contract without make_store cannot be instantiated."""

    class Incomplete(StoreContract):
        pass

    with pytest.raises(TypeError, match="make_store"):
        Incomplete()  # type: ignore[abstract]


def test_the_contract_runs_under_unittest() -> None:
    """Mixed into unittest.TestCase, the contract runs under unittest's runner and passes."""

    class TestDict(StoreContract, unittest.TestCase):
        def make_store(self) -> sw.CaseStore:
            return DictStore()

    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(TestDict).run(result)
    assert (23, [], []) == (result.testsRun, result.failures, result.errors)


def test_importing_needs_no_pytest() -> None:
    """The testing module imports with pytest unavailable, and does not load it."""
    code = (
        "import sys\n"
        "class NoPytest:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('pytest', '_pytest'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, NoPytest())\n"
        "import safeguarding_workflow.testing as t\n"
        "print(' '.join(sorted(t.__all__)), 'pytest' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    *names, loaded = result.stdout.split()
    assert "False" == loaded
    assert {"Captured", "FrozenClock", "StoreContract", "capture"} <= set(names)


def test_captured_is_what_capture_yields() -> None:
    """The object a block yields is a Captured, empty until something happens."""
    with capture() as captured:
        pass
    assert isinstance(captured, Captured)
    assert ([], []) == (captured.logs, captured.events)
