"""
Per-tenant settings (DESIGN "Tenancy"): one validated, immutable object per tenant.

The core knows only what every pack shares: the tenant's id and its calendar
additions. Each rule pack defines its own settings type (the England pack's
rapid-review anchor, say), and a tenant carries one value of it per pack.
"""

from __future__ import annotations

import re
from typing import Any, Final, TypeVar

import attrs

from ._calendar import HolidayAddition, WorkingDayCalendar
from ._identifiers import looks_like_nhs_number
from ._retention import RetentionRule
from .exceptions import ConfigurationError

__all__ = ["TenantSettings"]

_T = TypeVar("_T")

_TENANT_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


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


def _check_retention(_instance: Any, _attribute: Any, value: Any) -> None:
    if value is not None and not isinstance(value, RetentionRule):
        raise ConfigurationError("'retention' must be a RetentionRule or None", field="retention")


def _to_packs(value: object) -> tuple[object, ...]:
    if not isinstance(value, list | tuple):
        raise ConfigurationError(
            "'packs' must be a list or tuple of rule packs' settings", field="packs"
        )
    kinds = [type(v) for v in value]
    if len(set(kinds)) != len(kinds):
        raise ConfigurationError("'packs' holds two settings of one kind", field="packs")
    return tuple(value)


@attrs.frozen
class TenantSettings:
    """
    The settings of one tenant: a local authority or safeguarding partnership.

    Added in version 0.1.0.

    Attributes:
        tenant_id: Opaque id of the tenant (1-64 of ``A-Z a-z 0-9 _ . : -``).
        calendar_additions: Bank holidays proclaimed after this library release
            (DEC-02), applied to every calendar the tenant's assessments build.
        packs: The tenant's settings for each rule pack, one value per pack's
            settings type, e.g. ``[sw.england.Settings(rapid_review_anchor="aware")]``.
            A pack whose settings are not given uses its defaults (see `of`).
        retention: How long the tenant keeps a closed case's identifier register
            (`safeguarding_workflow.personal.RetentionRule`). None (the default) means
            no register of the tenant can be disposed of: the library sets no period
            of its own, as no rule in its catalogue sets one.

    Raises:
        ConfigurationError: a setting is missing or malformed.

    """

    tenant_id: str = attrs.field(validator=_check_tenant_id)
    calendar_additions: tuple[HolidayAddition, ...] = attrs.field(
        default=(), converter=_to_additions, kw_only=True
    )
    packs: tuple[object, ...] = attrs.field(default=(), converter=_to_packs, kw_only=True)
    retention: RetentionRule | None = attrs.field(
        default=None, kw_only=True, validator=_check_retention
    )

    def of(self, kind: type[_T]) -> _T:
        """
        The tenant's settings of a pack's settings type *kind*, or that type's defaults.

        Added in version 0.1.0.

        Raises:
            ConfigurationError: none are given and *kind* has required settings.

        """
        for value in self.packs:
            if type(value) is kind:
                return value
        try:
            return kind()
        except TypeError:
            raise ConfigurationError(
                f"the tenant has no {kind.__name__} and it has required settings",
                field="packs",
            ) from None

    def england_and_wales_calendar(self) -> WorkingDayCalendar:
        """
        The England and Wales calendar with this tenant's additions.

        Added in version 0.1.0.
        """
        return WorkingDayCalendar.england_and_wales(additions=self.calendar_additions)
