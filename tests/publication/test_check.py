"""The leak check's API promises: findings, cleanliness, masking, registers, digests, logs."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

from safeguarding_workflow import personal, publication
from safeguarding_workflow.exceptions import InvalidInputError
from safeguarding_workflow.publication import (
    FindingKind,
    Part,
    ReadDocument,
    Segment,
    Severity,
    Unreadable,
    _check,
)

#: All fictional: people, school, street, postcode; 943 476 5919 is a known test NHS number.
REGISTER = publication.Register(
    names=[["Zebedee Quillfeather", "Zeb"], "Marigold Quillfeather"],
    dates_of_birth=["2015-03-14"],
    postcodes=["ZZ9 9ZZ"],
    nhs_numbers=["943 476 5919"],
    schools=["Puddleby Primary School"],
    addresses=["12 Imaginary Lane, Nowhere"],
)
#: Every registered value, and the pieces of them, that must never leave the check.
VALUES = (
    "Zebedee",
    "Quillfeather",
    "Marigold",
    "ZZ9 9ZZ",
    "ZZ99ZZ",
    "943 476 5919",
    "9434765919",
    "Puddleby",
    "Imaginary Lane",
    "2015-03-14",
    "14 March 2015",
)
#: A word of the report that is in no register: the report's text must not leak either.
MARKER = "Snorkelwhistle"

TEXT = (
    f"Line one mentions {MARKER} only.\n"
    "On line two Zebedee Quillfeather went to Puddleby Primary School.\n"
    "\n"
    "Line four: postcode ZZ9 9ZZ and NHS 943 476 5919, born 14 March 2015."
)
CLEAN = f"The panel met on a Tuesday and agreed the plan. {MARKER} was not discussed."


def _leaks(text: str) -> list[str]:
    return [v for v in (*VALUES, MARKER) if v.lower() in text.lower()]


def _fake_read(monkeypatch: pytest.MonkeyPatch, read: ReadDocument) -> None:
    monkeypatch.setattr(_check, "_read", lambda _document: read)


# -- findings ------------------------------------------------------------------------------


def test_findings_in_document_order_with_every_field() -> None:
    """Each finding's kind, offsets, severity, part, line, page and rule, in document order."""
    report = publication.check(TEXT, REGISTER)
    found = [
        (f.kind, report.text[f.start : f.end], f.severity, f.part, f.line, f.page, f.rule)
        for f in report.findings
    ]
    assert found == [
        ("name", "Zebedee Quillfeather", "high", "body", 2, None, "exact"),
        ("school", "Puddleby Primary School", "high", "body", 2, None, "exact"),
        ("postcode", "ZZ9 9ZZ", "high", "body", 4, None, "exact"),
        ("nhs_number", "943 476 5919", "high", "body", 4, None, "exact"),
        ("date_of_birth", "14 March 2015", "high", "body", 4, None, "written_date"),
    ]
    starts = [f.start for f in report.findings]
    assert starts == sorted(starts)
    assert len(set(starts)) == len(starts)
    assert all(isinstance(f.kind, FindingKind) for f in report.findings)
    assert all(isinstance(f.severity, Severity) for f in report.findings)
    assert report.text == TEXT  # a string is checked as it is: offsets point into it


def test_line_numbers_count_from_one_across_newlines() -> None:
    """A finding on the first line is on line 1; blank lines count."""
    text = "Zebedee Quillfeather\n\n\nthen Marigold Quillfeather\nand Zebedee Quillfeather"
    report = publication.check(text, REGISTER)
    assert [f.line for f in report.findings] == [1, 4, 5]
    for finding in report.findings:
        assert finding.line == text.count("\n", 0, finding.start) + 1


def test_a_name_finding_says_whose_name_it_is() -> None:
    """``person`` is the index in the register's names of the person named."""
    report = publication.check("Marigold Quillfeather met Zebedee Quillfeather.", REGISTER)
    assert [f.person for f in report.findings] == [1, 0]


# -- clean ---------------------------------------------------------------------------------


def test_clean_text_is_clean() -> None:
    """Nothing found, everything read: clean."""
    report = publication.check(CLEAN, REGISTER)
    assert report.findings == ()
    assert report.clean is True


def test_a_finding_makes_it_not_clean() -> None:
    """One registered name is enough."""
    report = publication.check(f"{CLEAN} Zebedee Quillfeather", REGISTER)
    assert len(report.findings) == 1
    assert report.clean is False


def test_something_unread_makes_it_not_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    """No finding, but a page the check could not read: not clean, and the report says so."""
    unreadable = Unreadable(Part.BODY, "page has no text layer (scanned?)", page=2)
    _fake_read(
        monkeypatch,
        ReadDocument((Segment(Part.BODY, CLEAN, page=1),), (unreadable,), "ab" * 32),
    )
    report = publication.check(Path("review.pdf"), REGISTER)
    assert report.findings == ()
    assert report.unreadable == (unreadable,)
    assert report.clean is False
    assert report.to_dict()["clean"] is False
    assert report.to_dict()["unreadable"] == [
        {"part": "body", "reason": "page has no text layer (scanned?)", "page": 2, "label": ""}
    ]


# -- what a report shows -------------------------------------------------------------------


def test_repr_and_str_show_counts_never_text_or_values() -> None:
    """The report's repr counts findings by kind; the text and the values stay out."""
    report = publication.check(TEXT, REGISTER)
    for shown in (repr(report), str(report)):
        assert "'name': 1" in shown
        assert "'nhs_number': 1" in shown
        assert "clean=False" in shown
        assert "unreadable=0" in shown
        assert report.digest[:12] in shown
        assert _leaks(shown) == []
        assert "Line one" not in shown


def test_to_dict_has_no_text_and_no_registered_value() -> None:
    """The JSON form: digest, clean, findings, unreadable; no value, no text, anywhere."""
    report = publication.check(TEXT, REGISTER)
    data = report.to_dict()
    assert set(data) == {"digest", "clean", "findings", "unreadable"}
    assert data["digest"] == report.digest
    assert data["clean"] is False
    assert len(data["findings"]) == len(report.findings) == 5
    dumped = json.dumps(data)
    assert _leaks(dumped) == []
    assert "Line one" not in dumped
    assert "postcode ZZ9" not in dumped


def test_finding_to_dict_has_its_id() -> None:
    """A finding's JSON form: its id ``kind@start`` and its fields, no text."""
    report = publication.check(TEXT, REGISTER)
    name = report.findings[0]
    assert name.finding_id == f"name@{name.start}"
    assert name.to_dict() == {
        "id": f"name@{name.start}",
        "kind": "name",
        "start": name.start,
        "end": name.end,
        "severity": "high",
        "part": "body",
        "line": 2,
        "page": None,
        "rule": "exact",
    }
    ids = [f.to_dict()["id"] for f in report.findings]
    assert ids == [f"{f.kind}@{f.start}" for f in report.findings]
    assert len(set(ids)) == len(ids)
    # The same version against the same register gives the same ids.
    assert ids == [f.finding_id for f in publication.check(TEXT, REGISTER).findings]


# -- the register --------------------------------------------------------------------------


def test_register_repr_shows_counts_never_values() -> None:
    """A register's repr and str count each field's values and show none of them."""
    for shown in (repr(REGISTER), str(REGISTER)):
        assert "names=2" in shown
        assert "nhs_numbers=1" in shown
        assert "addresses=1" in shown
        assert "values=<masked>" in shown
        assert _leaks(shown) == []


@pytest.mark.parametrize(
    ("arguments", "field", "value"),
    [
        ({"nhs_numbers": ["943 476 5918"]}, "nhs_numbers", "943 476 5918"),
        ({"nhs_numbers": ["94347659"]}, "nhs_numbers", "94347659"),
        ({"postcodes": ["ZZ9 9Z"]}, "postcodes", "ZZ9 9Z"),
        ({"postcodes": ["Puddleby"]}, "postcodes", "Puddleby"),
        ({"dates_of_birth": [dt.datetime(2015, 3, 14, 9, 30)]}, "dates_of_birth", "2015"),
        ({"dates_of_birth": ["14/03/2015"]}, "dates_of_birth", "14/03/2015"),
        ({"names": "Zebedee Quillfeather"}, "names", "Zebedee"),
        ({"names": [["Zebedee Quillfeather", 7]]}, "names", "Zebedee"),
        ({"schools": "Puddleby Primary School"}, "schools", "Puddleby"),
        ({"addresses": 12}, "addresses", "12"),
        ({"names": ["Zebedee Quillfeather"], "keys": ["p-1", "p-2"]}, "keys", "p-1"),
    ],
)
def test_bad_register_input_is_refused_by_field_without_its_value(
    arguments: dict[str, Any], field: str, value: str
) -> None:
    """A malformed value raises InvalidInputError naming the field, never repeating the value."""
    with pytest.raises(InvalidInputError) as raised:
        publication.Register(**arguments)
    assert raised.value.field == field
    assert field in str(raised.value)
    assert value not in str(raised.value)
    assert value not in repr(raised.value)


def _case_register() -> personal.Register:
    return personal.Register(
        "tenant-1",
        "case-1",
        [personal.Person("p-child", "child"), personal.Person("p-mother", "parent")],
        [
            personal.Identifier("e-1", "p-child", "name", "Zebedee Quillfeather"),
            personal.Identifier("e-2", "p-child", "alias", "Zeb"),
            personal.Identifier("e-3", "p-mother", "name", "Marigold Quillfeather"),
            personal.Identifier("e-4", "p-child", "nhs_number", "943 476 5919"),
            personal.Identifier("e-5", "p-child", "school", "Puddleby Primary School"),
            personal.Identifier("e-6", "p-child", "postcode", "zz99zz"),
            personal.Identifier("e-7", "p-child", "date_of_birth", "2015-03-14"),
        ],
    )


def test_check_takes_a_case_register_and_finds_its_values() -> None:
    """A case's identifier register is checked against as it is."""
    report = publication.check(TEXT, _case_register())
    assert [report.text[f.start : f.end] for f in report.findings] == [
        "Zebedee Quillfeather",
        "Puddleby Primary School",
        "ZZ9 9ZZ",
        "943 476 5919",
        "14 March 2015",
    ]
    assert [f.severity for f in report.findings] == ["high"] * 5


def test_register_of_a_case_register_keys_people_by_person_id() -> None:
    """``Register.of`` groups names and aliases by person, keyed by the person's id."""
    register = publication.Register.of(_case_register())
    assert register.keys == ("p-child", "p-mother")
    assert register.names == (("Zebedee Quillfeather", "Zeb"), ("Marigold Quillfeather",))
    assert register.nhs_numbers == ("9434765919",)
    assert register.postcodes == ("ZZ9 9ZZ",)
    assert register.dates_of_birth == (dt.date(2015, 3, 14),)
    report = publication.check("We spoke to Marigold Quillfeather.", register)
    (finding,) = report.findings
    assert finding.person is not None
    assert register.keys[finding.person] == "p-mother"


def test_check_refuses_what_is_no_register() -> None:
    """Neither kind of register: InvalidInputError on 'register'."""
    with pytest.raises(InvalidInputError) as raised:
        publication.check(CLEAN, {"names": ["Zebedee Quillfeather"]})
    assert raised.value.field == "register"
    assert "Zebedee" not in str(raised.value)


# -- what is checked, and its digest -------------------------------------------------------


def test_a_string_is_checked_as_text_with_the_digest_of_its_utf8() -> None:
    """A string's digest is the SHA-256 of its UTF-8 bytes (not of another encoding)."""
    text = "Zoë met Zebedee Quillfeather at the café."
    report = publication.check(text, REGISTER)
    assert report.digest == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert report.digest != hashlib.sha256(text.encode("latin-1")).hexdigest()
    assert report.text == text


@pytest.mark.parametrize("suffix", [".txt", ".md"])
def test_a_text_file_path_is_read_and_digested_as_its_bytes(tmp_path: Path, suffix: str) -> None:
    """A .txt or .md path is read; its digest is the SHA-256 of the file's bytes."""
    path = tmp_path / f"review{suffix}"
    data = f"{TEXT} Zoë.".encode()
    path.write_bytes(data)
    report = publication.check(path, REGISTER)
    assert report.digest == hashlib.sha256(data).hexdigest()
    assert report.digest != hashlib.sha256(str(path).encode()).hexdigest()
    assert [f.kind for f in report.findings] == [
        "name",
        "school",
        "postcode",
        "nhs_number",
        "date_of_birth",
    ]
    assert report.text == data.decode("utf-8")


def test_a_pdf_named_by_a_string_is_read_as_a_path(tmp_path: Path) -> None:
    """A one-line str ending in .pdf that names an existing file is read as that file."""
    fpdf = pytest.importorskip("fpdf")
    pytest.importorskip("pypdf")
    pdf = fpdf.FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.cell(text="The review met Zebedee Quillfeather.")
    path = tmp_path / "review.pdf"
    pdf.output(str(path))
    report = publication.check(str(path), REGISTER)
    assert report.digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [(f.kind, f.page) for f in report.findings] == [("name", 1)]
    assert "Zebedee Quillfeather" in report.text


def test_a_string_naming_no_file_is_checked_as_text(tmp_path: Path) -> None:
    """A str ending in .pdf that names no file is the text to check, not a path."""
    text = str(tmp_path / "Zebedee Quillfeather.pdf")
    report = publication.check(text, REGISTER)
    assert report.text == text
    assert report.digest == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert [report.text[f.start : f.end] for f in report.findings] == ["Zebedee Quillfeather"]


@pytest.mark.parametrize(
    "document",
    [42, b"Zebedee Quillfeather", None, Path("review.odt"), Path("review.rtf")],
    ids=["int", "bytes", "none", "odt", "rtf"],
)
def test_bad_document_types_are_refused(document: Any) -> None:
    """Not text, nor the path of a known kind of file: InvalidInputError on 'document'."""
    with pytest.raises(InvalidInputError) as raised:
        publication.check(document, REGISTER)
    assert raised.value.field == "document"
    assert "Zebedee" not in str(raised.value)


def test_an_unreadable_text_file_is_refused(tmp_path: Path) -> None:
    """A missing file, or one not UTF-8: InvalidInputError on 'document'."""
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Zoë Quillfeather".encode("latin-1"))
    for document in (tmp_path / "missing.txt", latin):
        with pytest.raises(InvalidInputError) as raised:
            publication.check(document, REGISTER)
        assert raised.value.field == "document"
        assert "Quillfeather" not in str(raised.value)


# -- logging -------------------------------------------------------------------------------


def test_logs_one_leak_check_event_with_counts_and_no_value(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One ``leak_check`` record: counts and kinds; no record holds a value or the text."""
    logging.getLogger("safeguarding_workflow").setLevel(logging.INFO)
    with caplog.at_level(logging.INFO, logger="safeguarding_workflow"):
        publication.check(TEXT, REGISTER)
    events = [r for r in caplog.records if getattr(r, "sw_event", None) == "leak_check"]
    assert len(events) == 1
    fields = events[0].sw_fields  # type: ignore[attr-defined]
    assert fields["findings"] == 5
    assert fields["kinds"] == {
        "name": 1,
        "school": 1,
        "postcode": 1,
        "nhs_number": 1,
        "date_of_birth": 1,
    }
    assert fields["unreadable"] == 0
    assert fields["clean"] is False
    for record in caplog.records:
        shown = f"{record.getMessage()} {getattr(record, 'sw_fields', '')}"
        assert _leaks(shown) == []


def test_logs_through_a_host_structlog_pipeline_without_values() -> None:
    """A host on structlog receives the same event, with no value in any field."""
    structlog.configure(processors=[structlog.processors.JSONRenderer()])
    try:
        with capture_logs() as logs:
            publication.check(CLEAN, REGISTER)
            publication.check(TEXT, REGISTER)
    finally:
        structlog.reset_defaults()
    checks = [e for e in logs if e["event"] == "leak_check"]
    assert [(e["findings"], e["clean"]) for e in checks] == [(0, True), (5, False)]
    assert checks[0]["kinds"] == {}
    assert _leaks(json.dumps(logs, default=str)) == []


# -- documents of several parts ------------------------------------------------------------


def test_parts_and_pages_of_a_joined_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """Segments are joined by blank lines; each finding carries its segment's part and page."""
    body = "The body names Zebedee Quillfeather."
    comment = "A reviewer asks about Marigold Quillfeather."
    _fake_read(
        monkeypatch,
        ReadDocument(
            (Segment(Part.BODY, body, page=1), Segment(Part.COMMENT, comment, page=2)),
            (),
            "cd" * 32,
        ),
    )
    report = publication.check(Path("review.docx"), REGISTER)
    assert report.text == f"{body}\n\n{comment}"
    assert report.digest == "cd" * 32
    assert [(report.text[f.start : f.end], f.part, f.page, f.line) for f in report.findings] == [
        ("Zebedee Quillfeather", Part.BODY, 1, 1),
        ("Marigold Quillfeather", Part.COMMENT, 2, 3),
    ]
    assert report.findings[1].to_dict()["part"] == "comment"
    assert report.findings[1].to_dict()["page"] == 2
