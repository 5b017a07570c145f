"""Signed chain heads and the inspector's verifier command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import safeguarding_workflow as sw
from safeguarding_workflow.__main__ import run
from safeguarding_workflow.history import load_signed_heads, sign_heads
from safeguarding_workflow.stores import SqlStore

from .helpers import TENANT, Driver

SIGNED_AT = "2024-02-01T00:00:00.000000Z"


@pytest.fixture(name="db")
def _db(tmp_path: Path) -> tuple[SqlStore, str, Driver]:
    path = tmp_path / "cases.db"
    store = SqlStore.sqlite(str(path))
    d = Driver(store=store)
    d.walk_to("rapid_review", case_id="case-1")
    d.walk_to("notified", case_id="case-2")
    return store, f"sqlite:///{path}", d


def keys(tmp_path: Path) -> tuple[Ed25519PrivateKey, Path]:
    private = Ed25519PrivateKey.generate()
    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path = tmp_path / "heads.pub"
    path.write_bytes(pem)
    return private, path


def test_signed_heads_round_trip(db: tuple[SqlStore, str, Driver]) -> None:
    """Heads signed with the private key load with the public key; an edit is caught."""
    store, _, _ = db
    private = Ed25519PrivateKey.generate()
    document = sign_heads(store.heads(), private, signed_at=SIGNED_AT)
    heads = load_signed_heads(document, private.public_key())
    assert [("case-1", 3), ("case-2", 2)] == [(h.case_id, h.sequence) for h in heads]
    edited = json.loads(document)
    edited["heads"][0]["seq"] = 2
    with pytest.raises(sw.HistoryIntegrityError, match="signature"):
        load_signed_heads(json.dumps(edited), private.public_key())
    with pytest.raises(sw.HistoryIntegrityError):
        load_signed_heads(document, Ed25519PrivateKey.generate().public_key())
    with pytest.raises(sw.InvalidInputError):
        load_signed_heads("{}", private.public_key())


def test_verify_database_ok(
    db: tuple[SqlStore, str, Driver], capsys: pytest.CaptureFixture[str]
) -> None:
    """A sound database: one ok line per case, exit 0."""
    _, url, _ = db
    assert 0 == run(["verify", "--database", url])
    out = capsys.readouterr().out
    assert f"ok      {TENANT}/case-1: 3 records" in out
    assert "2 verified, 0 broken" in out


def test_verify_detects_truncation_against_signed_heads(
    db: tuple[SqlStore, str, Driver], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A chain cut back after its heads were signed is reported, with exit 1."""
    store, _url, d = db
    private, public = keys(tmp_path)
    heads_file = tmp_path / "heads.json"
    heads_file.write_text(sign_heads(store.heads(), private, signed_at=SIGNED_AT))
    # Rebuild the database without case-1's last record (triggers forbid DELETE: copy instead).
    copy = tmp_path / "copy.db"
    cut = SqlStore.sqlite(str(copy))
    for case_id, keep in (("case-1", 2), ("case-2", 2)):
        records = d.workflow.history(TENANT, case_id)[:keep]
        case = sw.rebuild(records)
        cut.create(sw.rebuild(records[:1]), records[0])
        for i, record in enumerate(records[1:], start=1):
            cut.append(sw.rebuild(records[: i + 1]), record, expected_version=i)
        assert case == cut.get(TENANT, case_id)
    status = run(
        [
            "verify",
            "--database",
            f"sqlite:///{copy}",
            "--heads",
            str(heads_file),
            "--public-key",
            str(public),
        ]
    )
    out = capsys.readouterr().out
    assert 1 == status
    assert f"BROKEN  {TENANT}/case-1: record 3: truncated" in out
    assert f"ok      {TENANT}/case-2" in out


def test_verify_export(
    db: tuple[SqlStore, str, Driver], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An export verifies; an altered one is reported with the record and exit 1."""
    _store, _, d = db
    records = [*d.workflow.history(TENANT, "case-1"), *d.workflow.history(TENANT, "case-2")]
    good = tmp_path / "export.json"
    good.write_text(sw.history_to_json(records))
    assert 0 == run(["verify", "--export", str(good)])
    document = json.loads(good.read_text())
    document["records"][1]["record"]["actor"] = "someone-else"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    assert 1 == run(["verify", "--export", str(bad)])
    assert f"BROKEN  {TENANT}/case-1: record 2: altered" in capsys.readouterr().out


# -- every exit path: 0 verified, 1 a break, 2 could not check -----------------------------


def outcome(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    """Run the verifier; its status, its stdout lines and its stderr (one line or none)."""
    status = run(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert len(captured.err.splitlines()) <= 1, captured.err
    return status, captured.out.splitlines(), captured.err.strip()


def junk_file(path: Path, content: bytes = b"this is not a database, only text\n" * 200) -> str:
    path.write_bytes(content)
    return str(path)


def other_database(path: Path) -> str:
    """A SQLite database with a table of its own and none of the store's."""
    import sqlite3

    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE patients (id INTEGER)")
    connection.commit()
    connection.close()
    return str(path)


def newer_store(path: Path) -> str:
    store = SqlStore.sqlite(str(path))
    with store.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE sw_meta SET value = '99' WHERE key = 'schema_version'")
    store.engine.dispose()
    return str(path)


def empty_store(path: Path) -> str:
    SqlStore.sqlite(str(path)).engine.dispose()
    return str(path)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: "not a url", "the database URL is malformed"),
        (lambda p: "postgresql://u@h:notaport/db", "the database URL is malformed"),
        (lambda p: "sqlite://", "the database URL names no file"),
        (lambda p: f"sqlite:///{p / 'missing.db'}", "the database file does not exist"),
        (lambda p: f"sqlite:///{p}", "the database path is not a file"),
        (lambda p: f"sqlite:///{junk_file(p / 'junk.db')}", "the file is not a SQLite database"),
        (lambda p: f"sqlite:///{junk_file(p / 'empty.db', b'')}", "the database holds no store"),
        (lambda p: f"sqlite:///{other_database(p / 'o.db')}", "the database holds no store"),
        (lambda p: f"sqlite:///{empty_store(p / 'e.db')}", "the database holds no cases"),
        (lambda p: f"sqlite:///{newer_store(p / 'n.db')}", "newer than this release reads"),
        (lambda p: "mysql://u@localhost/cases", "reads SQLite and PostgreSQL stores only"),
        (lambda p: "postgresql+asyncpg://u@localhost/cases", "reads PostgreSQL through psycopg"),
        (lambda p: "postgresql+psycopg://nobody@127.0.0.1:9/none", "cannot connect"),
    ],
    ids=[
        "malformed",
        "malformed-port",
        "memory",
        "missing",
        "directory",
        "not-a-database",
        "empty-file",
        "no-store-tables",
        "no-cases",
        "newer-schema",
        "other-engine",
        "other-driver",
        "unreachable",
    ],
)
def test_database_that_cannot_be_checked(
    make: Any, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever stops the check is exit 2 with one clear line on stderr, never "0 verified"."""
    url = make(tmp_path)
    status, out, err = outcome(["verify", "--database", url], capsys)
    assert (2, []) == (status, out)
    assert err.startswith("error: ")
    assert message in err


def test_database_url_is_never_echoed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The URL (which may hold a password or a path) is not repeated in the error."""
    url = "postgresql+psycopg://inspector:s3cret-word@127.0.0.1:9/cases"
    status, _out, err = outcome(["verify", "--database", url], capsys)
    assert 2 == status
    assert "s3cret-word" not in err
    assert "inspector" not in err


def test_sqlite_is_opened_read_only_and_never_created(
    db: tuple[SqlStore, str, Driver], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing file stays missing; an existing store's bytes are unchanged by a check."""
    store, url, _ = db
    store.engine.dispose()
    missing = tmp_path / "nowhere" / "missing.db"
    assert 2 == outcome(["verify", "--database", f"sqlite:///{missing}"], capsys)[0]
    assert not missing.exists()
    assert not missing.parent.exists()
    path = Path(url.removeprefix("sqlite:///"))
    before = path.read_bytes()
    assert 0 == outcome(["verify", "--database", url], capsys)[0]
    assert before == path.read_bytes()


def test_relative_sqlite_path(
    db: tuple[SqlStore, str, Driver],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``sqlite:///cases.db`` is a path relative to the working directory, as in SQLAlchemy."""
    _, url, _ = db
    path = Path(url.removeprefix("sqlite:///"))
    monkeypatch.chdir(path.parent)
    status, out, _ = outcome(["verify", "--database", f"sqlite:///{path.name}"], capsys)
    assert (0, "2 verified, 0 broken") == (status, out[-1])


def test_case_row_without_history_is_a_break(
    db: tuple[SqlStore, str, Driver], capsys: pytest.CaptureFixture[str]
) -> None:
    """A case row whose history is missing is reported, not skipped."""
    store, url, _ = db
    with store.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO sw_cases SELECT tenant_id, 'case-3', version, head, state, lifecycle, "
            "snapshot, local_authority, local_authority_given FROM sw_cases "
            "WHERE case_id = 'case-1'"
        )
    status, out, err = outcome(["verify", "--database", url], capsys)
    assert (1, "") == (status, err)
    assert f"BROKEN  {TENANT}/case-3: the case row has no history records" in out
    assert "2 verified, 1 broken" == out[-1]


def test_case_row_head_that_is_not_the_last_record_is_a_break(
    db: tuple[SqlStore, str, Driver], capsys: pytest.CaptureFixture[str]
) -> None:
    """A case row pointing at a record other than its chain's last is reported."""
    store, url, _ = db
    with store.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE sw_cases SET version = 2, head = (SELECT hash FROM sw_history "
            "WHERE case_id = 'case-1' AND sequence = 2) WHERE case_id = 'case-1'"
        )
    status, out, _ = outcome(["verify", "--database", url], capsys)
    assert 1 == status
    assert f"BROKEN  {TENANT}/case-1: the case row's head does not match its last record" in out


def test_tenant_filter_applies_to_heads_and_exports(
    db: tuple[SqlStore, str, Driver], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --tenant, only that tenant's cases are checked, from every source; none is exit 2."""
    store, url, d = db
    private, public = keys(tmp_path)
    heads = tmp_path / "heads.json"
    others = [sw.ChainHead("other-tenant", "case-9", 1, "0" * 64), *store.heads()]
    heads.write_text(sign_heads(others, private, signed_at=SIGNED_AT))
    signed = ["--heads", str(heads), "--public-key", str(public)]
    status, out, _ = outcome(["verify", "--database", url, "--tenant", TENANT, *signed], capsys)
    assert (0, "2 verified, 0 broken") == (status, out[-1])
    export = tmp_path / "export.json"
    export.write_text(sw.history_to_json(d.workflow.history(TENANT, "case-1")))
    status, out, _ = outcome(["verify", "--export", str(export), "--tenant", TENANT], capsys)
    assert (0, "1 verified, 0 broken") == (status, out[-1])
    status, _, err = outcome(["verify", "--export", str(export), "--tenant", "nobody"], capsys)
    assert (2, "error: the export holds no cases of this tenant to verify") == (status, err)


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "the export file does not exist"),
        (b"not json at all", "the history export is not JSON"),
        (b"\xff\xfe\x00 not text", "the history export is not JSON"),
        (deep(200_000).encode(), "the history export is nested too deeply to read"),
        (
            b'{"format": "safeguarding-workflow/history", "version": 1, "records": '
            + deep(50_000).encode()
            + b"}",
            "the history export is nested too deeply to read",
        ),
        (b"{}", "the document is not a history export"),
        (b"[]", "the document is not a history export"),
        (
            b'{"format": "safeguarding-workflow/history", "version": 2, "records": []}',
            "schema version this release does not read",
        ),
        (
            b'{"format": "safeguarding-workflow/history", "version": true, "records": []}',
            "schema version this release does not read",
        ),
        (
            b'{"format": "safeguarding-workflow/history", "version": 1, "records": {}}',
            "has no record list",
        ),
        (
            b'{"format": "safeguarding-workflow/history", "version": 1, "records": []}',
            "the export holds no cases to verify",
        ),
        (
            b'{"format": "safeguarding-workflow/history", "version": 1, "records": [7]}',
            "record 1 of the export names no tenant and case",
        ),
    ],
    ids=[
        "missing",
        "not-json",
        "not-utf8",
        "deep",
        "deep-records",
        "empty-object",
        "array",
        "newer",
        "version-true",
        "records-not-list",
        "no-records",
        "record-not-object",
    ],
)
def test_export_that_cannot_be_checked(
    content: bytes | None, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An export that cannot be read is exit 2 with one clear line, never a traceback."""
    path = tmp_path / "export.json"
    if content is not None:
        path.write_bytes(content)
    status, out, err = outcome(["verify", "--export", str(path)], capsys)
    assert (2, []) == (status, out)
    assert err.startswith("error: ")
    assert message in err


def test_export_that_is_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A directory given as the export is exit 2."""
    status, _, err = outcome(["verify", "--export", str(tmp_path)], capsys)
    assert (2, "error: the export file is a directory") == (status, err)


def test_malformed_record_in_an_export_breaks_its_case(
    db: tuple[SqlStore, str, Driver], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A record with ``"seq": true`` is malformed: its case is broken there, the others verify."""
    _store, _, d = db
    records = [*d.workflow.history(TENANT, "case-1"), *d.workflow.history(TENANT, "case-2")]
    document = json.loads(sw.history_to_json(records))
    document["records"][0]["record"]["seq"] = True
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    status, out, err = outcome(["verify", "--export", str(path)], capsys)
    assert (1, "") == (status, err)
    assert [
        f"BROKEN  {TENANT}/case-1: record 1: malformed",
        f"ok      {TENANT}/case-2: 2 records, head {records[-1].hash[:16]}",
        "1 verified, 1 broken",
    ] == out


def test_ids_from_the_data_are_printed_safely(
    db: tuple[SqlStore, str, Driver], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A doctored export's ids cannot add lines or control characters to the report."""
    _store, _, d = db
    document = json.loads(sw.history_to_json(d.workflow.history(TENANT, "case-2")))
    document["records"][0]["record"]["case"] = "case-2\nok      forged/case: 1 records\x1b[2J"
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    status, out, _ = outcome(["verify", "--export", str(path)], capsys)
    assert 1 == status
    assert 3 == len(out)
    assert not any("\x1b" in line for line in out)


def test_signed_heads_paths(
    db: tuple[SqlStore, str, Driver], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each way the signed heads can fail to check is exit 2; altered heads are exit 1."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    store, url, _ = db
    private, public = keys(tmp_path)
    heads = tmp_path / "heads.json"
    heads.write_text(sign_heads(store.heads(), private, signed_at=SIGNED_AT))
    rsa_key = tmp_path / "rsa.pub"
    rsa_key.write_bytes(
        rsa.generate_private_key(public_exponent=65537, key_size=1024)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    altered = json.loads(heads.read_text())
    altered["heads"][0]["seq"] = 1
    altered_path = tmp_path / "altered.json"
    altered_path.write_text(json.dumps(altered))
    base = ["verify", "--database", url]
    cases = [
        (["--heads", str(heads)], 2, "error: --heads needs --public-key"),
        (["--public-key", str(public)], 2, "error: --public-key needs --heads"),
        (
            ["--heads", str(heads), "--public-key", str(tmp_path / "no.pub")],
            2,
            "error: the public key file does not exist",
        ),
        (
            ["--heads", str(heads), "--public-key", str(heads)],
            2,
            "error: the public key file holds no PEM public key",
        ),
        (
            ["--heads", str(heads), "--public-key", str(rsa_key)],
            2,
            "error: the public key is not an Ed25519 key",
        ),
        (
            ["--heads", str(tmp_path / "no.json"), "--public-key", str(public)],
            2,
            "error: the heads file does not exist",
        ),
        (
            ["--heads", str(public), "--public-key", str(public)],
            2,
            "error: the heads document is malformed",
        ),
        (
            ["--heads", str(altered_path), "--public-key", str(public)],
            1,
            (
                "error: the heads document's signature does not match: it was altered or "
                "signed with another key"
            ),
        ),
    ]
    for extra, expected_status, expected_err in cases:
        status, out, err = outcome([*base, *extra], capsys)
        assert (expected_status, [], expected_err) == (status, out, err)


@pytest.mark.parametrize(
    "argv",
    [[], ["verify"], ["frobnicate"], ["verify", "--database", "x", "--export", "y"]],
    ids=["nothing", "no-source", "unknown-command", "two-sources"],
)
def test_usage_errors_are_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """A command line argparse refuses is exit 2 with one line, not a usage block."""
    status, out, err = outcome(argv, capsys)
    assert (2, []) == (status, out)
    assert err.startswith("error: ")


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    """``--help`` prints help and is exit 0."""
    status, out, err = outcome(["verify", "--help"], capsys)
    assert (0, "") == (status, err)
    assert any("--database" in line for line in out)


def test_unexpected_failure_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Even a failure nobody foresaw is one line and exit 2, never a traceback."""
    from safeguarding_workflow import __main__ as cli

    def broken(*_args: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(cli, "check_export", broken)
    status, out, err = outcome(["verify", "--export", str(tmp_path / "x.json")], capsys)
    assert (2, [], "error: the verifier stopped unexpectedly (ZeroDivisionError)") == (
        status,
        out,
        err,
    )


def command_line(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, check=False)


def test_module_entry_point(db: tuple[SqlStore, str, Driver], tmp_path: Path) -> None:
    """`python -m safeguarding_workflow verify`: exit 0 on a sound store, 2 with one line else."""
    _, url, _ = db
    result = command_line(
        sys.executable, "-m", "safeguarding_workflow", "verify", "--database", url
    )
    assert (0, "") == (result.returncode, result.stderr)
    assert "2 verified, 0 broken" == result.stdout.splitlines()[-1]
    missing = tmp_path / "missing.db"
    result = command_line(
        sys.executable,
        "-m",
        "safeguarding_workflow",
        "verify",
        "--database",
        f"sqlite:///{missing}",
    )
    assert (2, "", ["error: the database file does not exist"]) == (
        result.returncode,
        result.stdout,
        result.stderr.splitlines(),
    )
    assert not missing.exists()


def test_console_script(db: tuple[SqlStore, str, Driver], tmp_path: Path) -> None:
    """The ``safeguarding-workflow`` console script is installed and runs the verifier."""
    import shutil

    script = shutil.which("safeguarding-workflow", path=str(Path(sys.executable).parent))
    assert script is not None, "pip install -e . installs the console script"
    _, url, _ = db
    result = command_line(script, "verify", "--database", url)
    assert (0, "", "2 verified, 0 broken") == (
        result.returncode,
        result.stderr,
        result.stdout.splitlines()[-1],
    )
    result = command_line(script, "verify", "--export", str(tmp_path / "missing.json"))
    assert (2, ["error: the export file does not exist"]) == (
        result.returncode,
        result.stderr.splitlines(),
    )
    assert "Traceback" not in result.stderr


def test_postgresql_store(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """On PostgreSQL: a sound store is exit 0 (read-only sessions); a wrong schema is exit 2."""
    import uuid

    prefix = f"v{uuid.uuid4().hex[:10]}_"
    store = SqlStore.postgresql(pg_url, prefix=prefix, schema="verifier")
    try:
        Driver(store=store).walk_to("notified", case_id="case-1")
        argv = ["verify", "--database", pg_url, "--prefix", prefix, "--schema", "verifier"]
        status, out, err = outcome(argv, capsys)
        assert (0, "", "1 verified, 0 broken") == (status, err, out[-1])
        status, out, err = outcome([*argv[:-1], "elsewhere"], capsys)
        assert (2, [], "error: the database holds no store") == (status, out, err[:34])
    finally:
        store.engine.dispose()


def test_schema_option_is_for_postgresql(
    db: tuple[SqlStore, str, Driver], capsys: pytest.CaptureFixture[str]
) -> None:
    """``--schema`` with a SQLite store is exit 2, not a confusing connection error."""
    _, url, _ = db
    status, _, err = outcome(["verify", "--database", url, "--schema", "x"], capsys)
    assert (2, "error: --schema is for PostgreSQL stores only") == (status, err)
