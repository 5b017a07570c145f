"""Hypothesis strategies shared by the tests."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

import safeguarding_workflow as sw

GSS_CODES = ["E08000016", "E08000035", "E10000006", "E06000063", "W06000015", "S12000049"]

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.just(dt.UTC)),
    st.lists(st.integers(), max_size=3),
)

codes = st.one_of(st.sampled_from(GSS_CODES), junk)

children = st.builds(
    sw.Child,
    age=st.one_of(st.integers(min_value=-2, max_value=30), junk),
    harm=st.one_of(st.sampled_from([h.value for h in sw.Harm]), junk),
    normally_resident_in=st.one_of(st.none(), codes),
    looked_after_by=st.one_of(st.none(), codes),
    care_leaver_of=st.one_of(st.none(), codes),
)

locations = st.builds(
    sw.Location,
    place=st.one_of(st.sampled_from([p.value for p in sw.Place]), junk),
    local_authority=st.one_of(st.none(), codes),
)

aware_times = st.datetimes(
    min_value=dt.datetime(2017, 1, 1),
    max_value=dt.datetime(2030, 12, 31),
    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=1))]),
)
