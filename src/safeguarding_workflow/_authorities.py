"""
The registry of UK local authorities, by ONS GSS code, valid over date ranges.

The data ships in the package as ``_data/local_authorities.csv``; its sources are
listed in the docs (Reference → Local authority data). An announced reorganisation
is in the registry before ONS publishes the successors' codes (DEC-14): the ending
authority carries its end date and its successors by name, and a host adds the
successors' codes with `LocalAuthorityRegistry.with_authorities()`.
"""

from __future__ import annotations

import csv
import datetime as _dt
import enum
import io
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from importlib import resources
from typing import Final, final

import attrs
import pendulum

from ._calendar import to_date
from .exceptions import InvalidInputError, UnknownLocalAuthorityError

__all__ = ["LocalAuthority", "LocalAuthorityRegistry", "Nation"]

_COLUMNS: Final = (
    "gss_code",
    "name",
    "dfe_code",
    "nation",
    "kind",
    "valid_from",
    "valid_to",
    "replaced_by",
    "successors_announced",
)

#: Names in common use for authorities whose ONS short name differs, by the ONS name they
#: denote. ONS puts "City of" and "County of" after a comma ("Bristol, City of"), and
#: several Scottish council areas carry "City" ("Glasgow City", "City of Edinburgh").
#: A common name never shadows a name in the registry (a test checks both ways).
_COMMON_NAMES: Final[Mapping[str, str]] = {
    "Bristol": "Bristol, City of",
    "City of Bristol": "Bristol, City of",
    "Hull": "Kingston upon Hull, City of",
    "Kingston upon Hull": "Kingston upon Hull, City of",
    "City of Kingston upon Hull": "Kingston upon Hull, City of",
    "Herefordshire": "Herefordshire, County of",
    "County of Herefordshire": "Herefordshire, County of",
    "Durham": "County Durham",
    "Edinburgh": "City of Edinburgh",
    "Edinburgh, City of": "City of Edinburgh",
    "Glasgow": "Glasgow City",
    "Aberdeen": "Aberdeen City",
    "Dundee": "Dundee City",
    "Western Isles": "Na h-Eileanan Siar",
    "Eilean Siar": "Na h-Eileanan Siar",
    "Anglesey": "Isle of Anglesey",
    "The Vale of Glamorgan": "Vale of Glamorgan",
    "Rhondda Cynon Taff": "Rhondda Cynon Taf",
}


class Nation(enum.StrEnum):
    """
    A nation of the United Kingdom; each has its own regime and working-day calendar.

    Added in version 0.1.0.
    """

    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern_ireland"


@attrs.frozen
class LocalAuthority:
    """
    One local authority (or council area) as it stood over a date range.

    Added in version 0.1.0.

    Attributes:
        gss_code: The ONS Government Statistical Service code, e.g. ``"E08000016"``.
        name: The name ONS uses for it.
        dfe_code: The DfE three-digit local authority number (English authorities
            with children's services), else ``None``.
        nation: The nation it belongs to.
        kind: ``"county"``, ``"unitary"``, ``"metropolitan_district"``,
            ``"london_borough"``, ``"principal_council"``, ``"council_area"`` or
            ``"local_government_district"``.
        valid_from: First day it existed under this code, or ``None`` if before the
            registry starts (1 April 2009).
        valid_to: Last day it existed under this code, or ``None`` if current.
            An announced end date may lie in the future (DEC-14).
        replaced_by: GSS codes of its successors, when it ended.
        successors_announced: Names of successors announced to take over on the day
            after *valid_to* whose GSS codes are not yet published (DEC-14): Surrey's
            ``("East Surrey", "West Surrey")``. A successor leaves this list for
            *replaced_by* when a registry holds it (`LocalAuthorityRegistry.with_authorities`).

    """

    gss_code: str
    name: str
    dfe_code: str | None
    nation: Nation
    kind: str
    valid_from: pendulum.Date | None
    valid_to: pendulum.Date | None
    replaced_by: tuple[str, ...] = ()
    successors_announced: tuple[str, ...] = ()

    def in_force_on(self, day: _dt.date) -> bool:
        """
        Whether the authority existed, under this code, on *day*.

        Added in version 0.1.0.
        """
        d = to_date(day, "day")
        return (self.valid_from is None or self.valid_from <= d) and (
            self.valid_to is None or d <= self.valid_to
        )

    def __str__(self) -> str:
        return f"{self.name} ({self.gss_code})"


def _parse_date(text: str) -> pendulum.Date | None:
    return pendulum.Date.fromisoformat(text) if text else None


def _parse(rows: Iterable[dict[str, str]]) -> tuple[LocalAuthority, ...]:
    return tuple(
        LocalAuthority(
            gss_code=row["gss_code"],
            name=row["name"],
            dfe_code=row["dfe_code"] or None,
            nation=Nation(row["nation"]),
            kind=row["kind"],
            valid_from=_parse_date(row["valid_from"]),
            valid_to=_parse_date(row["valid_to"]),
            replaced_by=tuple(row["replaced_by"].split()),
            successors_announced=tuple(
                name.strip() for name in row["successors_announced"].split(";") if name.strip()
            ),
        )
        for row in rows
    )


@lru_cache(maxsize=1)
def _shipped() -> LocalAuthorityRegistry:
    text = (
        resources.files("safeguarding_workflow")
        .joinpath("_data/local_authorities.csv")
        .read_text("utf-8")
    )
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != _COLUMNS:
        raise InvalidInputError(  # pragma: no cover - guards the shipped file against bad edits
            "the shipped local authority data has unexpected columns", field="local_authorities"
        )
    return LocalAuthorityRegistry(_parse(reader))


def _same_authority(a: LocalAuthority, b: LocalAuthority) -> bool:
    return (a.name, a.kind, a.dfe_code) == (b.name, b.kind, b.dfe_code)


def _fold(name: str) -> str:
    """A name as lookups compare it: case, commas, full stops, hyphens and "&" folded."""
    for old, new in ((",", " "), (".", " "), ("-", " "), ("&", " and ")):
        name = name.replace(old, new)
    return " ".join(name.casefold().split())


def _link_successors(authorities: dict[str, LocalAuthority]) -> None:
    """
    Move each announced successor the registry now holds into its predecessor's *replaced_by*.

    A successor matches by name and must start on the day after the predecessor ends
    (DEC-14). *authorities* (by GSS code) is updated in place.
    """
    for code, la in list(authorities.items()):
        if not la.successors_announced or la.valid_to is None:
            continue
        start = la.valid_to.add(days=1)
        found: list[str] = []
        awaited: list[str] = []
        for name in la.successors_announced:
            match = next(
                (
                    other.gss_code
                    for other in authorities.values()
                    if _fold(other.name) == _fold(name) and other.valid_from == start
                ),
                None,
            )
            if match is None:
                awaited.append(name)
            else:
                found.append(match)
        if found:
            authorities[code] = attrs.evolve(
                la,
                replaced_by=tuple(sorted({*la.replaced_by, *found})),
                successors_announced=tuple(awaited),
            )


@final
class LocalAuthorityRegistry:
    """
    Looks up local authorities by GSS code, DfE number or name, as they stood on a date.

    `default()` returns the registry shipped with the library. Hosts may
    build their own from `LocalAuthority` values (for tests), or extend one with
    `with_authorities()` (to add a reorganisation's successors before a library
    release has them, DEC-14). A registry is immutable.

    Names match case-insensitively, and common names resolve too: ``"Bristol"`` as
    well as ONS's ``"Bristol, City of"``, ``"Edinburgh"`` for ``"City of Edinburgh"``.

    Added in version 0.1.0.
    """

    __slots__ = ("_announced", "_by_code", "_by_dfe", "_by_name")

    def __init__(self, authorities: Iterable[LocalAuthority]) -> None:
        by_code: dict[str, LocalAuthority] = {}
        by_name: dict[str, list[LocalAuthority]] = {}
        by_dfe: dict[str, list[LocalAuthority]] = {}
        for la in authorities:
            if not isinstance(la, LocalAuthority):
                raise InvalidInputError(
                    "a registry holds LocalAuthority values", field="authorities"
                )
            if la.gss_code in by_code:
                raise InvalidInputError(
                    "a GSS code appears twice among the authorities", field="authorities"
                )
            by_code[la.gss_code] = la
            by_name.setdefault(_fold(la.name), []).append(la)
            if la.dfe_code:
                by_dfe.setdefault(la.dfe_code, []).append(la)
        for alias, name in _COMMON_NAMES.items():
            key = _fold(alias)
            if key not in by_name and _fold(name) in by_name:
                by_name[key] = by_name[_fold(name)]
        # Successors announced by name, with no code yet (DEC-14), by folded name.
        announced: dict[str, tuple[str, LocalAuthority]] = {}
        for la in by_code.values():
            for name in la.successors_announced:
                if _fold(name) not in by_name:
                    announced[_fold(name)] = (name, la)
        self._by_code = by_code
        self._by_name = by_name
        self._by_dfe = by_dfe
        self._announced = announced

    @classmethod
    def default(cls) -> LocalAuthorityRegistry:
        """
        The registry shipped with the library (loaded once, then shared: it is immutable).

        Added in version 0.1.0.
        """
        return _shipped()

    def with_authorities(self, authorities: Iterable[LocalAuthority]) -> LocalAuthorityRegistry:
        """
        A new registry: this one's authorities with *authorities* added (this one is unchanged).

        The seam for a reorganisation the shipped data does not have yet (DEC-14): add
        each successor, with its GSS code, name and dates, and the authority it
        replaces gains it in `LocalAuthority.replaced_by` when the successor's name is
        one of its `LocalAuthority.successors_announced` and it starts the day after
        the predecessor ends. An authority whose code is already in the registry
        replaces it, so a host can also move an announced end date.

        Added in version 0.1.0.

        Args:
            authorities: The authorities to add; each GSS code at most once.

        Returns:
            The extended registry.

        Raises:
            InvalidInputError: an entry is not a `LocalAuthority`, or a code appears twice.

        """
        merged = dict(self._by_code)
        seen: set[str] = set()
        for la in authorities:
            if not isinstance(la, LocalAuthority):
                raise InvalidInputError(
                    "a registry holds LocalAuthority values", field="authorities"
                )
            if la.gss_code in seen:
                raise InvalidInputError(
                    "a GSS code appears twice among the authorities", field="authorities"
                )
            seen.add(la.gss_code)
            merged[la.gss_code] = la
        _link_successors(merged)
        return LocalAuthorityRegistry(merged.values())

    def __iter__(self) -> Iterator[LocalAuthority]:
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, gss_code: str) -> LocalAuthority:
        """
        The authority with this GSS code, whatever its dates.

        Added in version 0.1.0.

        Raises:
            UnknownLocalAuthorityError: no authority has this code.

        """
        try:
            return self._by_code[gss_code]
        except (KeyError, TypeError):
            raise UnknownLocalAuthorityError(
                "'gss_code' is not a local authority code in the registry", field="gss_code"
            ) from None

    def code_given(self, code_or_name: object) -> str | None:
        """
        The GSS code *code_or_name* is written as, if it is one in the registry; else None.

        What `resolve` starts from before it follows a recode: ``" e08000020 "`` gives
        ``"E08000020"`` whether or not that code is in force on a given day. A name or a
        DfE number gives None (they denote whichever code is in force). A case keeps this
        code beside the one in force (`Case.local_authority_given`) when they differ.

        Added in version 0.1.0.
        """
        if not isinstance(code_or_name, str):
            return None
        key = code_or_name.strip().upper()
        return key if key in self._by_code else None

    def in_force_on(self, day: _dt.date) -> tuple[LocalAuthority, ...]:
        """
        Every authority that existed on *day*, in GSS code order.

        Added in version 0.1.0.
        """
        return tuple(sorted((la for la in self if la.in_force_on(day)), key=lambda la: la.gss_code))

    def _follow_recodes(self, la: LocalAuthority, day: pendulum.Date) -> LocalAuthority | None:
        """
        The same authority under an earlier or later code, in force on *day*.

        A recode (one successor of the same name, kind and DfE number) follows a
        boundary adjustment: the council is the same, so its old code still
        denotes it. A reorganisation (several successors, or a new authority
        such as a county replaced by a unitary) is not followed.
        """
        seen = {la.gss_code}
        for step in (self._recoded_to, self._recoded_from):
            current: LocalAuthority | None = la
            while current is not None:
                current = step(current)
                if current is None or current.gss_code in seen:
                    break
                seen.add(current.gss_code)
                if current.in_force_on(day):
                    return current
        return None

    def _recoded_to(self, la: LocalAuthority) -> LocalAuthority | None:
        if len(la.replaced_by) != 1 or la.replaced_by[0] not in self._by_code:
            return None
        nxt = self._by_code[la.replaced_by[0]]
        return nxt if _same_authority(la, nxt) else None

    def _recoded_from(self, la: LocalAuthority) -> LocalAuthority | None:
        for prev in self._by_name.get(_fold(la.name), []):
            if prev.replaced_by == (la.gss_code,) and _same_authority(prev, la):
                return prev
        return None

    def resolve(
        self, code_or_name: str, on: _dt.date, *, field: str = "local_authority"
    ) -> LocalAuthority:
        """
        The authority a GSS code, DfE number or name denotes on date *on*.

        Added in version 0.1.0.

        A name matches case-insensitively, common names included ("Bristol"),
        and may denote different codes at different dates (Northumberland
        before and after its 2013 recode, say). A code that was replaced by a
        recode of the same authority (one successor with the same name, kind
        and DfE number, after a boundary adjustment) resolves to the code in
        force on *on*; a code whose authority was abolished or split does not.

        Raises:
            UnknownLocalAuthorityError: nothing matches, or what matches did not
                exist on *on*; the message names its successors, and says when
                their codes are not yet published (DEC-14). Messages name the
                registry's own authorities, never the value given.

        """
        day = to_date(on, "on")
        if not isinstance(code_or_name, str) or not code_or_name.strip():
            raise UnknownLocalAuthorityError(
                f"{field!r} must be a GSS code, a DfE number or a name", field=field
            )
        key = code_or_name.strip()
        candidates: list[LocalAuthority]
        if key.upper() in self._by_code:
            candidates = [self._by_code[key.upper()]]
        elif key in self._by_dfe:
            candidates = self._by_dfe[key]
        else:
            candidates = self._by_name.get(_fold(key), [])
        if not candidates:
            pending = self._announced.get(_fold(key))
            if pending is not None:
                name, predecessor = pending
                ends = predecessor.valid_to.isoformat() if predecessor.valid_to else "a date"
                raise UnknownLocalAuthorityError(
                    f"{field!r} names {name}, announced to succeed {predecessor}, which ends "
                    f"on {ends}; its GSS code is not yet published: add it with "
                    "LocalAuthorityRegistry.with_authorities",
                    field=field,
                    rule_ids=("DEC-14",),
                )
            raise UnknownLocalAuthorityError(
                f"{field!r} is not a GSS code, DfE number or name in the local authority registry",
                field=field,
            )
        for la in candidates:
            if la.in_force_on(day):
                return la
            recoded = self._follow_recodes(la, day)
            if recoded is not None:
                return recoded
        ended = max(candidates, key=lambda la: la.valid_from or pendulum.Date(1, 1, 1))
        if ended.valid_to is not None and day > ended.valid_to:
            successors = [
                str(self._by_code[c]) if c in self._by_code else c for c in ended.replaced_by
            ]
            awaited = ended.successors_announced
            message = (
                f"{field!r} names {ended}, which ceased on {ended.valid_to.isoformat()}, "
                f"before the date in question; its area passed to "
                f"{' and '.join((*successors, *awaited))}"
            )
            if not awaited:
                raise UnknownLocalAuthorityError(message, field=field)
            raise UnknownLocalAuthorityError(
                f"{message}. The GSS codes of {' and '.join(awaited)} are not yet published: "
                "add them with LocalAuthorityRegistry.with_authorities",
                field=field,
                rule_ids=("DEC-14",),
            )
        raise UnknownLocalAuthorityError(
            f"{field!r} names {ended}, which did not exist yet on the date in question",
            field=field,
        )
