"""The England pack's settings for a tenant: the rapid-review anchor and the arrangements date."""

from __future__ import annotations

import enum

import attrs
import pendulum

from .._calendar import to_date
from ..exceptions import ConfigurationError, InvalidInputError

__all__ = ["RapidReviewAnchor", "Settings"]


class RapidReviewAnchor(enum.StrEnum):
    """
    The date the 15-working-day rapid-review clock runs from (DOMAIN RR-03).

    ``aware``: the date the safeguarding partners became aware of the incident
    (WT2018 wording; DEC-04 takes the authority's awareness date unless a later
    partners' date is recorded). ``notification_sent``: the date the notification
    was sent to the Panel (Panel guidance, June 2025).

    Added in version 0.1.0.
    """

    AWARE = "aware"
    NOTIFICATION_SENT = "notification_sent"


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
    if value is None:
        return None
    try:
        day = to_date(value, "arrangements_implemented_on")
    except InvalidInputError as error:  # a setting: the host's configuration, not input
        raise ConfigurationError(error.message, field=error.field) from None
    if not pendulum.Date(2018, 6, 29) <= day <= pendulum.Date(2019, 9, 29):
        raise ConfigurationError(
            "'arrangements_implemented_on' must fall from 29 June 2018 to 29 September 2019, "
            "when every area's new arrangements had to be implemented",
            field="arrangements_implemented_on",
            rule_ids=("SCR-07",),
        )
    return day


@attrs.frozen(kw_only=True)
class Settings:
    """
    A tenant's settings for the England pack; give them in ``TenantSettings(packs=[...])``.

    Added in version 0.1.0.

    Attributes:
        rapid_review_anchor: What the rapid-review clock runs from (RR-03).
            Defaults to ``aware``, the earlier and safer date DOMAIN recommends.
        arrangements_implemented_on: The date the partnership's multi-agency
            safeguarding arrangements replaced its LSCB (SCR-07), from 29 June 2018 to
            29 September 2019; None (the default) takes 29 September 2019, the national
            deadline. Incidents the authority learnt of before it fall under the serious
            case review rules (``scr`` before 29 June 2018, ``scr_hybrid`` after).

    Raises:
        ConfigurationError: a setting is malformed.

    """

    rapid_review_anchor: RapidReviewAnchor = attrs.field(
        default=RapidReviewAnchor.AWARE, converter=_to_anchor
    )
    arrangements_implemented_on: pendulum.Date | None = attrs.field(
        default=None, converter=_to_optional_date
    )
