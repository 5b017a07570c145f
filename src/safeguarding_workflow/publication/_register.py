"""
What the leak check looks for: a case's identifiers, as a `Register` the check can search.

Built from a case's sealed identifier register (`Register.of`), or in memory by a host
that keeps identifiers elsewhere. Values are checked as the identifier register checks
them (a real date of birth, a postcode, an NHS number with its check digit), and no
value ever appears in a ``repr`` or an error message.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from ..exceptions import InvalidInputError

__all__ = ["Register"]


def _masked(value: object) -> str:
    return f"<{len(value) if isinstance(value, tuple) else 1} masked>"


def _strings(field: str) -> Callable[[object], tuple[str, ...]]:
    def convert(value: object) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise InvalidInputError(f"'{field}' must be a list of strings", field=field)
        items = tuple(value)
        if not all(type(v) is str and v.strip() for v in items):
            raise InvalidInputError(f"'{field}' must hold non-empty strings only", field=field)
        return tuple(v.strip() for v in items)

    return convert


def _names(value: object) -> tuple[tuple[str, ...], ...]:
    """Each person's names: a string is one person's only name, a list one person's names."""
    field = "names"
    if value is None:
        return ()
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidInputError("'names' must be a list of names or lists of names", field=field)
    people = []
    for item in value:
        names = (item,) if isinstance(item, str) else item
        if isinstance(names, bytes) or not isinstance(names, Iterable):
            raise InvalidInputError(
                "'names' must hold names, or lists of one person's names", field=field
            )
        names = tuple(names)
        if not names or not all(type(n) is str and n.strip() for n in names):
            raise InvalidInputError("'names' must hold non-empty strings only", field=field)
        people.append(tuple(n.strip() for n in names))
    return tuple(people)


def _dates(value: object) -> tuple[_dt.date, ...]:
    field = "dates_of_birth"
    if value is None:
        return ()
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidInputError("'dates_of_birth' must be a list of dates", field=field)
    days = []
    for item in value:
        if isinstance(item, _dt.datetime):
            raise InvalidInputError("'dates_of_birth' must hold dates, not times", field=field)
        if isinstance(item, _dt.date):
            days.append(_dt.date(item.year, item.month, item.day))
            continue
        try:
            days.append(_dt.date.fromisoformat(item))
        except (TypeError, ValueError):
            raise InvalidInputError(
                "'dates_of_birth' must hold dates or ISO date strings (YYYY-MM-DD)", field=field
            ) from None
    return tuple(days)


def _nhs_numbers(value: object) -> tuple[str, ...]:
    from .._identifiers import _passes_check

    numbers = _strings("nhs_numbers")(value)
    digits = tuple("".join(n.split()).replace("-", "") for n in numbers)
    if not all(len(d) == 10 and d.isascii() and d.isdigit() and _passes_check(d) for d in digits):
        raise InvalidInputError(
            "'nhs_numbers' must hold ten-digit NHS numbers with the right check digit",
            field="nhs_numbers",
        )
    return digits


def _postcodes(value: object) -> tuple[str, ...]:
    from ..personal._register import _POSTCODE as POSTCODE

    codes = _strings("postcodes")(value)
    spaced = []
    for code in codes:
        compact = "".join(code.upper().split())
        text = f"{compact[:-3]} {compact[-3:]}"
        if not (compact.isascii() and POSTCODE.fullmatch(text)):
            raise InvalidInputError("'postcodes' must hold UK postcodes", field="postcodes")
        spaced.append(text)
    return tuple(spaced)


def _schools(value: object) -> tuple[str, ...]:
    return _strings("schools")(value)


def _addresses(value: object) -> tuple[str, ...]:
    return _strings("addresses")(value)


def _facts(value: object) -> tuple[str, ...]:
    return _strings("facts")(value)


def _pseudonyms(value: object) -> tuple[str, ...]:
    return _strings("pseudonyms")(value)


def _keys(value: object) -> tuple[str, ...]:
    return _strings("keys")(value)


@attrs.frozen(repr=False)
class Register:
    """
    The identifiers a leak check looks for, built in memory or from a case's register.

    Every argument is optional. ``names`` holds one item a person: a string (their only
    name) or a list of their names and aliases, so the check knows which given names,
    surnames and initials go together, and redaction gives each person one pseudonym.

    Example:
        ```python
        from safeguarding_workflow import publication

        register = publication.Register(
            names=[["Zebedee Quillfeather", "Zeb"], "Marigold Quillfeather"],
            dates_of_birth=["2015-03-14"],
            postcodes=["ZZ9 9ZZ"],
            schools=["Puddleby Primary School"],
        )
        ```

    Added in version 0.1.0.

    Attributes:
        names: Each person's names (the first is their main name).
        dates_of_birth: Dates of birth, as dates or ISO strings.
        postcodes: UK postcodes, in any spacing and case.
        nhs_numbers: NHS numbers, ten digits with the right check digit (spaces and
            hyphens between groups allowed).
        schools: Schools and nurseries.
        addresses: Addresses, lines separated by commas or newlines.
        facts: Other identifying phrases, matched exactly (folded for case and accents).
        pseudonyms: Pseudonyms in use in the report (``"Child R"``): a month and year
            near one is taken for a date of birth.
        keys: What each person of *names* is called for redaction: a case register's
            person ids, else each person's main name.

    Raises:
        InvalidInputError: a value is malformed for its kind (named by field, never
            repeated).

    """

    names: tuple[tuple[str, ...], ...] = attrs.field(default=(), converter=_names)
    dates_of_birth: tuple[_dt.date, ...] = attrs.field(default=(), converter=_dates)
    postcodes: tuple[str, ...] = attrs.field(default=(), converter=_postcodes)
    nhs_numbers: tuple[str, ...] = attrs.field(default=(), converter=_nhs_numbers)
    schools: tuple[str, ...] = attrs.field(default=(), converter=_schools)
    addresses: tuple[str, ...] = attrs.field(default=(), converter=_addresses)
    facts: tuple[str, ...] = attrs.field(default=(), converter=_facts)
    pseudonyms: tuple[str, ...] = attrs.field(default=(), converter=_pseudonyms)
    keys: tuple[str, ...] = attrs.field(default=(), converter=_keys)

    def __attrs_post_init__(self) -> None:
        if not self.keys:
            object.__setattr__(self, "keys", tuple(names[0] for names in self.names))
        elif len(self.keys) != len(self.names):
            raise InvalidInputError("'keys' must name each person of 'names' once", field="keys")

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{name}={len(getattr(self, name))}"
            for name in (
                "names",
                "dates_of_birth",
                "postcodes",
                "nhs_numbers",
                "schools",
                "addresses",
                "facts",
                "pseudonyms",
            )
        )
        return f"publication.Register({counts}, values=<masked>)"

    __str__ = __repr__

    @classmethod
    def of(cls, register: Any, *, pseudonyms: Iterable[str] = ()) -> Register:
        """
        The register of a case (`safeguarding_workflow.personal.Register`), to check against.

        Names and aliases go by person (keyed by person id), and each entry's kind to
        its field; free-form identifying facts are matched as phrases.

        Added in version 0.1.0.

        Raises:
            InvalidInputError: *register* is not a case's identifier register.

        """
        from ..personal._register import IdentifierKind
        from ..personal._register import Register as CaseRegister

        if not isinstance(register, CaseRegister):
            raise InvalidInputError(
                "'register' must be a publication.Register or a case's identifier register",
                field="register",
            )
        by_kind: dict[IdentifierKind, list[str]] = {kind: [] for kind in IdentifierKind}
        for entry in register.entries:
            by_kind[entry.kind].append(entry.value)
        names, keys = [], []
        for person in register.people:
            own = [
                e.value
                for e in register.entries_of(person.person_id)
                if e.kind in (IdentifierKind.NAME, IdentifierKind.ALIAS)
            ]
            if own:
                names.append(own)
                keys.append(person.person_id)
        return cls(
            names=names,
            dates_of_birth=by_kind[IdentifierKind.DATE_OF_BIRTH],
            postcodes=by_kind[IdentifierKind.POSTCODE],
            nhs_numbers=by_kind[IdentifierKind.NHS_NUMBER],
            schools=by_kind[IdentifierKind.SCHOOL],
            addresses=by_kind[IdentifierKind.ADDRESS],
            facts=by_kind[IdentifierKind.FACT],
            pseudonyms=list(pseudonyms),
            keys=keys,
        )
