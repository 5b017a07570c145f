"""The one place the library reads the wall clock: :class:`SystemClock`, which hosts pass in."""

from __future__ import annotations

from typing import final

import pendulum

__all__ = ["SystemClock"]


@final
class SystemClock:
    """
    A :class:`~safeguarding_workflow.typing.Clock` that reads the real time, in UTC.

    .. versionadded:: 0.1.0
    """

    __slots__ = ()

    def now(self) -> pendulum.DateTime:
        """The current instant, in UTC."""
        return pendulum.now("UTC")

    def __repr__(self) -> str:
        return "SystemClock()"
