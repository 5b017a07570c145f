"""
Helpers for testing code that uses the library.

.. versionadded:: 0.1.0
"""

from ._clock import FrozenClock

__all__ = ["FrozenClock"]
