"""Clocks: the Clock protocol, and SystemClock, the one place the library reads the wall clock."""

from __future__ import annotations

from typing import Protocol, final, runtime_checkable

import pendulum

__all__ = ["Clock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """
    Tells the time. The library never reads the wall clock itself; hosts pass a clock in.

    `SystemClock` reads the real time;
    `FrozenClock` stands still for tests.

    Added in version 0.1.0.
    """

    def now(self) -> pendulum.DateTime:
        """The current instant, timezone-aware."""
        ...


@final
class SystemClock:
    """
    A `Clock` that reads the real time, in UTC.

    Added in version 0.1.0.
    """

    __slots__ = ()

    def now(self) -> pendulum.DateTime:
        """The current instant, in UTC."""
        return pendulum.now("UTC")

    def __repr__(self) -> str:
        return "SystemClock()"
