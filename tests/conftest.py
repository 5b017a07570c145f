"""Shared fixtures and the Hypothesis profile."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

import safeguarding_workflow as sw

settings.register_profile(
    "default", deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("ci", parent=settings.get_profile("default"), max_examples=400)
settings.load_profile("ci" if os.environ.get("CI") else "default")


@pytest.fixture(name="cal", scope="session")
def _cal() -> sw.WorkingDayCalendar:
    """The England and Wales calendar, built once."""
    return sw.WorkingDayCalendar.england_and_wales()
