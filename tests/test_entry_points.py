"""
Every public entry point raises only library errors, whatever its arguments.

One Hypothesis test per entry point: arguments of the wrong type, extreme dates and
times (the calendar's limits, with any offset), huge numbers, NaN, text with digits
of other scripts, lone surrogates, NUL characters. Whatever escapes must be a
`SafeguardingWorkflowError`: an `OverflowError`, a `TypeError` or a driver's
`ProgrammingError` is a bug.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import safeguarding_workflow as sw
from safeguarding_workflow.stores import OutboxRelay, SqlStore
from safeguarding_workflow.testing import FrozenClock

from .helpers import BARNSLEY, PAYLOADS, ROLES, TENANT, Driver, death_in_barnsley
from .strategies import GSS_CODES, junk

_ZONES = [dt.UTC, dt.timezone(dt.timedelta(hours=14)), dt.timezone(dt.timedelta(hours=-12))]

#: Instants at and near the calendar's limits, in zones that push them over the edge.
extreme_times = st.sampled_from(
    [
        *(dt.datetime.min.replace(tzinfo=zone) for zone in _ZONES),
        *(dt.datetime.max.replace(tzinfo=zone) for zone in _ZONES),
        dt.datetime(1, 1, 1, 0, 0, 30, tzinfo=dt.UTC),
        dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-1))),
        dt.datetime.min,  # noqa: DTZ901 - naive on purpose: it must be refused
        dt.datetime.max,  # noqa: DTZ901 - naive on purpose: it must be refused
    ]
)
extreme_dates = st.sampled_from(
    [dt.date.min, dt.date.max, dt.date(1999, 12, 31), dt.date(2028, 12, 31), dt.date(2029, 1, 1)]
)
#: Text that looks like a code or an id but is not one a database or a regex should take.
odd_text = st.sampled_from(
    [
        "E0800001\u0666",  # an Arabic-Indic six
        "E\u0660\u0668000016",
        "\uff25\uff10\uff18000016",  # fullwidth E08
        "E08000016\n",
        "e08000016",
        "\ud800",  # a lone surrogate
        "case\x00one",
        "",
        " ",
        "x" * 300,
        "9434765919",
    ]
)
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, 1, -1, 2**31, 2**63, -(2**63), 10**400, True, False]),
    st.floats(allow_nan=True, allow_infinity=True),
)
aware_anytime = st.datetimes(
    min_value=dt.datetime(1, 1, 1),
    max_value=dt.datetime(9999, 12, 31),
    timezones=st.sampled_from(_ZONES),
)
anything = st.one_of(
    junk,
    extreme_times,
    extreme_dates,
    odd_text,
    numbers,
    aware_anytime,
    st.binary(max_size=4),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.builds(object),
)


def only_library_errors(call: Callable[[], object]) -> BaseException | None:
    """Call; a library error is returned, anything else escapes and fails the test."""
    try:
        call()
    except sw.SafeguardingWorkflowError as error:
        return error
    return None


def either(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly valid values, often anything at all: so the checks past the first are reached."""
    return st.one_of(valid, valid, anything)


# -- calendars -------------------------------------------------------------------------------


@given(
    day=either(st.dates()),
    other=either(st.dates()),
    n=either(st.integers()),
    inclusive=anything,
    year=either(st.integers(min_value=1990, max_value=2040)),
)
def test_calendar_methods(
    cal: sw.WorkingDayCalendar, day: Any, other: Any, n: Any, inclusive: Any, year: Any
) -> None:
    """Every WorkingDayCalendar query: only library errors, at the calendar's limits too."""
    calls: list[Callable[[], object]] = [
        lambda: cal.is_working_day(day),
        lambda: cal.add_working_days(day, n),
        lambda: cal.add_working_days(day, n, inclusive=inclusive),
        lambda: cal.working_days_between(day, other),
        lambda: cal.add_months(day, n),
        lambda: cal.bank_holidays(year),
        lambda: cal.is_projected(day),
        lambda: cal.is_projected(day, other),
        lambda: sw.HolidayAddition(day),
        lambda: sw.HolidayAddition(day, n),
    ]
    for call in calls:
        only_library_errors(call)


def test_add_months_at_the_calendars_limit(cal: sw.WorkingDayCalendar) -> None:
    """Months added past year 9999, or a count too large for C, are refused by the library."""
    for day, months in ((dt.date(9999, 12, 1), 1), (dt.date(2020, 1, 1), 10**6), (dt.date.min, -1)):
        with pytest.raises(sw.InvalidInputError) as info:
            cal.add_months(day, months)
        assert "months" == info.value.field
    with pytest.raises(sw.InvalidInputError):
        cal.add_months(dt.date(2020, 1, 1), 10**30)


@settings(max_examples=40)
@given(
    holidays=st.one_of(
        anything,
        st.dictionaries(
            st.one_of(st.integers(2025, 2035), st.text(max_size=3), st.none()),
            either(st.lists(anything, max_size=2)),
        ),
    ),
    project_until=either(st.integers(2028, 2101)),
    additions=st.one_of(anything, st.lists(anything, max_size=2)),
)
def test_calendar_construction(holidays: Any, project_until: Any, additions: Any) -> None:
    """Building a calendar from any options: only library errors."""
    only_library_errors(
        lambda: sw.WorkingDayCalendar.england_and_wales(
            holidays_for_years=holidays, project_until=project_until, additions=additions
        )
    )
    only_library_errors(lambda: sw.WorkingDayCalendar.scotland(additions=additions))


# -- facts and settings ---------------------------------------------------------------------

codes = st.one_of(st.none(), st.sampled_from(GSS_CODES), odd_text, anything)


@given(
    age=either(st.integers(0, 30)),
    harm=either(st.sampled_from([h.value for h in sw.Harm])),
    resident=codes,
    looked_after=codes,
    care_leaver=codes,
    place=either(st.sampled_from([p.value for p in sw.Place])),
    code=codes,
)
def test_child_and_location(
    age: Any, harm: Any, resident: Any, looked_after: Any, care_leaver: Any, place: Any, code: Any
) -> None:
    """Child and Location from any values: only library errors."""
    only_library_errors(
        lambda: sw.Child(
            age=age,
            harm=harm,
            normally_resident_in=resident,
            looked_after_by=looked_after,
            care_leaver_of=care_leaver,
        )
    )
    only_library_errors(lambda: sw.Location(place, code))
    for build in (sw.Location.england, sw.Location.wales, sw.Location.scotland):
        only_library_errors(lambda build=build: build(code))  # type: ignore[misc]


@given(
    code=st.builds(
        lambda nation, digits, at, other: nation + digits[:at] + other + digits[at + 1 :],
        st.sampled_from("ENSW"),
        st.text(st.sampled_from("0123456789"), min_size=8, max_size=8),
        st.integers(0, 7),
        st.characters(categories=["Nd"]).filter(lambda c: not c.isascii()),
    )
)
def test_gss_codes_with_non_ascii_digits_are_refused(code: str) -> None:
    """A GSS code with a digit of another script is refused when a Child or Location is built."""
    for build in (
        lambda: sw.Child(age=4, harm="death", normally_resident_in=code),
        lambda: sw.Child(age=4, harm="death", looked_after_by=code),
        lambda: sw.Child(age=20, harm="death", care_leaver_of=code),
        lambda: sw.Location.england(code),
    ):
        with pytest.raises(sw.InvalidInputError, match="GSS code"):
            build()


children = st.lists(
    either(st.just(sw.Child(age=4, harm="death", normally_resident_in=BARNSLEY))), max_size=3
)


@given(
    kids=either(children),
    location=either(st.just(sw.Location.england(BARNSLEY))),
    abuse=either(st.sampled_from([a.value for a in sw.AbuseOrNeglect])),
    aware=st.one_of(extreme_times, aware_anytime, anything),
    since=st.one_of(st.none(), extreme_dates, anything),
    occurred=st.one_of(st.none(), extreme_dates, anything),
    partners=st.one_of(st.none(), extreme_dates, anything),
)
def test_incident(
    kids: Any, location: Any, abuse: Any, aware: Any, since: Any, occurred: Any, partners: Any
) -> None:
    """An Incident from any values, at the calendar's limits too: only library errors."""
    only_library_errors(
        lambda: sw.Incident(
            children=kids,
            location=location,
            abuse_or_neglect=abuse,
            la_aware_at=aware,
            abuse_or_neglect_since=since,
            occurred_on=occurred,
            partners_aware_on=partners,
        )
    )


@given(
    tenant=either(st.just(TENANT)),
    additions=st.one_of(anything, st.lists(anything, max_size=2)),
    packs=st.one_of(anything, st.lists(anything, max_size=2)),
)
def test_tenant_settings(tenant: Any, additions: Any, packs: Any) -> None:
    """TenantSettings from any values: only library errors."""
    only_library_errors(
        lambda: sw.TenantSettings(tenant, calendar_additions=additions, packs=packs)
    )


@given(
    ids=st.lists(either(st.just("case-1")), min_size=4, max_size=4),
    event=either(st.just("notify_panel")),
    at=st.one_of(extreme_times, aware_anytime, anything),
    payload=st.one_of(
        anything,
        st.dictionaries(
            st.one_of(st.text(max_size=4), st.integers(), st.none()), anything, max_size=2
        ),
    ),
    version=either(st.integers(0, 5)),
    key=st.one_of(st.none(), anything),
)
def test_command(ids: list[Any], event: Any, at: Any, payload: Any, version: Any, key: Any) -> None:
    """A Command from any values, at the calendar's limits too: only library errors."""
    tenant, case, actor, role = ids
    only_library_errors(
        lambda: sw.Command(
            tenant,
            case,
            event,
            actor=actor,
            role=role,
            occurred_at=at,
            payload=payload,
            expected_version=version,
            idempotency_key=key,
        )
    )


# -- the workflow ----------------------------------------------------------------------------


def notified() -> Driver:
    """A fresh workflow with one case notified to the Panel (its clock on 7 January 2024)."""
    d = Driver()
    d.walk_to("notified")
    return d


@settings(max_examples=100)
@given(
    tenant=either(st.just(TENANT)),
    facts=either(st.just(death_in_barnsley())),
    authority=either(st.just(BARNSLEY)),
    ids=st.lists(st.one_of(st.none(), anything), min_size=3, max_size=3),
)
def test_workflow_open(tenant: Any, facts: Any, authority: Any, ids: list[Any]) -> None:
    """Workflow.open with any arguments: only library errors."""
    d = Driver()
    actor, role, case_id = ids
    only_library_errors(
        lambda: d.workflow.open(
            tenant, facts, local_authority=authority, actor=actor, role=role, case_id=case_id
        )
    )


class _Says:
    """A host's clock that says whatever it is given: naive, extreme or not a time at all."""

    def __init__(self, value: object) -> None:
        self.value = value

    def now(self) -> Any:
        return self.value


@settings(max_examples=100)
@given(
    event=either(st.sampled_from(sorted(PAYLOADS))),
    at=st.one_of(st.just(pendulum.datetime(2024, 1, 8, 10, tz="UTC")), extreme_times, anything),
    payload=either(st.sampled_from(list(PAYLOADS.values()))),
    clock=st.one_of(st.just(pendulum.datetime(2024, 1, 9, tz="UTC")), extreme_times, anything),
)
def test_workflow_fire(event: Any, at: Any, payload: Any, clock: Any) -> None:
    """Workflow.fire with any command values and any clock: only library errors."""
    d = notified()
    d.workflow.clock = _Says(clock)  # type: ignore[assignment]
    role = ROLES.get(event, "local_authority") if isinstance(event, str) else "local_authority"

    def fire() -> object:
        command = sw.Command(
            TENANT, "case-1", event, actor="user-1", role=role, occurred_at=at, payload=payload
        )
        return d.workflow.fire(command)

    only_library_errors(fire)
    only_library_errors(lambda: d.workflow.fire(at))


@settings(max_examples=100)
@given(
    ids=st.lists(either(st.just("case-1")), min_size=2, max_size=2),
    corrects=either(st.just(2)),
    at=st.one_of(extreme_times, aware_anytime, anything),
    who=st.lists(either(st.just("local_authority")), min_size=3, max_size=3),
    version=st.one_of(st.none(), anything),
    clock=st.one_of(st.just(pendulum.datetime(2024, 1, 9, tz="UTC")), extreme_times, anything),
)
def test_workflow_correct(
    ids: list[Any], corrects: Any, at: Any, who: list[Any], version: Any, clock: Any
) -> None:
    """Workflow.correct with any arguments and any clock: only library errors."""
    d = notified()
    d.workflow.clock = _Says(clock)  # type: ignore[assignment]
    tenant, case_id = ids
    actor, role, reason = who
    only_library_errors(
        lambda: d.workflow.correct(
            TENANT if tenant == "case-1" else tenant,
            case_id,
            corrects=corrects,
            occurred_at=at,
            actor=actor,
            role=role,
            reason_ref=reason,
            expected_version=version,
        )
    )


@settings(max_examples=100)
@given(
    ids=st.lists(either(st.just("case-1")), min_size=2, max_size=2),
    facts=either(st.just(death_in_barnsley(abuse_or_neglect="known"))),
    who=st.lists(st.one_of(st.none(), anything), min_size=2, max_size=2),
    version=st.one_of(st.none(), anything),
    clock=st.one_of(st.just(pendulum.datetime(2024, 1, 9, tz="UTC")), extreme_times, anything),
)
def test_workflow_update_facts_and_recompute(
    ids: list[Any], facts: Any, who: list[Any], version: Any, clock: Any
) -> None:
    """Workflow.update_facts and recompute_deadlines with any arguments: only library errors."""
    d = notified()
    d.workflow.clock = _Says(clock)  # type: ignore[assignment]
    tenant, case_id = ids
    tenant = TENANT if tenant == "case-1" else tenant
    actor, role = who
    only_library_errors(
        lambda: d.workflow.update_facts(
            tenant, case_id, facts, actor=actor, role=role, expected_version=version
        )
    )
    only_library_errors(lambda: d.workflow.recompute_deadlines(tenant, case_id, actor=actor))


naive_times = st.datetimes(min_value=dt.datetime(2024, 1, 9), max_value=dt.datetime(2030, 1, 1))


@settings(max_examples=25)
@given(now=naive_times)
def test_a_naive_clock_is_refused_not_read_as_utc(now: dt.datetime) -> None:
    """A host clock answering a naive datetime stores nothing: every command refuses it."""
    d = notified()
    before = d.history()
    d.workflow.clock = _Says(now)  # type: ignore[assignment]
    facts = death_in_barnsley(abuse_or_neglect="known")
    calls: list[Callable[[], object]] = [
        lambda: d.workflow.open(TENANT, death_in_barnsley(), local_authority=BARNSLEY, actor="a"),
        lambda: d.fire("start_rapid_review"),
        lambda: d.workflow.correct(
            TENANT,
            "case-1",
            corrects=2,
            occurred_at=pendulum.datetime(2024, 1, 6, 11, tz="UTC"),
            actor="user-1",
            role="local_authority",
            reason_ref="note-1",
        ),
        lambda: d.workflow.update_facts(TENANT, "case-1", facts, actor="user-1"),
    ]
    for call in calls:
        d.workflow.clock = _Says(now)  # type: ignore[assignment]  # d.fire sets its own
        with pytest.raises(sw.ConfigurationError) as info:
            call()
        assert "clock" == info.value.field
    assert before == d.history()
    assert 1 == len(d.workflow.store)  # type: ignore[arg-type]  # a MemoryStore


# -- the England rule pack -----------------------------------------------------------------


@settings(max_examples=100)
@given(
    incident=either(st.just(death_in_barnsley())),
    authority=either(st.sampled_from(["E08000016", "Barnsley", "370"])),
    tenant=either(st.sampled_from([None, sw.TenantSettings(TENANT)])),
    calendar=either(st.none()),
    registry=either(st.none()),
    clock=either(st.sampled_from([None, FrozenClock(pendulum.datetime(2024, 2, 1, tz="UTC"))])),
    sent_on=either(st.sampled_from([None, dt.date(2024, 1, 5)])),
)
def test_england_assess(
    incident: Any,
    authority: Any,
    tenant: Any,
    calendar: Any,
    registry: Any,
    clock: Any,
    sent_on: Any,
) -> None:
    """england.assess with any arguments: only library errors."""
    only_library_errors(
        lambda: sw.england.assess(
            incident,
            local_authority=authority,
            settings=tenant,
            calendar=calendar,
            registry=registry,
            clock=clock,
            notification_sent_on=sent_on,
        )
    )


@given(now=st.one_of(extreme_times, naive_times, aware_anytime, anything))
def test_england_assess_with_any_clock(now: Any) -> None:
    """A host clock answering anything: a library error, and a naive time is refused."""
    error = only_library_errors(
        lambda: sw.england.assess(death_in_barnsley(), local_authority=BARNSLEY, clock=_Says(now))
    )
    if isinstance(now, dt.datetime) and now.tzinfo is None:
        assert isinstance(error, sw.ConfigurationError)
        assert "clock" == error.field


# -- the SQL store's reads -----------------------------------------------------------------


@pytest.fixture(name="stores", scope="module")
def _stores(tmp_path_factory: pytest.TempPathFactory) -> list[SqlStore]:
    """A SQLite store with cases, one on a file that is not a database, one without tables."""
    folder = tmp_path_factory.mktemp("entry-points")
    store = SqlStore.sqlite(str(folder / "cases.db"))
    Driver(store=store).walk_to("rapid_review")
    junk_path = folder / "junk.db"
    junk_path.write_bytes(b"not a database at all\n" * 300)
    from safeguarding_workflow.stores._sql._engine import sqlite_engine

    return [
        store,
        SqlStore(sqlite_engine(str(junk_path))),
        SqlStore(sqlite_engine(str(folder / "empty.db"))),
    ]


reads = st.sampled_from(
    ["get", "history", "overdue", "due_soon", "heads", "case_ids", "purge_outbox"]
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    which=st.integers(0, 2),
    method=reads,
    args=st.lists(either(st.sampled_from([TENANT, "case-1"])), min_size=2, max_size=2),
    as_of=either(st.just(pendulum.date(2024, 2, 1))),
    options=st.fixed_dictionaries(
        {},
        optional={
            "limit": either(st.integers(1, 10)),
            "after": either(st.just((pendulum.date(2024, 1, 1), "case-1", "rapid_review"))),
            "rule_id": either(st.just("RR-01")),
            "due_by": either(st.just(pendulum.date(2024, 3, 1))),
        },
    ),
    working_days=either(st.integers(0, 10)),
    when=either(st.just("2024-02-01T00:00:00.000000Z")),
)
def test_sql_store_reads(
    stores: list[SqlStore],
    cal: sw.WorkingDayCalendar,
    which: int,
    method: str,
    args: list[Any],
    as_of: Any,
    options: dict[str, Any],
    working_days: Any,
    when: Any,
) -> None:
    """SqlStore reads and purge_outbox, bad values or a non-database: library errors only."""
    store = stores[which]
    first, second = args
    calls: dict[str, Callable[[], object]] = {
        "get": lambda: store.get(first, second),
        "history": lambda: store.history(first, second),
        "overdue": lambda: store.overdue(first, as_of, **options),
        "due_soon": lambda: store.due_soon(
            first,
            as_of,
            working_days=working_days,
            calendar=cal,
            **{k: v for k, v in options.items() if k != "due_by"},
        ),
        "heads": lambda: store.heads(first),
        "case_ids": lambda: store.case_ids(first),
        "purge_outbox": lambda: store.purge_outbox(when),
    }
    only_library_errors(calls[method])


def test_reads_on_a_file_that_is_not_a_database(stores: list[SqlStore]) -> None:
    """A store on a file that is not a database answers with StoreError, naming no value."""
    junk = stores[1]
    for call in (
        lambda: junk.get(TENANT, "case-1"),
        lambda: junk.heads(),
        lambda: junk.purge_outbox("2024-01-01T00:00:00.000000Z"),
    ):
        with pytest.raises(sw.StoreError) as info:
            call()
        assert "the database could not answer the" in info.value.message
        assert TENANT not in info.value.message


# -- the history ---------------------------------------------------------------------------


@given(records=st.one_of(anything, st.lists(anything, max_size=3)), head=anything, key=anything)
def test_history_functions_take_any_argument(records: Any, head: Any, key: Any) -> None:
    """verify, rebuild, history_from_json and load_signed_heads: only library errors."""
    only_library_errors(lambda: sw.verify(records))
    only_library_errors(lambda: sw.verify([], head))
    only_library_errors(lambda: sw.rebuild(records))
    only_library_errors(lambda: sw.rebuild([], head))
    only_library_errors(lambda: sw.history_from_json(records))
    only_library_errors(lambda: sw.load_signed_heads(records, key))


# -- the outbox relay ----------------------------------------------------------------------


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    store=st.one_of(st.none(), anything),
    handler=st.one_of(st.just(print), anything),
    clock=st.one_of(st.just(FrozenClock(pendulum.datetime(2024, 1, 1, tz="UTC"))), anything),
    relay_id=either(st.just("relay-1")),
    sizes=st.lists(either(st.integers(1, 5)), min_size=2, max_size=2),
    backoff=either(st.just(sw.exponential_backoff)),
)
def test_outbox_relay_construction(
    stores: list[SqlStore],
    store: Any,
    handler: Any,
    clock: Any,
    relay_id: Any,
    sizes: list[Any],
    backoff: Any,
) -> None:
    """OutboxRelay built from any values: only library errors."""
    batch_size, max_attempts = sizes
    target = stores[0] if store is None else store
    only_library_errors(
        lambda: OutboxRelay(
            target,
            handler,
            clock=clock,
            relay_id=relay_id,
            batch_size=batch_size,
            max_attempts=max_attempts,
            backoff=backoff,
        )
    )
