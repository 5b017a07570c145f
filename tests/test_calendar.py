"""WorkingDayCalendar: DOMAIN WD-01 to WD-04 and DEC-01 to DEC-03."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import safeguarding_workflow as sw

D = pendulum.date
FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "govuk_bank_holidays.json").read_text())


def official(division: str) -> set[pendulum.Date]:
    return {pendulum.Date.fromisoformat(d) for d in FIXTURE["divisions"][division]}


class TestPublicContract:
    def test_contract_examples(self, cal: sw.WorkingDayCalendar) -> None:
        """The examples of DESIGN's public contract give exactly the documented answers."""
        assert D(2024, 1, 3) == cal.add_working_days(D(2023, 12, 22), 5)
        assert D(2024, 5, 3) == cal.add_working_days(D(2024, 5, 15), -7)
        assert cal.is_working_day(D(2022, 9, 19)) is False
        assert D(2024, 2, 29) == cal.add_months(D(2023, 8, 31), 6)

    def test_accepts_datetime_date_and_returns_pendulum(self, cal: sw.WorkingDayCalendar) -> None:
        """A plain datetime.date is accepted everywhere and the result is a pendulum Date."""
        result = cal.add_working_days(dt.date(2023, 12, 22), 5)
        assert type(result) is pendulum.Date
        assert D(2024, 1, 3) == result
        assert cal.working_days_between(dt.date(2023, 12, 22), dt.date(2024, 1, 3)) == 5
        assert type(cal.add_months(dt.date(2023, 8, 31), 6)) is pendulum.Date


class TestOfficialList:
    """DEC-01, WD-03: the holidays package agrees with GOV.UK date by date."""

    def test_england_and_wales_matches_govuk_2012_to_2028(self, cal: sw.WorkingDayCalendar) -> None:
        """Every year 2012-2028: the calendar's weekday holidays are exactly GOV.UK's list."""
        ours = {d for year in range(2012, 2029) for d in cal.bank_holidays(year)}
        assert official("england-and-wales") == ours

    def test_scotland_matches_govuk_plus_newer_proclamation(self) -> None:
        """Scotland (DEC-03): GOV.UK's list, plus the one-off day proclaimed for 15 June 2026."""
        cal = sw.WorkingDayCalendar.scotland()
        ours = {d for year in range(2012, 2029) for d in cal.bank_holidays(year)}
        assert {D(2026, 6, 15)} == ours - official("scotland")
        assert set() == official("scotland") - ours

    def test_northern_ireland_matches_govuk(self) -> None:
        """Northern Ireland (DEC-03): exactly GOV.UK's list."""
        cal = sw.WorkingDayCalendar.northern_ireland()
        ours = {d for year in range(2012, 2029) for d in cal.bank_holidays(year)}
        assert official("northern-ireland") == ours

    @pytest.mark.parametrize(
        ("day", "working"),
        [
            (D(2020, 5, 8), False),  # early May moved to Friday for VE Day 75
            (D(2020, 5, 4), True),  # ... so the first Monday of May was a working day
            (D(2022, 6, 2), False),  # spring bank holiday moved to Thursday
            (D(2022, 6, 3), False),  # Platinum Jubilee
            (D(2022, 5, 30), True),  # ... so the last Monday of May was a working day
            (D(2022, 9, 19), False),  # State Funeral of Queen Elizabeth II
            (D(2023, 5, 8), False),  # Coronation of King Charles III
            (D(2021, 12, 27), False),  # Christmas substitute day
            (D(2021, 12, 28), False),  # Boxing Day substitute day
            (D(2022, 1, 3), False),  # New Year substitute day
            (D(2021, 12, 25), False),  # a Saturday: never a working day
            (D(2024, 3, 29), False),  # Good Friday
            (D(2024, 4, 1), False),  # Easter Monday
            (D(2024, 2, 29), True),  # leap day, a Thursday
            (D(2000, 1, 3), False),  # first year of the range: New Year substitute
            (D(2028, 12, 26), False),  # last official holiday
        ],
    )
    def test_regressions_naive_calendars_get_wrong(
        self, cal: sw.WorkingDayCalendar, day: pendulum.Date, working: bool
    ) -> None:
        """One-off, moved and substitute days that rule-based calendars miss (DOMAIN 7.1)."""
        assert working == cal.is_working_day(day)


class TestAddWorkingDays:
    """WD-02: the N-th working day after X, X never counted."""

    @pytest.mark.parametrize(
        ("start", "n", "expected"),
        [
            (D(2023, 12, 22), 5, D(2024, 1, 3)),  # Christmas and New Year
            (D(2020, 5, 1), 5, D(2020, 5, 11)),  # VE Day 2020
            (D(2022, 5, 27), 5, D(2022, 6, 7)),  # Jubilee 2022
            (D(2022, 9, 15), 5, D(2022, 9, 23)),  # State funeral
            (D(2022, 9, 16), 1, D(2022, 9, 20)),
            (D(2023, 4, 28), 5, D(2023, 5, 9)),  # early May and Coronation
            (D(2023, 5, 5), 1, D(2023, 5, 9)),
            (D(2024, 3, 27), 5, D(2024, 4, 5)),  # Easter 2024
            (D(2021, 12, 23), 5, D(2022, 1, 4)),  # Christmas and New Year substitutes
            (D(2020, 12, 24), 3, D(2020, 12, 31)),  # Boxing Day substitute
            (D(2026, 12, 24), 1, D(2026, 12, 29)),
            (D(2024, 2, 27), 3, D(2024, 3, 1)),  # leap-year month end
            (D(2023, 2, 27), 3, D(2023, 3, 2)),  # common-year month end
            (D(2024, 12, 16), 15, D(2025, 1, 9)),  # a rapid review across Christmas
            (D(2024, 1, 6), 1, D(2024, 1, 8)),  # from a Saturday: day 1 is Monday
            (D(2024, 1, 6), 0, D(2024, 1, 8)),  # zero from a weekend: the next working day
            (D(2024, 12, 25), 0, D(2024, 12, 27)),  # zero from a holiday
            (D(2024, 1, 9), 0, D(2024, 1, 9)),  # zero from a working day: itself
            (D(2024, 5, 15), -7, D(2024, 5, 3)),  # back over the early May holiday
            (D(2025, 4, 23), -7, D(2025, 4, 10)),  # back over Easter
            (D(2024, 1, 6), -1, D(2024, 1, 5)),  # back from a Saturday
            (D(2024, 3, 1), -1, D(2024, 2, 29)),  # back over a leap-year month end
        ],
    )
    def test_worked_dates(
        self, cal: sw.WorkingDayCalendar, start: pendulum.Date, n: int, expected: pendulum.Date
    ) -> None:
        """Worked dates across bank holidays, substitute days, month ends and leap years."""
        assert expected == cal.add_working_days(start, n)

    @pytest.mark.parametrize(
        ("start", "n", "expected"),
        [
            (D(2023, 12, 22), 5, D(2024, 1, 2)),
            (D(2024, 1, 6), 1, D(2024, 1, 8)),  # day 1 is the next working day
            (D(2024, 5, 15), -7, D(2024, 5, 7)),
            (D(2024, 1, 9), 0, D(2024, 1, 9)),
        ],
    )
    def test_inclusive_counts_the_start(
        self, cal: sw.WorkingDayCalendar, start: pendulum.Date, n: int, expected: pendulum.Date
    ) -> None:
        """inclusive=True counts X as day 1: one working day earlier (WD-02)."""
        assert expected == cal.add_working_days(start, n, inclusive=True)

    def test_rejects_non_integer_n(self, cal: sw.WorkingDayCalendar) -> None:
        """N must be an int; a bool or float is refused with the library's error."""
        for bad in (1.0, True, "5", None):
            with pytest.raises(sw.InvalidInputError) as info:
                cal.add_working_days(D(2024, 1, 2), bad)  # type: ignore[arg-type]
            assert info.value.field == "n"

    def test_rejects_datetime(self, cal: sw.WorkingDayCalendar) -> None:
        """A datetime is refused: which date it means depends on a time zone."""
        with pytest.raises(sw.InvalidInputError, match="not a datetime"):
            cal.add_working_days(dt.datetime(2024, 1, 2, tzinfo=dt.UTC), 1)
        with pytest.raises(sw.InvalidInputError):
            cal.is_working_day("2024-01-02")  # type: ignore[arg-type]


class TestWorkingDaysBetween:
    @pytest.mark.parametrize(
        ("a", "b", "expected"),
        [
            (D(2023, 12, 22), D(2024, 1, 3), 5),
            (D(2024, 1, 3), D(2023, 12, 22), -5),
            (D(2024, 1, 9), D(2024, 1, 9), 0),
            (D(2024, 1, 6), D(2024, 1, 8), 1),  # Saturday to Monday
            (D(2024, 1, 6), D(2024, 1, 7), 0),  # Saturday to Sunday
            (D(2022, 5, 27), D(2022, 6, 7), 5),
            (D(2024, 1, 1), D(2024, 12, 31), 254),  # 2024: 262 weekdays, 8 holidays
        ],
    )
    def test_counts(
        self, cal: sw.WorkingDayCalendar, a: pendulum.Date, b: pendulum.Date, expected: int
    ) -> None:
        """Working days after a, up to and including b; negative when b is before a."""
        assert expected == cal.working_days_between(a, b)


class TestAddMonths:
    """WD-04: calendar months by the corresponding-date rule."""

    @pytest.mark.parametrize(
        ("start", "months", "expected"),
        [
            (D(2023, 8, 31), 6, D(2024, 2, 29)),
            (D(2024, 8, 31), 6, D(2025, 2, 28)),
            (D(2024, 1, 31), 1, D(2024, 2, 29)),
            (D(2024, 2, 29), 12, D(2025, 2, 28)),
            (D(2024, 3, 31), -1, D(2024, 2, 29)),
            (D(2023, 6, 30), 6, D(2023, 12, 30)),  # a Saturday: not moved to a working day
            (D(2024, 12, 25), 12, D(2025, 12, 25)),
        ],
    )
    def test_corresponding_date(
        self, cal: sw.WorkingDayCalendar, start: pendulum.Date, months: int, expected: pendulum.Date
    ) -> None:
        """Same-numbered day, else the month's last day; never rolled to a working day."""
        assert expected == cal.add_months(start, months)

    def test_rejects_non_integer_months(self, cal: sw.WorkingDayCalendar) -> None:
        """Months must be an int."""
        with pytest.raises(sw.InvalidInputError):
            cal.add_months(D(2024, 1, 1), 1.5)  # type: ignore[arg-type]


class TestSupportedRange:
    """DEC-02: 2000 to the last year of the official list; beyond only by the host's choice."""

    def test_range(self, cal: sw.WorkingDayCalendar) -> None:
        """The default calendar answers for 2000-01-01 to 2028-12-31, nothing projected."""
        assert (D(2000, 1, 1), D(2028, 12, 31)) == (cal.first_day, cal.last_day)
        assert frozenset() == cal.projected_years
        assert sw.OFFICIAL_LIST_LAST_YEAR == 2028

    @pytest.mark.parametrize(
        "call",
        [
            lambda c: c.is_working_day(D(2029, 1, 2)),
            lambda c: c.is_working_day(D(1999, 12, 31)),
            lambda c: c.add_working_days(D(2028, 12, 22), 5),  # result in 2029
            lambda c: c.add_working_days(D(2000, 1, 4), -5),  # result in 1999
            lambda c: c.working_days_between(D(2024, 1, 1), D(2030, 1, 1)),
            lambda c: c.bank_holidays(2029),
        ],
    )
    def test_outside_raises(self, cal: sw.WorkingDayCalendar, call: object) -> None:
        """Outside the range: OutsideSupportedRangeError with DEC-02, never a wrong answer."""
        with pytest.raises(sw.OutsideSupportedRangeError) as info:
            call(cal)  # type: ignore[operator]
        assert info.value.rule_ids == ("DEC-02",)
        assert info.value.code == "outside_supported_range"

    def test_projection_is_opt_in_and_flagged(self) -> None:
        """project_until extends the range; those years are listed and flagged."""
        cal = sw.WorkingDayCalendar.england_and_wales(project_until=2030)
        assert frozenset({2029, 2030}) == cal.projected_years
        assert D(2029, 1, 3) == cal.add_working_days(D(2028, 12, 22), 5)
        assert cal.is_projected(D(2028, 12, 22), D(2029, 1, 3)) is True
        assert cal.is_projected(D(2028, 1, 3), D(2028, 1, 10)) is False
        assert cal.is_working_day(D(2029, 12, 25)) is False

    def test_host_list_for_later_years_is_not_projected(self) -> None:
        """A host's own list for 2029 makes 2029 supported without projection."""
        days = [D(2029, 1, 1), D(2029, 3, 30), D(2029, 4, 2), D(2029, 5, 7), D(2029, 5, 28)]
        cal = sw.WorkingDayCalendar.england_and_wales(holidays_for_years={2029: days})
        assert D(2029, 12, 31) == cal.last_day
        assert frozenset() == cal.projected_years
        assert cal.is_working_day(D(2029, 3, 30)) is False
        assert cal.is_working_day(D(2029, 12, 25)) is True  # the host's list is the list

    @pytest.mark.parametrize(
        "options",
        [
            {"project_until": 2027},
            {"project_until": 2101},
            {"project_until": "2030"},
            {"holidays_for_years": {2030: []}},  # a gap after the official list
            {"holidays_for_years": {2020: []}},  # inside the official list
            {"holidays_for_years": {2029: [D(2030, 1, 1)]}},
            {"holidays_for_years": [D(2029, 1, 1)]},
        ],
    )
    def test_bad_options(self, options: dict[str, object]) -> None:
        """Malformed range options raise ConfigurationError."""
        with pytest.raises(sw.ConfigurationError):
            sw.WorkingDayCalendar.england_and_wales(**options)  # type: ignore[arg-type]


class TestAdditions:
    """DEC-02: a newly proclaimed bank holiday, added by the host."""

    def test_addition_changes_working_days(self, cal: sw.WorkingDayCalendar) -> None:
        """After adding a day, it is not a working day and counts step over it."""
        added = cal.with_additions(sw.HolidayAddition(D(2027, 6, 4), "Proclaimed (fictional)"))
        assert cal.is_working_day(D(2027, 6, 4)) is True
        assert added.is_working_day(D(2027, 6, 4)) is False
        assert D(2027, 6, 7) == added.add_working_days(D(2027, 6, 1), 3)
        assert D(2027, 6, 4) == cal.add_working_days(D(2027, 6, 1), 3)
        assert len(added.additions) == 1
        assert D(2027, 6, 4) in added.bank_holidays(2027)

    @pytest.mark.parametrize(
        "addition",
        [
            sw.HolidayAddition(D(2027, 6, 5)),  # a Saturday
            sw.HolidayAddition(D(2031, 6, 5)),  # outside the range
        ],
    )
    def test_bad_additions(self, cal: sw.WorkingDayCalendar, addition: sw.HolidayAddition) -> None:
        """A weekend or out-of-range addition is refused."""
        with pytest.raises(sw.ConfigurationError):
            cal.with_additions(addition)

    def test_addition_reason_is_validated(self) -> None:
        """The reason must be a short non-empty string."""
        with pytest.raises(sw.InvalidInputError):
            sw.HolidayAddition(D(2027, 6, 4), "")

    def test_unknown_calendar_key(self) -> None:
        """Only the three nations' calendars exist."""
        with pytest.raises(sw.ConfigurationError):
            sw.WorkingDayCalendar("mars")


class TestNations:
    """DEC-03: each nation counts its own working days."""

    def test_second_of_january_in_scotland(self, cal: sw.WorkingDayCalendar) -> None:
        """2 January is a Scottish bank holiday, not an English one."""
        scotland = sw.WorkingDayCalendar.scotland()
        assert D(2024, 1, 3) == scotland.add_working_days(D(2023, 12, 29), 1)
        assert D(2024, 1, 2) == cal.add_working_days(D(2023, 12, 29), 1)

    def test_twelfth_of_july_in_northern_ireland(self, cal: sw.WorkingDayCalendar) -> None:
        """12 July is a Northern Ireland bank holiday, not an English one."""
        ni = sw.WorkingDayCalendar.northern_ireland()
        assert D(2024, 7, 15) == ni.add_working_days(D(2024, 7, 11), 1)
        assert D(2024, 7, 12) == cal.add_working_days(D(2024, 7, 11), 1)
        assert ni.name == "Northern Ireland"
        assert repr(ni).startswith("<WorkingDayCalendar Northern Ireland 2000-2028")


days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2028, 12, 31))


class TestProperties:
    @given(day=days, n=st.integers(min_value=0, max_value=1500))
    def test_round_trip(self, cal: sw.WorkingDayCalendar, day: dt.date, n: int) -> None:
        """For a working day d: add(add(d, n), -n) == d and between(d, add(d, n)) == n."""
        try:
            d = cal.add_working_days(day, 0)
            forward = cal.add_working_days(d, n)
        except sw.OutsideSupportedRangeError:
            return
        assert d == cal.add_working_days(forward, -n)
        assert n == cal.working_days_between(d, forward)

    @given(day=days, n=st.integers(min_value=-1500, max_value=1500).filter(bool))
    def test_result_is_a_working_day(
        self, cal: sw.WorkingDayCalendar, day: dt.date, n: int
    ) -> None:
        """For any d and n != 0 the result is a working day, on the right side of d."""
        try:
            result = cal.add_working_days(day, n)
        except sw.OutsideSupportedRangeError:
            return
        assert cal.is_working_day(result)
        assert (result > day) == (n > 0)
        if n > 0:
            assert n == cal.working_days_between(day, result)

    @given(a=days, b=days)
    def test_between_is_antisymmetric(
        self, cal: sw.WorkingDayCalendar, a: dt.date, b: dt.date
    ) -> None:
        """working_days_between(a, b) == -working_days_between(b, a)."""
        assert cal.working_days_between(a, b) == -cal.working_days_between(b, a)

    @given(day=days)
    def test_agrees_with_a_day_by_day_walk(self, cal: sw.WorkingDayCalendar, day: dt.date) -> None:
        """The indexed answer equals a plain walk over weekdays and the holiday list."""
        holidays = {
            h for y in range(day.year, day.year + 2) if y <= 2028 for h in cal.bank_holidays(y)
        }
        walk, left = pendulum.Date(day.year, day.month, day.day), 20
        while left:
            walk = walk.add(days=1)
            if walk.weekday() < 5 and walk not in holidays:
                left -= 1
        if walk.year <= 2028:
            assert walk == cal.add_working_days(day, 20)
