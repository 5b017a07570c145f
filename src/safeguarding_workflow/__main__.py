"""
The command line: the inspector's verifier, and the bulk generator with a progress bar.

``python -m safeguarding_workflow verify`` (or ``safeguarding-workflow verify``) is the
verifier; ``safeguarding-workflow generate`` writes fictional cases with
`safeguarding_workflow.bulk.generate` (see `generate_command`).

Checks every case's history chain in a database or a JSON export, optionally
against chain heads signed by the host, prints one line per case and a total.
It reads only: SQLite is opened read-only and a missing file is never created;
PostgreSQL sessions are read-only.

It never claims more than it checked. The exit status is:

- 0: everything it was asked to check verified;
- 1: a break: a chain, a case row, a snapshot, a deadline or outbox row, rows of a
  case without its case row or history, or the signed heads did not verify;
- 2: it could not check: a malformed or unreachable database URL, a missing file,
  a file that is not a database, a database without the store's tables or without
  cases, a store schema newer than this release, an export that is not JSON or is
  nested too deeply, an unusable key. One line on stderr says which, never a traceback.

Each source of findings is one function that yields `Finding` values naming the
case and the record where a break is: `chain_findings` (the hash chains, against
any signed heads), `case_row_findings` (each case row's head against its chain),
`orphan_findings` (history records whose case row is gone, deadline and outbox rows
without history: no case hides) and `stored_row_findings` (every case rebuilt from
its history and compared with its snapshot, whose SHA-256 must be its head record's
``state_digest``, its case row's columns, its deadline rows and its outbox events);
an export's chains are rebuilt and hashed too (`state_findings`): a chain doctored and
re-hashed whole does not rebuild to the case its last record commits to. A check of
another source is one more such function, called from `check_database`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn

import attrs

from .exceptions import (
    CaseNotFoundError,
    HistoryIntegrityError,
    InvalidInputError,
    SafeguardingWorkflowError,
)
from .history._chain import ChainHead, HistoryRecord, export_items, verify
from .history._heads import load_signed_heads

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from .stores._sql._store import SqlStore

__all__ = [
    "CannotCheck",
    "Checked",
    "Finding",
    "StoredRows",
    "case_row_findings",
    "chain_findings",
    "check_database",
    "check_export",
    "commits_to",
    "generate_command",
    "main",
    "orphan_findings",
    "run",
    "state_findings",
    "stored_row_findings",
    "stored_rows",
]

#: A case's key: its tenant and its id.
Key = tuple[str, str]

#: PostgreSQL drivers the verifier connects through; the library's own is psycopg 3.
_POSTGRESQL_DRIVERS: Final = ("psycopg", "psycopg2")
#: Seconds to wait for a PostgreSQL server before saying it cannot be reached.
_CONNECT_TIMEOUT: Final = 10


class CannotCheck(Exception):
    """
    The verifier could not check what it was asked to: exit 2, with this one-line message.

    Added in version 0.1.0.
    """


@attrs.frozen
class Finding:
    """
    A break the verifier found: the case, the record where it is (if one), and what.

    Added in version 0.1.0.

    Attributes:
        tenant_id: The case's tenant, as the source holds it.
        case_id: The case, as the source holds it.
        position: The sequence number of the record where the break is, if it is at one.
        problem: What was found: a `HistoryIntegrityError` problem (``"altered"``,
            ``"truncated"``, …) when at a record, else a sentence.

    """

    tenant_id: str
    case_id: str
    position: int | None
    problem: str

    @property
    def key(self) -> Key:
        """The case's tenant and id."""
        return (self.tenant_id, self.case_id)

    def line(self) -> str:
        """The report's line for the break."""
        where = "" if self.position is None else f"record {self.position}: "
        return f"BROKEN  {_shown(self.tenant_id)}/{_shown(self.case_id)}: {where}{self.problem}"


@attrs.frozen
class Checked:
    """
    What a source held and what was found in it.

    Added in version 0.1.0.

    Attributes:
        chains: Every case's records, as the source holds them, in order.
        cases: Every case checked: those with records, with a case row or with a signed head.
        findings: The breaks, in the order found.

    """

    chains: dict[Key, list[HistoryRecord]]
    cases: frozenset[Key]
    findings: tuple[Finding, ...]


# -- findings, one function per source --------------------------------------------------------


def chain_findings(
    chains: dict[Key, list[HistoryRecord]],
    kept: dict[Key, ChainHead],
    skip: Iterable[Key] = (),
) -> Iterator[Finding]:
    """
    The first break in each case's chain, against its signed head if one was kept.

    A case with a signed head and no records was cut back to nothing. Cases in
    *skip* already have a finding that stops their chain from being read.
    """
    skipped = set(skip)
    for key in sorted(set(chains) | set(kept)):
        if key in skipped:
            continue
        result = verify(chains.get(key, []), kept.get(key))
        if not result.ok:
            yield Finding(*key, result.position, result.problem or "altered")


def case_row_findings(
    chains: dict[Key, list[HistoryRecord]], rows: dict[Key, ChainHead]
) -> Iterator[Finding]:
    """Each case row whose head is not its chain's last record, or that has no chain at all."""
    for key in sorted(rows):
        records = chains.get(key, [])
        row = rows[key]
        if not records:
            yield Finding(*key, None, "the case row has no history records")
        elif (row.sequence, row.hash) != (records[-1].sequence, records[-1].hash):
            yield Finding(*key, None, "the case row's head does not match its last record")


@attrs.frozen
class StoredRows:
    """
    What a store's database holds beside the histories, by case, as its rows hold it.

    Added in version 0.1.0.

    Attributes:
        cases: Each case row: its snapshot text, version, head, state, lifecycle, local
            authority and the authority code the host gave (None if it gave the current one).
        deadlines: Each case's deadline rows: kind, status, due date, padded rule ids
            and whether projected.
        outbox: Each case's outbox rows: sequence, event id and event text.

    """

    cases: dict[Key, tuple[str, int, str, str, str, str | None, str | None]]
    deadlines: dict[Key, set[tuple[object, ...]]]
    outbox: dict[Key, list[tuple[int, str, str]]]

    @property
    def keys(self) -> frozenset[Key]:
        """Every case a row names."""
        return frozenset(self.cases) | frozenset(self.deadlines) | frozenset(self.outbox)


def orphan_findings(
    chains: dict[Key, list[HistoryRecord]], stored: StoredRows
) -> Iterator[Finding]:
    """
    Rows no case row or history accounts for: no case hides by losing its case row.

    History records whose case row is gone, and deadline or outbox rows of a case
    without history records.
    """
    for key in sorted(set(chains) | stored.keys):
        has_history = bool(chains.get(key))
        if has_history and key not in stored.cases:
            yield Finding(*key, None, "history records without a case row")
        if not has_history and key in stored.deadlines:
            yield Finding(*key, None, "deadline rows without history records")
        if not has_history and key in stored.outbox:
            yield Finding(*key, None, "outbox rows without history records")


def stored_row_findings(
    chains: dict[Key, list[HistoryRecord]], stored: StoredRows, skip: Iterable[Key] = ()
) -> Iterator[Finding]:
    """
    Each case row, deadline row and outbox row against the case its history rebuilds to.

    A case row must be the case its head record commits to (the snapshot's SHA-256 is
    the record's ``state_digest``) and the case its records rebuild to (snapshot, state,
    lifecycle and authority columns), its deadline rows that case's deadlines, and its
    outbox rows the events its records announce. Cases in *skip* (a chain that does not verify),
    and case rows that do not name their chain's last record, already have a finding.
    """
    from ._events import event_data, to_cloud_event
    from .history._replay import rebuild
    from .stores._sql._cache import decode_snapshot, snapshot_problem
    from .stores._sql._rows import deadline_rows_of

    skipped = set(skip)
    for key in sorted(set(chains) & (set(stored.cases) | set(stored.outbox))):
        records = chains[key]
        if key in skipped or not records:
            continue
        last = records[-1]
        try:
            case = rebuild(records)
        except HistoryIntegrityError as error:
            yield Finding(*key, error.position, error.problem)
            continue
        except SafeguardingWorkflowError:
            yield Finding(*key, last.sequence, "malformed")
            continue
        if not commits_to(case, last):
            yield Finding(*key, last.sequence, _NOT_COMMITTED)
            continue
        row = stored.cases.get(key)
        if row is not None and (row[1], row[2]) == (last.sequence, last.hash):
            snapshot, version, head, state, lifecycle, authority, given = row
            problem = snapshot_problem(snapshot, version, head, (last.hash, last.body), None)
            if problem is not None:
                yield Finding(*key, problem[0], problem[1])
            else:
                try:
                    same = decode_snapshot(snapshot, version, head) == case
                except SafeguardingWorkflowError:
                    same = False
                if not same:
                    yield Finding(*key, last.sequence, _NOT_REBUILT.format("the stored case does"))
            columns = (state, lifecycle, authority, given)
            if columns != (
                case.state,
                case.lifecycle,
                case.local_authority,
                case.local_authority_given,
            ):
                yield Finding(*key, last.sequence, _NOT_REBUILT.format("the case row does"))
            expected = {
                (d["kind"], d["status"], d["due"], d["rule_ids"], d["projected"])
                for d in deadline_rows_of(case)
            }
            if stored.deadlines.get(key, set()) != expected:
                yield Finding(*key, last.sequence, _NOT_REBUILT.format("the deadline rows do"))
        by_sequence = {r.sequence: r for r in records}
        for sequence, event_id, text in stored.outbox.get(key, ()):
            record = by_sequence.get(sequence)
            try:
                # Since store schema 5 a row holds no event (the relay makes it from the
                # record); one written before holds the event's JSON, which must be it.
                announced = (
                    record is not None
                    and record.event_id == event_id
                    and (
                        text == ""
                        or _event_dict(text, event_data)
                        == to_cloud_event(
                            record, case.lifecycle, record.data["recorded_at"]
                        ).to_dict()
                    )
                )
            except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
                announced = False
            if not announced:
                yield Finding(*key, sequence, _NOT_ANNOUNCED)
                break


#: What a row that is not the case its history rebuilds to is reported as.
_NOT_REBUILT: Final = "{} not match the case its history rebuilds to"
#: What records that do not produce the case their last commits to are reported as.
_NOT_COMMITTED: Final = "the history does not rebuild to the case its last record commits to"


def commits_to(case: Any, record: HistoryRecord) -> bool:
    """
    Whether *record*, a case's last, commits to *case*: its ``state_digest`` is the case's.

    A record of schema 1 commits to no state, so any case passes; from schema 2 the
    SHA-256 of the case's canonical state must be the record's digest, which a chain
    whose changes were doctored and re-hashed whole does not give.

    Added in version 0.1.0.
    """
    from ._records import state_digest, state_json

    try:
        data = record.data
    except (ValueError, RecursionError):
        return False
    if data.get("schema") == 1 and "state_digest" not in data:
        return True
    return bool(data.get("state_digest") == state_digest(state_json(case)))


def state_findings(
    chains: dict[Key, list[HistoryRecord]], skip: Iterable[Key] = ()
) -> Iterator[Finding]:
    """
    Each chain whose records do not rebuild to the case their last record commits to.

    What an export can be checked for beyond its hash chains: a case is rebuilt from
    its records alone and its state hashed (`commits_to`). Cases in *skip* already
    have a finding that stops their chain from being read.
    """
    from .history._replay import rebuild

    skipped = set(skip)
    for key in sorted(chains):
        records = chains[key]
        if key in skipped or not records:
            continue
        try:
            case = rebuild(records)
        except HistoryIntegrityError as error:
            yield Finding(*key, error.position, error.problem)
            continue
        except SafeguardingWorkflowError:
            yield Finding(*key, records[-1].sequence, "malformed")
            continue
        if not commits_to(case, records[-1]):
            yield Finding(*key, records[-1].sequence, _NOT_COMMITTED)


#: What an outbox row that its record does not announce is reported as.
_NOT_ANNOUNCED: Final = "the outbox row is not the event its record announces"


def _event_dict(text: str, event_data: Any) -> Any:
    """An outbox row's event as JSON values; a row written with the whole record, as sent."""
    event = json.loads(text)
    data = event["data"]
    if isinstance(data, dict) and "record" in data:
        event = {**event, "data": event_data(data["record"])}
    return event


# -- sources ----------------------------------------------------------------------------------


def check_export(path: str, tenant: str | None, kept: dict[Key, ChainHead]) -> Checked:
    """
    Check an export file: its records are grouped by case and each chain verified.

    A record that cannot be read is a break at its case, where the case can be told;
    an export that cannot be read at all is `CannotCheck`.
    """
    try:
        items = export_items(_read(path, "export file"))
    except InvalidInputError as error:
        raise CannotCheck(error.message) from None
    chains: dict[Key, list[HistoryRecord]] = {}
    malformed: dict[Key, Finding] = {}
    for index, item in enumerate(items, start=1):
        try:
            record = HistoryRecord.from_dict(item)
        except InvalidInputError:
            key = _claimed_case(item)
            if key is None:
                raise CannotCheck(
                    f"record {index} of the export names no tenant and case"
                ) from None
            position = len(chains.get(key, [])) + 1
            malformed.setdefault(key, Finding(*key, position, "malformed"))
            chains.setdefault(key, [])
            continue
        chains.setdefault((record.tenant_id, record.case_id), []).append(record)
    if tenant is not None:
        chains = {k: v for k, v in chains.items() if k[0] == tenant}
        malformed = {k: v for k, v in malformed.items() if k[0] == tenant}
    broken = list(chain_findings(chains, kept, skip=malformed))
    findings = [
        *malformed.values(),
        *broken,
        *state_findings(chains, skip=[*malformed, *(f.key for f in broken)]),
    ]
    return Checked(chains, frozenset(chains) | frozenset(kept), tuple(findings))


def check_database(
    url: str, prefix: str, schema: str | None, tenant: str | None, kept: dict[Key, ChainHead]
) -> Checked:
    """
    Check a store's database, opened read-only: every chain and every row beside it.

    Every case the database names anywhere is checked: those with a case row, with
    history records, with deadline or outbox rows, or with a signed head. Each is
    rebuilt from its history and compared with its rows (`stored_row_findings`).

    Raises:
        CannotCheck: the URL is malformed, the database cannot be reached or read, holds
            no store tables, or holds a store schema newer than this release.

    """
    engine = open_database(url)
    try:
        if schema is not None and engine.dialect.name != "postgresql":
            raise CannotCheck("--schema is for PostgreSQL stores only")
        store = _store(engine, prefix, schema)
        rows = {(h.tenant_id, h.case_id): h for h in store.heads(tenant)}
        stored, histories = stored_rows(store, tenant)
        chains: dict[Key, list[HistoryRecord]] = {}
        for key in sorted(set(rows) | histories):
            try:
                chains[key] = list(store.history(*key))
            except CaseNotFoundError:
                chains[key] = []
        broken = list(chain_findings({k: v for k, v in chains.items() if v}, kept))
        findings = [
            *broken,
            *case_row_findings(chains, rows),
            *orphan_findings(chains, stored),
            *stored_row_findings(chains, stored, skip=[f.key for f in broken]),
        ]
    except SafeguardingWorkflowError as error:
        raise CannotCheck(error.message) from None
    finally:
        engine.dispose()
    cases = frozenset(chains) | stored.keys | frozenset(kept)
    return Checked(chains, cases, tuple(findings))


def stored_rows(store: SqlStore, tenant: str | None) -> tuple[StoredRows, set[Key]]:
    """
    The store's case, deadline and outbox rows, and every case its history table holds.

    Raises:
        CannotCheck: the database cannot be read.

    """
    import sqlalchemy as sa

    tables = store.tables
    cases, history = tables["cases"], tables["history"]
    deadlines, outbox = tables["deadlines"], tables["outbox"]

    def of_tenant(table: sa.Table) -> Any:
        return sa.true() if tenant is None else table.c.tenant_id == tenant

    stored = StoredRows({}, {}, {})
    try:
        with store.engine.connect() as connection:
            for case_row in connection.execute(
                sa.select(
                    cases.c.tenant_id,
                    cases.c.case_id,
                    cases.c.snapshot,
                    cases.c.version,
                    cases.c.head,
                    cases.c.state,
                    cases.c.lifecycle,
                    cases.c.local_authority,
                    cases.c.local_authority_given,
                ).where(of_tenant(cases))
            ):
                tenant_id, case_id, *columns = case_row
                stored.cases[(tenant_id, case_id)] = tuple(columns)
            for deadline_row in connection.execute(
                sa.select(
                    deadlines.c.tenant_id,
                    deadlines.c.case_id,
                    deadlines.c.kind,
                    deadlines.c.status,
                    deadlines.c.due,
                    deadlines.c.rule_ids,
                    deadlines.c.projected,
                ).where(of_tenant(deadlines))
            ):
                key = (deadline_row[0], deadline_row[1])
                stored.deadlines.setdefault(key, set()).add(tuple(deadline_row[2:]))
            for outbox_row in connection.execute(
                sa.select(
                    outbox.c.tenant_id,
                    outbox.c.case_id,
                    outbox.c.sequence,
                    outbox.c.event_id,
                    outbox.c.event,
                )
                .where(of_tenant(outbox))
                .order_by(outbox.c.id)
            ):
                tenant_id, case_id, sequence, event_id, event = outbox_row
                events = stored.outbox.setdefault((tenant_id, case_id), [])
                events.append((sequence, event_id, event))
            histories = {
                (row[0], row[1])
                for row in connection.execute(
                    sa.select(history.c.tenant_id, history.c.case_id)
                    .where(of_tenant(history))
                    .distinct()
                )
            }
    except sa.exc.SQLAlchemyError as error:
        cause = type(getattr(error, "orig", None) or error).__name__
        raise CannotCheck(f"the database cannot be read ({cause})") from None
    return stored, histories


def open_database(url: str) -> Engine:
    """
    An engine that only reads: SQLite through a read-only URI, PostgreSQL in read-only sessions.

    Raises:
        CannotCheck: the URL is malformed, names no file or a missing one, or names an
            engine or driver the verifier does not read through.

    """
    import sqlalchemy as sa

    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError, TypeError):
        raise CannotCheck("the database URL is malformed") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_read_only(parsed.database)
    if backend != "postgresql":
        raise CannotCheck("the verifier reads SQLite and PostgreSQL stores only")
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_driver_name() not in _POSTGRESQL_DRIVERS:
        raise CannotCheck("the verifier reads PostgreSQL through psycopg (postgresql+psycopg://)")
    try:
        return sa.create_engine(
            parsed,
            poolclass=sa.pool.NullPool,
            connect_args={
                "options": "-c default_transaction_read_only=on",
                "connect_timeout": _CONNECT_TIMEOUT,
            },
        )
    except ImportError:
        raise CannotCheck(
            "the PostgreSQL driver is not installed: install safeguarding-workflow[postgresql]"
        ) from None


def _sqlite_read_only(database: str | None) -> Engine:
    """A SQLite engine on an existing file, opened read-only: nothing is created or written."""
    import sqlalchemy as sa

    if not database or database == ":memory:" or database.startswith("file:"):
        raise CannotCheck(
            "the database URL names no file: a SQLite store is a file (sqlite:///path/to/cases.db)"
        )
    path = Path(database)
    try:
        exists, is_file = path.exists(), path.is_file()
    except (OSError, ValueError):
        raise CannotCheck("the database path cannot be read") from None
    if not exists:
        raise CannotCheck("the database file does not exist")
    if not is_file:
        raise CannotCheck("the database path is not a file")
    uri = f"{path.resolve().as_uri()}?mode=ro"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, check_same_thread=False)

    return sa.create_engine("sqlite://", creator=connect, poolclass=sa.pool.NullPool)


def _store(engine: Engine, prefix: str, schema: str | None) -> SqlStore:
    """The store on *engine*, once its tables and its schema version are checked."""
    import sqlalchemy as sa

    from .stores._sql._schema import STORE_SCHEMA_VERSION
    from .stores._sql._store import SqlStore

    store = SqlStore(engine, prefix=prefix, schema=schema)
    tables = store.tables
    try:
        inspector = sa.inspect(engine)
        present = {
            role
            for role in ("cases", "history", "meta")
            if inspector.has_table(tables[role].name, schema=schema)
        }
        if present != {"cases", "history", "meta"}:
            raise CannotCheck(
                "the database holds no store (its cases, history and meta tables, with this "
                "prefix and schema)"
            )
        meta = tables["meta"]
        with engine.connect() as connection:
            text = connection.execute(
                sa.select(meta.c.value).where(meta.c.key == "schema_version")
            ).scalar()
    except sa.exc.DatabaseError as error:
        cause = type(getattr(error, "orig", None) or error).__name__
        if engine.dialect.name == "sqlite" and cause == "DatabaseError":
            raise CannotCheck("the file is not a SQLite database") from None
        if isinstance(error, sa.exc.OperationalError):
            raise CannotCheck(f"cannot connect to the database ({cause})") from None
        raise CannotCheck(f"the database cannot be read ({cause})") from None
    except sa.exc.SQLAlchemyError as error:
        raise CannotCheck(f"the database cannot be read ({type(error).__name__})") from None
    version = int(text) if isinstance(text, str) and text.isascii() and text.isdigit() else None
    if version is None:
        raise CannotCheck("the database records no valid store schema version")
    if version > STORE_SCHEMA_VERSION:
        raise CannotCheck(
            f"the database holds store schema {version}, newer than this release reads "
            f"({STORE_SCHEMA_VERSION}); upgrade the library"
        )
    return store


def signed_heads(heads_path: str, key_path: str, tenant: str | None) -> dict[Key, ChainHead]:
    """
    The heads of a signed heads file, its signature checked with a PEM Ed25519 public key.

    Raises:
        CannotCheck: a file is missing or unreadable, or the key is not a PEM Ed25519 key.
        InvalidInputError: the heads document is malformed.
        HistoryIntegrityError: its signature does not match: the heads were altered.

    """
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        public_key = load_pem_public_key(_read(key_path, "public key file"))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise CannotCheck("the public key file holds no PEM public key") from None
    if not isinstance(public_key, Ed25519PublicKey):
        raise CannotCheck("the public key is not an Ed25519 key")
    heads = load_signed_heads(_read(heads_path, "heads file"), public_key)
    return {(h.tenant_id, h.case_id): h for h in heads if tenant is None or h.tenant_id == tenant}


def _read(path: str, what: str) -> bytes:
    """A file's bytes; a file that cannot be read is `CannotCheck`, naming *what*, not the path."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise CannotCheck(f"the {what} does not exist") from None
    except IsADirectoryError:
        raise CannotCheck(f"the {what} is a directory") from None
    except (OSError, ValueError) as error:
        raise CannotCheck(f"the {what} cannot be read ({type(error).__name__})") from None


def _claimed_case(item: object) -> Key | None:
    """The tenant and case a malformed export item names, if it names them as text."""
    record = item.get("record") if isinstance(item, dict) else None
    if not isinstance(record, dict):
        return None
    tenant, case = record.get("tenant"), record.get("case")
    if isinstance(tenant, str) and isinstance(case, str):
        return (tenant, case)
    return None


def _shown(text: str) -> str:
    """An id as printed: as it is if printable ASCII, else escaped, so it is one line of text."""
    if text.isascii() and text.isprintable() and text.strip() == text and text:
        return text
    return ascii(text)


# -- the command line -------------------------------------------------------------------------


class _UsageError(Exception):
    """A command line argparse refused."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, reported by `run()`."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="safeguarding-workflow")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "verify",
        help="verify every case's history chain",
        description="Verify every case's history chain. Exit 0: all verified; 1: a break; "
        "2: could not check.",
    )
    source = check.add_mutually_exclusive_group(required=True)
    source.add_argument("--database", metavar="URL", help="a SQLAlchemy database URL")
    source.add_argument("--export", metavar="FILE", help="a JSON history export")
    check.add_argument("--prefix", default="sw_", help="table prefix (default sw_)")
    check.add_argument("--schema", default=None, help="PostgreSQL schema of the tables")
    check.add_argument("--tenant", default=None, help="only this tenant")
    check.add_argument("--heads", metavar="FILE", help="signed chain heads to check against")
    check.add_argument("--public-key", metavar="FILE", help="PEM Ed25519 key for --heads")
    make = commands.add_parser(
        "generate",
        help="write fictional cases into a store, with a progress bar",
        description="Write fictional cases (safeguarding_workflow.bulk.generate) into a store, "
        "showing progress, rate and time left. Exit 0: written; 2: could not write.",
    )
    target = make.add_mutually_exclusive_group(required=True)
    target.add_argument("--database", metavar="URL", help="a SQLAlchemy database URL")
    target.add_argument("--sqlite", metavar="FILE", help="a SQLite file (created if missing)")
    make.add_argument("--cases", type=int, required=True, help="how many cases")
    make.add_argument(
        "--tenant", action="append", dest="tenants", metavar="ID", help="a tenant (repeatable)"
    )
    make.add_argument("--seed", type=int, default=0, help="the random seed (default 0)")
    make.add_argument("--batch", type=int, default=5000, help="cases a batch (default 5000)")
    make.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    make.add_argument("--id-prefix", default="bulk", help="case id prefix (default bulk)")
    make.add_argument("--prefix", default="sw_", help="table prefix (default sw_)")
    make.add_argument("--schema", default=None, help="PostgreSQL schema of the tables")
    make.add_argument(
        "--plain", action="store_true", help="plain progress lines instead of a progress bar"
    )
    return parser


def _check(args: argparse.Namespace) -> Checked:
    kept: dict[Key, ChainHead] = {}
    if args.heads and not args.public_key:
        raise CannotCheck("--heads needs --public-key")
    if args.public_key and not args.heads:
        raise CannotCheck("--public-key needs --heads")
    if args.heads:
        kept = signed_heads(args.heads, args.public_key, args.tenant)
    if args.database:
        checked = check_database(args.database, args.prefix, args.schema, args.tenant, kept)
        source = "database"
    else:
        checked = check_export(args.export, args.tenant, kept)
        source = "export"
    if not checked.cases:
        scope = " of this tenant" if args.tenant is not None else ""
        raise CannotCheck(f"the {source} holds no cases{scope} to verify")
    return checked


def _report(checked: Checked) -> int:
    """Print one line per case (one per break) and the total; the exit status."""
    found: dict[Key, list[Finding]] = {}
    for finding in checked.findings:
        found.setdefault(finding.key, []).append(finding)
    for key in sorted(checked.cases | set(found)):
        if key in found:
            for finding in found[key]:
                print(finding.line())
        else:
            records = checked.chains[key]
            tenant, case = (_shown(part) for part in key)
            print(f"ok      {tenant}/{case}: {len(records)} records, head {records[-1].hash[:16]}")
    broken = len(set(found))
    print(f"{len(checked.cases | set(found)) - broken} verified, {broken} broken")
    return 1 if broken else 0


def run(argv: Sequence[str]) -> int:
    """
    Run the command line; return the exit status (0 all verified, 1 a break, 2 not checked).

    Added in version 0.1.0.
    """
    try:
        args = _parser().parse_args(list(argv))
    except _UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except SystemExit as stop:  # --help
        return stop.code if isinstance(stop.code, int) else 0
    if args.command == "generate":
        return generate_command(args)
    try:
        checked = _check(args)
    except CannotCheck as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except HistoryIntegrityError as error:  # the signed heads were altered
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    except SafeguardingWorkflowError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    except Exception as error:  # never a traceback: say what kind of failure, and stop
        print(f"error: the verifier stopped unexpectedly ({type(error).__name__})", file=sys.stderr)
        return 2
    return _report(checked)


# -- generate -------------------------------------------------------------------------------


def generate_command(args: argparse.Namespace) -> int:
    """
    ``safeguarding-workflow generate``: write fictional cases, showing progress; the exit status.

    A progress bar with the rate (cases a second) and the time left, drawn with ``rich``
    (the ``progress`` extra: ``pip install safeguarding-workflow[progress]``) on standard
    error; without rich, or with ``--plain``, a line every tenth of the way or every five
    seconds, whichever comes first. Then one line on standard output: what was written.
    Exit status 0 when written, 2 when not (one line on standard error, never a traceback).

    Added in version 0.1.0.
    """
    try:
        store = _generation_store(args)
    except SafeguardingWorkflowError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    except Exception as error:  # a malformed URL, an unreachable server
        print(f"error: could not open the store ({type(error).__name__})", file=sys.stderr)
        return 2
    from .bulk import generate

    try:
        with _progress_display(args.plain) as progress:
            report = generate(
                store,
                cases=args.cases,
                tenants=tuple(args.tenants or ("bulk-tenant",)),
                seed=args.seed,
                batch=args.batch,
                workers=args.workers,
                id_prefix=args.id_prefix,
                progress=progress,
            )
    except SafeguardingWorkflowError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    except Exception as error:  # the database refused the rows (ids already there, say)
        print(f"error: the generator stopped ({type(error).__name__})", file=sys.stderr)
        return 2
    finally:
        store.engine.dispose()
    print(
        f"wrote {report.cases:,} cases, {report.records:,} history records, "
        f"{report.deadlines:,} deadlines"
    )
    return 0


def _generation_store(args: argparse.Namespace) -> SqlStore:
    """The store to generate into, its tables created if missing."""
    from .stores._sql._store import SqlStore

    if args.sqlite is not None:
        return SqlStore.sqlite(args.sqlite, prefix=args.prefix)
    import sqlalchemy as sa

    url = sa.engine.make_url(args.database)
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise InvalidInputError(
                "'--database' must name a SQLite file: an in-memory one ends with the command",
                field="database",
            )
        return SqlStore.sqlite(str(url.database), prefix=args.prefix)
    return SqlStore.postgresql(args.database, prefix=args.prefix, schema=args.schema)


@contextlib.contextmanager
def _progress_display(plain: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress callback drawing a rich progress bar, or printing plain lines."""
    if not plain:
        try:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
        except ImportError:
            pass
        else:
            columns = (
                TextColumn("generating"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]} cases/s,"),
                TimeElapsedColumn(),
                TextColumn("elapsed,"),
                TimeRemainingColumn(),
                TextColumn("left"),
            )
            with Progress(*columns, console=Console(stderr=True)) as bar:
                task = bar.add_task("generate", total=None, rate="-")

                def draw(done: int, total: int) -> None:
                    speed = bar.tasks[0].speed
                    rate = f"{speed:,.0f}" if speed else "-"
                    bar.update(task, completed=done, total=total, rate=rate)

                yield draw
            return
    yield _PlainLines(time.monotonic)


class _PlainLines:
    """Progress as plain lines on standard error: every tenth of the way, or every 5 s."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.started = clock()
        self.shown_at = self.started
        self.shown_tenth = 0

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        tenth = done * 10 // total if total else 10
        if done < total and tenth <= self.shown_tenth and now - self.shown_at < 5:
            return
        self.shown_at, self.shown_tenth = now, tenth
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        left = f"{(total - done) / rate:,.0f} s left" if rate else "time left unknown"
        print(
            f"generated {done:,}/{total:,} cases ({done * 100 // max(total, 1)}%), "
            f"{rate:,.0f} cases/s, {left}",
            file=sys.stderr,
            flush=True,
        )


def main() -> None:
    """
    Entry point of ``python -m safeguarding_workflow`` and the ``safeguarding-workflow`` script.

    Added in version 0.1.0.
    """
    try:
        status = run(sys.argv[1:])
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        status = 130
    sys.exit(status)


if __name__ == "__main__":
    main()
