"""
Rule catalogues: every rule id the code cites, with its source and verification status.

The types are the core's; the rows belong to whoever cites them. The core's own
catalogue holds the library-wide decisions and the working-day rules; each rule
pack brings its own catalogue, and [`RULES`][safeguarding_workflow.RULES] is the
read-only merge of the core's and every pack's in use. A rule is reference data,
not behaviour: guards, duties and refusals cite rule ids, and the catalogue says
what each id means.
"""

from __future__ import annotations

import enum
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Final, final

import attrs

from .exceptions import ConfigurationError

__all__ = [
    "CORE_RULES",
    "RULES",
    "Basis",
    "Rule",
    "RuleCatalogue",
    "Verification",
    "strongest_basis",
    "use_catalogue",
    "weakest",
]


class Verification(enum.StrEnum):
    """
    How far a rule's wording or number has been checked (DOMAIN legend, DEC-08).

    Ordered from strongest to weakest: ``V`` (checked against a primary or
    official source), ``V2`` (against a secondary source quoting it), ``R``
    (recalled from the named document, unchecked), ``I`` (an interpretation the
    library chose).

    Added in version 0.1.0.
    """

    V = "V"
    V2 = "V2"
    R = "R"
    I = "I"  # noqa: E741 - the catalogue's own letter for "interpretation"

    @property
    def rank(self) -> int:
        """0 for the strongest (V) to 3 for the weakest (I)."""
        return _RANK[self]


_RULE_ID: Final = re.compile(r"[A-Z][A-Z0-9]{0,7}-\d{1,4}")

_RANK: Final = {Verification.V: 0, Verification.V2: 1, Verification.R: 2, Verification.I: 3}


def weakest(statuses: Iterable[Verification]) -> Verification:
    """
    The weakest of *statuses* (DEC-08: V > V2 > R > I); ``V`` for none.

    Added in version 0.1.0.
    """
    return max(statuses, key=_RANK.__getitem__, default=Verification.V)


class Basis(enum.StrEnum):
    """
    Where a duty, or its timescale, comes from (DEC-06).

    ``statute`` is a "must" of an Act or regulations; ``statutory_guidance`` a
    "should" of guidance such as *Working Together*; ``local_policy`` a
    partnership's own rule. ``advisory`` is for a timescale only: one the library
    advises where no source sets one, so the deadline is a prompt, not a
    requirement (DEC-09: the care-leaver notification's 5 working days).

    Added in version 0.1.0.
    """

    STATUTE = "statute"
    STATUTORY_GUIDANCE = "statutory_guidance"
    LOCAL_POLICY = "local_policy"
    ADVISORY = "advisory"


_BASIS_RANK: Final = {
    Basis.STATUTE: 0,
    Basis.STATUTORY_GUIDANCE: 1,
    Basis.LOCAL_POLICY: 2,
    Basis.ADVISORY: 3,
}


def strongest_basis(bases: Iterable[Basis | None]) -> Basis | None:
    """
    The strongest of *bases* (statute, then statutory guidance, local policy, advisory).

    None when none is given: the rules name no basis.
    """
    given = [b for b in bases if b is not None]
    return min(given, key=_BASIS_RANK.__getitem__, default=None)


@attrs.frozen
class Rule:
    """
    One entry of the rule catalogue.

    Added in version 0.1.0.

    Attributes:
        id: The rule id, e.g. ``"NOT-04"``.
        summary: The rule in a sentence.
        source: The citation as the catalogue gives it.
        verification: The weakest status that applies (DEC-08).
        verification_note: The catalogue's full status note, where it is compound.
        basis: For a rule that places a duty or sets its timescale, where that comes
            from (DEC-06): statute, statutory guidance or local policy; by keyword.
            None for definitions and readings. A stored deadline's basis is the
            strongest among its rules'.

    """

    id: str = attrs.field()
    summary: str
    source: str
    verification: Verification = attrs.field(converter=Verification)
    verification_note: str = ""
    basis: Basis | None = attrs.field(default=None, kw_only=True)

    @id.validator
    def _check_id(self, _attribute: object, value: object) -> None:
        if not isinstance(value, str) or not _RULE_ID.fullmatch(value):
            raise ConfigurationError(
                "'Rule.id' must be letters, a hyphen and digits, such as 'NOT-04'",
                field="Rule.id",
            )


@final
class RuleCatalogue(Mapping[str, Rule]):
    """
    A read-only set of rules by id: one pack's own, or several merged.

    Added in version 0.1.0.

    Args:
        rules: The rules; each id at most once.
        name: What the catalogue belongs to, e.g. ``"england"``, for messages.

    Raises:
        ConfigurationError: an id appears twice, or an entry is not a `Rule`.

    """

    __slots__ = ("_rules", "name")

    def __init__(self, rules: Iterable[Rule], *, name: str = "") -> None:
        by_id: dict[str, Rule] = {}
        for rule in rules:
            if not isinstance(rule, Rule):
                raise ConfigurationError("a rule catalogue holds only Rule values", field="rules")
            if rule.id in by_id:
                raise ConfigurationError(
                    f"rule {rule.id} appears twice in the catalogue {name!r}", field="rules"
                )
            by_id[rule.id] = rule
        self._rules = by_id
        self.name = name

    def __getitem__(self, rule_id: str) -> Rule:
        return self._rules[rule_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def merge(self, *others: Mapping[str, Rule], name: str = "") -> RuleCatalogue:
        """
        The rules of this catalogue and of *others*; an id may recur only with the same rule.

        Added in version 0.1.0.

        Raises:
            ConfigurationError: two catalogues give one id different rules.

        """
        merged = dict(self._rules)
        for other in others:
            for rule_id, rule in other.items():
                if merged.setdefault(rule_id, rule) != rule:
                    raise ConfigurationError(
                        f"rule {rule_id} means different things in two catalogues",
                        field="rules",
                    )
        return RuleCatalogue(merged.values(), name=name or self.name)

    def __repr__(self) -> str:
        return f"<RuleCatalogue {self.name!r}: {len(self)} rules>"


V, V2, R, I = Verification.V, Verification.V2, Verification.R, Verification.I  # noqa: E741

#: The core's own rules: the library-wide decisions and the working-day rules.
CORE_RULES: Final = RuleCatalogue(
    (
        Rule(
            "DEC-01",
            "England and Wales bank holidays come from the holidays package "
            "(GB, subdiv ENG, observed, weekdays), cross-checked against the GOV.UK list.",
            "Library decision",
            I,
        ),
        Rule(
            "DEC-02",
            "Working days are answered from 2000 to the last year of the official "
            "GOV.UK list; beyond it only with a host list or opted-in projection, flagged.",
            "Library decision",
            I,
        ),
        Rule(
            "DEC-03",
            "Each nation counts its own working days: England and Wales, Scotland, "
            "Northern Ireland.",
            "Library decision",
            I,
        ),
        Rule(
            "DEC-05",
            "A duty whose anchor has not happened has no due date and names the event it "
            "waits for.",
            "Library decision",
            I,
        ),
        Rule(
            "DEC-06",
            "Every duty says whether it, and separately its timescale, comes from "
            "statute, statutory guidance or local policy.",
            "Library decision",
            I,
        ),
        Rule(
            "DEC-07",
            "Citations use full short titles; a duty carries every rule id and citation behind it.",
            "Library decision",
            I,
        ),
        Rule(
            "DEC-08",
            "A duty's verification status is the weakest that applies to its timescale or "
            "criterion.",
            "Library decision",
            I,
        ),
        Rule(
            "DEC-14",
            "Announced reorganisations are in the registry before their codes are: the "
            "ending authority carries its end date and its successors by name, and after "
            "that date it raises an error naming them until the host or a release adds them.",
            "Library decision, on the draft Surrey (Structural Changes) Order 2026",
            V2,
        ),
        Rule(
            "WD-01",
            "A working day is Monday to Friday excluding England and Wales bank holidays.",
            "Banking and Financial Dealings Act 1971; GOV.UK bank-holidays.json",
            R,
            "V (list) / R (Act paragraph).",
        ),
        Rule(
            "WD-02",
            "Within N working days of X: the N-th working day after X, X not counted.",
            "Library convention",
            I,
        ),
        Rule(
            "WD-03",
            "The official list is GOV.UK's bank-holidays.json; the holidays package "
            "agrees with it date by date.",
            "GOV.UK bank-holidays.json",
            V,
        ),
        Rule(
            "WD-04",
            "Months are calendar months by the corresponding-date rule; the result is "
            "not moved to a working day.",
            "Interpretation Act 1978 Sch 1; Dodds v Walker",
            I,
            "R / I.",
        ),
        Rule(
            "TL-01",
            "Every step has two times: occurred_at, when it really happened, and recorded_at, "
            "when it was entered. occurred_at is not in the future, not before the incident's "
            "awareness and not before the previous step; a correction keeps a step between "
            "the steps around it.",
            "Library decision",
            I,
        ),
        Rule(
            "TL-02",
            "A case in a terminal state has ended: its facts no longer change, so no duty "
            "arises that no step could meet.",
            "Library decision",
            I,
        ),
        Rule(
            "TL-03",
            "New facts keep the timeline: awareness of the incident is not after the first "
            "step taken, and a suspicion already recorded does not move past a step taken "
            "while it was held.",
            "Library decision",
            I,
        ),
        Rule(
            "TL-04",
            "A date in a step's payload is not before awareness of the incident, and not "
            "after the step's own date unless the field is a plan (future=True).",
            "Library decision",
            I,
        ),
    ),
    name="core",
)


@final
class _InUse(Mapping[str, Rule]):
    """The merge of the core's catalogue and every catalogue a rule pack put in use."""

    __slots__ = ("_lock", "_merged")

    def __init__(self, core: RuleCatalogue) -> None:
        self._merged = core
        self._lock = threading.Lock()

    def add(self, catalogue: RuleCatalogue) -> None:
        with self._lock:
            self._merged = self._merged.merge(catalogue, name="in use")

    def __getitem__(self, rule_id: str) -> Rule:
        return self._merged[rule_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._merged)

    def __len__(self) -> int:
        return len(self._merged)

    def __repr__(self) -> str:
        return f"<RULES: {len(self)} rules in use>"


#: Every rule in use, by id (read-only): the core's and those of every rule pack built so far.
_IN_USE: Final = _InUse(CORE_RULES)
RULES: Final[Mapping[str, Rule]] = _IN_USE
"""
Every rule in use, by id (read-only): the core's and those of every rule pack built so far.
"""


def use_catalogue(catalogue: RuleCatalogue) -> None:
    """
    Put a pack's catalogue in use, so its ids resolve in [`RULES`][safeguarding_workflow.RULES].

    Added in version 0.1.0.

    Building a [`RulePack`][safeguarding_workflow.RulePack] calls it; calling it again with
    the same rules changes nothing.

    Raises:
        ConfigurationError: the catalogue gives an id in use a different rule.

    """
    if not isinstance(catalogue, RuleCatalogue):
        raise ConfigurationError("'catalogue' must be a RuleCatalogue", field="catalogue")
    _IN_USE.add(catalogue)
