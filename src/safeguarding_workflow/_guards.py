"""
Guards: pure callables that allow a step or refuse it with reasons.

A guard is any callable ``(case, ctx) -> GuardResult``. It never has side
effects and never raises to refuse: it returns a result whose reasons carry
rule ids and citations. Compose guards with `all_()`, `any_()` and
`not_()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final, final

import attrs

from ._case import Case, GuardContext
from ._reason import Reason

__all__ = [
    "ALLOW",
    "Guard",
    "GuardResult",
    "Reason",
    "all_",
    "any_",
    "not_",
    "payload_present",
    "refuse",
]


@attrs.frozen
class GuardResult:
    """
    What a guard decided: allowed, or refused with reasons.

    Added in version 0.1.0.
    """

    allowed: bool
    reasons: tuple[Reason, ...] = ()

    def __bool__(self) -> bool:
        return self.allowed


#: The result of a guard that allows the step.
ALLOW: Final = GuardResult(True)

#: A guard: ``(case, ctx) -> GuardResult``.
Guard = Callable[[Case, GuardContext], GuardResult]


def refuse(
    code: str, message: str, *, rule_ids: Iterable[str] = (), citations: Iterable[str] = ()
) -> GuardResult:
    """
    A refusal with one reason.

    Added in version 0.1.0.
    """
    return GuardResult(False, (Reason(code, message, tuple(rule_ids), tuple(citations)),))


class _Combined:
    """Guards combined by `all_()` or `any_()`; subclasses say how."""

    __slots__ = ("guards",)
    _name = ""

    def __init__(self, guards: tuple[Guard, ...]) -> None:
        self.guards = guards

    def __repr__(self) -> str:
        return f"{self._name}({', '.join(map(repr, self.guards))})"


@final
class _All(_Combined):
    __slots__ = ()
    _name = "all_"

    def __call__(self, case: Case, ctx: GuardContext) -> GuardResult:
        reasons: list[Reason] = []
        for guard in self.guards:
            result = guard(case, ctx)
            if not result.allowed:
                reasons.extend(result.reasons)
        return GuardResult(False, tuple(reasons)) if reasons else ALLOW


@final
class _Any(_Combined):
    __slots__ = ()
    _name = "any_"

    def __call__(self, case: Case, ctx: GuardContext) -> GuardResult:
        reasons: list[Reason] = []
        for guard in self.guards:
            result = guard(case, ctx)
            if result.allowed:
                return ALLOW
            reasons.extend(result.reasons)
        return GuardResult(False, tuple(reasons))


@final
class _Not:
    __slots__ = ("guard", "reason")

    def __init__(self, guard: Guard, reason: Reason) -> None:
        self.guard = guard
        self.reason = reason

    def __call__(self, case: Case, ctx: GuardContext) -> GuardResult:
        return GuardResult(False, (self.reason,)) if self.guard(case, ctx).allowed else ALLOW

    def __repr__(self) -> str:
        return f"not_({self.guard!r})"


def all_(*guards: Guard) -> Guard:
    """
    A guard that allows when every one of *guards* allows; it reports every refusal.

    Added in version 0.1.0.
    """
    return _All(guards)


def any_(*guards: Guard) -> Guard:
    """
    A guard that allows when any of *guards* allows; refused, it reports all their reasons.

    Added in version 0.1.0.
    """
    return _Any(guards)


def not_(guard: Guard, reason: Reason) -> Guard:
    """
    A guard that allows when *guard* refuses, and refuses with *reason* when it allows.

    Added in version 0.1.0.
    """
    return _Not(guard, reason)


@final
class _PayloadPresent:
    __slots__ = ("citations", "field", "rule_ids")

    def __init__(self, field: str, rule_ids: tuple[str, ...], citations: tuple[str, ...]) -> None:
        self.field = field
        self.rule_ids = rule_ids
        self.citations = citations

    def __call__(self, case: Case, ctx: GuardContext) -> GuardResult:
        value: Any = ctx.payload.get(self.field)
        if value in (None, "", (), [], False):
            return refuse(
                "payload_missing",
                f"the step needs {self.field!r} in its payload",
                rule_ids=self.rule_ids,
                citations=self.citations,
            )
        return ALLOW

    def __repr__(self) -> str:
        return f"payload_present({self.field!r})"


def payload_present(
    field: str, *, rule_ids: Iterable[str] = (), citations: Iterable[str] = ()
) -> Guard:
    """
    A guard that refuses unless the command's payload has a non-empty, non-false *field*.

    Added in version 0.1.0.
    """
    return _PayloadPresent(field, tuple(rule_ids), tuple(citations))
