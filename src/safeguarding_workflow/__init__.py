"""
safeguarding-workflow: the statutory lifecycle of UK child safeguarding reviews.

The public API is what this namespace exports; modules whose names start with
an underscore are private. Rule packs live in their own public modules
(:mod:`safeguarding_workflow.england`).

.. versionadded:: 0.1.0
"""

from . import diagrams, england, exceptions, guards, testing, typing
from ._authorities import LocalAuthority, LocalAuthorityRegistry, Nation
from ._calendar import (
    FIRST_SUPPORTED_YEAR,
    OFFICIAL_LIST_LAST_YEAR,
    HolidayAddition,
    WorkingDayCalendar,
)
from ._case import Case, Command, Deadline, DeadlineStatus, GuardContext
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
from ._events import CloudEvent, ImmediateDispatcher, event_schema
from ._facts import AbuseOrNeglect, Child, Harm, Incident, Location, Place
from ._heads import load_signed_heads, sign_heads
from ._history import (
    GENESIS,
    HASH_PREFIX,
    ChainHead,
    ChainVerification,
    HistoryRecord,
    history_from_json,
    history_to_json,
    record_hash,
    verify,
)
from ._lifecycle import DeadlineSpec, Lifecycle, PayloadField, Step
from ._outbox import IdempotentConsumer, OutboxRelay, RelayReport, exponential_backoff
from ._replay import rebuild
from ._rules import RULES, Basis, Rule, Verification
from ._settings import RapidReviewAnchor, TenantSettings
from ._sql import DueDeadline, SqlStore
from ._store import CaseStore, MemoryStore
from ._version import __version__
from ._workflow import DefaultIds, Outcome, RulePack, Workflow
from .exceptions import (
    CaseExistsError,
    CaseNotFoundError,
    ConcurrencyConflict,
    ConfigurationError,
    HistoryIntegrityError,
    InvalidInputError,
    InvalidLifecycle,
    OutsideSupportedRangeError,
    RegimeNotSupportedError,
    RoleNotPermitted,
    SafeguardingWorkflowError,
    StepNotAvailable,
    StoreError,
    TransitionRefused,
    UnknownLocalAuthorityError,
)

__all__ = [
    "FIRST_SUPPORTED_YEAR",
    "GENESIS",
    "HASH_PREFIX",
    "OFFICIAL_LIST_LAST_YEAR",
    "RULES",
    "AbuseOrNeglect",
    "Anchor",
    "Assessment",
    "Basis",
    "Case",
    "CaseExistsError",
    "CaseNotFoundError",
    "CaseStore",
    "ChainHead",
    "ChainVerification",
    "Child",
    "CloudEvent",
    "Command",
    "ConcurrencyConflict",
    "ConfigurationError",
    "Deadline",
    "DeadlineChange",
    "DeadlineSpec",
    "DeadlineStatus",
    "DefaultIds",
    "DueDeadline",
    "Duty",
    "DutyKind",
    "Finding",
    "GuardContext",
    "Harm",
    "HistoryIntegrityError",
    "HistoryRecord",
    "HolidayAddition",
    "IdempotentConsumer",
    "ImmediateDispatcher",
    "Incident",
    "InvalidInputError",
    "InvalidLifecycle",
    "Lifecycle",
    "LocalAuthority",
    "LocalAuthorityRegistry",
    "Location",
    "MemoryStore",
    "Nation",
    "OutboxRelay",
    "Outcome",
    "OutsideSupportedRangeError",
    "Party",
    "PayloadField",
    "Place",
    "RapidReviewAnchor",
    "Recomputation",
    "RegimeNotSupportedError",
    "RelayReport",
    "RoleNotPermitted",
    "Rule",
    "RulePack",
    "SafeguardingWorkflowError",
    "SqlStore",
    "Step",
    "StepNotAvailable",
    "StoreError",
    "SystemClock",
    "TenantSettings",
    "TransitionRefused",
    "UnknownLocalAuthorityError",
    "Verification",
    "Workflow",
    "WorkingDayCalendar",
    "__version__",
    "diagrams",
    "england",
    "event_schema",
    "exceptions",
    "exponential_backoff",
    "guards",
    "history_from_json",
    "history_to_json",
    "load_signed_heads",
    "rebuild",
    "record_hash",
    "sign_heads",
    "testing",
    "typing",
    "verify",
]
