"""
Measured accuracy of the leak check: recall on an adversarial corpus, false findings on clean prose.

Every person, place and number is fictional (see ``corpus/adversarial.py``). Run with ``-s`` to
see the figures the tests print.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from safeguarding_workflow import publication

from .corpus import adversarial
from .corpus.adversarial import CASES, NEGATIVES

CLEAN = Path(__file__).parent / "corpus" / "clean"
CLEAN_FILES = sorted(CLEAN.glob("*.md"))
#: The most false findings the check may make in clean prose, per 5,000 words.
MAX_RATE = 1.0
MIN_WORDS = 20_000


@pytest.fixture(name="register", scope="module")
def _register() -> Any:
    """The fictional family's register, built once."""
    return publication.Register(**adversarial.register_kwargs())


def _spans(text: str, substring: str) -> Iterator[tuple[int, int]]:
    """Every occurrence of substring in text, as [start, end) spans."""
    for match in re.finditer(re.escape(substring), text):
        yield match.start(), match.end()


def _excerpt(text: str, start: int, end: int, margin: int = 25) -> str:
    """A short excerpt around [start, end), on one line."""
    return repr(text[max(0, start - margin) : end + margin])


def _describe(report: Any) -> str:
    """The findings of a report, one a line, for an assertion message."""
    return "\n".join(
        f"  {f.kind} ({f.severity}) line {f.line}: {report.text[f.start : f.end]!r}"
        for f in report.findings
    )


def test_the_corpus_is_well_formed() -> None:
    """Enough cases, every kind covered, and each expected substring occurs in its snippet."""
    assert len(CASES) >= 60
    assert len({case.label for case in CASES}) == len(CASES)
    kinds = {kind for case in CASES for kind, _ in case.expect}
    assert {"name", "date_of_birth", "postcode", "nhs_number", "school", "address"} <= kinds
    for case in CASES:
        for _, substring in case.expect:
            assert substring in case.text, (case.label, substring)
    assert len(NEGATIVES) >= 20


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{i:02d}-{case.label.replace(' ', '-')}" for i, case in enumerate(CASES)]
)
def test_recall(case: adversarial.Case, register: Any) -> None:
    """Every expected (kind, substring) is overlapped by a finding of that kind."""
    report = publication.check(case.text, register)
    misses = []
    for kind, substring in case.expect:
        spans = list(_spans(report.text, substring))
        if not spans:
            misses.append(f"{kind}: {substring!r} is not in report.text")
            continue
        for start, end in spans:
            if not any(f.kind == kind and f.start < end and start < f.end for f in report.findings):
                misses.append(f"{kind}: {substring!r} at [{start}, {end}) not covered")
    index = CASES.index(case)
    assert not misses, (
        f"case {index} ({case.label}) {case.text!r}\n  missed: "
        + "; ".join(misses)
        + f"\n  findings:\n{_describe(report) or '  (none)'}"
    )
    assert not report.clean


@pytest.mark.parametrize("text", NEGATIVES, ids=[f"neg-{i:02d}" for i in range(len(NEGATIVES))])
def test_negative(text: str, register: Any) -> None:
    """A snippet with nothing identifying in it yields no finding."""
    report = publication.check(text, register)
    assert not report.findings, f"{text!r}\n  false findings:\n{_describe(report)}"
    assert report.clean


def _words(text: str) -> int:
    """Words, split on whitespace."""
    return len(text.split())


def test_the_clean_corpus_holds_enough_words() -> None:
    """The clean corpus has at least 20,000 words across several files."""
    assert len(CLEAN_FILES) >= 5
    words = sum(_words(path.read_text(encoding="utf-8")) for path in CLEAN_FILES)
    assert words >= MIN_WORDS, words


#: Register identifiers that must never appear in the clean prose, whatever the check does.
_FORBIDDEN = re.compile(
    r"zo[eë]\b|\bzo\b|o\W?\s?brien|quill|ffinch|wimbleby|bartholomew|\bbart\b|ren[eé]e|"
    r"puddleby|thistledown|imaginary|marrowbone|wibbling|zz9|pd\d|\b\d{3}[ -]?\d{3}[ -]?\d{4}\b|"
    r"\b[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}\b",
    re.IGNORECASE,
)
#: The register's ordinary-word names, capitalised: the clean prose uses them only in lower case.
_CAPITALISED = re.compile(r"\b(?:Hope|Grace|Will|Dawn|Summer)\b")
_BIRTH_MONTHS = re.compile(
    r"\b(?:March 2015|Mar 2015|November 2012|Nov 2012|July 2018|Jul 2018|May 1989)\b"
)


def test_the_clean_corpus_holds_nothing_of_the_register() -> None:
    """No register name, date of birth, postcode, number, school or address is in the prose."""
    for path in CLEAN_FILES:
        text = path.read_text(encoding="utf-8")
        for pattern in (_FORBIDDEN, _CAPITALISED, _BIRTH_MONTHS):
            hits = [m.group() for m in pattern.finditer(text)]
            assert not hits, (path.name, hits[:5])


def test_false_findings_in_clean_prose(register: Any) -> None:
    """Clean review prose yields at most one finding per 5,000 words."""
    words = 0
    false: list[str] = []
    for path in CLEAN_FILES:
        text = path.read_text(encoding="utf-8")
        words += _words(text)
        report = publication.check(text, register)
        false.extend(
            f"  {path.name}:{f.line} {f.kind} ({f.severity}): "
            f"{_excerpt(report.text, f.start, f.end)}"
            for f in report.findings
        )
    n = len(false)
    rate = n * 5000 / words
    figure = f"false findings: {n} in {words} words = {rate:.2f} per 5,000"
    print(figure)
    for line in false:
        print(line)
    assert rate <= MAX_RATE, figure + "\n" + "\n".join(false)
