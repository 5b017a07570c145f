"""
safeguarding-workflow: the statutory lifecycle of UK child safeguarding reviews.

The public API is what this namespace exports; modules whose names start with
an underscore are private. Rule packs live in their own public modules
(:mod:`safeguarding_workflow.england`).

.. versionadded:: 0.1.0
"""

from . import england, exceptions, testing, typing
from ._authorities import LocalAuthority, LocalAuthorityRegistry, Nation
from ._calendar import (
    FIRST_SUPPORTED_YEAR,
    OFFICIAL_LIST_LAST_YEAR,
    HolidayAddition,
    WorkingDayCalendar,
)
from ._clock import SystemClock
from ._duties import (
    Anchor,
    Assessment,
    DeadlineChange,
    Duty,
    DutyKind,
    Finding,
    Party,
    Recomputation,
)
from ._facts import AbuseOrNeglect, Child, Harm, Incident, Location, Place
from ._rules import RULES, Basis, Rule, Verification
from ._settings import RapidReviewAnchor, TenantSettings
from ._version import __version__
from .exceptions import (
    ConfigurationError,
    InvalidInputError,
    OutsideSupportedRangeError,
    RegimeNotSupportedError,
    SafeguardingWorkflowError,
    UnknownLocalAuthorityError,
)

__all__ = [
    "FIRST_SUPPORTED_YEAR",
    "OFFICIAL_LIST_LAST_YEAR",
    "RULES",
    "AbuseOrNeglect",
    "Anchor",
    "Assessment",
    "Basis",
    "Child",
    "ConfigurationError",
    "DeadlineChange",
    "Duty",
    "DutyKind",
    "Finding",
    "Harm",
    "HolidayAddition",
    "Incident",
    "InvalidInputError",
    "LocalAuthority",
    "LocalAuthorityRegistry",
    "Location",
    "Nation",
    "OutsideSupportedRangeError",
    "Party",
    "Place",
    "RapidReviewAnchor",
    "Recomputation",
    "RegimeNotSupportedError",
    "Rule",
    "SafeguardingWorkflowError",
    "SystemClock",
    "TenantSettings",
    "UnknownLocalAuthorityError",
    "Verification",
    "WorkingDayCalendar",
    "__version__",
    "england",
    "exceptions",
    "testing",
    "typing",
]
