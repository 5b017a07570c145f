"""Per-tenant settings (DESIGN "Tenancy"): one validated, immutable object per tenant."""

from __future__ import annotations

import enum
import re
from typing import Any, Final

import attrs
import pendulum

from ._calendar import HolidayAddition, WorkingDayCalendar, to_date
from ._identifiers import looks_like_nhs_number
from .exceptions import ConfigurationError

__all__ = ["RapidReviewAnchor", "TenantSettings"]

_TENANT_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


class RapidReviewAnchor(enum.StrEnum):
    """
    The date the 15-working-day rapid-review clock runs from (DOMAIN RR-03).

    ``aware``: the date the safeguarding partners became aware of the incident
    (WT2018 wording; DEC-04 takes the authority's awareness date unless a later
    partners' date is recorded). ``notification_sent``: the date the notification
    was sent to the Panel (Panel guidance, June 2025).

    .. versionadded:: 0.1.0
    """

    AWARE = "aware"
    NOTIFICATION_SENT = "notification_sent"


def _check_tenant_id(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or not _TENANT_ID.fullmatch(value):
        raise ConfigurationError(
            "'tenant_id' must be 1 to 64 letters, digits or '_.:-', starting with a letter "
            "or digit",
            field="tenant_id",
        )
    if looks_like_nhs_number(value):
        raise ConfigurationError(
            "'tenant_id' looks like it holds an NHS number: use an opaque id instead",
            field="tenant_id",
        )


def _to_anchor(value: object) -> RapidReviewAnchor:
    try:
        return RapidReviewAnchor(value)  # type: ignore[arg-type]  # a ValueError is the check
    except ValueError:
        raise ConfigurationError(
            "'rapid_review_anchor' must be 'aware' or 'notification_sent'",
            field="rapid_review_anchor",
            rule_ids=("RR-03",),
        ) from None


def _to_optional_date(value: object) -> pendulum.Date | None:
    return None if value is None else to_date(value, "arrangements_implemented_on")


def _to_additions(value: object) -> tuple[HolidayAddition, ...]:
    if isinstance(value, HolidayAddition) or not isinstance(value, list | tuple):
        raise ConfigurationError(
            "'calendar_additions' must be a list or tuple of HolidayAddition",
            field="calendar_additions",
        )
    if not all(isinstance(a, HolidayAddition) for a in value):
        raise ConfigurationError(
            "'calendar_additions' must hold only HolidayAddition values",
            field="calendar_additions",
        )
    return tuple(value)


@attrs.frozen
class TenantSettings:
    """
    The settings of one tenant: a local authority or safeguarding partnership.

    Args:
        tenant_id: Opaque id of the tenant (1-64 of ``A-Z a-z 0-9 _ . : -``).
        rapid_review_anchor: What the rapid-review clock runs from (RR-03).
            Defaults to ``aware``, the earlier and safer date DOMAIN recommends.
        arrangements_implemented_on: The date the partnership's multi-agency
            safeguarding arrangements replaced its LSCB (SCR-07), if known. Used by
            the legacy serious case review rule pack when it arrives.
        calendar_additions: Bank holidays proclaimed after this library release
            (DEC-02), applied to every calendar the tenant's assessments build.

    Raises:
        ConfigurationError: a setting is missing or malformed.

    .. versionadded:: 0.1.0

    """

    tenant_id: str = attrs.field(validator=_check_tenant_id)
    rapid_review_anchor: RapidReviewAnchor = attrs.field(
        default=RapidReviewAnchor.AWARE, converter=_to_anchor
    )
    arrangements_implemented_on: pendulum.Date | None = attrs.field(
        default=None, converter=_to_optional_date
    )
    calendar_additions: tuple[HolidayAddition, ...] = attrs.field(
        default=(), converter=_to_additions
    )

    def england_and_wales_calendar(self) -> WorkingDayCalendar:
        """
        The England and Wales calendar with this tenant's additions.

        .. versionadded:: 0.1.0
        """
        return WorkingDayCalendar.england_and_wales(additions=self.calendar_additions)
