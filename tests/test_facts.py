"""Incident facts: validation, the Europe/London date, and R4 fuzzing."""

from __future__ import annotations

import contextlib
import datetime as dt

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import safeguarding_workflow as sw

from .strategies import aware_times, children, junk, locations

D = pendulum.date
BARNSLEY = "E08000016"


def child(**kw: object) -> sw.Child:
    return sw.Child(**{"age": 3, "harm": "death", **kw})  # type: ignore[arg-type]


def incident(**kw: object) -> sw.Incident:
    base: dict[str, object] = {
        "children": [child()],
        "location": sw.Location.england(BARNSLEY),
        "abuse_or_neglect": "suspected",
        "la_aware_at": pendulum.datetime(2024, 1, 10, 9, tz="Europe/London"),
    }
    return sw.Incident(**{**base, **kw})  # type: ignore[arg-type]


class TestChild:
    def test_statuses(self) -> None:
        """looked_after and care_leaver follow from the authority codes."""
        c = child(looked_after_by=BARNSLEY)
        assert (c.looked_after, c.care_leaver, c.is_child) == (True, False, True)

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"age": -1}, "Child.age"),
            ({"age": 131}, "Child.age"),
            ({"age": 3.0}, "Child.age"),
            ({"age": True}, "Child.age"),
            ({"harm": "bruise"}, "Child.harm"),
            ({"normally_resident_in": "Barnsley"}, "Child.normally_resident_in"),
            ({"looked_after_by": "e08000016"}, "Child.looked_after_by"),
            ({"looked_after_by": BARNSLEY, "care_leaver_of": BARNSLEY}, "Child.care_leaver_of"),
        ],
    )
    def test_bad_values_name_the_field(self, kwargs: dict[str, object], field: str) -> None:
        """Each bad value raises InvalidInputError naming the field (scope is the pack's call)."""
        with pytest.raises(sw.InvalidInputError) as info:
            child(**kwargs)
        assert field == info.value.field
        assert info.value.code == "invalid_input"

    def test_messages_never_echo_the_value(self) -> None:
        """A rejected value does not appear in the message."""
        with pytest.raises(sw.InvalidInputError) as info:
            child(normally_resident_in="Flat 2, 10 Example Street")
        assert "Example Street" not in str(info.value)


class TestLocation:
    @pytest.mark.parametrize(
        "build",
        [
            lambda: sw.Location("england"),
            lambda: sw.Location("outside_uk", BARNSLEY),
            lambda: sw.Location("wales", BARNSLEY),
            lambda: sw.Location("atlantis"),
            lambda: sw.Location.england("W06000015"),
        ],
    )
    def test_bad_locations(self, build: object) -> None:
        """England needs an English authority; other places need none or their own."""
        with pytest.raises(sw.InvalidInputError):
            build()  # type: ignore[operator]

    def test_constructors(self) -> None:
        """The named constructors give the matching place."""
        assert sw.Location.wales("W06000015").place == sw.Place.WALES
        assert sw.Location.scotland().place == sw.Place.SCOTLAND
        assert sw.Location.northern_ireland().place == sw.Place.NORTHERN_IRELAND
        assert sw.Location(sw.Place.OUTSIDE_UK) == sw.Location.outside_uk()


class TestIncident:
    def test_date_that_counts_is_london(self) -> None:
        """23:30 UTC on 30 June 2024 is 1 July in Europe/London (BST)."""
        i = incident(la_aware_at=dt.datetime(2024, 6, 30, 23, 30, tzinfo=dt.UTC))
        assert D(2024, 7, 1) == i.la_aware_on

    def test_winter_utc_is_london(self) -> None:
        """In winter London is on UTC: 23:30 UTC stays the same day."""
        i = incident(la_aware_at=dt.datetime(2024, 1, 10, 23, 30, tzinfo=dt.UTC))
        assert D(2024, 1, 10) == i.la_aware_on

    def test_anchor_is_the_later_of_awareness_and_suspicion(self) -> None:
        """NOT-11, DEC-04: both known; a later suspicion moves the anchor."""
        assert D(2024, 1, 10) == incident().notification_anchor
        assert D(2024, 1, 15) == incident(abuse_or_neglect_since=D(2024, 1, 15)).notification_anchor
        assert D(2024, 1, 10) == incident(abuse_or_neglect_since=D(2023, 5, 1)).notification_anchor

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"children": []}, "Incident.children"),
            ({"children": ["a child"]}, "Incident.children"),
            ({"children": child()}, "Incident.children"),
            ({"location": "Barnsley"}, "Incident.location"),
            ({"abuse_or_neglect": "maybe"}, "Incident.abuse_or_neglect"),
            ({"la_aware_at": dt.datetime(2024, 1, 10, 9)}, "Incident.la_aware_at"),  # naive
            ({"la_aware_at": D(2024, 1, 10)}, "Incident.la_aware_at"),
            (
                {"abuse_or_neglect": "not_suspected", "abuse_or_neglect_since": D(2024, 1, 10)},
                "Incident.abuse_or_neglect_since",
            ),
            ({"occurred_on": D(2024, 1, 11)}, "Incident.occurred_on"),
            ({"occurred_on": "2024-01-01"}, "Incident.occurred_on"),
            (
                {"occurred_on": D(2024, 1, 9), "partners_aware_on": D(2024, 1, 8)},
                "Incident.partners_aware_on",
            ),
        ],
    )
    def test_bad_incidents(self, kwargs: dict[str, object], field: str) -> None:
        """Malformed or contradictory facts raise InvalidInputError naming the field."""
        with pytest.raises(sw.InvalidInputError) as info:
            incident(**kwargs)
        assert field == info.value.field

    def test_frozen(self) -> None:
        """Facts are immutable."""
        i = incident()
        with pytest.raises(AttributeError):
            i.abuse_or_neglect = sw.AbuseOrNeglect.KNOWN  # type: ignore[misc]

    def test_several_children(self) -> None:
        """One incident, several children (NOT-08)."""
        i = incident(children=(child(), child(age=5, harm="serious_harm")))
        assert len(i.children) == 2

    def test_children_are_capped_at_fifty(self) -> None:
        """NOT-08: up to 50 children an incident; a 51st is refused naming the field and cap."""
        assert 50 == len(incident(children=[child()] * 50).children)
        with pytest.raises(sw.InvalidInputError) as info:
            incident(children=[child()] * 51)
        assert ("Incident.children", ("NOT-08",)) == (info.value.field, info.value.rule_ids)
        assert "50" in info.value.message


class TestFuzzedFacts:
    """R4: fuzzed facts raise only the library's errors."""

    @given(data=st.data())
    def test_children(self, data: st.DataObject) -> None:
        """Building a Child from arbitrary values succeeds or raises InvalidInputError."""
        with contextlib.suppress(sw.InvalidInputError):
            data.draw(children)

    @given(data=st.data())
    def test_locations(self, data: st.DataObject) -> None:
        """Building a Location from arbitrary values succeeds or raises InvalidInputError."""
        with contextlib.suppress(sw.InvalidInputError):
            data.draw(locations)

    @given(
        aware=st.one_of(aware_times, junk),
        abuse=st.one_of(st.sampled_from(["known", "suspected", "not_suspected"]), junk),
        since=st.one_of(st.none(), st.dates(), junk),
        occurred=st.one_of(st.none(), st.dates(), junk),
        partners=st.one_of(st.none(), st.dates(), junk),
    )
    def test_incidents(
        self, aware: object, abuse: object, since: object, occurred: object, partners: object
    ) -> None:
        """Building an Incident from arbitrary values succeeds or raises InvalidInputError."""
        with contextlib.suppress(sw.InvalidInputError):
            sw.Incident(
                children=[child()],
                location=sw.Location.england(BARNSLEY),
                abuse_or_neglect=abuse,  # type: ignore[arg-type]
                la_aware_at=aware,  # type: ignore[arg-type]
                abuse_or_neglect_since=since,  # type: ignore[arg-type]
                occurred_on=occurred,  # type: ignore[arg-type]
                partners_aware_on=partners,  # type: ignore[arg-type]
            )
