"""Shared fixtures and the Hypothesis profile."""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, settings

import safeguarding_workflow as sw

from .helpers import CANARIES

settings.register_profile(
    "default", deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("ci", parent=settings.get_profile("default"), max_examples=400)
settings.load_profile("ci" if os.environ.get("CI") else "default")


@pytest.fixture(name="cal", scope="session")
def _cal() -> sw.WorkingDayCalendar:
    """The England and Wales calendar, built once."""
    return sw.WorkingDayCalendar.england_and_wales()


class _Capture(logging.Handler):
    """Keeps every record the library logs during a test."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.getMessage()} {getattr(record, 'sw_fields', '')}")


#: The published event schema, checked once: every event the suite's workflows emit must match.
_EVENTS = jsonschema.Draft202012Validator(sw.event_schema())
_EVENTS.check_schema(_EVENTS.schema)


@pytest.fixture(autouse=True)
def _r5_capture(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """
    R5, suite-wide: log and event capture on for every test.

    The library's logger is turned up to DEBUG and every line it writes is kept;
    every event any workflow dispatches is kept. After the test, no registered
    identifier of a fictional child or family may appear in either, nor in the message
    or field of any library error raised, and every event must match the published
    event schema (R9: events carry no facts).
    """
    from safeguarding_workflow import _events, _register_commands

    logger = logging.getLogger("safeguarding_workflow")
    handler = _Capture()
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    events: list[bytes] = []
    invalid: list[str] = []
    original = _events.ImmediateDispatcher.dispatch

    def capturing(self: _events.ImmediateDispatcher, batch: Sequence[sw.CloudEvent]) -> None:
        for event in batch:
            data = event.to_dict()
            invalid.extend(f"{event.type}: {e.message}" for e in _EVENTS.iter_errors(data))
            events.append(json.dumps(data).encode())
        original(self, batch)

    monkeypatch.setattr(_events.ImmediateDispatcher, "dispatch", capturing)
    messages: list[str] = []
    raised = sw.SafeguardingWorkflowError.__init__

    def recording(self: sw.SafeguardingWorkflowError, message: str, **kwargs: Any) -> None:
        messages.append(f"{message} {kwargs.get('field')}")
        raised(self, message, **kwargs)

    # Every library error raised in the test, its message and field: exception messages too.
    monkeypatch.setattr(sw.SafeguardingWorkflowError, "__init__", recording)
    # Every value a workflow registered in the test, besides the suite's own canaries.
    # Dates of birth are left out: one can equal any date a record or event carries.
    registered: set[str] = set()
    sealing = _register_commands.seal_register

    def collecting(register: Any, data_key: Any) -> bytes:
        registered.update(
            e.value for e in register.entries if e.kind != "date_of_birth" and len(e.value) >= 6
        )
        return sealing(register, data_key)

    monkeypatch.setattr(_register_commands, "seal_register", collecting)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
    text = "\n".join(handler.lines) + b"\n".join(events).decode()
    for canary in (*CANARIES, *registered):
        assert canary not in text, "an identifier reached a log line or an event"
    said = "\n".join(messages)
    for canary in (*CANARIES, *registered):
        assert canary not in said, "an identifier reached an exception message"
    assert [] == invalid[:5], "an event does not match the published event schema"


#: The published schemas of the JSON forms a workflow produces or takes (sw.schemas).
_FORMS = {
    name: jsonschema.Draft202012Validator(
        sw.schemas.schema(name), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    for name in ("case", "command", "history_record")
}
#: The Workflow methods that return an Outcome.
_PRODUCERS = (
    "open",
    "fire",
    "correct",
    "update_facts",
    "recompute_deadlines",
    "add_identifiers",
    "rectify",
    "place_legal_hold",
    "lift_legal_hold",
    "dispose",
)


@pytest.fixture(autouse=True)
def _json_forms_match(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """
    Suite-wide: the JSON form of every case, history record and command match their schemas.

    Each Outcome a workflow returns is checked: its case (with its deadlines and facts),
    its record, and the command fired. A validation costs milliseconds, so each shape (a
    case in a state, a record of a step, a command of a step) is checked once a test.
    """
    invalid: list[str] = []
    seen: set[tuple[str, ...]] = set()

    def check(name: str, key: tuple[str, ...], form: Callable[[], object]) -> None:
        if (name, *key) not in seen:
            seen.add((name, *key))
            data = json.loads(json.dumps(form()))
            invalid.extend(f"{name}: {e.message}" for e in _FORMS[name].iter_errors(data))

    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def checked(self: sw.Workflow, *args: Any, **kwargs: Any) -> Any:
            outcome = method(self, *args, **kwargs)
            if isinstance(outcome, sw.Outcome):
                case, record = outcome.case, outcome.record
                check("case", (case.lifecycle, case.state), case.to_dict)
                if record is not None:
                    check("history_record", (record.kind, record.event), record.to_dict)
                if args and isinstance(args[0], sw.Command):
                    check("command", (args[0].event,), args[0].to_dict)
            return outcome

        return checked

    for name in _PRODUCERS:
        monkeypatch.setattr(sw.Workflow, name, wrap(getattr(sw.Workflow, name)))
    yield
    assert [] == invalid[:5], "a JSON form does not match its published schema"


@pytest.fixture(name="pg_url", scope="session")
def _pg_url() -> Iterator[str]:
    """A real PostgreSQL for the session; missing PostgreSQL fails in CI and skips elsewhere."""
    from .postgres import binaries, server

    if binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: .ci/run installs Debian's postgresql")
        pytest.skip("PostgreSQL is not installed (Debian package postgresql)")
    with server() as url:
        yield url
