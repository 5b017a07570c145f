"""
Fast conversions of aware datetimes on the command path.

pendulum's time-zone conversions cost several microseconds each; a command needs
three. These helpers take the UTC offset once and do the rest with the standard
library, which gives the same instants (checked by the tests against pendulum).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Final

import pendulum

__all__ = ["iso_utc", "london_date", "utc_naive"]

_LONDON: Final = zoneinfo.ZoneInfo("Europe/London")
_UTC: Final = dt.UTC


def utc_naive(value: dt.datetime) -> dt.datetime:
    """The instant as a naive standard-library datetime in UTC."""
    offset = value.utcoffset()
    plain = dt.datetime(  # noqa: DTZ001 - naive UTC on purpose; the offset is taken off below
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
    )
    return plain - offset if offset else plain


def iso_utc(naive: dt.datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ`` for a naive UTC datetime."""
    return (
        f"{naive.year:04d}-{naive.month:02d}-{naive.day:02d}T{naive.hour:02d}:"
        f"{naive.minute:02d}:{naive.second:02d}.{naive.microsecond:06d}Z"
    )


def london_date(naive: dt.datetime) -> pendulum.Date:
    """The date in Europe/London of a naive UTC datetime."""
    local = naive.replace(tzinfo=_UTC).astimezone(_LONDON)
    return pendulum.Date(local.year, local.month, local.day)
