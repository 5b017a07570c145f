"""
Working days, bank holidays and calendar months (DOMAIN WD-01 to WD-04, DEC-01 to DEC-03).

The calendar answers every question through precomputed tables, so the cost of
a call does not grow with the number of days counted: a list of the working
days in the supported range, and for each day of the range the number of
working days up to and including it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Final, final

import attrs
import holidays as _holidays
import pendulum

from .exceptions import ConfigurationError, InvalidInputError, OutsideSupportedRangeError

__all__ = [
    "FIRST_SUPPORTED_YEAR",
    "OFFICIAL_LIST_LAST_YEAR",
    "HolidayAddition",
    "WorkingDayCalendar",
    "to_date",
]

FIRST_SUPPORTED_YEAR: Final = 2000
"""First year for which working days are answered (DOMAIN DEC-02)."""
OFFICIAL_LIST_LAST_YEAR: Final = 2028
"""Last year covered by the official GOV.UK bank-holiday list this release knows (DEC-02)."""
#: The furthest year a host may ask rule-projected holidays for.
_MAX_PROJECTED_YEAR: Final = 2100

_SUBDIVISIONS: Final = {
    "england_and_wales": ("ENG", "England and Wales"),
    "scotland": ("SCT", "Scotland"),
    "northern_ireland": ("NIR", "Northern Ireland"),
}


def to_date(value: object, field: str) -> pendulum.Date:
    """
    Return *value* as a `pendulum.Date`, accepting `datetime.date` too.

    Added in version 0.1.0.

    A `datetime.datetime` is refused: which day it falls on depends on a
    time zone, so the caller must say which date it means.

    Raises:
        InvalidInputError: *value* is not a date.

    """
    cls = type(value)
    if cls is pendulum.Date:
        return value  # type: ignore[return-value]  # checked by the line above
    if cls is _dt.date:
        return pendulum.Date(value.year, value.month, value.day)  # type: ignore[attr-defined]
    if isinstance(value, _dt.datetime):
        raise InvalidInputError(
            f"{field!r} must be a date, not a datetime: convert it to the date in "
            "Europe/London (or the date it really means) first",
            field=field,
        )
    if isinstance(value, _dt.date):
        return pendulum.Date(value.year, value.month, value.day)
    raise InvalidInputError(f"{field!r} must be a datetime.date or pendulum.Date", field=field)


def _to_addition_date(value: object) -> pendulum.Date:
    return to_date(value, "HolidayAddition.date")


@attrs.frozen
class HolidayAddition:
    """
    A bank holiday the host adds to a calendar: a newly proclaimed day (DOMAIN DEC-02).

    Added in version 0.1.0.

    Attributes:
        date: The day that is no longer a working day.
        reason: Why, in words fit for a history record (e.g. "Proclaimed bank holiday").

    """

    date: pendulum.Date = attrs.field(converter=_to_addition_date)
    reason: str = attrs.field(default="Host-added bank holiday")

    @reason.validator
    def _check_reason(self, _attribute: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise InvalidInputError(
                "'HolidayAddition.reason' must be a non-empty string of at most 200 characters",
                field="HolidayAddition.reason",
            )


@lru_cache(maxsize=16)
def _package_holidays(subdivision: str, first_year: int, last_year: int) -> frozenset[_dt.date]:
    """
    Weekday bank holidays from the ``holidays`` package, observed days included (DEC-01).

    The package lists some holidays on their nominal weekend dates besides the
    substitute weekday; those weekend dates change nothing for counting, so only
    weekdays are kept. Cached because the package takes tens of milliseconds a
    decade; the cached value is immutable.
    """
    table = _holidays.country_holidays(
        "GB", subdiv=subdivision, years=range(first_year, last_year + 1), observed=True
    )
    return frozenset(day for day in table if day.weekday() < 5)


@final
class WorkingDayCalendar:
    """
    Working-day arithmetic for one nation's bank holidays (DOMAIN WD-01 to WD-04).

    A working day is Monday to Friday, bank holidays excepted (WD-01). Build one
    with `england_and_wales()`, `scotland()` or `northern_ireland()`
    (DEC-03). Each answers for dates from 1 January 2000 to the end of the last
    year of the official GOV.UK list (DEC-02); a date outside raises
    `OutsideSupportedRangeError`, unless
    the host passes its own holiday list for later years or opts in to
    rule-projected holidays, whose years are then listed in
    `projected_years`.

    Every method accepts a `datetime.date` as well as a
    `pendulum.Date` and returns pendulum dates. A calendar is immutable;
    `with_additions()` returns a new one.

    Its `fingerprint` (``"england_and_wales:3f0c…"``: the nation and 16 hex digits of a
    SHA-256 over every day it does not count, its last day and its projected years)
    changes when any answer it gives could: a new release of the ``holidays`` data, a
    host's list, an addition. Every due date a workflow computes carries it
    ([`Deadline.fingerprint`][safeguarding_workflow.Deadline]).

    Added in version 0.1.0.
    """

    __slots__ = (
        "_base",
        "_count",
        "_days",
        "_holidays",
        "_host_years",
        "_key",
        "_project_until",
        "_working",
        "additions",
        "fingerprint",
        "first_day",
        "last_day",
        "name",
        "projected_years",
    )

    name: str
    first_day: pendulum.Date
    last_day: pendulum.Date
    projected_years: frozenset[int]
    additions: tuple[HolidayAddition, ...]
    fingerprint: str

    def __init__(
        self,
        key: str,
        *,
        holidays_for_years: Mapping[int, Iterable[_dt.date]] | None = None,
        project_until: int | None = None,
        additions: Iterable[HolidayAddition] = (),
    ) -> None:
        if type(key) is not str or key not in _SUBDIVISIONS:
            raise ConfigurationError(
                f"unknown calendar; use one of {sorted(_SUBDIVISIONS)}", field="calendar"
            )
        subdivision, name = _SUBDIVISIONS[key]
        host_years = _check_host_years(holidays_for_years)
        last_known = max([OFFICIAL_LIST_LAST_YEAR, *host_years])
        if project_until is not None:
            if (
                type(project_until) is not int
                or not last_known <= project_until <= _MAX_PROJECTED_YEAR
            ):
                raise ConfigurationError(
                    f"'project_until' must be a year from {last_known} to {_MAX_PROJECTED_YEAR}",
                    field="project_until",
                    rule_ids=("DEC-02",),
                )
            last_year = project_until
        else:
            last_year = last_known
        projected = frozenset(range(last_known + 1, last_year + 1))
        official_and_projected = _package_holidays(
            subdivision, FIRST_SUPPORTED_YEAR, max(OFFICIAL_LIST_LAST_YEAR, last_year)
        )
        days_off = {
            d
            for d in official_and_projected
            if d.year <= OFFICIAL_LIST_LAST_YEAR or d.year in projected
        }
        for year_days in host_years.values():
            days_off.update(year_days)
        checked_additions = tuple(
            _check_addition(a, last_year) for a in _items(additions, "additions")
        )
        days_off.update(a.date for a in checked_additions)

        self._key = key
        self._host_years = host_years
        self._project_until = project_until
        self.name = name
        self.first_day = pendulum.Date(FIRST_SUPPORTED_YEAR, 1, 1)
        self.last_day = pendulum.Date(last_year, 12, 31)
        self.projected_years = projected
        self.additions = checked_additions
        self._base = self.first_day.toordinal()
        size = self.last_day.toordinal() - self._base + 1
        working = bytearray(size)
        count = [0] * size
        days: list[pendulum.Date] = []
        running = 0
        for i in range(size):
            day = pendulum.Date.fromordinal(self._base + i)
            if day.weekday() < 5 and day not in days_off:
                working[i] = 1
                running += 1
                days.append(day)
            count[i] = running
        self._working = bytes(working)
        self._count = count
        self._days = days
        self._holidays = frozenset(
            pendulum.Date(d.year, d.month, d.day)
            for d in days_off
            if self.first_day <= d <= self.last_day and d.weekday() < 5
        )
        self.fingerprint = _fingerprint(key, self.last_day, projected, self._holidays)

    # -- constructors -------------------------------------------------------------------------

    @classmethod
    def england_and_wales(
        cls,
        *,
        holidays_for_years: Mapping[int, Iterable[_dt.date]] | None = None,
        project_until: int | None = None,
        additions: Iterable[HolidayAddition] = (),
    ) -> WorkingDayCalendar:
        """
        The calendar of England and Wales, which share one bank-holiday list (WD-01, DEC-03).

        Added in version 0.1.0.

        Args:
            holidays_for_years: The host's own bank-holiday list for years after the
                official list, as ``{year: [dates]}``; those years are then supported
                and not projected (DEC-02). Years must follow on from the official
                list without a gap.
            project_until: Opt in to rule-projected holidays up to the end of this
                year; those years appear in `projected_years` (DEC-02).
            additions: Bank holidays proclaimed after this release (DEC-02).

        Raises:
            ConfigurationError: an option is malformed.

        """
        return cls(
            "england_and_wales",
            holidays_for_years=holidays_for_years,
            project_until=project_until,
            additions=additions,
        )

    @classmethod
    def scotland(
        cls,
        *,
        holidays_for_years: Mapping[int, Iterable[_dt.date]] | None = None,
        project_until: int | None = None,
        additions: Iterable[HolidayAddition] = (),
    ) -> WorkingDayCalendar:
        """
        The calendar of Scotland's bank holidays (DEC-03).

        Options as `england_and_wales()`.

        Added in version 0.1.0.
        """
        return cls(
            "scotland",
            holidays_for_years=holidays_for_years,
            project_until=project_until,
            additions=additions,
        )

    @classmethod
    def northern_ireland(
        cls,
        *,
        holidays_for_years: Mapping[int, Iterable[_dt.date]] | None = None,
        project_until: int | None = None,
        additions: Iterable[HolidayAddition] = (),
    ) -> WorkingDayCalendar:
        """
        The calendar of Northern Ireland's bank holidays (DEC-03).

        Options as `england_and_wales()`.

        Added in version 0.1.0.
        """
        return cls(
            "northern_ireland",
            holidays_for_years=holidays_for_years,
            project_until=project_until,
            additions=additions,
        )

    def with_additions(self, *additions: HolidayAddition) -> WorkingDayCalendar:
        """
        Return a new calendar that also treats *additions* as bank holidays (DEC-02).

        Deadlines already computed do not change by themselves: recompute them
        against the new calendar (for an assessment,
        `recompute()`), which records what moved.

        Added in version 0.1.0.
        """
        return WorkingDayCalendar(
            self._key,
            holidays_for_years=self._host_years,
            project_until=self._project_until,
            additions=(*self.additions, *additions),
        )

    # -- queries ------------------------------------------------------------------------------

    def _index(self, value: object, field: str) -> int:
        cls = type(value)
        if cls is pendulum.Date or cls is _dt.date:
            i: int = value.toordinal() - self._base  # type: ignore[attr-defined]
        else:
            i = to_date(value, field).toordinal() - self._base
        if 0 <= i < len(self._working):
            return i
        year = to_date(value, field).year
        raise OutsideSupportedRangeError(
            f"{field!r} falls in {year}, outside the range this calendar answers for "
            f"({self.first_day.year} to {self.last_day.year}); pass holidays_for_years or "
            "project_until to go further",
            field=field,
            rule_ids=("DEC-02",),
        )

    def is_working_day(self, day: _dt.date) -> bool:
        """
        Whether *day* is a working day: Monday to Friday and not a bank holiday (WD-01).

        Added in version 0.1.0.

        Raises:
            OutsideSupportedRangeError: *day* lies outside the supported range.

        """
        return bool(self._working[self._index(day, "day")])

    def add_working_days(self, day: _dt.date, n: int, *, inclusive: bool = False) -> pendulum.Date:
        """
        The *n*-th working day after *day* (or before it, for negative *n*), per WD-02.

        Added in version 0.1.0.

        *day* itself is never counted: ``add_working_days(d, 5)`` is the fifth
        working day after *d*, and ``add_working_days(d, -7)`` the seventh before
        it. With ``n == 0`` the result is *day* if it is a working day, else the
        next working day. ``inclusive=True`` counts *day* (or, if it is not a
        working day, the next one) as day 1, which moves the result one working
        day towards *day*.

        Raises:
            InvalidInputError: *n* is not an integer.
            OutsideSupportedRangeError: *day* or the result lies outside the supported range.

        """
        if type(n) is not int:
            raise InvalidInputError("'n' must be an int", field="n")
        i = self._index(day, "day")
        if inclusive and n:
            n = n - 1 if n > 0 else n + 1
        # _count[i] working days lie on or before day; _days[k] is the (k+1)-th working day.
        j = self._count[i] + n - (1 if n > 0 else self._working[i])
        if 0 <= j < len(self._days):
            return self._days[j]
        raise OutsideSupportedRangeError(
            f"the result of adding {n} working days falls outside the range this calendar "
            f"answers for ({self.first_day.year} to {self.last_day.year})",
            field="n",
            rule_ids=("DEC-02",),
        )

    def _counter(self) -> Callable[[_dt.date], int | None]:
        """
        The number of working days from the calendar's first day up to and including a date.

        None for a date outside the calendar's range. For many dates at once (a page of
        deadlines): one list look-up a date, without `working_days_between`'s checks.
        """
        count, base, size = self._count, self._base, len(self._count)

        def working_days_to(day: _dt.date) -> int | None:
            i = day.toordinal() - base
            return count[i] if 0 <= i < size else None

        return working_days_to

    def working_days_between(self, start: _dt.date, end: _dt.date) -> int:
        """
        The number of working days after *start*, up to and including *end* (WD-02).

        Added in version 0.1.0.

        When *end* is before *start* the result is ``-working_days_between(end, start)``.

        Raises:
            OutsideSupportedRangeError: either date lies outside the supported range.

        """
        return self._count[self._index(end, "end")] - self._count[self._index(start, "start")]

    def add_months(self, day: _dt.date, months: int) -> pendulum.Date:
        """
        *day* plus *months* calendar months, by the corresponding-date rule (WD-04).

        Added in version 0.1.0.

        The period ends on the same-numbered day of the month; where that day
        does not exist, on the last day of the month (31 August plus six months
        is 28 or 29 February). The result is not moved to a working day: check
        it with `is_working_day()` and say so where it matters.

        Raises:
            InvalidInputError: *day* is not a date, *months* not an int, or the result
                falls outside the calendar's years (1 to 9999).

        """
        if type(months) is not int:
            raise InvalidInputError("'months' must be an int", field="months")
        start = to_date(day, "day")
        try:
            return start.add(months=months)
        except (ValueError, OverflowError):  # past year 9999, or more months than C can hold
            raise InvalidInputError(
                "'months' takes the date outside the calendar's years (1 to 9999)", field="months"
            ) from None

    def bank_holidays(self, year: int) -> tuple[pendulum.Date, ...]:
        """
        The weekday bank holidays of *year*, in order, additions included (DEC-01).

        Added in version 0.1.0.

        Raises:
            OutsideSupportedRangeError: *year* lies outside the supported range.

        """
        if type(year) is not int or not self.first_day.year <= year <= self.last_day.year:
            raise OutsideSupportedRangeError(
                f"'year' must be from {self.first_day.year} to {self.last_day.year}",
                field="year",
                rule_ids=("DEC-02",),
            )
        return tuple(sorted(d for d in self._holidays if d.year == year))

    def is_projected(self, start: _dt.date, end: _dt.date | None = None) -> bool:
        """
        Whether a date, or any year from *start* to *end*, uses rule-projected holidays (DEC-02).

        A deadline computed from *start* to *end* is projected when this is true.

        Added in version 0.1.0.
        """
        if not self.projected_years:
            return False
        first = to_date(start, "start").year
        last = first if end is None else to_date(end, "end").year
        low, high = min(first, last), max(first, last)
        return any(low <= year <= high for year in self.projected_years)

    def __repr__(self) -> str:
        extra = f", projected={sorted(self.projected_years)}" if self.projected_years else ""
        return (
            f"<WorkingDayCalendar {self.name} {self.first_day.year}-{self.last_day.year}"
            f"{extra}, additions={len(self.additions)}>"
        )


def _fingerprint(
    key: str, last_day: pendulum.Date, projected: frozenset[int], holidays: frozenset[pendulum.Date]
) -> str:
    """
    ``<calendar>:<16 hex digits>``: SHA-256 of what decides every answer the calendar gives.

    That is its nation, its last day, its projected years and every weekday it does not
    count (the ``holidays`` package's days, the host's years and additions alike), so a
    new release of the holiday data or a new addition gives a new fingerprint, and
    the same days give the same one whichever way they came.
    """
    text = "|".join(
        [
            key,
            last_day.isoformat(),
            ",".join(str(y) for y in sorted(projected)),
            ",".join(d.isoformat() for d in sorted(holidays)),
        ]
    )
    return f"{key}:{hashlib.sha256(text.encode('ascii')).hexdigest()[:16]}"


def _check_host_years(
    holidays_for_years: Mapping[int, Iterable[_dt.date]] | None,
) -> dict[int, frozenset[_dt.date]]:
    if holidays_for_years is None:
        return {}
    if not isinstance(holidays_for_years, Mapping):
        raise ConfigurationError(
            "'holidays_for_years' must map a year to its bank holidays",
            field="holidays_for_years",
        )
    checked: dict[int, frozenset[_dt.date]] = {}
    for year, days in holidays_for_years.items():
        if type(year) is not int or year <= OFFICIAL_LIST_LAST_YEAR or year > _MAX_PROJECTED_YEAR:
            raise ConfigurationError(
                f"'holidays_for_years' keys must be years after {OFFICIAL_LIST_LAST_YEAR} "
                "(the official list covers the years before)",
                field="holidays_for_years",
                rule_ids=("DEC-02",),
            )
        converted = frozenset(
            to_date(d, "holidays_for_years") for d in _items(days, "holidays_for_years")
        )
        if any(d.year != year for d in converted):
            raise ConfigurationError(
                "'holidays_for_years' lists a date under the wrong year",
                field="holidays_for_years",
            )
        checked[year] = converted
    expected = list(range(OFFICIAL_LIST_LAST_YEAR + 1, OFFICIAL_LIST_LAST_YEAR + 1 + len(checked)))
    if sorted(checked) != expected:
        raise ConfigurationError(
            "'holidays_for_years' must cover consecutive years straight after the official list "
            f"(from {OFFICIAL_LIST_LAST_YEAR + 1})",
            field="holidays_for_years",
            rule_ids=("DEC-02",),
        )
    return checked


def _items(value: object, field: str) -> tuple[object, ...]:
    """The items of a list, tuple or other collection; anything else is refused by *field*."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ConfigurationError(f"{field!r} must be a list or tuple", field=field)
    return tuple(value)


def _check_addition(addition: object, last_year: int) -> HolidayAddition:
    if not isinstance(addition, HolidayAddition):
        raise ConfigurationError(
            "'additions' must hold HolidayAddition values", field="additions", rule_ids=("DEC-02",)
        )
    if not FIRST_SUPPORTED_YEAR <= addition.date.year <= last_year:
        raise ConfigurationError(
            f"'HolidayAddition.date' must fall from {FIRST_SUPPORTED_YEAR} to {last_year}, "
            "the years this calendar answers for",
            field="HolidayAddition.date",
            rule_ids=("DEC-02",),
        )
    if addition.date.weekday() >= 5:
        raise ConfigurationError(
            "'HolidayAddition.date' falls on a weekend, which is never a working day",
            field="HolidayAddition.date",
            rule_ids=("DEC-02", "WD-01"),
        )
    return addition
