"""
The identifier register's value types: the people of a case and what identifies them.

A case's facts hold no identifier (ages, not dates of birth; authority codes, not
addresses). What does identify the child and their family (names, aliases, dates of
birth, addresses, postcodes, schools, NHS numbers, free-form identifying facts) is an
`Identifier` entry tied to a `Person` of the case by an opaque id, and the entries of one
case make its `Register`, which is only ever stored sealed (see `seal_register`).

No value of an entry ever appears in a ``repr``, a ``str``, an exception message or a
log line: every type holding one masks it (``value=<masked>``), so a traceback renderer
printing locals, or a log line formatting the object, shows the ids and kinds only.
"""

from __future__ import annotations

import datetime as _dt
import enum
import re
import unicodedata
from collections.abc import Iterable
from typing import Any, Final, TypeVar

import attrs

from .._identifiers import _passes_check, check_opaque_id
from ..exceptions import InvalidInputError

__all__ = [
    "MAX_ENTRIES",
    "MAX_PEOPLE",
    "MAX_VALUE_LENGTH",
    "Identifier",
    "IdentifierKind",
    "Person",
    "Register",
    "Relationship",
]

MAX_VALUE_LENGTH: Final = 500
"""The longest value of an entry, in characters (after surrounding whitespace is stripped)."""
MAX_PEOPLE: Final = 500
"""The most people one register holds."""
MAX_ENTRIES: Final = 5000
"""The most entries one register holds."""

_T = TypeVar("_T")

#: A UK postcode once upper-cased and spaced (``SW1A 1AA``, ``M1 1AE``, ``GIR 0AA``).
_POSTCODE: Final = re.compile(r"(?:[A-Z]{1,2}[0-9][A-Z0-9]?|GIR) [0-9][A-Z]{2}")
#: An ISO date, written out in full (``2015-03-14``).
_ISO_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: What may separate the digit groups of an NHS number as written (``943 476 5919``).
_NHS_SEPARATORS: Final = str.maketrans("", "", " -")


class Relationship(enum.StrEnum):
    """
    How a person in a case stands to the child the review is about.

    Added in version 0.1.0.
    """

    #: A child the review is about.
    CHILD = "child"
    #: A parent, or someone else with parental responsibility.
    PARENT = "parent"
    #: A brother or sister, including half- and step-siblings.
    SIBLING = "sibling"
    #: Any other member of the family (grandparents, aunts, uncles, cousins, ...).
    OTHER_FAMILY_MEMBER = "other_family_member"


class IdentifierKind(enum.StrEnum):
    """
    What an identifier entry is, which decides how its value is checked and written.

    Added in version 0.1.0.
    """

    #: A person's name as used now.
    NAME = "name"
    #: Another name: an alias, a nickname, a former name.
    ALIAS = "alias"
    #: A date of birth, as an ISO date (``2015-03-14``).
    DATE_OF_BIRTH = "date_of_birth"
    #: A postal address (lines may be separated by newlines).
    ADDRESS = "address"
    #: A UK postcode, stored upper case with one space (``SW1A 1AA``).
    POSTCODE = "postcode"
    #: A school or nursery attended.
    SCHOOL = "school"
    #: An NHS number, stored as its ten digits; the check digit must be right.
    NHS_NUMBER = "nhs_number"
    #: Any other fact that identifies the person (free text).
    FACT = "fact"


#: The kinds whose values may hold line breaks.
_MULTILINE: Final = frozenset({IdentifierKind.ADDRESS, IdentifierKind.FACT})


def _fail(field: str, message: str) -> InvalidInputError:
    return InvalidInputError(f"{field!r} {message}", field=field)


def _member(kind: type[enum.StrEnum], value: object, field: str) -> Any:
    try:
        return kind(value)  # type: ignore[arg-type]  # a ValueError is the check
    except (ValueError, TypeError):
        choices = ", ".join(repr(m.value) for m in kind)
        raise _fail(field, f"must be one of {choices}") from None


def _to_relationship(value: object) -> Relationship:
    member: Relationship = _member(Relationship, value, "Person.relationship")
    return member


def _to_kind(value: object) -> IdentifierKind:
    member: IdentifierKind = _member(IdentifierKind, value, "Identifier.kind")
    return member


def _check_id(field: str) -> Any:
    def check(_instance: object, _attribute: object, value: object) -> None:
        check_opaque_id(value, field)

    return check


def _masked(_value: object) -> str:
    return "<masked>"


def _kind_repr(kind: IdentifierKind) -> str:
    return f"<{kind.value}>"


def _text(value: object, kind: IdentifierKind) -> str:
    """*value* as checked text: stripped, non-empty, bounded, no control characters."""
    field = "Identifier.value"
    if type(value) is not str:
        raise _fail(field, "must be a string")
    text = value.strip()
    if not text:
        raise _fail(field, "must not be empty")
    if len(text) > MAX_VALUE_LENGTH:
        raise _fail(field, f"must be at most {MAX_VALUE_LENGTH} characters")
    allowed = "\n" if kind in _MULTILINE else ""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cs") and char not in allowed:
            raise _fail(field, "must not hold control characters or lone surrogates")
    return text


def _normalised(kind: IdentifierKind, value: object) -> str:
    """The value of an entry of *kind*, checked and written in its one form."""
    text = _text(value, kind)
    field = "Identifier.value"
    if kind is IdentifierKind.DATE_OF_BIRTH:
        if not _ISO_DATE.fullmatch(text):
            raise _fail(field, "of a date of birth must be an ISO date (YYYY-MM-DD)")
        try:
            _dt.date.fromisoformat(text)
        except ValueError:
            raise _fail(field, "of a date of birth must be a real date") from None
        return text
    if kind is IdentifierKind.NHS_NUMBER:
        digits = text.translate(_NHS_SEPARATORS)
        if not (len(digits) == 10 and digits.isascii() and digits.isdigit()):
            raise _fail(field, "of an NHS number must be ten digits")
        if not _passes_check(digits):
            raise _fail(field, "of an NHS number must end in the right check digit")
        return digits
    if kind is IdentifierKind.POSTCODE:
        compact = "".join(text.upper().split())
        spaced = f"{compact[:-3]} {compact[-3:]}"
        if not (compact.isascii() and _POSTCODE.fullmatch(spaced)):
            raise _fail(field, "of a postcode must be a UK postcode such as 'SW1A 1AA'")
        return spaced
    return text


@attrs.frozen
class Person:
    """
    A person in a case, named by an opaque id: what identifies them lives in `Identifier` entries.

    Added in version 0.1.0.

    Attributes:
        person_id: Opaque id of the person within the case (letters, digits, ``_.:-``;
            never a name or an NHS number).
        relationship: How they stand to the child the review is about.

    Raises:
        InvalidInputError: the id is not opaque or the relationship is unknown.

    """

    person_id: str = attrs.field(validator=_check_id("Person.person_id"))
    relationship: Relationship = attrs.field(converter=_to_relationship)


@attrs.frozen
class Identifier:
    """
    One identifying value of one person: a name, an alias, a date of birth, an address, ...

    Its ``repr`` and ``str`` mask the value
    (``Identifier(entry_id='e-1', person_id='p-1', kind=<name>, value=<masked>)``), so no
    traceback or log line can print it; read ``entry.value`` where the value is meant
    to be used.

    The value is checked and written in one form for its kind: surrounding whitespace
    is stripped; it is 1 to `MAX_VALUE_LENGTH` characters with no control characters
    (addresses and facts may hold line breaks); a date of birth is a real ISO date
    (``2015-03-14``); an NHS number is ten digits (spaces and hyphens between them are
    dropped) ending in the right modulus-11 check digit; a postcode is a UK postcode,
    stored upper case with one space (``sw1a1aa`` becomes ``SW1A 1AA``).

    Added in version 0.1.0.

    Attributes:
        entry_id: Opaque id of this entry within the case.
        person_id: The `Person` it identifies.
        kind: What the value is.
        value: The identifying value itself, in its normal form.

    Raises:
        InvalidInputError: an id is not opaque, the kind is unknown, or the value is
            malformed for its kind. The message names the field and never the value.

    """

    entry_id: str = attrs.field(validator=_check_id("Identifier.entry_id"))
    person_id: str = attrs.field(validator=_check_id("Identifier.person_id"))
    kind: IdentifierKind = attrs.field(converter=_to_kind, repr=_kind_repr)
    value: str = attrs.field(repr=_masked)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "value", _normalised(self.kind, self.value))

    def __str__(self) -> str:
        return repr(self)

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:
        # IPython's and Hypothesis's pretty printers would list attrs fields, value too.
        printer.text(repr(self))


def _people(value: object) -> tuple[Person, ...]:
    people = _sequence(value, Person, "Register.people", MAX_PEOPLE)
    if len({p.person_id for p in people}) != len(people):
        raise _fail("Register.people", "must not name one person twice")
    return people


def _entries(value: object) -> tuple[Identifier, ...]:
    entries = _sequence(value, Identifier, "Register.entries", MAX_ENTRIES)
    if len({e.entry_id for e in entries}) != len(entries):
        raise _fail("Register.entries", "must not hold two entries with one entry id")
    return entries


def _sequence(value: object, kind: type[_T], field: str, most: int) -> tuple[_T, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise _fail(field, f"must be a sequence of {kind.__name__}")
    items = tuple(value)
    if not all(type(item) is kind for item in items):
        raise _fail(field, f"must hold {kind.__name__} values only")
    if len(items) > most:
        raise _fail(field, f"must hold at most {most} items")
    return items


@attrs.frozen
class Register:
    """
    The decrypted identifier register of one case: its people and what identifies them.

    A value: the methods that change it return a new `Register`. It is only ever
    stored sealed (`seal_register`); its ``repr`` shows ids and kinds, never a value.

    Added in version 0.1.0.

    Attributes:
        tenant_id: The case's tenant.
        case_id: The case.
        people: The people of the case, each once.
        entries: Their identifier entries, each entry id once, each naming a person of
            `people`, in the order they were added.

    Raises:
        InvalidInputError: an id is not opaque, a person or entry id is repeated, an
            entry names a person not in the register, or there are more than
            `MAX_PEOPLE` people or `MAX_ENTRIES` entries.

    """

    tenant_id: str = attrs.field(validator=_check_id("Register.tenant_id"))
    case_id: str = attrs.field(validator=_check_id("Register.case_id"))
    people: tuple[Person, ...] = attrs.field(default=(), converter=_people)
    entries: tuple[Identifier, ...] = attrs.field(default=(), converter=_entries)

    def __attrs_post_init__(self) -> None:
        known = {p.person_id for p in self.people}
        if any(e.person_id not in known for e in self.entries):
            raise _fail("Identifier.person_id", "must name a person of the register")

    def __str__(self) -> str:
        return repr(self)

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:
        # IPython's and Hypothesis's pretty printers would list attrs fields, value too.
        printer.text(repr(self))

    def person(self, person_id: str) -> Person:
        """
        The person with this id.

        Raises:
            InvalidInputError: no person of the register has this id.

        """
        for person in self.people:
            if person.person_id == person_id:
                return person
        raise _fail("person_id", "names no person of the register")

    def entry(self, entry_id: str) -> Identifier:
        """
        The entry with this id.

        Raises:
            InvalidInputError: no entry of the register has this id.

        """
        for entry in self.entries:
            if entry.entry_id == entry_id:
                return entry
        raise _fail("entry_id", "names no entry of the register")

    def entries_of(self, person_id: str) -> tuple[Identifier, ...]:
        """
        The entries of one person, in the order they were added.

        Raises:
            InvalidInputError: no person of the register has this id.

        """
        self.person(person_id)
        return tuple(e for e in self.entries if e.person_id == person_id)

    def add_person(self, person: Person) -> Register:
        """
        A new register with *person* added.

        Raises:
            InvalidInputError: the register already has a person with this id.

        """
        return attrs.evolve(self, people=(*self.people, person))

    def add_entries(self, *entries: Identifier) -> Register:
        """
        A new register with *entries* added after the present ones.

        Raises:
            InvalidInputError: an entry id is taken, or an entry names an unknown person.

        """
        return attrs.evolve(self, entries=(*self.entries, *entries))

    def replace_entry(self, entry: Identifier) -> Register:
        """
        A new register in which *entry* takes the place of the entry with its entry id.

        The way to correct an entry (its value, its kind or whom it identifies).

        Raises:
            InvalidInputError: no entry has *entry*'s id, or it names an unknown person.

        """
        if type(entry) is not Identifier:
            raise _fail("entry", "must be an Identifier")
        self.entry(entry.entry_id)
        entries = tuple(entry if e.entry_id == entry.entry_id else e for e in self.entries)
        return attrs.evolve(self, entries=entries)

    def values(self) -> tuple[str, ...]:
        """
        Every identifying string of the register, each once, longest first.

        What a masking processor or a leak check looks for: the entries' values in their
        normal forms (a date of birth as ``2015-03-14``, an NHS number as ten digits, a
        postcode as ``SW1A 1AA``). Longest first, so an alternation built from them in
        this order matches a whole name before a shorter alias inside it.
        """
        distinct = dict.fromkeys(e.value for e in self.entries)
        return tuple(sorted(distinct, key=lambda v: (-len(v), v)))
