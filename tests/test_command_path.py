"""The command path's hand-written shortcuts give exactly what the slower forms gave."""

from __future__ import annotations

import datetime as dt
import pickle
import uuid
import zoneinfo
from collections.abc import Callable
from typing import Any

import attrs
import pendulum
from hypothesis import given
from hypothesis import strategies as st

import safeguarding_workflow as sw
from safeguarding_workflow._case import Deadline, DeadlineStatus
from safeguarding_workflow._codec import (
    deadline_change,
    deadline_to_json,
    in_utc,
    status_change,
    time_from_json,
)
from safeguarding_workflow._times import iso_utc, utc_naive, utc_pendulum

from .helpers import ROUTES, Driver

naive_times = st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30))
zones = st.sampled_from(
    [
        dt.UTC,
        dt.timezone(dt.timedelta(hours=1)),
        dt.timezone(-dt.timedelta(hours=5, minutes=30)),
        zoneinfo.ZoneInfo("Europe/London"),
        pendulum.timezone("Europe/London"),
        pendulum.UTC,
    ]
)
aware_times = st.builds(
    lambda t, zone: t.replace(tzinfo=zone),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)),
    zones,
)


def _iso_by_fields(naive: dt.datetime) -> str:
    """The field-by-field form iso_utc replaced."""
    return (
        f"{naive.year:04d}-{naive.month:02d}-{naive.day:02d}T{naive.hour:02d}:"
        f"{naive.minute:02d}:{naive.second:02d}.{naive.microsecond:06d}Z"
    )


@given(naive_times)
def test_iso_utc_is_the_field_by_field_form(naive: dt.datetime) -> None:
    """The C isoformat, microseconds always written, gives the same digits, small years too."""
    assert iso_utc(naive) == _iso_by_fields(naive)
    assert iso_utc(naive.replace(microsecond=0)) == _iso_by_fields(naive.replace(microsecond=0))


@given(naive_times)
def test_utc_pendulum_is_what_the_json_form_reads_back(naive: dt.datetime) -> None:
    """Built from the fields, the time equals its text read back, zone object included."""
    built = utc_pendulum(naive)
    read = time_from_json(_iso_by_fields(naive))
    assert type(built) is type(read)
    assert built.tzinfo is read.tzinfo
    assert (built, built.fold) == (read, read.fold)


@given(aware_times)
def test_in_utc_is_the_round_trip_through_text(value: dt.datetime) -> None:
    """in_utc gives what it gave as time_from_json(time_to_json(value))."""
    expected = time_from_json(_iso_by_fields(utc_naive(value)))
    got = in_utc(value)
    assert got.tzinfo is expected.tzinfo
    assert got == expected
    assert got.isoformat() == expected.isoformat()


@given(st.text(max_size=20), st.text(max_size=20), st.integers(min_value=1, max_value=10**12))
def test_event_ids_are_uuid5(tenant: str, case: str, sequence: int) -> None:
    """The hex-digit form of the version and variant bits gives uuid5's text."""
    try:
        f"{tenant}/{case}".encode()
    except UnicodeEncodeError:
        return
    expected = uuid.uuid5(sw._workflow.EVENT_ID_NAMESPACE, f"{tenant}/{case}/{sequence}")
    assert sw.DefaultIds().event_id(tenant, case, sequence) == str(expected)


dates = st.one_of(
    st.none(),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)).map(
        lambda d: pendulum.Date(d.year, d.month, d.day)
    ),
)
deadlines = st.builds(
    Deadline,
    st.sampled_from(["notify_panel", "rapid_review"]),
    rule_ids=st.lists(st.sampled_from(["A-1", "B-2", "C-3"]), max_size=2).map(tuple),
    anchor_event=st.sampled_from(["la_aware", "commissioned"]),
    anchor_on=dates,
    working_days=st.one_of(st.none(), st.integers(-10, 20)),
    months=st.one_of(st.none(), st.integers(0, 12)),
    due=dates,
    projected=st.booleans(),
    non_working_day=st.booleans(),
    status=st.sampled_from(list(DeadlineStatus)),
    met_on=dates,
    met_by=st.one_of(st.none(), st.integers(1, 50)),
)


def _change_by_json(old: Deadline | None, new: Deadline) -> dict[str, Any]:
    """The form deadline_change replaced: every field compared, values from deadline_to_json."""
    if old is None:
        return deadline_to_json(new)
    full = deadline_to_json(new)
    change: dict[str, Any] = {"kind": new.kind}
    for name in full:
        if name != "kind" and getattr(old, name) != getattr(new, name):
            change[name] = full[name]
    return change


@given(deadlines, deadlines)
def test_deadline_change_is_the_json_difference(old: Deadline, new: Deadline) -> None:
    """The same entries, in the same order, as comparing field by field."""
    new = attrs.evolve(new, kind=old.kind)
    got = deadline_change(old, new)
    expected = _change_by_json(old, new)
    assert list(got.items()) == list(expected.items())
    assert deadline_change(None, new) == deadline_to_json(new)


@given(deadlines, st.sampled_from(list(DeadlineStatus)), dates, st.integers(1, 50))
def test_status_change_is_deadline_change_after_with_status(
    old: Deadline, status: DeadlineStatus, on: pendulum.Date | None, by: int
) -> None:
    """For a deadline only with_status (or met) changed, the short form equals the full one."""
    for new in (old.with_status(status, on, by), old.with_status(status, None, None)):
        assert list(status_change(old, new).items()) == list(deadline_change(old, new).items())
    if on is not None:
        new = old.met(on, by)
        assert list(status_change(old, new).items()) == list(deadline_change(old, new).items())


@given(deadlines, st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2026, 1, 1)))
def test_computed_builds_what_evolve_built(deadline: Deadline, anchor: dt.date) -> None:
    """Deadline.computed, built directly, equals the attrs.evolve form it replaced."""
    if (deadline.months is None) == (deadline.working_days is None):
        deadline = attrs.evolve(deadline, months=None, working_days=deadline.working_days or 3)
    calendar = sw.WorkingDayCalendar.england_and_wales()
    on = pendulum.Date(anchor.year, anchor.month, anchor.day)
    if deadline.months is not None:
        due = calendar.add_months(on, deadline.months)
        non_working = not calendar.is_working_day(due)
    else:
        due = calendar.add_working_days(on, deadline.working_days or 0)
        non_working = False
    expected = attrs.evolve(
        deadline,
        anchor_on=on,
        due=due,
        projected=calendar.is_projected(on, due),
        non_working_day=non_working,
    )
    if expected.met_on is not None:
        expected = expected.met(expected.met_on, expected.met_by)
    assert deadline.computed(calendar, on) == expected


def test_an_event_nobody_receives_is_built_when_read() -> None:
    """Without subscribers an outcome builds its event when read: the one it would have had."""
    quiet, heard = Driver(), Driver()
    quiet.workflow.dispatcher = sw.ImmediateDispatcher()  # no subscriber at all
    for driver in (quiet, heard):
        driver.open()
    reads: list[Callable[[sw.Outcome], object]] = [
        lambda o: pickle.loads(pickle.dumps(o)),
        lambda o: attrs.asdict(o, recurse=False),
        lambda o: attrs.evolve(o, case=o.case),
        repr,
        hash,
        lambda o: o.event.to_json() if o.event else None,
    ]
    for event, read in zip(ROUTES["review_in_progress"], reads, strict=True):
        lazy, eager = quiet.fire(event), heard.fire(event)
        assert heard.events[-1] is eager.event
        assert read(lazy) == read(eager)  # the first read of the lazy outcome's event
        assert lazy == eager
        assert lazy.event is lazy.event
