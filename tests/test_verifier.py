"""Signed chain heads and the inspector's verifier command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_verify_bad_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Unreadable or foreign input is a clear error with exit 2."""
    assert 2 == run(["verify", "--export", str(tmp_path / "missing.json")])
    (tmp_path / "other.json").write_text("{}")
    assert 2 == run(["verify", "--export", str(tmp_path / "other.json")])
    assert 2 == run(["verify", "--export", str(tmp_path / "other.json"), "--heads", "x"])
    assert "error" in capsys.readouterr().err


def test_module_entry_point(db: tuple[SqlStore, str, Driver]) -> None:
    """`python -m safeguarding_workflow verify` runs as a command."""
    _, url, _ = db
    result = subprocess.run(
        [sys.executable, "-m", "safeguarding_workflow", "verify", "--database", url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert 0 == result.returncode
    assert "2 verified, 0 broken" in result.stdout
