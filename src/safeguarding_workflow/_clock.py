"""Clocks: the Clock protocol, and SystemClock, the one place the library reads the wall clock."""

from __future__ import annotations

import datetime as dt
from typing import Final, Protocol, final, runtime_checkable

import pendulum

from .exceptions import ConfigurationError

__all__ = ["Clock", "SystemClock", "read_clock"]

#: The instants a clock may answer, in UTC: a day inside the calendar's limits, so that
#: the time reads in any zone.
_EARLIEST: Final = dt.datetime(1, 1, 2)  # noqa: DTZ001 - compared with a naive UTC time
_LATEST: Final = dt.datetime(9999, 12, 30)  # noqa: DTZ001 - compared with a naive UTC time


@runtime_checkable
class Clock(Protocol):
    """
    Tells the time. The library never reads the wall clock itself; hosts pass a clock in.

    `SystemClock` reads the real time;
    `FrozenClock` stands still for tests.

    Added in version 0.1.0.
    """

    def now(self) -> pendulum.DateTime:
        """The current instant, timezone-aware: a naive datetime is refused, not read as UTC."""
        ...


def read_clock(clock: Clock) -> pendulum.DateTime:
    """
    The time *clock* says, checked: a timezone-aware datetime within the calendar.

    A host's clock that answers a naive datetime (or anything else) is refused: the
    library cannot know which zone it meant, and reading it as UTC would move every
    time by the host's offset. So is an instant within a day of the calendar's limits
    (years 1 and 9999), which no zone could convert.

    Added in version 0.1.0.

    Raises:
        ConfigurationError: *clock* has no ``now()``, or it answered a naive datetime,
            something that is not a datetime, or an instant at the limits of the calendar.

    """
    now = getattr(clock, "now", None)
    if not callable(now):
        raise ConfigurationError("'clock' must have a now() method", field="clock")
    value: pendulum.DateTime = now()
    utc: dt.datetime | None = None
    # The usual answer: aware, and in a year no offset (at most a day) can carry past the
    # calendar's limits. Only years 1 and 9999 need the UTC time worked out, which costs
    # a pendulum subtraction (about 30 µs a command).
    if isinstance(value, dt.datetime) and 1 < value.year < 9999:
        try:
            if value.utcoffset() is not None:
                return value
        except (TypeError, ValueError, OverflowError):
            pass
    try:
        offset = value.utcoffset() if isinstance(value, dt.datetime) else None
        if offset is not None:
            utc = value.replace(tzinfo=None) - offset
    except (TypeError, ValueError, OverflowError):
        utc = None
    if utc is None or not _EARLIEST <= utc <= _LATEST:
        raise ConfigurationError(
            "the clock's now() must return a timezone-aware datetime within the calendar "
            "(years 1 to 9999)",
            field="clock",
        )
    return value


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
