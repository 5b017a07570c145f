"""
safeguarding-workflow: the statutory lifecycle of UK child safeguarding reviews.

The public API is what this namespace exports; modules whose names start with
an underscore are private. Rule packs live in their own public modules
(`england`).

Added in version 0.1.0.
"""

from typing import TYPE_CHECKING, Any

from . import diagrams, england, exceptions, guards, history, schemas, stores, typing
from ._authorities import LocalAuthority, LocalAuthorityRegistry, Nation
from ._calendar import (
    FIRST_SUPPORTED_YEAR,
    OFFICIAL_LIST_LAST_YEAR,
    HolidayAddition,
    WorkingDayCalendar,
)
from ._case import Case, Command, Deadline, DeadlineStatus, GuardContext
from ._clock import SystemClock
from ._dates import today
from ._duties import (
    Anchor,
    Assessment,
    DeadlineChange,
    Duty,
    Finding,
    Party,
    Recomputation,
)
from ._events import CloudEvent, ImmediateDispatcher, event_schema
from ._facts import AbuseOrNeglect, Child, Harm, Incident, Location, Place
from ._lifecycle import DeadlineSpec, Lifecycle, PayloadField, Step
from ._migration import Migration, MigrationReport
from ._pack import RulePack
from ._rules import RULES, Basis, Rule, RuleCatalogue, Verification
from ._settings import TenantSettings
from ._version import __version__
from ._workflow import DefaultIds, Outcome, StepOption, Workflow
from .england import DutyKind, RapidReviewAnchor
from .exceptions import (
    CaseExistsError,
    CaseNotFoundError,
    ConcurrencyConflict,
    ConfigurationError,
    DisposalRefused,
    HistoryIntegrityError,
    IdempotencyKeyReused,
    InvalidInputError,
    InvalidLifecycle,
    NotAuthorised,
    OutsideSupportedRangeError,
    RegimeNotSupportedError,
    RegisterIntegrityError,
    RoleNotPermitted,
    SafeguardingWorkflowError,
    SqliteSettingsWarning,
    StepNotAvailable,
    StoreError,
    TransitionRefused,
    UnknownEventError,
    UnknownLocalAuthorityError,
    UnknownTenantError,
)
from .history import HistoryRecord, verify
from .stores import CaseStore, MemoryStore

if TYPE_CHECKING:  # the names __getattr__ below resolves, for type checkers
    from . import local, personal, publication, testing
    from .history import (
        GENESIS,
        HASH_PREFIX,
        ChainHead,
        ChainVerification,
        history_from_json,
        history_to_json,
        load_signed_heads,
        rebuild,
        record_hash,
        sign_heads,
    )
    from .stores import (
        DueDeadline,
        IdempotentConsumer,
        OutboxRelay,
        RelayReport,
        SqlStore,
        exponential_backoff,
    )

__all__ = [
    "FIRST_SUPPORTED_YEAR",
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
    "DisposalRefused",
    "Duty",
    "DutyKind",
    "Finding",
    "GuardContext",
    "Harm",
    "HistoryIntegrityError",
    "HistoryRecord",
    "HolidayAddition",
    "IdempotencyKeyReused",
    "ImmediateDispatcher",
    "Incident",
    "InvalidInputError",
    "InvalidLifecycle",
    "Lifecycle",
    "LocalAuthority",
    "LocalAuthorityRegistry",
    "Location",
    "MemoryStore",
    "Migration",
    "MigrationReport",
    "Nation",
    "NotAuthorised",
    "Outcome",
    "OutsideSupportedRangeError",
    "Party",
    "PayloadField",
    "Place",
    "RapidReviewAnchor",
    "Recomputation",
    "RegimeNotSupportedError",
    "RegisterIntegrityError",
    "RoleNotPermitted",
    "Rule",
    "RuleCatalogue",
    "RulePack",
    "SafeguardingWorkflowError",
    "SqlStore",
    "SqliteSettingsWarning",
    "Step",
    "StepNotAvailable",
    "StepOption",
    "StoreError",
    "SystemClock",
    "TenantSettings",
    "TransitionRefused",
    "UnknownEventError",
    "UnknownLocalAuthorityError",
    "UnknownTenantError",
    "Verification",
    "Workflow",
    "WorkingDayCalendar",
    "__version__",
    "diagrams",
    "england",
    "event_schema",
    "exceptions",
    "guards",
    "history",
    "local",
    "personal",
    "publication",
    "schemas",
    "stores",
    "testing",
    "today",
    "typing",
    "verify",
]

#: Names that live in their own public modules (history, stores, testing), still
#: reachable here: resolved on first access, so SQLAlchemy loads only when a SQL
#: name is used (PEP 562).
_ELSEWHERE = {
    **dict.fromkeys(
        (
            "GENESIS",
            "HASH_PREFIX",
            "ChainHead",
            "ChainVerification",
            "history_from_json",
            "history_to_json",
            "load_signed_heads",
            "rebuild",
            "record_hash",
            "sign_heads",
        ),
        "history",
    ),
    **dict.fromkeys(
        (
            "DueDeadline",
            "IdempotentConsumer",
            "OutboxRelay",
            "RelayReport",
            "SqlStore",
            "exponential_backoff",
        ),
        "stores",
    ),
}


def __getattr__(name: str) -> Any:
    import importlib

    if name in ("local", "personal", "publication", "testing"):  # loaded on first use
        return importlib.import_module(f".{name}", __name__)
    module = _ELSEWHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
