"""
Logging through structlog, silent until the host turns it on.

The library never configures structlog globally: that is the host's to do. When
the host has configured structlog, the library's events go through the host's
structlog pipeline. When it has not, they go through structlog to the standard-library logger
``"safeguarding_workflow"``, which has a ``NullHandler`` and so prints nothing
until the host configures ``logging``. Either way the host receives them, and
only once. The library logs opaque ids, codes and counts, never an identifying
value.
"""

from __future__ import annotations

import logging
from typing import Any, Final

import structlog

__all__ = ["LOGGER_NAME", "log_info", "logger"]

LOGGER_NAME: Final = "safeguarding_workflow"

_stdlib: Final = logging.getLogger(LOGGER_NAME)
_stdlib.addHandler(logging.NullHandler())


def _render(_logger: Any, _method: str, event_dict: Any) -> tuple[tuple[str], dict[str, Any]]:
    """Hand the event to stdlib as ``msg`` plus ``extra``, so handlers see the fields."""
    event = str(event_dict.pop("event", ""))
    fields = dict(event_dict)
    rendered = " ".join([event, *(f"{k}={v}" for k, v in sorted(fields.items()))])
    return (rendered,), {"extra": {"sw_event": event, "sw_fields": fields}}


_fallback: Final = structlog.wrap_logger(
    _stdlib,
    processors=[structlog.stdlib.filter_by_level, _render],
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=False,
)


def logger() -> Any:
    """
    The library's logger: the host's structlog pipeline if it configured one, else stdlib.

    Added in version 0.1.0.
    """
    if structlog.is_configured():
        return structlog.get_logger(LOGGER_NAME)
    return _fallback


def log_info(event: str, **fields: Any) -> None:
    """
    Log *event* at INFO, skipping all work when nobody listens (the command path calls it).

    Added in version 0.1.0.
    """
    if structlog.is_configured():
        structlog.get_logger(LOGGER_NAME).info(event, **fields)
    elif _stdlib.isEnabledFor(logging.INFO):
        _fallback.info(event, **fields)
