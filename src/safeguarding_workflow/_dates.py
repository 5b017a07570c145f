"""
Dates and times as the public entry points accept them: one rule everywhere.

A date that counts for deadlines is a date in Europe/London. An entry point that takes
such a date (``as_of``, ``due_by``) accepts a `datetime.date` (a `pendulum.Date` is one)
or a timezone-aware `datetime.datetime`, read as its date in Europe/London; a naive
datetime is refused, since which day it falls on depends on a zone the library cannot
guess. An entry point that takes an instant (``delivered_before``) accepts an aware
datetime, read in UTC, and keeps accepting the UTC ISO text it took before. `today()`
is the date in Europe/London that a clock says it is.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

import pendulum

from ._clock import Clock, read_clock
from ._times import iso_utc, london_date, utc_naive
from .exceptions import InvalidInputError

__all__ = ["as_date", "instant_text", "today"]

#: A UTC time as the outbox writes it (``2024-01-31T09:00:00.000000Z``), or a date.
_UTC_TIME: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z)?"
)


def _beyond(field: str) -> InvalidInputError:
    """A time at the limits of the calendar (years 1 and 9999) that no zone can convert."""
    return InvalidInputError(
        f"{field!r} lies too near the limits of the calendar (years 1 to 9999)", field=field
    )


def today(clock: Clock) -> pendulum.Date:
    """
    The date in Europe/London that *clock* says it is: the "today" deadlines count from.

    A deadline is met or missed by dates in Europe/London, so "what is overdue today"
    means today there, whatever the host's own zone: at 23:30 UTC on a summer evening it
    is already tomorrow in London. The clock is read once and checked as every clock is.

    Example:
        ```python
        import safeguarding_workflow as sw

        sw.today(sw.SystemClock())  # e.g. Date(2024, 6, 1)
        ```

    Added in version 0.1.0.

    Raises:
        ConfigurationError: the clock answered a naive datetime or something else.

    """
    return london_date(utc_naive(read_clock(clock)))


def as_date(value: object, field: str) -> pendulum.Date:
    """
    *value* as a date in Europe/London: a date as it is, an aware datetime as its date there.

    Raises:
        InvalidInputError: *value* is a naive datetime, or not a date or datetime at all.

    """
    if isinstance(value, dt.datetime):
        if value.utcoffset() is None:
            raise InvalidInputError(
                f"{field!r} must be a date or a timezone-aware datetime, not a naive one",
                field=field,
            )
        try:
            return london_date(utc_naive(value))
        except InvalidInputError:
            raise _beyond(field) from None
    if isinstance(value, dt.date):
        if type(value) is pendulum.Date:
            return value
        return pendulum.Date(value.year, value.month, value.day)
    raise InvalidInputError(f"{field!r} must be a date or a timezone-aware datetime", field=field)


def instant_text(value: object, field: str) -> str:
    """
    *value* as UTC text in the outbox's form, to compare with the times the store wrote.

    An aware datetime is read in UTC (``2024-01-31T09:00:00.000000Z``); a date is the
    start of that day in UTC (``2024-01-31``, which sorts before every time of that day);
    text already in either form is kept, as the entry points took it before.

    Raises:
        InvalidInputError: a naive datetime, text in another form, or any other value.

    """
    if isinstance(value, dt.datetime):
        if value.utcoffset() is None:
            raise InvalidInputError(
                f"{field!r} must be a timezone-aware datetime, not a naive one", field=field
            )
        try:
            return iso_utc(utc_naive(value))
        except InvalidInputError:
            raise _beyond(field) from None
    if isinstance(value, dt.date):
        return value.isoformat()
    if type(value) is str and _UTC_TIME.fullmatch(value):
        try:
            dt.datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return value
    raise InvalidInputError(
        f"{field!r} must be a timezone-aware datetime, a date, or a UTC time such as "
        "'2024-01-31T09:00:00.000000Z'",
        field=field,
    )
