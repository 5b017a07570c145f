"""
Incident facts: frozen, slotted value types that carry what the rules need and no more.

No names, dates of birth, addresses, schools or NHS numbers: a child is an age,
a harm and some statuses; places are authority codes. Values are checked when
built; checks that need the clock (nothing in the future) run where a clock is
passed in, see `assess()`.
"""

from __future__ import annotations

import datetime as _dt
import enum
import re
from typing import Any, Final, TypeVar

import attrs
import pendulum

from ._calendar import to_date
from .exceptions import InvalidInputError

__all__ = ["AbuseOrNeglect", "Child", "Harm", "Incident", "Location", "Place"]

_E = TypeVar("_E", bound=enum.StrEnum)
# [0-9], not \d: \d matches the digits of every script ("E0800001٦"), which no code holds.
_GSS: Final = re.compile(r"[ENSW][0-9]{8}")
_LONDON: Final = pendulum.timezone("Europe/London")
#: A bound on ages that catches a date or a typing slip; who is in scope is the rule pack's call.
MAX_AGE: Final = 130
#: The most children one incident may hold. NOT-08's form takes 4 a notification and lists
#: the rest in free text, so an incident may concern more (siblings, a group of children
#: harmed in one setting); 50 leaves room for large groups while bounding the memory and
#: the snapshot of a case (docs/explanation/decisions.md, "Several children").
MAX_CHILDREN: Final = 50


class Harm(enum.StrEnum):
    """
    What happened to a child. Whether harm is *serious* is a practitioner's judgement (DEF-02).

    Added in version 0.1.0.
    """

    DEATH = "death"
    SERIOUS_HARM = "serious_harm"
    HARM_NOT_SERIOUS = "harm_not_serious"


class AbuseOrNeglect(enum.StrEnum):
    """
    Whether abuse or neglect of the child is known or suspected (DEF-01).

    Added in version 0.1.0.
    """

    KNOWN = "known"
    SUSPECTED = "suspected"
    NOT_SUSPECTED = "not_suspected"

    @property
    def known_or_suspected(self) -> bool:
        """True for ``known`` and ``suspected``."""
        return self is not AbuseOrNeglect.NOT_SUSPECTED


class Place(enum.StrEnum):
    """
    Where an incident happened, as the rules distinguish it (NOT-01, NOT-02).

    Added in version 0.1.0.
    """

    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern_ireland"
    OUTSIDE_UK = "outside_uk"


#: The nation of a GSS code, by its first letter (the code's pattern allows these four).
NATION_OF_CODE: Final = {
    "E": Place.ENGLAND,
    "W": Place.WALES,
    "S": Place.SCOTLAND,
    "N": Place.NORTHERN_IRELAND,
}


def _fail(field: str, message: str, *rule_ids: str) -> InvalidInputError:
    return InvalidInputError(f"{field!r} {message}", field=field, rule_ids=rule_ids)


def _optional_gss(field: str) -> Any:
    def check(_instance: Any, _attribute: Any, value: object) -> None:
        if value is not None and (not isinstance(value, str) or not _GSS.fullmatch(value)):
            raise _fail(field, "must be None or an ONS GSS code such as 'E08000016'")

    return check


def _member(kind: type[_E], value: object, field: str) -> _E:
    try:
        return kind(value)  # type: ignore[arg-type]  # a ValueError is the check
    except (ValueError, TypeError):
        choices = ", ".join(repr(m.value) for m in kind)
        raise _fail(field, f"must be one of {choices}") from None


def _to_place(value: object) -> Place:
    return _member(Place, value, "Location.place")


def _to_harm(value: object) -> Harm:
    return _member(Harm, value, "Child.harm")


def _to_abuse_or_neglect(value: object) -> AbuseOrNeglect:
    return _member(AbuseOrNeglect, value, "Incident.abuse_or_neglect")


def _to_since(value: object) -> pendulum.Date | None:
    return None if value is None else to_date(value, "Incident.abuse_or_neglect_since")


def _to_occurred(value: object) -> pendulum.Date | None:
    return None if value is None else to_date(value, "Incident.occurred_on")


def _to_partners_aware(value: object) -> pendulum.Date | None:
    return None if value is None else to_date(value, "Incident.partners_aware_on")


@attrs.frozen
class Location:
    """
    Where the death or serious harm happened.

    Added in version 0.1.0.

    Build it with `england()` (naming the authority whose area it was) or
    `wales()`, `scotland()`, `northern_ireland()`,
    `outside_uk()`.

    Attributes:
        place: The nation, or outside the UK.
        local_authority: GSS code of the authority (or council area) where it
            happened: required in England, optional elsewhere in the UK, absent
            outside it.

    """

    place: Place = attrs.field(converter=_to_place)
    local_authority: str | None = attrs.field(
        default=None, validator=_optional_gss("Location.local_authority")
    )

    def __attrs_post_init__(self) -> None:
        if self.place is Place.ENGLAND and self.local_authority is None:
            raise _fail("Location.local_authority", "is required for an incident in England")
        if self.place is Place.OUTSIDE_UK and self.local_authority is not None:
            raise _fail("Location.local_authority", "must be None outside the UK")
        if (
            self.local_authority is not None
            and NATION_OF_CODE[self.local_authority[0]] is not self.place
        ):
            raise _fail("Location.local_authority", "belongs to another nation than 'place'")

    @classmethod
    def england(cls, local_authority: str) -> Location:
        """In the area of the English authority with this GSS code."""
        return cls(Place.ENGLAND, local_authority)

    @classmethod
    def wales(cls, council: str | None = None) -> Location:
        """In Wales, optionally in the principal council area with this GSS code."""
        return cls(Place.WALES, council)

    @classmethod
    def scotland(cls, council: str | None = None) -> Location:
        """In Scotland, optionally in the council area with this GSS code."""
        return cls(Place.SCOTLAND, council)

    @classmethod
    def northern_ireland(cls, district: str | None = None) -> Location:
        """In Northern Ireland, optionally in the district with this GSS code."""
        return cls(Place.NORTHERN_IRELAND, district)

    @classmethod
    def outside_uk(cls) -> Location:
        """Outside the United Kingdom."""
        return cls(Place.OUTSIDE_UK)


def _check_age(_instance: Any, _attribute: Any, value: Any) -> None:
    if type(value) is not int or not 0 <= value <= MAX_AGE:
        raise _fail("Child.age", f"must be a whole number of years from 0 to {MAX_AGE}")


def _check_unborn(_instance: Any, _attribute: Any, value: Any) -> None:
    if type(value) is not bool:
        raise _fail("Child.unborn", "must be true or false", "DEF-03")


@attrs.frozen
class Child:
    """
    One child (or care leaver) affected by an incident: only the facts the rules need.

    A `Child` is a person who has been born, unless *unborn* is set. Unborn children
    are outside the Panel notification duty: a child is a person under 18, and a fetus
    is not a person until born alive (CA 2004 s65(1), DEC-13); the England pack gives
    an unborn child a finding, never a duty. A child harmed in utero and then born alive
    is in scope, with age 0. Including unborn children is a local policy (DEF-03) that
    a local rule pack may adopt (`safeguarding_workflow.local.UnbornChildren`).

    Added in version 0.1.0.

    Attributes:
        age: Age in whole years when the incident happened (never a date of birth),
            0 to 130. Whom the rules cover (children under 18, care leavers up to
            24 in England) is the rule pack's call: the England pack gives anyone
            else a finding, not an error (DEC-13).
        harm: What happened to them.
        normally_resident_in: GSS code of the authority where they normally live
            (DEF-05), or ``None`` if not normally resident in the UK or unknown.
        looked_after_by: GSS code of the authority looking after them (DEF-04), or
            ``None`` if not looked after.
        care_leaver_of: GSS code of the authority they are a care leaver of
            (NOT-07), or ``None``.
        unborn: An unborn child (age 0, neither looked after nor a care leaver):
            outside the statutory rules, within a local policy that includes them.

    Raises:
        InvalidInputError: a value is malformed or the statuses contradict each other.

    """

    age: int = attrs.field(validator=_check_age)
    harm: Harm = attrs.field(converter=_to_harm)
    normally_resident_in: str | None = attrs.field(
        default=None, validator=_optional_gss("Child.normally_resident_in")
    )
    looked_after_by: str | None = attrs.field(
        default=None, validator=_optional_gss("Child.looked_after_by")
    )
    care_leaver_of: str | None = attrs.field(
        default=None, validator=_optional_gss("Child.care_leaver_of")
    )
    unborn: bool = attrs.field(default=False, kw_only=True, validator=_check_unborn)

    def __attrs_post_init__(self) -> None:
        if self.unborn and (self.age != 0 or self.looked_after or self.care_leaver):
            raise _fail(
                "Child.unborn",
                "an unborn child has age 0 and is neither looked after nor a care leaver",
                "DEF-03",
            )
        if self.looked_after_by is not None and self.care_leaver_of is not None:
            raise _fail(
                "Child.care_leaver_of",
                "cannot be set for a child who is looked after ('looked_after_by' is set)",
                "DEF-04",
                "NOT-07",
            )

    @property
    def looked_after(self) -> bool:
        """Whether the child is looked after by an authority (DEF-04)."""
        return self.looked_after_by is not None

    @property
    def care_leaver(self) -> bool:
        """Whether the person is a care leaver (NOT-07)."""
        return self.care_leaver_of is not None

    @property
    def is_child(self) -> bool:
        """Whether the person is a child the rules cover: born, and under 18 (DEF-03)."""
        return not self.unborn and self.age < 18


def _to_children(value: object) -> tuple[Child, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise _fail("Incident.children", "must be a non-empty list or tuple of Child", "NOT-08")
    if len(value) > MAX_CHILDREN:
        raise _fail(
            "Incident.children",
            f"must hold at most {MAX_CHILDREN} children, the cap the library sets on one incident",
            "NOT-08",
        )
    if not all(isinstance(c, Child) for c in value):
        raise _fail("Incident.children", "must hold only Child values", "NOT-08")
    return tuple(value)


def _to_aware(value: object) -> pendulum.DateTime:
    if not isinstance(value, _dt.datetime) or value.utcoffset() is None:
        raise _fail(
            "Incident.la_aware_at",
            "must be a timezone-aware datetime (the date that counts is the date in Europe/London)",
            "NOT-11",
        )
    aware = pendulum.instance(value)
    try:  # an instant at the calendar's limits (years 1 and 9999) has no date in London
        aware.in_timezone(_LONDON)
    except OverflowError:
        raise _fail(
            "Incident.la_aware_at", "lies too near the limits of the calendar", "NOT-11"
        ) from None
    return aware


@attrs.frozen
class Incident:
    """
    The facts of one incident, which may affect several children (NOT-08).

    Added in version 0.1.0.

    Attributes:
        children: The children affected, at least one and at most 50.
        location: Where the death or harm happened.
        abuse_or_neglect: Whether abuse or neglect is known or suspected.
        la_aware_at: When the local authority became aware of the death or serious
            harm; timezone-aware. The date that counts is its date in
            Europe/London (`la_aware_on`).
        abuse_or_neglect_since: The date abuse or neglect became known or
            suspected, if later than awareness of the incident (DEC-04). ``None``
            means known or suspected from the moment of awareness. Must be
            ``None`` when abuse or neglect is not suspected.
        occurred_on: The date of the death or harm, if known; not after awareness.
        partners_aware_on: The date the safeguarding partners became aware, if the
            host records one. Kept as a fact; it never moves a deadline later than
            the authority's own anchor, as the authority is itself one of the
            partners (DEC-04, revised).

    Raises:
        InvalidInputError: a value is malformed or the facts contradict each other.

    """

    children: tuple[Child, ...] = attrs.field(converter=_to_children)
    location: Location = attrs.field()
    abuse_or_neglect: AbuseOrNeglect = attrs.field(converter=_to_abuse_or_neglect)
    la_aware_at: pendulum.DateTime = attrs.field(converter=_to_aware)
    abuse_or_neglect_since: pendulum.Date | None = attrs.field(default=None, converter=_to_since)
    occurred_on: pendulum.Date | None = attrs.field(default=None, converter=_to_occurred)
    partners_aware_on: pendulum.Date | None = attrs.field(
        default=None, converter=_to_partners_aware
    )

    @location.validator
    def _check_location(self, _attribute: Any, value: object) -> None:
        if not isinstance(value, Location):
            raise _fail("Incident.location", "must be a Location")

    def __attrs_post_init__(self) -> None:
        if self.abuse_or_neglect_since is not None and not self.abuse_or_neglect.known_or_suspected:
            raise _fail(
                "Incident.abuse_or_neglect_since",
                "must be None when abuse or neglect is not suspected",
                "DEC-04",
            )
        if (
            self.partners_aware_on is not None
            and self.occurred_on is not None
            and self.partners_aware_on < self.occurred_on
        ):
            raise _fail("Incident.partners_aware_on", "must not be before the incident", "DEC-04")
        if self.occurred_on is not None and self.occurred_on > self.la_aware_on:
            raise _fail("Incident.occurred_on", "must not be after the date of awareness", "NOT-11")

    @property
    def la_aware_on(self) -> pendulum.Date:
        """The date, in Europe/London, the authority became aware of the incident."""
        return self.la_aware_at.in_timezone(_LONDON).date()

    @property
    def notification_anchor(self) -> pendulum.Date:
        """
        The date the 5-working-day clocks run from (NOT-11, DEC-04).

        The date the authority first both knew of the death or harm and knew or
        suspected abuse or neglect.
        """
        aware = self.la_aware_on
        since = self.abuse_or_neglect_since
        return since if since is not None and since > aware else aware

    def to_dict(self) -> dict[str, Any]:
        """
        The facts as JSON values, keyed by field name; `from_dict()` reads them back.

        `la_aware_at` is written in UTC (``2024-01-03T09:30:00.000000Z``), dates
        ``YYYY-MM-DD`` or null, enums their string values. Every key is written. Its
        schema is ``schemas.schema("incident")``.

        Added in version 0.1.0.
        """
        from ._codec import incident_to_json  # _codec imports this module

        return incident_to_json(self)

    @classmethod
    def from_dict(cls, data: object) -> Incident:
        """
        The facts from JSON values, as a host's API receives them: checked, nothing coerced.

        `children` (each with `age` and `harm`; the authority codes may be left out or
        null), `location` (`place`, and `local_authority` where needed),
        `abuse_or_neglect` and `la_aware_at` (RFC 3339 with an offset, such as
        ``2024-01-03T09:30:00Z`` or ``2024-06-03T10:30:00+01:00``) are required; the
        three dates (``YYYY-MM-DD``) may be left out or null. Keys that are not fields
        are refused. Exactly what ``schemas.schema("incident")`` accepts, save the
        checks a schema cannot make (see `schemas`).

        Added in version 0.1.0.

        Raises:
            InvalidInputError: a key missing or unknown, a value malformed, or facts that
                contradict each other; the error names the field and never echoes a value.

        """
        from ._codec import incident_from_dict  # _codec imports this module

        return incident_from_dict(data)

    def latest_fact_date(self) -> pendulum.Date:
        """The latest date among the facts, for the "nothing in the future" check."""
        dates = [self.la_aware_on, self.notification_anchor]
        if self.partners_aware_on is not None:
            dates.append(self.partners_aware_on)
        return max(dates)
