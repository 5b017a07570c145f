"""
The leak check: find what in a report could identify the child or their family.

The text is folded once (lower case, accents stripped, curly apostrophes straightened;
each character stays one character, so offsets into the folded text are offsets into
the text as read). One compiled alternation finds every registered name, initial-and-
surname, school and address phrase in it, longest first, whatever its case, accents,
apostrophes or line breaks; each match is then judged in the original text (a name that
is also an ordinary word, such as Grace or May, counts only in the context that makes it
a name). Capitalised words one edit away from a registered name or phrase word are
near-misses (`rapidfuzz`'s optimal string alignment distance). Dates are read in every
common written form and compared with the registered dates of birth; postcodes and NHS
numbers are found by position-aware patterns, registered ones first.

Severity: ``high`` for a registered identifier found as registered (any case, accents or
spacing), ``medium`` for a near-miss or a part (a postcode sector, a school's short
name, a month and year near a name), ``low`` for what the generic patterns find that is
not registered (any other valid NHS number, any other full postcode).
"""

from __future__ import annotations

import bisect
import datetime as _dt
import enum
import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Final

import attrs
from rapidfuzz.distance import OSA

from .._identifiers import _passes_check
from .._log import log_info
from ..exceptions import InvalidInputError
from ._document import Part, ReadDocument, Segment, Unreadable
from ._register import Register

__all__ = ["FindingKind", "LeakFinding", "LeakReport", "Severity", "check"]


class FindingKind(enum.StrEnum):
    """
    What a finding is.

    Added in version 0.1.0.
    """

    NAME = "name"
    DATE_OF_BIRTH = "date_of_birth"
    POSTCODE = "postcode"
    NHS_NUMBER = "nhs_number"
    SCHOOL = "school"
    ADDRESS = "address"
    #: A registered free-form identifying fact.
    OTHER = "other"


class Severity(enum.StrEnum):
    """
    How sure the check is that a finding identifies someone of the register.

    Added in version 0.1.0.
    """

    #: A registered identifier, as registered (any case, accents, spacing or form).
    HIGH = "high"
    #: A near-miss or a part of one: a misspelling, a postcode sector, a short school name.
    MEDIUM = "medium"
    #: Found by a generic pattern, not registered: any other NHS number or postcode.
    LOW = "low"


@attrs.frozen
class LeakFinding:
    """
    One thing in a report that may identify someone: where it is, what it is, how sure.

    Holds no text: ``report.text[finding.start:finding.end]`` is the text found.

    Added in version 0.1.0.

    Attributes:
        kind: What it is.
        start: Offset of its first character in ``LeakReport.text``.
        end: Offset just past its last character.
        severity: How sure the check is.
        part: Where in the document (body, header, footnote, comment, ...).
        line: The line it starts on, from 1, in the text as read.
        page: The page, where the document has pages.
        rule: How it was found: ``exact``, ``given_name``, ``surname``, ``alias``,
            ``initials``, ``in_context`` (an ordinary word used as a name), ``fuzzy``,
            ``written_date``, ``month_year``, ``sector``, ``street``, ``short_name``,
            ``pattern``.
        person: For a name, the index in the register's ``names`` of the person it names
            (None when it could be several, e.g. a family's surname).

    """

    kind: FindingKind
    start: int
    end: int
    severity: Severity
    part: Part
    line: int
    page: int | None
    rule: str
    person: int | None = None

    @property
    def finding_id(self) -> str:
        """
        The finding's id within its report: ``kind@start`` (``name@1042``).

        The same document version checked against the same register gives the same ids,
        so a clearing recorded against one stays valid for it.

        Added in version 0.1.0.
        """
        return f"{self.kind}@{self.start}"

    def to_dict(self) -> dict[str, Any]:
        """
        The finding's JSON form, with its id and without text.

        Added in version 0.1.0.
        """
        return {
            "id": self.finding_id,
            "kind": str(self.kind),
            "start": self.start,
            "end": self.end,
            "severity": str(self.severity),
            "part": str(self.part),
            "line": self.line,
            "page": self.page,
            "rule": self.rule,
        }


@attrs.frozen(repr=False)
class LeakReport:
    """
    What the leak check found in one document version.

    Added in version 0.1.0.

    Attributes:
        findings: In document order.
        text: The text as read: the document itself for a string, else every part's
            text joined by blank lines (findings' offsets point into it).
        unreadable: What the check could not read (a scanned page, an image); the report
            is then not clean.
        digest: SHA-256 (hex) of the document as checked: the UTF-8 bytes of a string,
            else the file's bytes. The version a clearing and a publication refer to.

    """

    findings: tuple[LeakFinding, ...]
    text: str
    unreadable: tuple[Unreadable, ...]
    digest: str

    @property
    def clean(self) -> bool:
        """
        True only when nothing was found and everything was read.

        Added in version 0.1.0.
        """
        return not self.findings and not self.unreadable

    def counts(self) -> dict[str, int]:
        """
        The number of findings of each kind (kinds with none left out).

        Added in version 0.1.0.
        """
        counts: dict[str, int] = {}
        for finding in self.findings:
            counts[str(finding.kind)] = counts.get(str(finding.kind), 0) + 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        """
        The report's JSON form: digest, clean, findings and unreadable parts; never text.

        Added in version 0.1.0.
        """
        return {
            "digest": self.digest,
            "clean": self.clean,
            "findings": [f.to_dict() for f in self.findings],
            "unreadable": [u.to_dict() for u in self.unreadable],
        }

    def __repr__(self) -> str:
        return (
            f"LeakReport(digest={self.digest[:12]!r}..., clean={self.clean}, "
            f"findings={self.counts()}, unreadable={len(self.unreadable)}, text=<masked>)"
        )

    __str__ = __repr__


# -- folding -------------------------------------------------------------------------------


def _fold_table() -> dict[int, str]:
    """Lower case and no accents, one character for one: offsets survive folding."""
    table: dict[int, str] = {}
    for code in (*range(0x41, 0x250), *range(0x1E00, 0x1F00)):
        char = chr(code)
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        ).lower()
        if len(base) == 1 and base != char:
            table[code] = base
    for char, base in {"Ø": "o", "ø": "o", "Ł": "l", "ł": "l", "Đ": "d", "đ": "d"}.items():
        table[ord(char)] = base
    for apostrophe in "\u2019\u2018\u02bc`\u00b4":
        table[ord(apostrophe)] = "'"
    for dash in "\u2010\u2011\u2012\u2013\u2014":
        table[ord(dash)] = "-"
    return table


_FOLD: Final = _fold_table()


def fold(text: str) -> str:
    """*text* lower-cased, accents stripped, apostrophes and dashes straightened; same length."""
    return text.translate(_FOLD)


_WORD: Final = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


def _tokens(folded: str) -> list[str]:
    return _WORD.findall(folded)


def _bare_token(token: str) -> str:
    return token.replace("'", "")


# -- what the register becomes --------------------------------------------------------------

#: Words that are also names: matched as names only where the context makes them names.
ORDINARY_WORDS: Final = frozenset(
    [
        "hope",
        "grace",
        "will",
        "may",
        "rose",
        "faith",
        "joy",
        "dawn",
        "mark",
        "bill",
        "summer",
        "holly",
        "ivy",
        "lily",
        "daisy",
        "ruby",
        "amber",
        "pearl",
        "jade",
        "crystal",
        "iris",
        "heather",
        "poppy",
        "violet",
        "hazel",
        "olive",
        "robin",
        "jack",
        "frank",
        "pat",
        "sue",
        "april",
        "june",
        "august",
        "autumn",
        "winter",
        "sky",
        "storm",
        "rain",
        "river",
        "brook",
        "forest",
        "heath",
        "glen",
        "dale",
        "hunter",
        "archer",
        "mason",
        "taylor",
        "baker",
        "cook",
        "carter",
        "cooper",
        "fisher",
        "fletcher",
        "porter",
        "smith",
        "walker",
        "ward",
        "wood",
        "young",
        "king",
        "knight",
        "page",
        "parker",
        "price",
        "rich",
        "long",
        "short",
        "little",
        "bell",
        "hill",
        "green",
        "brown",
        "white",
        "black",
        "gray",
        "grey",
        "rose",
        "may",
        "sunny",
        "honey",
        "sandy",
        "rusty",
        "mercy",
        "patience",
        "prudence",
        "charity",
        "constance",
        "verity",
        "felicity",
        "harmony",
        "melody",
        "destiny",
        "star",
        "unity",
        "justice",
        "liberty",
        "chance",
        "chase",
        "drew",
        "guy",
        "ray",
        "sonny",
        "victor",
        "earnest",
        "ernest",
        "grant",
        "hardy",
        "noble",
        "miles",
        "rod",
        "rocky",
        "wade",
        "lane",
        "paris",
        "florence",
        "india",
        "jordan",
        "kerry",
        "devon",
        "chelsea",
        "lincoln",
        "austin",
    ]
)
#: Names that are also months or seasons: not names beside a number or a time word.
_MONTH_NAMES: Final = frozenset(
    {"may", "june", "april", "august", "july", "march", "summer", "autumn", "winter", "spring"}
)
#: Words after a season that make it one ("the Summer term").
_SEASON_AFTER: Final = frozenset({"term", "terms", "holiday", "holidays", "half", "break"})
_TITLES: Final = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "master", "aunt", "uncle"})
_SPEECH: Final = frozenset(
    [
        "said",
        "says",
        "told",
        "tells",
        "reported",
        "reports",
        "explained",
        "explains",
        "stated",
        "states",
        "described",
        "describes",
        "disclosed",
        "discloses",
        "asked",
        "asks",
        "added",
        "adds",
        "recalled",
        "recalls",
        "shared",
        "shares",
        "attended",
        "attends",
        "wrote",
        "writes",
        "replied",
        "replies",
        "denied",
        "denies",
    ]
)
_TIME_WORDS: Final = frozenset(
    [
        "in",
        "during",
        "since",
        "until",
        "by",
        "from",
        "of",
        "early",
        "late",
        "mid",
        "end",
        "before",
        "after",
        "between",
        "and",
        "to",
        "on",
        "last",
        "next",
        "this",
        "that",
        "each",
        "every",
    ]
)
_STREET_WORDS: Final = frozenset(
    [
        "road",
        "rd",
        "street",
        "st",
        "lane",
        "ln",
        "avenue",
        "ave",
        "close",
        "drive",
        "dr",
        "way",
        "crescent",
        "place",
        "court",
        "gardens",
        "grove",
        "terrace",
        "walk",
        "hill",
        "row",
        "park",
        "square",
        "mews",
        "rise",
        "view",
        "green",
        "vale",
    ]
)
#: Short English words that are also short names or aliases ("Al", "Jo", "Bo" are not).
_SHORT_WORDS: Final = frozenset(
    [
        "a",
        "an",
        "as",
        "at",
        "be",
        "by",
        "do",
        "go",
        "he",
        "if",
        "in",
        "is",
        "it",
        "me",
        "my",
        "no",
        "of",
        "on",
        "or",
        "so",
        "to",
        "up",
        "us",
        "we",
        "all",
        "and",
        "any",
        "are",
        "but",
        "can",
        "day",
        "did",
        "for",
        "get",
        "got",
        "had",
        "has",
        "her",
        "him",
        "his",
        "how",
        "its",
        "let",
        "man",
        "may",
        "new",
        "not",
        "now",
        "old",
        "one",
        "our",
        "out",
        "own",
        "say",
        "see",
        "she",
        "the",
        "too",
        "two",
        "use",
        "was",
        "way",
        "who",
        "why",
        "yes",
        "yet",
        "you",
        "art",
        "bill",
        "dot",
        "fay",
        "guy",
        "kit",
        "max",
        "may",
        "pat",
        "ray",
        "sue",
        "ted",
        "val",
        "viv",
        "win",
    ]
)
#: Words of an address line that place nothing on their own ("Flat 3").
_DWELLING_WORDS: Final = frozenset(["flat", "apartment", "apt", "unit", "room", "floor", "house"])
_SCHOOL_WORDS: Final = frozenset(
    [
        "school",
        "schools",
        "primary",
        "infant",
        "infants",
        "junior",
        "juniors",
        "nursery",
        "academy",
        "college",
        "high",
        "secondary",
        "community",
        "church",
        "of",
        "england",
        "ce",
        "c",
        "e",
        "rc",
        "catholic",
        "free",
        "pre",
        "preschool",
        "pre-school",
        "first",
        "middle",
        "upper",
        "lower",
        "the",
        "and",
    ]
)


@attrs.frozen
class _Target:
    kind: FindingKind
    severity: Severity
    rule: str
    person: int | None
    ordinary: bool = False
    phrase: bool = False


@attrs.frozen
class _Phrase:
    tokens: tuple[str, ...]
    kind: FindingKind


@attrs.frozen
class _Sequence:
    """Words that follow a first word to make a name or phrase, and what it then is."""

    tokens: tuple[str, ...]
    targets: tuple[_Target, ...]
    separator: re.Pattern[str]
    number: str | None = None  # an address line's house number, looked for before it


@attrs.frozen
class _Key:
    """What a string the automaton finds is: a registered word, and the words it is a piece of."""

    word: str | None
    pieces_of: tuple[str, ...]
    digit: bool = False  # a run of digits starts at the key's last character


#: What may stand between a name's words: spaces, line breaks, hyphens, Markdown emphasis.
_NAME_GAP: Final = re.compile(r"[\s*_-]+")
_PHRASE_GAP: Final = re.compile(r"[\s,.*_-]+")
_INITIALS_BEFORE: Final = re.compile(r"(?:^|(?<=[^\w]))([A-Za-z])\.?\s+(?:[A-Za-z]\.?\s+)?$")


class _Index:
    """
    What a register becomes: the words to find, what follows them, and near-miss pieces.

    One Aho-Corasick automaton (`pyahocorasick`) finds every registered first word,
    single word and near-miss piece in the folded text in one pass.
    """

    def __init__(self, register: Register) -> None:
        import ahocorasick

        self.register = register
        self.sequences: dict[str, list[_Sequence]] = {}
        self.singles: dict[str, list[_Target]] = {}
        self.initials: dict[str, list[tuple[str, int]]] = {}
        self.words: dict[str, list[_Target]] = {}  # name words a near-miss can be of
        self.phrases: list[_Phrase] = []
        self.spellings: dict[str, str] = {}  # a word as folded (apostrophes kept) -> bare
        for person, names in enumerate(register.names):
            self._person(person, names)
        for school in register.schools:
            self._school(school)
        for address in register.addresses:
            self._address(address)
        for fact in register.facts:
            tokens = tuple(_tokens(fold(fact)))
            if tokens:
                target = _Target(FindingKind.OTHER, Severity.HIGH, "exact", None, phrase=True)
                self._add(tokens, target, _PHRASE_GAP)
        for sequences in self.sequences.values():
            sequences.sort(key=lambda q: -len(q.tokens))
        #: Each school's and address's first distinctive word: its phrases, and where in them.
        self.phrase_words: dict[str, list[tuple[_Phrase, int]]] = {}
        for phrase in self.phrases:
            for offset, token in enumerate(phrase.tokens):
                if token not in _STREET_WORDS and token not in _SCHOOL_WORDS and len(token) >= 5:
                    self.phrase_words.setdefault(token, []).append((phrase, offset))
                    break
        keys: dict[str, tuple[str | None, list[str]]] = {}
        for spelling, bare in self.spellings.items():
            keys.setdefault(spelling, (bare, []))
        near = set(self.words) | set(self.phrase_words)
        for spelling, bare in self.spellings.items():
            if bare in near:  # "o'brien" as written too: its pieces keep the apostrophe
                for piece in _pieces(spelling):
                    keys.setdefault(piece, (None, []))[1].append(bare)
        self.automaton: Any = ahocorasick.Automaton()
        for key, (word, pieces_of) in keys.items():
            self.automaton.add_word(key, (key, _Key(word, tuple(dict.fromkeys(pieces_of)))))
        # Where runs of digits start, found in the same pass: a digit after anything else.
        digit_start = _Key(None, (), digit=True)
        for before in _BEFORE_DIGITS:
            for digit in "0123456789":
                self.automaton.add_word(before + digit, (before + digit, digit_start))
        self.automaton.make_automaton()

    def _spell(self, token: str) -> str:
        bare = _bare_token(token)
        self.spellings[token] = bare
        self.spellings[bare] = bare
        return bare

    def _add(
        self,
        tokens: tuple[str, ...],
        target: _Target,
        separator: re.Pattern[str],
        number: str | None = None,
    ) -> None:
        first = self._spell(tokens[0])
        for token in tokens[1:]:
            self._spell(token)
        if len(tokens) == 1 and number is None:
            self.singles.setdefault(first, []).append(target)
            return
        rest = tuple(_bare_token(t) for t in tokens[1:])
        for sequence in self.sequences.get(first, []):
            if sequence.tokens == rest and sequence.number == number:
                index = self.sequences[first].index(sequence)
                self.sequences[first][index] = attrs.evolve(
                    sequence, targets=(*sequence.targets, target)
                )
                return
        self.sequences.setdefault(first, []).append(_Sequence(rest, (target,), separator, number))

    def _person(self, person: int, names: tuple[str, ...]) -> None:
        given_initials: set[str] = set()
        surnames: set[str] = set()
        singles: list[str] = []
        for index, name in enumerate(names):
            tokens = tuple(_tokens(fold(name)))
            if not tokens:
                continue
            alias = index > 0
            if len(tokens) >= 2:
                self._add(
                    tokens, _Target(FindingKind.NAME, Severity.HIGH, "exact", person), _NAME_GAP
                )
                given_initials.update(t[0] for t in tokens[:-1] if t[0].isalpha())
                surnames.add(_bare_token(tokens[-1]))
                for position, token in enumerate(tokens):
                    rule = "surname" if position == len(tokens) - 1 else "given_name"
                    self._single(token, _Target(FindingKind.NAME, Severity.HIGH, rule, person))
            else:
                rule = "alias" if alias else "given_name"
                self._single(tokens[0], _Target(FindingKind.NAME, Severity.HIGH, rule, person))
                singles.append(tokens[0])
        for single in singles:  # "Zeb Quillfeather": an alias with the family name is one name
            for surname in surnames:
                target = _Target(FindingKind.NAME, Severity.HIGH, "exact", person)
                self._add((single, surname), target, _NAME_GAP)
        for surname in surnames:
            for initial in given_initials:
                self.initials.setdefault(surname, []).append((initial, person))

    def _single(self, token: str, target: _Target) -> None:
        bare = _bare_token(token)
        ordinary = bare in ORDINARY_WORDS or bare in _SHORT_WORDS
        target = attrs.evolve(target, ordinary=ordinary)
        self._add((token,), target, _NAME_GAP)
        if not ordinary and len(bare) >= 5:
            self.words.setdefault(bare, []).append(target)

    def _school(self, school: str) -> None:
        tokens = tuple(_tokens(fold(school)))
        if not tokens:
            return
        exact = _Target(FindingKind.SCHOOL, Severity.HIGH, "exact", None, phrase=True)
        self._add(tokens, exact, _PHRASE_GAP)
        self.phrases.append(_Phrase(_bare(tokens), FindingKind.SCHOOL))
        distinctive = [i for i, t in enumerate(tokens) if t not in _SCHOOL_WORDS]
        if distinctive:
            # "Puddleby Primary" and "Puddleby School" of "Puddleby Primary School".
            head = tokens[: distinctive[-1] + 1]
            target = _Target(FindingKind.SCHOOL, Severity.MEDIUM, "short_name", None, phrase=True)
            for generic in tokens[distinctive[-1] + 1 :]:
                if (*head, generic) != tokens and generic not in ("of", "the", "and"):
                    self._add((*head, generic), target, _PHRASE_GAP)

    def _address(self, address: str) -> None:
        for line in re.split(r"[,\n]+", address):
            folded = fold(line)
            tokens = tuple(_WORD.findall(folded))
            number = re.match(r"\s*(\d+[a-z]?)\b", folded)
            if not tokens or all(t in _DWELLING_WORDS for t in tokens):
                continue  # "Flat 3": nothing a reader could place
            street = any(t in _STREET_WORDS for t in tokens[1:])
            if street:
                target = _Target(FindingKind.ADDRESS, Severity.HIGH, "exact", None, phrase=True)
                if number:
                    self._add(tokens, target, _PHRASE_GAP, number=number.group(1))
                self._add(tokens, attrs.evolve(target, rule="street"), _PHRASE_GAP)
                self.phrases.append(_Phrase(_bare(tokens), FindingKind.ADDRESS))
            else:
                # A locality: found, at low severity (it may be the area the review is about).
                low = _Target(FindingKind.ADDRESS, Severity.LOW, "locality", None, phrase=True)
                self._add(tokens, low, _PHRASE_GAP)


def _pieces(word: str) -> tuple[str, ...]:
    """
    The halves of *word* a one-edit misspelling keeps one of whole (3 letters or more).

    An edit falls in one half (or between them), so the other half is in the text as
    registered: the automaton finds it, and the word around it is then compared.
    """
    half = len(word) // 2
    return tuple(piece for piece in (word[:half], word[half:]) if len(piece) >= 3)


def _bare(tokens: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t.replace("'", "") for t in tokens)


# -- reading --------------------------------------------------------------------------------


def _read(document: object) -> ReadDocument:
    if isinstance(document, str) and not _names_a_file(document):
        digest = hashlib.sha256(document.encode("utf-8", "surrogatepass")).hexdigest()
        return ReadDocument((Segment(Part.BODY, document),), (), digest)
    if not isinstance(document, str | os.PathLike):
        raise InvalidInputError(
            "'document' must be text, or the path of a .docx, .pdf, .txt or .md file",
            field="document",
        )
    path = Path(document)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        from ._docx import read_docx

        return read_docx(path)
    if suffix == ".pdf":
        from ._pdf import read_pdf

        return read_pdf(path)
    if suffix in (".txt", ".md", ".markdown", ""):
        try:
            data = path.read_bytes()
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            raise InvalidInputError(
                "'document' is not a readable UTF-8 text file", field="document"
            ) from None
        return ReadDocument((Segment(Part.BODY, text),), (), hashlib.sha256(data).hexdigest())
    raise InvalidInputError(
        "'document' must be text, or the path of a .docx, .pdf, .txt or .md file",
        field="document",
    )


def _names_a_file(text: str) -> bool:
    """A one-line string ending in a document suffix that names an existing file."""
    return (
        "\n" not in text
        and len(text) < 4096
        and text.lower().endswith((".docx", ".pdf"))
        and os.path.isfile(text)
    )


# -- matching -------------------------------------------------------------------------------

_MONTHS: Final = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_MONTH: Final = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ORDINAL: Final = r"(?:st|nd|rd|th)?"
_DATE_DIGITS: Final = re.compile(
    rf"""
    (?P<y1>\d{{4}})[-/.](?P<m1>\d{{1,2}})[-/.](?P<d1>\d{{1,2}})\b
  | (?P<d2>\d{{1,2}})[/.-](?P<m2>\d{{1,2}})[/.-](?P<y2>\d{{4}}|\d{{2}})\b
  | (?P<d3>\d{{1,2}}){_ORDINAL}(?:\s+of)?[\s-]+(?P<n3>{_MONTH})\b\.?,?[\s-]+
      (?P<y3>\d{{4}}|'?\d{{2}})\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
_DATE_MONTH: Final = re.compile(
    rf"""
    (?P<n4>{_MONTH})\b\.?\s+(?P<d4>\d{{1,2}}){_ORDINAL},?\s+(?P<y4>\d{{4}})\b
  | (?P<n5>{_MONTH})\b\.?,?\s+(?P<y5>\d{{4}})\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
_MONTH_BEFORE: Final = re.compile(rf"\b(?:{_MONTH})\b\.?,?\s+$", re.IGNORECASE)
#: What may stand before a run of digits, in the folded text (curly quotes and dashes are
#: straight there): ASCII other than digits, and the spaces a typesetter uses.
_BEFORE_DIGITS: Final = (
    *(chr(c) for c in range(32, 127) if not chr(c).isdigit()),
    *"\n\t\r\u00a0\u2007\u2009\u202f\u00a3\u20ac\u2022",
)
_GROUPS: Final = (
    "y1",
    "m1",
    "d1",
    "d2",
    "m2",
    "y2",
    "d3",
    "n3",
    "y3",
    "n4",
    "d4",
    "y4",
    "n5",
    "y5",
)
_NO_GROUPS: Final[dict[str, str | None]] = dict.fromkeys(_GROUPS)
_POSTCODE_SHAPE: Final = re.compile(r"[A-Za-z]{1,2}\d[A-Za-z\d]?\s{0,2}\d[A-Za-z]{2}(?![A-Za-z\d])")
_SECTOR_SHAPE: Final = re.compile(r"[A-Za-z]{1,2}\d[A-Za-z\d]? \d(?![A-Za-z\d])")
_BIRTH: Final = re.compile(r"\b(?:born|birth|d\.?o\.?b\.?|birthday)\b", re.IGNORECASE)
_NHS: Final = re.compile(r"\d{3}(?:[ -]|\s)?\d{3}(?:[ -]|\s)?\d{4}(?![\d-])")
#: A UK postcode by position: which letters may stand where (upper case, as written).
_POSTCODE: Final = re.compile(
    r"(?:GIR ?0AA|[A-PR-UWYZ](?:\d[A-HJKPSTUW\d]?|[A-HK-Y]\d[ABEHMNPRV-Y\d]?) ?\d"
    r"[ABD-HJLNP-UW-Z]{2})"
)
_NEAR: Final = 100  # characters around a month and year searched for a name or "born"


def _year(text: str) -> int:
    digits = text.lstrip("'")
    year = int(digits)
    if len(digits) == 2:
        year += 2000 if year <= 40 else 1900
    return year


@attrs.define
class _Raw:
    kind: FindingKind
    start: int
    end: int
    severity: Severity
    rule: str
    person: int | None = None


class _Scan:
    def __init__(self, text: str, index: _Index) -> None:
        self.text = text
        self.folded = fold(text)
        self.index = index
        self.found: list[_Raw] = []
        #: Where each run of digits starts, in order (the automaton's pass finds them).
        self.digits: list[int] = []

    # names, schools, addresses, facts --------------------------------------------------------

    def words(self) -> None:
        """
        Every registered name, school, address and fact, then the near-misses.

        The automaton gives each registered first word, single word and near-miss piece
        where it stands in the folded text; each is judged there: a name or phrase
        continues with its next words, an initial may stand before a surname, an
        ordinary word counts only where it is used as a name.
        """
        automaton = self.index.automaton
        folded = self.folded
        digits = self.digits
        if folded[:1].isdigit():
            digits.append(0)
        hits = []
        for end, (key, found) in automaton.iter(folded):
            if found.digit:
                digits.append(end)
            else:
                hits.append((end - len(key) + 1, end + 1, found))
        hits.sort()
        done = 0
        pieces: dict[tuple[int, int], set[str]] = {}
        for start, end, found in hits:
            if found.word is not None and start >= done and self._bounded(start, end):
                done = max(done, self._word(start, end, found.word))
            if found.pieces_of:
                pieces.setdefault(self._enclosing(start, end), set()).update(found.pieces_of)
        if pieces:
            self._near_misses(pieces)

    def _bounded(self, start: int, end: int) -> bool:
        """Whether [start, end) of the folded text is a whole word (a possessive may follow)."""
        text = self.folded
        if start:
            before = text[start - 1]
            if before.isalnum() or (before == "'" and start > 1 and text[start - 2].isalpha()):
                return False
        if end < len(text):
            after = text[end]
            if after.isalnum():
                return False
            if after == "'" and text[end + 1 : end + 2].isalpha():
                return text[end + 1 : end + 2] == "s" and not text[end + 2 : end + 3].isalnum()
        return True

    def _enclosing(self, start: int, end: int) -> tuple[int, int]:
        match = _WORD.match(self.folded, self._word_start(start))
        return (match.start(), match.end()) if match else (start, end)

    def _word_start(self, position: int) -> int:
        text = self.folded
        while position > 0 and (
            text[position - 1].isalpha()
            or (text[position - 1] == "'" and position > 1 and text[position - 2].isalpha())
        ):
            position -= 1
        return position

    def _word(self, start: int, end: int, word: str) -> int:
        """Judge the registered *word* found at [start, end); the end of what was found, or 0."""
        index = self.index
        for sequence in index.sequences.get(word, ()):
            last = self._continues(end, sequence)
            if last is None:
                continue
            first = start
            if sequence.number is not None:
                number = re.search(
                    rf"(?<![\w]){re.escape(sequence.number)}[\s,]+$",
                    self.folded[max(0, start - 16) : start],
                )
                if number is None:
                    continue
                first = start - (len(self.folded[max(0, start - 16) : start]) - number.start())
            self._record(sequence.targets, first, last)
            return last
        for initial, person in index.initials.get(word, ()):
            before = _INITIALS_BEFORE.search(self.text, max(0, start - 8), start)
            if before and before.group(1).isupper() and before.group(1).lower() == initial:
                target = _Target(FindingKind.NAME, Severity.HIGH, "initials", person)
                self._record((target,), before.start(), end)
                return end
        targets = index.singles.get(word)
        if not targets:
            return 0
        if targets[0].ordinary and not self._named_here(start, end):
            return 0
        self._record(targets, start, end, rule="in_context" if targets[0].ordinary else None)
        return end

    def _continues(self, position: int, sequence: _Sequence) -> int | None:
        """Where *sequence*'s words end if they follow at *position*, else None."""
        text = self.folded
        for token in sequence.tokens:
            gap = sequence.separator.match(text, position)
            if gap is None:
                return None
            word = _WORD.match(text, gap.end())
            if word is None:
                return None
            found, position = word.group(), word.end()
            if found.endswith("'s") and found[:-2].replace("'", "") == token:
                found, position = found[:-2], position - 2  # a possessive
            if found.replace("'", "") != token:
                return None
        return position

    def _record(
        self, targets: Iterable[_Target], start: int, end: int, rule: str | None = None
    ) -> None:
        targets = tuple(targets)
        target = min(targets, key=lambda t: _RANK[t.severity])
        while end < len(self.text) and unicodedata.combining(self.text[end]):
            end += 1  # an accent written as a combining mark belongs to the word
        people = {t.person for t in targets}
        person = target.person if len(people) == 1 else None
        self.found.append(
            _Raw(target.kind, start, end, target.severity, rule or target.rule, person)
        )

    def _named_here(self, start: int, end: int) -> bool:
        """Whether an ordinary word at [start, end) is used as a name here."""
        text = self.text
        if not text[start].isupper():
            return False
        before = self._word_before(start)
        after = self._word_after(end)
        word = self.folded[start:end]
        if before in _TITLES:
            return True
        if word in _MONTH_NAMES and (
            (after and (after[0].isdigit() or after in _SEASON_AFTER))
            or (before and (before[0].isdigit() or before in _TIME_WORDS))
        ):
            return False
        possessive = text[end : end + 2] in ("'s", "\u2019s")
        if possessive or after in _SPEECH:
            return True
        return not (self._heading(start) or self._sentence_start(start))

    def _word_before(self, start: int) -> str:
        match = re.search(r"([^\W_]+)\.?\s*$", self.folded[max(0, start - 40) : start])
        return match.group(1) if match else ""

    def _word_after(self, end: int) -> str:
        match = re.match(r"(?:'s)?\s*([^\W_]+)", self.folded[end : end + 40])
        return match.group(1) if match else ""

    def _sentence_start(self, start: int) -> bool:
        position = start - 1
        text = self.text
        while position >= 0 and (
            text[position] in " \t\"'\u201c\u2018([*_>-\u2022" or text[position].isdigit()
        ):
            position -= 1
        return position < 0 or text[position] in ".!?:;\n"

    def _heading(self, start: int) -> bool:
        line_start = self.text.rfind("\n", 0, start) + 1
        return self.text[line_start : line_start + 1] == "#"

    # near-misses -----------------------------------------------------------------------------

    def _near_misses(self, pieces: dict[tuple[int, int], set[str]]) -> None:
        """
        Capitalised words one edit from a registered name word, school or street word.

        Each word holding a piece of a registered word is compared with it (`rapidfuzz`'s
        optimal string alignment distance); the same word is judged once.
        """
        index = self.index
        taken = sorted((r.start, r.end) for r in self.found)
        starts = [start for start, _ in taken]
        judged: dict[str, str | None] = {}
        for (start, end), sources in sorted(pieces.items()):
            at = bisect.bisect_right(starts, start) - 1
            inside = at >= 0 and taken[at][1] > start  # a phrase may still run on past it
            if not self.text[start].isupper():
                continue
            word = self.folded[start:end].replace("'", "")
            if word.endswith("s") and self.folded[end - 2 : end - 1] == "'":
                word, end = word[:-1], end - 2
            key = f"{word}|{'|'.join(sorted(sources))}"
            if key not in judged:
                judged[key] = self._nearest(word, sources)
            near = judged[key]
            if near is None:
                continue
            if near in index.phrase_words:
                self._phrase_at(start, index.phrase_words[near])
                continue
            if inside:
                continue
            self._record(index.words[near], start, end, rule="fuzzy")
            self.found[-1].severity = Severity.MEDIUM

    def _nearest(self, word: str, sources: set[str]) -> str | None:
        if len(word) < 5 or word in ORDINARY_WORDS:
            return None
        for source in sorted(sources):
            if source in self.index.phrase_words and word == source:
                return source  # its phrase may be misspelt further on
            if word != source and OSA.distance(word, source) <= 1:
                return source
        return None

    def _phrase_at(self, start: int, phrases: list[tuple[_Phrase, int]]) -> None:
        """A school or address whose word at *start* begins it, each word within one edit."""
        for phrase, offset in phrases:
            rest = phrase.tokens[offset:]
            words = list(_WORD.finditer(self.folded, start, start + 40 * len(rest)))[: len(rest)]
            if len(words) < len(rest):
                continue
            bare = [w.group().replace("'", "") for w in words]
            if bare == list(rest):
                continue  # exact: judged as registered
            if all(
                a == b or (len(b) >= 4 and OSA.distance(a, b) <= 1)
                for a, b in zip(bare, rest, strict=True)
            ):
                self.found.append(
                    _Raw(phrase.kind, start, words[-1].end(), Severity.MEDIUM, "fuzzy")
                )
                return

    # dates, NHS numbers, postcodes ------------------------------------------------------------

    def numbers(self) -> None:
        """
        Every run of digits, judged where it stands: a date, an NHS number, a postcode.

        One pass finds the digits (few in prose); each run is then tried against the
        anchored patterns of what could hold it.
        """
        text = self.text
        register = self.index.register
        births = set(register.dates_of_birth)
        months = {(d.year, d.month) for d in births}
        known = set(register.nhs_numbers)
        codes = {p.replace(" ", "") for p in register.postcodes}
        sectors = {p[:-2] for p in register.postcodes}
        done = 0
        size = len(text)
        for start in self.digits:
            if start < done:
                continue
            end = start + 1
            while end < size and text[end].isdigit():
                end += 1
            length = end - start
            if start and text[start - 1].isalpha():  # only a postcode's digits follow a letter
                done = max(done, self._postcode(start, codes, sectors))
                continue
            if length in (3, 10) and not (start and text[start - 1] == "-"):
                nhs = _NHS.match(text, start)
                if nhs:
                    digits = re.sub(r"[\s-]", "", nhs.group())
                    if _passes_check(digits):
                        mine = digits in known
                        self.found.append(
                            _Raw(
                                FindingKind.NHS_NUMBER,
                                *nhs.span(),
                                Severity.HIGH if mine else Severity.LOW,
                                "exact" if mine else "pattern",
                            )
                        )
                        done = nhs.end()
                        continue
            if births and length in (1, 2, 4):
                done = max(done, self._date(start, births, months))

    def _date(self, start: int, births: set[_dt.date], months: set[tuple[int, int]]) -> int:
        text = self.text
        if start and text[start - 1].isalpha():
            return start
        match = _DATE_DIGITS.match(text, start)
        if match is None:
            before = _MONTH_BEFORE.search(text, max(0, start - 16), start)
            if before is None:
                return start
            match = _DATE_MONTH.match(text, before.start())
            if match is None:
                return start
        groups: dict[str, str | None] = {**_NO_GROUPS, **match.groupdict()}
        if groups["n5"]:
            key = (int(groups["y5"] or 0), _MONTHS[(groups["n5"] or "").lower()])
            if key in months and self._near_a_person(*match.span()):
                self.found.append(
                    _Raw(FindingKind.DATE_OF_BIRTH, *match.span(), Severity.MEDIUM, "month_year")
                )
            return match.end()
        if any(day in births for day in _readings(groups)):
            self.found.append(
                _Raw(FindingKind.DATE_OF_BIRTH, *match.span(), Severity.HIGH, "written_date")
            )
        return match.end()

    def _near_a_person(self, start: int, end: int) -> bool:
        low, high = max(0, start - _NEAR), end + _NEAR
        if any(r.kind is FindingKind.NAME and r.end >= low and r.start <= high for r in self.found):
            return True
        window = self.folded[low:high]
        if _BIRTH.search(window):
            return True
        return any(fold(p) in window for p in self.index.register.pseudonyms)

    def _postcode(self, start: int, codes: set[str], sectors: set[str]) -> int:
        """A postcode whose first digit is at *start*: the end of what was found, or 0."""
        text = self.text
        for back in (2, 1):
            at = start - back
            if at < 0 or not text[at:start].isalpha() or (at and text[at - 1].isalnum()):
                continue
            shape = _POSTCODE_SHAPE.match(text, at)
            if shape is None:
                continue
            compact = "".join(shape.group().split()).upper()
            if compact in codes:
                self.found.append(_Raw(FindingKind.POSTCODE, *shape.span(), Severity.HIGH, "exact"))
                return shape.end()
            if _POSTCODE.fullmatch(shape.group()):
                self.found.append(
                    _Raw(FindingKind.POSTCODE, *shape.span(), Severity.LOW, "pattern")
                )
                return shape.end()
        for back in (2, 1):
            at = start - back
            if at < 0 or (at and text[at - 1].isalnum()):
                continue
            sector = _SECTOR_SHAPE.match(text, at)
            if sector and re.sub(r"\s+", " ", sector.group().upper()) in sectors:
                self.found.append(
                    _Raw(FindingKind.POSTCODE, *sector.span(), Severity.MEDIUM, "sector")
                )
                return sector.end()
        return 0


def _readings(groups: dict[str, str | None]) -> Iterator[_dt.date]:
    """The dates a written date can mean: day-month first (UK), then month-day."""
    candidates: list[tuple[int, int, int]] = []
    if groups["y1"]:
        candidates.append((int(groups["y1"]), int(groups["m1"] or 0), int(groups["d1"] or 0)))
    elif groups["d2"]:
        year, first, second = _year(groups["y2"] or "0"), int(groups["d2"]), int(groups["m2"] or 0)
        candidates += [(year, second, first), (year, first, second)]
    elif groups["d3"]:
        month = _MONTHS[(groups["n3"] or "").lower()]
        candidates.append((_year(groups["y3"] or "0"), month, int(groups["d3"])))
    elif groups["d4"]:
        month = _MONTHS[(groups["n4"] or "").lower()]
        candidates.append((_year(groups["y4"] or "0"), month, int(groups["d4"])))
    for year, month, day in candidates:
        try:
            yield _dt.date(year, month, day)
        except ValueError:
            continue


# -- the entry point ------------------------------------------------------------------------


def check(document: str | os.PathLike[str], register: Any) -> LeakReport:
    """
    Check a report for anything that could identify the child or their family.

    *document* is the report's text (plain text or Markdown), or the path of a ``.docx``
    or ``.pdf`` file (PDF needs the ``pdf`` extra), or of a ``.txt`` or ``.md``
    file; a one-line string ending in ``.docx`` or ``.pdf`` that names an existing file
    is taken as its path. *register* is a case's identifier register
    (`safeguarding_workflow.personal.Register`) or a `publication.Register` built in
    memory.

    The findings are in document order, each with its kind, offsets into
    ``report.text``, severity, part, line and page; ``report.clean`` is true only when
    nothing was found and nothing was left unread. The library logs the kinds and
    counts found, never the text.

    Example:
        ```python
        from safeguarding_workflow import publication

        register = publication.Register(names=["Zoë O'Brien"])
        report = publication.check("We met ZOE OBRIEN's teacher.", register)
        assert [f.kind for f in report.findings] == ["name"]
        assert report.text[report.findings[0].start : report.findings[0].end] == "ZOE OBRIEN"
        ```

    Added in version 0.1.0.

    Raises:
        InvalidInputError: *document* is neither text nor a readable file of a known
            kind, or *register* is neither kind of register.
        ConfigurationError: a ``.docx`` or ``.pdf`` without its extra installed.

    """
    index = _index(register)
    read = _read(document)
    text, parts = _joined(read.segments)
    scan = _Scan(text, index)
    scan.words()
    scan.numbers()
    findings = _findings(scan.found, text, parts)
    report = LeakReport(findings, text, read.unreadable, read.digest)
    log_info(
        "leak_check",
        findings=len(findings),
        kinds=report.counts(),
        unreadable=len(read.unreadable),
        clean=report.clean,
    )
    return report


_INDEXES: dict[int, tuple[Register, _Index]] = {}


def _index(register: object) -> _Index:
    """The register's index, kept for the last few registers checked against."""
    if not isinstance(register, Register):
        register = Register.of(register)
    kept = _INDEXES.get(id(register))
    if kept is not None and kept[0] is register:
        return kept[1]
    index = _Index(register)
    if len(_INDEXES) >= 8:
        _INDEXES.pop(next(iter(_INDEXES)))
    _INDEXES[id(register)] = (register, index)
    return index


@attrs.frozen
class _Placed:
    start: int
    part: Part
    page: int | None


def _joined(segments: Iterable[Segment]) -> tuple[str, list[_Placed]]:
    pieces: list[str] = []
    parts: list[_Placed] = []
    position = 0
    for segment in segments:
        if pieces:
            pieces.append("\n\n")
            position += 2
        parts.append(_Placed(position, segment.part, segment.page))
        pieces.append(segment.text)
        position += len(segment.text)
    return "".join(pieces), parts


def _findings(raw: list[_Raw], text: str, parts: list[_Placed]) -> tuple[LeakFinding, ...]:
    order = sorted(raw, key=lambda r: (r.start, -(r.end - r.start), _RANK[r.severity]))
    kept: list[_Raw] = []
    for item in order:
        if kept and item.start >= kept[-1].start and item.end <= kept[-1].end:
            continue  # within a finding already kept
        kept.append(item)
    lines = [m.start() for m in re.finditer("\n", text)]
    starts = [p.start for p in parts]
    findings = []
    for item in kept:
        placed = parts[bisect.bisect_right(starts, item.start) - 1] if parts else None
        findings.append(
            LeakFinding(
                kind=item.kind,
                start=item.start,
                end=item.end,
                severity=item.severity,
                part=placed.part if placed else Part.BODY,
                line=bisect.bisect_left(lines, item.start) + 1,
                page=placed.page if placed else None,
                rule=item.rule,
                person=item.person,
            )
        )
    return tuple(findings)


_RANK: Final = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}
