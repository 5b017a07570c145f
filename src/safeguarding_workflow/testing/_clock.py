"""
Helpers for testing code that uses the library.

Added in version 0.1.0.
"""

from __future__ import annotations

import datetime as _dt
from typing import final

import pendulum

from ..exceptions import InvalidInputError

__all__ = ["FrozenClock"]


@final
class FrozenClock:
    """
    A `Clock` that stands still until moved.

    Added in version 0.1.0.

    Args:
        at: The instant it shows; must be timezone-aware.

    """

    __slots__ = ("_at",)

    def __init__(self, at: _dt.datetime) -> None:
        self._at = _aware(at)

    def now(self) -> pendulum.DateTime:
        """The instant the clock shows."""
        return self._at

    def set(self, at: _dt.datetime) -> None:
        """Move the clock to *at* (timezone-aware)."""
        self._at = _aware(at)

    def advance(self, **delta: int) -> None:
        """Move the clock forward, e.g. ``advance(days=2, hours=3)``."""
        self._at = self._at.add(**delta)

    def __repr__(self) -> str:
        return f"FrozenClock({self._at.isoformat()!r})"


def _aware(at: object) -> pendulum.DateTime:
    if not isinstance(at, _dt.datetime) or at.utcoffset() is None:
        raise InvalidInputError("'at' must be a timezone-aware datetime", field="at")
    return pendulum.instance(at)
