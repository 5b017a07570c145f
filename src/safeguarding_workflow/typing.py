"""
Protocols for the library's extension points.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pendulum

__all__ = ["Clock"]


@runtime_checkable
class Clock(Protocol):
    """
    Tells the time. The library never reads the wall clock itself; hosts pass a clock in.

    :class:`safeguarding_workflow.SystemClock` reads the real time;
    :class:`safeguarding_workflow.testing.FrozenClock` stands still for tests.

    .. versionadded:: 0.1.0
    """

    def now(self) -> pendulum.DateTime:
        """The current instant, timezone-aware."""
        ...
