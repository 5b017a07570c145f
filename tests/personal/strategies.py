"""Hypothesis strategies and a fictional family for the personal data tests."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from safeguarding_workflow.personal import (
    MAX_VALUE_LENGTH,
    Identifier,
    IdentifierKind,
    Person,
    Register,
    Relationship,
)

#: A fictional family: no real person has these names, numbers or addresses.
CHILD_NAME = "Zebedee Quillfeather"
#: A test NHS number with a valid check digit.
NHS_NUMBER = "9434765919"


def family() -> Register:
    """A fictional child, her mother and her brother, with one entry of every kind."""
    return Register(
        "fictional-partnership",
        "case-1",
        [
            Person("p-child", Relationship.CHILD),
            Person("p-mother", Relationship.PARENT),
            Person("p-brother", "sibling"),
        ],
        [
            Identifier("e-1", "p-child", IdentifierKind.NAME, CHILD_NAME),
            Identifier("e-2", "p-child", IdentifierKind.ALIAS, "Zeb"),
            Identifier("e-3", "p-child", IdentifierKind.DATE_OF_BIRTH, "2015-03-14"),
            Identifier("e-4", "p-child", IdentifierKind.NHS_NUMBER, NHS_NUMBER),
            Identifier("e-5", "p-child", IdentifierKind.SCHOOL, "Puddleby Primary School"),
            Identifier("e-6", "p-mother", IdentifierKind.NAME, "Marigold Quillfeather"),
            Identifier("e-7", "p-mother", IdentifierKind.ADDRESS, "1 Nowhere Lane\nPuddleby"),
            Identifier("e-8", "p-mother", IdentifierKind.POSTCODE, "ZZ9 9ZZ"),
            Identifier("e-9", "p-brother", IdentifierKind.FACT, "plays the euphonium"),
        ],
    )


ids = st.from_regex(r"[a-z][a-z0-9-]{0,11}", fullmatch=True)


@st.composite
def nhs_numbers(draw: st.DrawFn) -> str:
    """Ten digits ending in the right modulus-11 check digit."""
    while True:
        head = draw(st.text("0123456789", min_size=9, max_size=9))
        check = (
            11 - sum(int(d) * w for d, w in zip(head, range(10, 1, -1), strict=True)) % 11
        ) % 11
        if check != 10:
            return head + str(check)


postcodes = st.builds(
    lambda area, district, sector, unit: f"{area}{district} {sector}{unit}",
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=2),
    st.integers(0, 99).map(str),
    st.integers(0, 9).map(str),
    st.text("ABDEFGHJLNPQRSTUWXYZ", min_size=2, max_size=2),
)

#: Text as a name or fact may be: any letters, marks, digits, punctuation, spaces.
texts = st.text(
    st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=MAX_VALUE_LENGTH
).filter(lambda t: t.strip() == t and t != "")


def values(kind: IdentifierKind) -> st.SearchStrategy[str]:
    """Valid values of one kind, in their normal forms."""
    if kind is IdentifierKind.DATE_OF_BIRTH:
        return st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)).map(dt.date.isoformat)
    if kind is IdentifierKind.NHS_NUMBER:
        return nhs_numbers()
    if kind is IdentifierKind.POSTCODE:
        return postcodes
    return texts


@st.composite
def registers(draw: st.DrawFn) -> Register:
    """A valid register of up to four people and eight entries of any kinds."""
    person_ids = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    people = [Person(p, draw(st.sampled_from(Relationship))) for p in person_ids]
    entries = []
    for n in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(IdentifierKind))
        entries.append(
            Identifier(f"e-{n}", draw(st.sampled_from(person_ids)), kind, draw(values(kind)))
        )
    return Register(draw(ids), draw(ids), people, entries)
