"""
Retention: how long a tenant keeps a closed case's identifier register, and where it stands.

No statute or guidance in the rule catalogue sets a retention period for safeguarding
review records (DOMAIN has none), so the library sets none: a tenant that disposes of
registers gives its own `RetentionRule`, a period counted from the case's closing date
and the reference of the entry in its records retention schedule that sets it. A legal
hold (litigation, an inquiry, a coroner's request) suspends disposal until it is lifted.
"""

from __future__ import annotations

from typing import Any

import attrs
import pendulum

from ._identifiers import check_reference
from .exceptions import ConfigurationError, InvalidInputError

__all__ = ["RetentionRule", "RetentionStatus"]

#: The longest retention period accepted, in months (a hundred years).
_MAX_MONTHS = 1200


def _check_reference(_instance: Any, _attribute: Any, value: Any) -> None:
    try:
        check_reference(value, "RetentionRule.reference")
    except InvalidInputError as error:
        raise ConfigurationError(error.message, field="RetentionRule.reference") from None


def _check_count(_instance: Any, attribute: Any, value: Any) -> None:
    if type(value) is not int or value < 0:
        raise ConfigurationError(
            f"'RetentionRule.{attribute.name}' must be a whole number, 0 or more",
            field=f"RetentionRule.{attribute.name}",
        )


@attrs.frozen
class RetentionRule:
    """
    A tenant's retention period for identifier registers, counted from a case's closing date.

    A case closes when its lifecycle reaches a terminal state (``closed``,
    ``not_notifiable``, ``withdrawn`` in the England pack); the closing date is that
    step's ``occurred_at`` as dated in Europe/London. The period ends *years* and
    *months* later, by the corresponding-date rule (WD-04: 29 February plus one year is
    28 February), and the register may be disposed of on that day or after.

    Example:
        ```python
        import safeguarding_workflow as sw
        from safeguarding_workflow.personal import RetentionRule

        sw.TenantSettings(
            "tenant-1", retention=RetentionRule("RRS 4.2", years=25)
        )
        ```

    Added in version 0.1.0.

    Attributes:
        reference: The entry of the tenant's records retention schedule that sets the
            period (an opaque reference such as ``RRS 4.2``); every disposal record
            names it.
        years: Whole years of the period.
        months: Further whole months.

    Raises:
        ConfigurationError: the reference is not an opaque reference, a count is not a
            whole number of 0 or more, or the period is empty or over 100 years.

    """

    reference: str = attrs.field(validator=_check_reference)
    years: int = attrs.field(default=0, kw_only=True, validator=_check_count)
    months: int = attrs.field(default=0, kw_only=True, validator=_check_count)

    def __attrs_post_init__(self) -> None:
        total = self.total_months
        if not 0 < total <= _MAX_MONTHS:
            raise ConfigurationError(
                "a retention period must be longer than nothing and at most 100 years",
                field="RetentionRule.years",
            )

    @property
    def total_months(self) -> int:
        """
        The period in months.

        Added in version 0.1.0.
        """
        return self.years * 12 + self.months

    def ends_on(self, closed_on: pendulum.Date) -> pendulum.Date:
        """
        The first day a register of a case closed on *closed_on* may be disposed of.

        Added in version 0.1.0.
        """
        return closed_on.add(months=self.total_months)

    def to_dict(self) -> dict[str, Any]:
        """
        The rule's JSON form: ``reference``, ``years``, ``months``.

        Added in version 0.1.0.
        """
        return {"reference": self.reference, "years": self.years, "months": self.months}


@attrs.frozen
class RetentionStatus:
    """
    Where one case stands on retention: closed or not, holds, and when it may be disposed of.

    What `Workflow.retention` answers, from the case's history and the tenant's rule.

    Added in version 0.1.0.

    Attributes:
        case_id: The case.
        closed_on: The closing date (Europe/London), or None while the case is open.
        rule: The tenant's retention rule, or None when it has none.
        ends_on: The first day of disposal, or None while the case is open or the
            tenant has no rule.
        holds: The references of the legal holds in force, in the order placed.
        disposed_on: The day the register was disposed of, or None.
        disposable: Whether `Workflow.dispose` would dispose of it on *as_of*.
        as_of: The day the answer is for (Europe/London).

    """

    case_id: str
    closed_on: pendulum.Date | None
    rule: RetentionRule | None
    ends_on: pendulum.Date | None
    holds: tuple[str, ...]
    disposed_on: pendulum.Date | None
    as_of: pendulum.Date

    @property
    def disposable(self) -> bool:
        """
        Closed, period ended by *as_of*, no hold, not yet disposed of.

        Added in version 0.1.0.
        """
        return (
            self.ends_on is not None
            and self.ends_on <= self.as_of
            and not self.holds
            and self.disposed_on is None
        )

    def to_dict(self) -> dict[str, Any]:
        """
        The status's JSON form (dates as ISO text, or null).

        Added in version 0.1.0.
        """

        def day(value: pendulum.Date | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "case_id": self.case_id,
            "closed_on": day(self.closed_on),
            "rule": None if self.rule is None else self.rule.to_dict(),
            "ends_on": day(self.ends_on),
            "holds": list(self.holds),
            "disposed_on": day(self.disposed_on),
            "disposable": self.disposable,
            "as_of": self.as_of.isoformat(),
        }
