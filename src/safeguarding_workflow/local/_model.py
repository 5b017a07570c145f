"""
The values a partnership gives `extend()`: its local rules and its internal targets.

A local rule is the partnership's own: its basis is always local policy (DEC-06), so
nothing it adds reads as statute or statutory guidance. An internal target tightens a
duty of the base pack with a deadline of its own kind, citing one local rule.
"""

from __future__ import annotations

import re
from typing import Any, Final

import attrs

from .._rules import Basis, Rule, Verification
from ..exceptions import ConfigurationError

__all__ = ["InternalTarget", "LocalRule", "UnbornChildren"]

_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,63}")
#: The most working days (or months) a target may name: far beyond any review's timescale.
_MAX_UNITS: Final = 1000


def _text(field: str) -> Any:
    def check(_instance: Any, _attribute: Any, value: Any) -> None:
        if not isinstance(value, str) or not value.strip():
            raise ConfigurationError(f"'{field}' must be a non-empty string", field=field)

    return check


@attrs.frozen
class LocalRule:
    """
    One of a partnership's own rules, for its local rule pack's catalogue.

    Added in version 0.1.0.

    Its basis is local policy (DEC-06), always: a partnership's procedures can tighten
    what statute and guidance ask, never speak for them.

    Attributes:
        id: The rule id, letters, a hyphen and digits (``"PUD-01"``); not an id of the
            base pack's catalogue.
        summary: The rule in a sentence.
        source: Where the partnership sets it, e.g. ``"Puddleby procedures 4.2"``.
        verification: How far its wording has been checked against that source
            (DEC-08); by keyword. ``R`` by default: the library has not read the
            partnership's procedures, so give ``V`` once someone has checked it.
        verification_note: The full status note, where it is compound; by keyword.

    Raises:
        ConfigurationError: a malformed id, an empty summary or source, an unknown status.

    """

    id: str
    summary: str = attrs.field(validator=_text("LocalRule.summary"))
    source: str = attrs.field(validator=_text("LocalRule.source"))
    verification: Verification = attrs.field(default=Verification.R, kw_only=True)
    verification_note: str = attrs.field(default="", kw_only=True)

    def __attrs_post_init__(self) -> None:
        try:
            object.__setattr__(self, "verification", Verification(self.verification))
        except ValueError:
            raise ConfigurationError(
                "'LocalRule.verification' must be one of V, V2, R, I",
                field="LocalRule.verification",
            ) from None
        self.to_rule()  # checks the id as the catalogue does

    def to_rule(self) -> Rule:
        """
        The catalogue entry: a `Rule` with basis local policy.

        Added in version 0.1.0.
        """
        return Rule(
            self.id,
            self.summary,
            self.source,
            self.verification,
            self.verification_note,
            basis=Basis.LOCAL_POLICY,
        )


def _count(field: str) -> Any:
    def check(_instance: Any, _attribute: Any, value: Any) -> None:
        if value is None:
            return
        if type(value) is not int or value == 0 or abs(value) > _MAX_UNITS:
            raise ConfigurationError(
                f"'{field}' must be a whole number other than 0, at most {_MAX_UNITS} either way",
                field=field,
            )

    return check


@attrs.frozen(kw_only=True)
class InternalTarget:
    """
    A partnership's tighter timescale for one duty of the base pack, as a duty of its own.

    Added in version 0.1.0.

    The base duty stays as the base pack raises it. Beside it the local pack raises a
    duty of kind `kind` (``"notify_panel_internal"`` for ``"notify_panel"``), due
    *working_days* (or *months*) from the same anchor, resting on *rule_id* alone, so its
    basis and its timescale's basis are local policy (DEC-06). The steps that meet the
    base duty meet it too. Every field is given by keyword.

    Attributes:
        duty_kind: The base pack's duty kind it tightens, e.g. ``"notify_panel"``.
        rule_id: The local rule that sets it (one of the local pack's rules).
        working_days: Working days from the base duty's anchor (WD-02); negative counts
            back, for a base duty that falls before its anchor.
        months: Calendar months from the anchor (WD-04), for a base duty in months.
        name: The internal duty's kind; ``f"{duty_kind}_internal"`` when not given.
        summary: The internal duty in a sentence; the local rule's summary when not given.

    Raises:
        ConfigurationError: not exactly one of *working_days* and *months*, a count of
            0, or a kind that is not a snake_case name.

    """

    duty_kind: str = attrs.field(validator=_text("InternalTarget.duty_kind"))
    rule_id: str = attrs.field(validator=_text("InternalTarget.rule_id"))
    working_days: int | None = attrs.field(
        default=None, validator=_count("InternalTarget.working_days")
    )
    months: int | None = attrs.field(default=None, validator=_count("InternalTarget.months"))
    name: str = ""
    summary: str = ""

    def __attrs_post_init__(self) -> None:
        if (self.working_days is None) == (self.months is None):
            raise ConfigurationError(
                "an internal target runs in working days or in months: give exactly one",
                field="InternalTarget.working_days",
            )
        if self.months is not None and self.months < 0:
            raise ConfigurationError(
                "'InternalTarget.months' must be 1 or more", field="InternalTarget.months"
            )
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.kind):
            raise ConfigurationError(
                "'InternalTarget.name' must be a snake_case name of at most 64 characters",
                field="InternalTarget.name",
            )
        if not isinstance(self.summary, str):
            raise ConfigurationError(
                "'InternalTarget.summary' must be a string", field="InternalTarget.summary"
            )

    @property
    def kind(self) -> str:
        """The internal duty's kind: *name*, or ``f"{duty_kind}_internal"``."""
        return self.name or f"{self.duty_kind}_internal"

    @property
    def timescale(self) -> tuple[str, int]:
        """``("working_days", n)`` or ``("months", n)``."""
        if self.months is not None:
            return ("months", self.months)
        return ("working_days", self.working_days or 0)


@attrs.frozen(kw_only=True)
class UnbornChildren:
    """
    A partnership's policy of notifying the Panel of harm to unborn children (DEF-03).

    Unborn children are outside s16C (DEC-13): the base pack gives them a finding, never a
    duty. A local pack with this policy raises, for an incident in its area where an
    unborn child died or was seriously harmed and abuse or neglect is known or suspected,
    a ``notify_panel`` duty of its own: due *working_days* after the authority became
    aware, resting on the local rule *rule_id* alone, its basis and its timescale's basis
    local policy, so it never reads as statute. The base lifecycle's ``notify_panel``
    step meets it.

    Example:
        ```python
        from safeguarding_workflow import local

        policy = local.UnbornChildren(rule_id="PUD-07", working_days=5)
        ```

    Added in version 0.1.0.

    Attributes:
        rule_id: The local rule that sets the policy (one of the local pack's rules).
        working_days: The policy's timescale, from the authority's awareness.

    Raises:
        ConfigurationError: the rule id is empty or the timescale is not a positive
            whole number of working days.

    """

    rule_id: str = attrs.field(validator=_text("UnbornChildren.rule_id"))
    working_days: int = attrs.field(validator=_count("UnbornChildren.working_days"))

    def __attrs_post_init__(self) -> None:
        if self.working_days < 0:
            raise ConfigurationError(
                "'UnbornChildren.working_days' must count forward from awareness",
                field="UnbornChildren.working_days",
            )
