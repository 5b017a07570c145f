"""
Protocols for the library's extension points.

Added in version 0.1.0.
"""

from __future__ import annotations

from ._clock import Clock
from ._events import Dispatcher, Subscriber
from ._guards import Guard
from ._pack import Assess
from ._workflow import IdFactory

__all__ = ["Assess", "Clock", "Dispatcher", "Guard", "IdFactory", "Subscriber"]
