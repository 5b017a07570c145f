"""
The library's exceptions.

Every error the library raises is a `SafeguardingWorkflowError`. Each
carries a stable, machine-readable `code`
(never changed once released), the name of the input `field` it is about
(if any) and the `rule_ids` of DOMAIN's rule catalogue behind it.

Messages name the field and the rule; they never repeat a value the caller
passed (an id, a reference, a code, a name, an NHS number), only what the
library itself defines (a step, a state, a role of the lifecycle, a rule id),
so they are safe to log and to show. An error the library raises ``from None``
keeps nothing of the error it replaced, whose text may hold the caller's value
(a ``KeyError`` of an unknown id, a driver error with its bound parameters):
its ``__context__`` reads as None, as tracebacks already show it.

Added in version 0.1.0.
"""

from __future__ import annotations

from typing import Any, Final

from ._reason import Reason

__all__ = [
    "CaseExistsError",
    "CaseNotFoundError",
    "ConcurrencyConflict",
    "ConfigurationError",
    "DisposalRefused",
    "HistoryIntegrityError",
    "IdempotencyKeyReused",
    "InvalidInputError",
    "InvalidLifecycle",
    "NotAuthorised",
    "OutsideSupportedRangeError",
    "RegimeNotSupportedError",
    "RegisterIntegrityError",
    "RoleNotPermitted",
    "SafeguardingWorkflowError",
    "SqliteSettingsWarning",
    "StepNotAvailable",
    "StoreError",
    "TransitionRefused",
    "UnknownEventError",
    "UnknownLocalAuthorityError",
    "UnknownTenantError",
]


class SafeguardingWorkflowError(Exception):
    """
    Base class of every error the library raises.

    Added in version 0.1.0.

    Args:
        message: What went wrong, naming the field and rule; never an identifying value.
        field: The input field the error is about, as a dotted path (``"children[0].age"``).
        rule_ids: Rule ids (DOMAIN.md) that the error rests on.

    """

    #: Stable machine-readable code of this kind of error.
    code: str = "safeguarding_workflow_error"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        rule_ids: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule_ids = rule_ids

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, field={self.field!r}, "
            f"rule_ids={self.rule_ids!r})"
        )

    # ``raise ... from None`` hides the error being handled from tracebacks but still keeps
    # it as ``__context__``, where an error reporter reading the attribute would find the
    # caller's value in its text. The library's errors drop it there too.
    @property
    def __context__(self) -> BaseException | None:
        """The error being handled when this one was raised; None if raised ``from None``."""
        if self.__suppress_context__:
            return None
        context: BaseException | None = _CONTEXT.__get__(self)
        return context

    @__context__.setter
    def __context__(self, value: BaseException | None) -> None:
        _CONTEXT.__set__(self, value)


#: The context slot every exception has, read and written past the property above.
_CONTEXT: Final[Any] = BaseException.__dict__["__context__"]


class InvalidInputError(SafeguardingWorkflowError, ValueError):
    """
    An argument or fact is malformed or contradicts another.

    Also a `ValueError`, so hosts that already catch that keep working.

    Added in version 0.1.0.
    """

    code = "invalid_input"


class OutsideSupportedRangeError(InvalidInputError):
    """
    A date lies outside the range for which working days are known (DOMAIN DEC-02).

    The official bank-holiday list is known from 2000 to the last year the
    GOV.UK list covers. Pass a holiday list for later years, or opt in to
    rule-projected holidays, to go beyond it.

    Added in version 0.1.0.
    """

    code = "outside_supported_range"


class UnknownLocalAuthorityError(InvalidInputError):
    """
    A local authority code or name is not in the registry, or did not exist on the date in question.

    Added in version 0.1.0.
    """

    code = "unknown_local_authority"


class RegimeNotSupportedError(SafeguardingWorkflowError):
    """
    The facts fall under a statutory regime that this version's rule packs do not provide.

    For example, an incident that the local authority learnt of before 29 June
    2018 falls under the serious case review rules (DOMAIN SCR-03), not the
    England 2018 arrangements.

    Added in version 0.1.0.
    """

    code = "regime_not_supported"


class ConfigurationError(SafeguardingWorkflowError):
    """
    The host's configuration is missing, malformed or inconsistent: a server's fault.

    A tenant setting, a calendar option, a rule pack, a clock, a store's options: what
    the host set up, not what a request sent. It is not an `InvalidInputError` (nor a
    `ValueError`), so a host that answers bad input with 422 does not answer a
    misconfiguration that way; answer it as the server's own error (500).

    Added in version 0.1.0.
    """

    code = "configuration_error"


class UnknownTenantError(ConfigurationError):
    """
    The tenant id names no tenant the workflow has settings for.

    Every `Workflow` method that takes a tenant id raises this one error, with the code
    ``unknown_tenant`` and ``field="tenant_id"``, before it reads or writes anything:
    opening, firing and checking commands, correcting, new facts, recomputation, reading
    cases and history, settings, calendars and the deadline queries. A
    `ConfigurationError`, since the workflow is given its tenants by the host; a host
    whose tenant id comes from the request URL may answer it with 404 instead. The
    message never repeats the tenant id.

    Added in version 0.1.0.
    """

    code = "unknown_tenant"


class IdempotencyKeyReused(InvalidInputError):
    """
    A command carries an idempotency key that a different command of the tenant used first.

    An idempotency key names one command. A retry of that very command (the same case,
    step, actor, role, ``occurred_at`` and payload) returns the first outcome; any other
    command under the key is refused with this error, and nothing of it is stored. It is
    the caller's mistake, not a race: retrying will not help (``fire_with_retry`` does
    not), and the command needs a key of its own. The message names the key's first use
    by its record's sequence number and never repeats the key or the command's values.

    Added in version 0.1.0.

    Attributes:
        case_id: The case whose record the key's first use stored (of the same tenant).
        sequence: That record's sequence number.
        differs: What the command changes from its first use, by field name
            (``case_id``, ``event``, ``actor``, ``role``, ``occurred_at``, ``payload``).

    """

    code = "idempotency_key_reused"

    def __init__(
        self, message: str, *, case_id: str, sequence: int, differs: tuple[str, ...]
    ) -> None:
        super().__init__(message, field="idempotency_key")
        self.case_id = case_id
        self.sequence = sequence
        self.differs = differs


class UnknownEventError(InvalidInputError):
    """
    A command names an event that is no step anywhere in the pack's lifecycle.

    Told apart from `StepNotAvailable` (a step of the lifecycle, but not from the
    case's current state): this one is a malformed request (a host answers 422),
    that one a conflict with the case's state (409). The message does not repeat
    the event the caller sent.

    Added in version 0.1.0.
    """

    code = "unknown_event"


class InvalidLifecycle(SafeguardingWorkflowError):
    """
    A lifecycle definition is inconsistent: found when it is built, not when a case hits it.

    Added in version 0.1.0.
    """

    code = "invalid_lifecycle"


class TransitionRefused(SafeguardingWorkflowError):
    """
    A command was refused; nothing was stored.

    Added in version 0.1.0.

    Attributes:
        case_id: The case the command named.
        event: The event it asked for.
        reasons: Why, each with rule ids and citations.

    """

    code = "transition_refused"

    def __init__(
        self,
        message: str,
        *,
        case_id: str,
        event: str,
        reasons: tuple[Reason, ...] = (),
        field: str | None = None,
    ) -> None:
        rule_ids = tuple(dict.fromkeys(r for reason in reasons for r in reason.rule_ids))
        super().__init__(message, field=field, rule_ids=rule_ids)
        self.case_id = case_id
        self.event = event
        self.reasons = reasons


class StepNotAvailable(TransitionRefused):
    """
    The event is not a step the lifecycle allows from the case's current state.

    Added in version 0.1.0.
    """

    code = "step_not_available"


class RoleNotPermitted(TransitionRefused):
    """
    The role named in the command may not take this step (R7).

    Added in version 0.1.0.
    """

    code = "role_not_permitted"


class NotAuthorised(RoleNotPermitted):
    """
    The host's authoriser refused this actor this step on this case.

    The object-level check a host registers with `Workflow` (is this user in the
    authority that owns the case?), refused like any other refusal, with the reason
    ``not_authorised``. A subclass of `RoleNotPermitted`, so a host that answers a
    refused role with 403 answers this the same way.

    Added in version 0.1.0.
    """

    code = "not_authorised"


class DisposalRefused(TransitionRefused):
    """
    A case's identifier register may not be disposed of yet, or was disposed of already.

    Each of its `reasons` has one of these codes: ``case_open`` (retention runs from
    the closing date, and the case is not closed), ``retention_running`` (the period
    has not ended; the message gives the first day of disposal), ``legal_hold`` (a
    hold is in force) or ``already_disposed``. Nothing is stored.

    Added in version 0.1.0.
    """

    code = "disposal_refused"


class CaseNotFoundError(SafeguardingWorkflowError, KeyError):
    """
    No case with this tenant and id is stored.

    Added in version 0.1.0.
    """

    code = "case_not_found"

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class CaseExistsError(SafeguardingWorkflowError):
    """
    A case with this tenant and id is already stored.

    Added in version 0.1.0.
    """

    code = "case_exists"


class StoreError(SafeguardingWorkflowError):
    """
    A case store could not do what was asked.

    Added in version 0.1.0.
    """

    code = "store_error"


class ConcurrencyConflict(StoreError):
    """
    Another command changed the case since the version this command read; nothing was stored.

    Added in version 0.1.0.
    """

    code = "concurrency_conflict"


class HistoryIntegrityError(SafeguardingWorkflowError):
    """
    A history does not verify: a record was altered, removed, inserted, reordered or truncated.

    Added in version 0.1.0.

    Attributes:
        position: The sequence number (1-based) where the first break was found.
        problem: What was found there: ``"altered"``, ``"missing"``, ``"inserted"``,
            ``"reordered"``, ``"broken_link"``, ``"truncated"``, ``"foreign"``,
            ``"malformed"``, or ``"snapshot_mismatch"`` (a stored case that is not the
            one its head record produced: see ``state_digest`` in the history docs).
        tenant_id: The case's tenant, when the error is about a stored case (else None).
            Kept as an attribute, never put in the message.
        case_id: The case, likewise.

    """

    code = "history_integrity"

    def __init__(
        self,
        message: str,
        *,
        position: int,
        problem: str,
        tenant_id: str | None = None,
        case_id: str | None = None,
    ) -> None:
        super().__init__(message, field="history")
        self.position = position
        self.problem = problem
        self.tenant_id = tenant_id
        self.case_id = case_id


class RegisterIntegrityError(SafeguardingWorkflowError):
    """
    A sealed identifier register or wrapped data key could not be opened.

    Raised when the bytes were altered (a flipped bit, a truncated blob), belong to
    another case (the tenant and case ids are bound into the seal), or were sealed
    under another key: authenticated encryption cannot tell these apart, and nothing
    of the content is returned. The message names no value and no key.

    Added in version 0.1.0.

    Attributes:
        field: ``"register"`` for a sealed register, ``"wrapped_key"`` for a wrapped key.
        problem: ``"malformed"`` (not bytes, or too short to hold a seal),
            ``"version"`` (a format version this library does not know),
            ``"authentication"`` (altered, another case's, or the wrong key), or
            ``"content"`` (it opened, but what it holds is no register of this case).
        tenant_id: The tenant the caller expected, kept as an attribute, never put in
            the message (None for a wrapped key).
        case_id: The case, likewise.

    """

    code = "register_integrity"

    def __init__(
        self,
        message: str,
        *,
        problem: str,
        tenant_id: str | None = None,
        case_id: str | None = None,
        field: str = "register",
    ) -> None:
        super().__init__(message, field=field)
        self.problem = problem
        self.tenant_id = tenant_id
        self.case_id = case_id


class SqliteSettingsWarning(UserWarning):
    """
    A SQL store was given a SQLite engine without WAL and ``synchronous=FULL``.

    Without them a crash can lose commands already acknowledged, and readers wait for
    writers. Build the engine with `safeguarding_workflow.stores.sqlite_engine`, or
    install the store's hooks on your own with
    `safeguarding_workflow.stores.configure_sqlite_engine`. A warning, not an error: a
    throwaway database in a test may not care. Silence it with the ``warnings`` module
    if so.

    Added in version 0.1.0.
    """
