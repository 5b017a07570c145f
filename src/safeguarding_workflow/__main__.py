"""
The inspector's verifier: ``python -m safeguarding_workflow verify``.

Checks every case's history chain in a database or a JSON export, optionally
against chain heads signed by the host, prints one line per case and exits
non-zero on any break. It reads only: nothing in the database is changed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from .exceptions import InvalidInputError, SafeguardingWorkflowError
from .history._chain import SCHEMA_VERSION, ChainHead, HistoryRecord, verify
from .history._heads import load_signed_heads

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m safeguarding_workflow")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify", help="verify every case's history chain")
    source = check.add_mutually_exclusive_group(required=True)
    source.add_argument("--database", metavar="URL", help="a SQLAlchemy database URL")
    source.add_argument("--export", metavar="FILE", help="a JSON history export")
    check.add_argument("--prefix", default="sw_", help="table prefix (default sw_)")
    check.add_argument("--schema", default=None, help="PostgreSQL schema of the tables")
    check.add_argument("--tenant", default=None, help="only this tenant")
    check.add_argument("--heads", metavar="FILE", help="signed chain heads to check against")
    check.add_argument("--public-key", metavar="FILE", help="PEM Ed25519 key for --heads")
    return parser


def _chains_from_export(path: str) -> dict[tuple[str, str], list[HistoryRecord]]:
    """Every case's records in an export, unverified (each chain is verified afterwards)."""
    document = json.loads(Path(path).read_text())
    if not isinstance(document, dict) or document.get("format") != "safeguarding-workflow/history":
        raise InvalidInputError("the file is not a history export", field="export")
    if document.get("version") != SCHEMA_VERSION or not isinstance(document.get("records"), list):
        raise InvalidInputError("the export has an unknown version or no records", field="export")
    chains: dict[tuple[str, str], list[HistoryRecord]] = {}
    for item in document["records"]:
        record = HistoryRecord.from_json(item)
        chains.setdefault((record.tenant_id, record.case_id), []).append(record)
    return chains


def _chains_from_database(
    url: str, prefix: str, schema: str | None, tenant: str | None
) -> tuple[dict[tuple[str, str], list[HistoryRecord]], dict[tuple[str, str], str]]:
    import sqlalchemy as sa

    from .stores._sql._store import SqlStore

    store = SqlStore(sa.create_engine(url), prefix=prefix, schema=schema)
    chains: dict[tuple[str, str], list[HistoryRecord]] = {}
    heads: dict[tuple[str, str], str] = {}
    for head in store.heads(tenant):
        key = (head.tenant_id, head.case_id)
        chains[key] = list(store.history(*key))
        heads[key] = head.hash
    store.engine.dispose()
    return chains, heads


def run(argv: Sequence[str]) -> int:
    """Run the command line; return the exit status (0 all verify, 1 a break, 2 an error)."""
    args = _parser().parse_args(argv)
    try:
        kept: dict[tuple[str, str], ChainHead] = {}
        if args.heads:
            if not args.public_key:
                print("--heads needs --public-key", file=sys.stderr)
                return 2
            public_key = load_pem_public_key(Path(args.public_key).read_bytes())
            if not isinstance(public_key, Ed25519PublicKey):
                print("error: --public-key must be an Ed25519 key", file=sys.stderr)
                return 2
            for head in load_signed_heads(Path(args.heads).read_text(), public_key):
                kept[(head.tenant_id, head.case_id)] = head
        stored_heads: dict[tuple[str, str], str] = {}
        if args.database:
            chains, stored_heads = _chains_from_database(
                args.database, args.prefix, args.schema, args.tenant
            )
        else:
            chains = _chains_from_export(args.export)
    except SafeguardingWorkflowError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1 if error.code == "history_integrity" else 2
    except (OSError, ValueError) as error:
        print(f"error: {type(error).__name__}: cannot read the input", file=sys.stderr)
        return 2
    broken = 0
    for key in sorted(set(chains) | set(kept)):
        tenant, case = key
        records = chains.get(key, [])
        result = verify(records, kept.get(key))
        problem = None if result.ok else f"record {result.position}: {result.problem}"
        if result.ok and key in stored_heads and records and stored_heads[key] != records[-1].hash:
            problem = "the case row's head does not match its last record"
        if problem is None:
            print(f"ok      {tenant}/{case}: {len(records)} records, head {records[-1].hash[:16]}")
        else:
            broken += 1
            print(f"BROKEN  {tenant}/{case}: {problem}")
    print(f"{len(set(chains) | set(kept)) - broken} verified, {broken} broken")
    return 1 if broken else 0


def main() -> None:
    """Entry point of ``python -m safeguarding_workflow``."""
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
