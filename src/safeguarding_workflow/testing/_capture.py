"""
Capturing the library's log lines and events in a host's tests.

Added in version 0.1.0.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from typing import Any, final

import structlog

from .._events import CloudEvent, ImmediateDispatcher
from .._log import LOGGER_NAME

__all__ = ["Captured", "capture"]


@final
class Captured:
    """
    What `capture()` collected: the library's log lines and the events dispatched.

    Added in version 0.1.0.

    The lists fill while the block runs and stay as they are after it.

    Attributes:
        logs: One dict per log line, as `structlog.testing.capture_logs()` makes
            them: ``event`` (the line's name, e.g. ``"command_stored"``),
            ``log_level`` (e.g. ``"info"``) and the line's fields (opaque ids, codes
            and counts, e.g. ``tenant``, ``case``, ``step``).
        events: Each `CloudEvent` dispatched, in order.

    """

    __slots__ = ("events", "logs")

    def __init__(self) -> None:
        self.logs: list[dict[str, Any]] = []
        self.events: list[CloudEvent] = []

    def __repr__(self) -> str:
        return f"Captured(logs={len(self.logs)}, events={len(self.events)})"


#: Guards the captures in force and the hooks installed for them.
_lock = threading.Lock()
#: The captures whose blocks are running; every line and event goes to each of them.
_active: list[Captured] = []
#: How to take the hooks out again, filled when the first capture starts.
_undo: list[Callable[[], None]] = []


@contextmanager
def capture() -> Iterator[Captured]:
    """
    Collect the library's log lines and the events its workflows dispatch in a block.

    Added in version 0.1.0.

    The lines are those the library writes to its standard-library logger
    ``"safeguarding_workflow"``, turned up to ``DEBUG`` for the block (the
    library's default, with structlog not configured). If the host has configured
    structlog, the library's lines go through the host's pipeline instead; they
    are collected there when its logger factory names loggers
    (`structlog.stdlib.LoggerFactory`). The events are those handed to an
    `ImmediateDispatcher`, the dispatcher of every
    workflow not given one of its own, before the subscribers see them.

    While a block runs the logger's level, the dispatcher's ``dispatch`` and the
    structlog processors are replaced, and put back when the last block running
    ends, however it ends. Blocks may nest and may run on several threads at once;
    each sees every line and event of the whole process while it runs.

    Example:
        ```python
        from safeguarding_workflow.testing import capture

        with capture() as captured:
            workflow.fire(command)

        assert ["command_stored"] == [line["event"] for line in captured.logs]
        assert [f"org.safeguarding-workflow.step.{command.event}"] == [
            event.type for event in captured.events
        ]
        ```

    Yields:
        A `Captured` whose ``logs`` and ``events`` fill as the block runs.

    """
    captured = Captured()
    with _lock:
        if not _active:
            _install()
        _active.append(captured)
    try:
        yield captured
    finally:
        with _lock:
            _active.remove(captured)
            if not _active:
                _uninstall()


def _each() -> tuple[Captured, ...]:
    with _lock:
        return tuple(_active)


def _install() -> None:
    """Hook the logger, the dispatcher and any structlog pipeline (the lock is held)."""
    stdlib = logging.getLogger(LOGGER_NAME)
    handler = _Handler()
    level = stdlib.level
    stdlib.addHandler(handler)
    stdlib.setLevel(logging.DEBUG)

    def unhook_logger() -> None:
        stdlib.removeHandler(handler)
        stdlib.setLevel(level)

    _undo.append(unhook_logger)

    dispatch = ImmediateDispatcher.dispatch

    def capturing(self: ImmediateDispatcher, events: Sequence[CloudEvent]) -> None:
        for captured in _each():
            captured.events.extend(events)
        dispatch(self, events)

    setattr(ImmediateDispatcher, "dispatch", capturing)  # noqa: B010 - mypy refuses the assignment
    _undo.append(lambda: setattr(ImmediateDispatcher, "dispatch", dispatch))

    if structlog.is_configured():
        processors = structlog.get_config()["processors"]
        structlog.configure(processors=[_from_structlog, *processors])
        _undo.append(lambda: structlog.configure(processors=processors))


def _uninstall() -> None:
    """Take the hooks out, the last installed first (the lock is held)."""
    while _undo:
        _undo.pop()()


class _Handler(logging.Handler):
    """Collects the lines the library logs through its standard-library fallback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "sw_event", None)
        if event is None:  # not one of the library's own lines (a host's, through structlog)
            return
        fields: dict[str, Any] = getattr(record, "sw_fields", {})
        line = {"event": event, "log_level": record.levelname.lower(), **fields}
        for captured in _each():
            captured.logs.append(dict(line))


def _from_structlog(
    logger: Any, method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A first processor for a host's structlog pipeline: keeps the library's lines."""
    if getattr(logger, "name", None) == LOGGER_NAME:
        level = {"warn": "warning", "exception": "error"}.get(method, method)
        for captured in _each():
            captured.logs.append({**event_dict, "log_level": level})
    return event_dict
