"""
The SQL case store: one SQLAlchemy Core code path for SQLite and PostgreSQL.

Tables (names take a configurable prefix, and on PostgreSQL an optional schema):

- ``cases``: one row per case, its latest record as JSON, its version and head hash;
- ``history``: one row per history record, primary key (tenant, case, sequence), event id
  unique; the database refuses UPDATE, DELETE and TRUNCATE on it (triggers);
- ``deadlines``: one row per deadline of a case, with a partial index on open deadlines by
  due date, for "what is overdue" without loading cases;
- ``outbox``: one row per event, written in the same transaction as the record.

Every row carries its tenant, and every query names one.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Final, final

import attrs
import orjson
import pendulum
import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine

from ..._calendar import WorkingDayCalendar
from ..._case import Case, Deadline, DeadlineStatus
from ..._codec import case_from_json, case_to_json
from ..._events import to_cloud_event
from ...exceptions import (
    CaseExistsError,
    CaseNotFoundError,
    ConcurrencyConflict,
    ConfigurationError,
    InvalidInputError,
    SafeguardingWorkflowError,
    StoreError,
)
from ...history._chain import SCHEMA_VERSION, ChainHead, HistoryRecord
from .._base import CaseStore, DueDeadline

__all__ = ["DueDeadline", "SqlStore"]

#: The schema version of the tables this release creates.
STORE_SCHEMA_VERSION: Final = 1

#: The execution option marking a connection that only reads (SQLite begins it deferred).
_READING: Final = "safeguarding_workflow_reading"

#: The execution option marking a connection whose transaction the store began by hand.
_BEGUN: Final = "safeguarding_workflow_begun"

_CHANGED: Final = "the case changed since the command read it; re-read and retry"

_BUSY: Final = "the case is being changed by another writer; re-read and retry"


class _Shared:
    """What every view of one store shares: tables and statements, built once."""

    __slots__ = (
        "batched",
        "driver",
        "overdue_queries",
        "pipeline",
        "postgresql_append",
        "recent",
        "statements",
        "tables",
    )

    def __init__(self, tables: dict[str, sa.Table], dialect: sa.Dialect) -> None:
        pipeline = _pipelines(dialect)
        self.batched = pipeline is not None
        self.postgresql_append = (
            _postgresql_append(tables, dialect) if dialect.name == "postgresql" else None
        )
        self.pipeline = pipeline or _unbatched
        self.recent = _Recent(1024)
        self.tables = tables
        self.statements = _statements(tables)
        self.driver = _driver_statements(tables, dialect, self.statements)
        self.overdue_queries: dict[tuple[bool, bool, bool], _Driver] = {}


def _tables(metadata: sa.MetaData, prefix: str, schema: str | None) -> dict[str, sa.Table]:
    text = sa.Text()
    cases = sa.Table(
        f"{prefix}cases",
        metadata,
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(128), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("lifecycle", sa.String(64), nullable=False),
        sa.Column("snapshot", text, nullable=False),
        schema=schema,
    )
    history = sa.Table(
        f"{prefix}history",
        metadata,
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(128), primary_key=True),
        sa.Column("sequence", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("prev", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=True),
        sa.Column("body", text, nullable=False),
        schema=schema,
    )
    keyed = sa.text("idempotency_key IS NOT NULL")
    sa.Index(
        f"{prefix}history_idempotency",
        history.c.tenant_id,
        history.c.case_id,
        history.c.idempotency_key,
        unique=True,
        sqlite_where=keyed,
        postgresql_where=keyed,
    )
    deadlines = sa.Table(
        f"{prefix}deadlines",
        metadata,
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(128), primary_key=True),
        sa.Column("kind", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due", sa.Date, nullable=True),
        sa.Column("rule_ids", sa.String(256), nullable=False),
        sa.Column("projected", sa.Boolean, nullable=False),
        schema=schema,
        sqlite_with_rowid=False,  # small rows: the primary key is the table, one B-tree less
    )
    open_due = sa.text("status = 'open'")
    sa.Index(
        f"{prefix}deadlines_open_due",
        deadlines.c.tenant_id,
        deadlines.c.due,
        deadlines.c.case_id,
        deadlines.c.kind,
        sqlite_where=open_due,
        postgresql_where=open_due,
    )
    outbox = sa.Table(
        f"{prefix}outbox",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(128), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),  # unique in the history
        sa.Column("event", text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("available_at", sa.String(32), nullable=False, server_default=""),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_until", sa.String(32), nullable=True),
        sa.Column("last_error", sa.String(128), nullable=True),
        sa.Column("delivered_at", sa.String(32), nullable=True),
        schema=schema,
    )
    sa.Index(f"{prefix}outbox_pending", outbox.c.status, outbox.c.id)
    sa.Index(f"{prefix}outbox_case", outbox.c.tenant_id, outbox.c.case_id, outbox.c.sequence)
    consumed = sa.Table(
        f"{prefix}consumed",
        metadata,
        sa.Column("consumer", sa.String(64), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        schema=schema,
    )
    meta = sa.Table(
        f"{prefix}meta",
        metadata,
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
        schema=schema,
    )
    return {
        "cases": cases,
        "history": history,
        "deadlines": deadlines,
        "outbox": outbox,
        "meta": meta,
        "consumed": consumed,
    }


def _statements(tables: dict[str, sa.Table]) -> dict[str, Any]:
    """The reads outside a command, built once: parameters come at execution."""
    cases, history = tables["cases"], tables["history"]
    tenant: sa.BindParameter[str] = sa.bindparam("k_tenant")
    case: sa.BindParameter[str] = sa.bindparam("k_case")
    return {
        "get": sa.select(cases.c.snapshot).where(
            cases.c.tenant_id == tenant, cases.c.case_id == case
        ),
        "history": sa.select(*_RECORD_COLUMNS(history))
        .where(history.c.tenant_id == tenant, history.c.case_id == case)
        .order_by(history.c.sequence),
        "find": sa.select(*_RECORD_COLUMNS(history)).where(
            history.c.tenant_id == tenant,
            history.c.case_id == case,
            history.c.idempotency_key == sa.bindparam("k_key"),
        ),
    }


@attrs.frozen
class _Driver:
    """
    A statement compiled once by SQLAlchemy for the engine's dialect, run on the driver's cursor.

    A command's few statements run this way: the statement is SQLAlchemy Core, and
    only the per-execution bookkeeping is skipped (about 40 µs a statement).
    """

    sql: str
    names: tuple[str, ...] | None  # the order of positional parameters; None for named
    fixed: dict[str, Any]  # the values bound in the statement itself

    @classmethod
    def of(cls, statement: Any, dialect: sa.Dialect, keys: Sequence[str] | None = None) -> _Driver:
        compiled = statement.compile(dialect=dialect, column_keys=keys)
        names = tuple(compiled.positiontup) if dialect.positional else None
        fixed = {
            name: bind.effective_value
            for bind, name in compiled.bind_names.items()
            if not bind.required and bind.effective_value is not None
        }
        return cls(str(compiled), names, fixed)

    def params(self, values: dict[str, Any]) -> Any:
        if self.fixed:
            values = {**self.fixed, **values}
        return values if self.names is None else tuple([values[n] for n in self.names])

    def run(self, cursor: Any, values: dict[str, Any]) -> None:
        """Execute on the driver's *cursor* with *values*."""
        cursor.execute(self.sql, self.params(values))


_CASE_SET: Final = ("version", "head", "state", "lifecycle", "snapshot")
_HISTORY_KEYS: Final = (
    "tenant_id",
    "case_id",
    "sequence",
    "event_id",
    "kind",
    "event",
    "prev",
    "hash",
    "schema_version",
    "idempotency_key",
    "body",
)
_DEADLINE_KEYS: Final = ("tenant_id", "case_id", "kind", "status", "due", "rule_ids", "projected")
_OUTBOX_KEYS: Final = ("tenant_id", "case_id", "sequence", "event_id", "event", "available_at")


def _postgresql_append(tables: dict[str, sa.Table], dialect: sa.Dialect) -> str:
    """
    All of a command's writes on PostgreSQL as one statement, every write hanging on one.

    The case row's UPDATE (at the version read) returns a row only if it matched; the
    history, deadline and outbox rows are inserted from that row, so a command that lost
    a race writes nothing at all, and the statement's count tells it so. The changed
    deadlines come as arrays, one per column, so the statement is the same whatever
    their number, and psycopg can prepare it.
    """
    name = dialect.identifier_preparer.format_table
    cases, history, deadlines, outbox = (
        name(tables[t]) for t in ("cases", "history", "deadlines", "outbox")
    )
    values = ", ".join(f"%({k})s" for k in _HISTORY_KEYS)
    return f"""WITH u AS (
  UPDATE {cases} SET version = %(version)s, head = %(head)s, state = %(state)s,
    lifecycle = %(lifecycle)s, snapshot = %(snapshot)s
  WHERE tenant_id = %(k_tenant)s AND case_id = %(k_case)s AND version = %(k_version)s
  RETURNING 1
), h AS (
  INSERT INTO {history} ({", ".join(_HISTORY_KEYS)}) SELECT {values} FROM u
), d AS (
  INSERT INTO {deadlines} ({", ".join(_DEADLINE_KEYS)})
  SELECT %(tenant_id)s, %(case_id)s, x.kind, x.status, x.due, x.rule_ids, x.projected
  FROM u, unnest(%(d_kind)s::text[], %(d_status)s::text[], %(d_due)s::date[],
    %(d_rule_ids)s::text[], %(d_projected)s::boolean[]) AS x(kind, status, due, rule_ids, projected)
  ON CONFLICT (tenant_id, case_id, kind) DO UPDATE SET status = EXCLUDED.status,
    due = EXCLUDED.due, rule_ids = EXCLUDED.rule_ids, projected = EXCLUDED.projected
), o AS (
  INSERT INTO {outbox} ({", ".join(_OUTBOX_KEYS)})
  SELECT %(tenant_id)s, %(case_id)s, %(sequence)s, %(event_id)s, %(o_event)s, %(available_at)s
  FROM u
)
SELECT count(*) FROM u"""


def _driver_statements(
    tables: dict[str, sa.Table], dialect: sa.Dialect, reads: dict[str, Any]
) -> dict[str, _Driver]:
    """A command's statements, compiled for *dialect*."""
    cases, history, deadlines = tables["cases"], tables["history"], tables["deadlines"]
    tenant: sa.BindParameter[str] = sa.bindparam("k_tenant")
    case: sa.BindParameter[str] = sa.bindparam("k_case")
    from sqlalchemy.dialects import postgresql, sqlite

    upsert: Any = (postgresql if dialect.name == "postgresql" else sqlite).insert(deadlines)
    upsert = upsert.on_conflict_do_update(
        index_elements=[deadlines.c.tenant_id, deadlines.c.case_id, deadlines.c.kind],
        set_={k: upsert.excluded[k] for k in _DEADLINE_KEYS[3:]},
    )
    return {
        "get": _Driver.of(reads["get"], dialect),
        "find": _Driver.of(reads["find"], dialect),
        "insert_case": _Driver.of(cases.insert(), dialect, ("tenant_id", "case_id", *_CASE_SET)),
        "update_case": _Driver.of(
            cases.update().where(
                cases.c.tenant_id == tenant,
                cases.c.case_id == case,
                cases.c.version == sa.bindparam("k_version"),
            ),
            dialect,
            _CASE_SET,
        ),
        "insert_history": _Driver.of(history.insert(), dialect, _HISTORY_KEYS),
        "upsert_deadline": _Driver.of(upsert, dialect, _DEADLINE_KEYS),
        "insert_outbox": _Driver.of(tables["outbox"].insert(), dialect, _OUTBOX_KEYS),
    }


def _RECORD_COLUMNS(history: sa.Table) -> tuple[sa.Column[Any], ...]:  # noqa: N802 - a column list
    return (
        history.c.sequence,
        history.c.event_id,
        history.c.kind,
        history.c.event,
        history.c.prev,
        history.c.hash,
        history.c.body,
        history.c.idempotency_key,
    )


def _record(tenant_id: str, case_id: str, row: Any) -> HistoryRecord:
    sequence, event_id, kind, event, prev, hash_, body, key = row  # positional: rows are many
    return HistoryRecord(
        tenant_id,
        case_id,
        sequence,
        event_id,
        kind,
        event,
        prev,
        body.encode("utf-8"),
        hash_,
        key,
    )


def case_row(case: Case) -> dict[str, Any]:
    """The ``cases`` row of a case record: its snapshot is compact JSON (not canonical)."""
    return {
        "tenant_id": case.tenant_id,
        "case_id": case.case_id,
        "version": case.version,
        "head": case.head,
        "state": case.state,
        "lifecycle": case.lifecycle,
        "snapshot": orjson.dumps(case_to_json(case)).decode("utf-8"),
    }


def history_row(record: HistoryRecord) -> dict[str, Any]:
    """The ``history`` row of a record: its bytes, link and hash, and the columns indexed."""
    return {
        "tenant_id": record.tenant_id,
        "case_id": record.case_id,
        "sequence": record.sequence,
        "event_id": record.event_id,
        "kind": record.kind,
        "event": record.event,
        "prev": record.prev,
        "hash": record.hash,
        "schema_version": SCHEMA_VERSION,
        "idempotency_key": record.idempotency_key,
        "body": record.body.decode("utf-8"),
    }


def deadline_rows_of(case: Case) -> list[dict[str, Any]]:
    """The ``deadlines`` rows of a case; rule ids padded with spaces for whole-word matching."""
    return _deadline_rows(case, case.deadlines, iso=False)


def _deadline_rows(case: Case, deadlines: Iterable[Deadline], *, iso: bool) -> list[dict[str, Any]]:
    """Rows of some of a case's deadlines; *iso* gives due dates as text, for the driver."""
    return [
        {
            "tenant_id": case.tenant_id,
            "case_id": case.case_id,
            "kind": d.kind,
            "status": d.status.value,
            "due": d.due.isoformat() if iso and d.due is not None else d.due,
            "rule_ids": f" {' '.join(d.rule_ids)} ",
            "projected": d.projected,
        }
        for d in deadlines
    ]


def _iso_date(value: object, field: str) -> str:
    """A date as ``YYYY-MM-DD`` text, the form both engines compare with their date column."""
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidInputError(f"{field!r} must be a date", field=field)
    return value.isoformat()


class _Recent:
    """
    Cases this process stored or read lately, each with its snapshot text.

    A read whose row holds the very same text takes the kept case instead of
    decoding the text again. The text is compared in full, so a case changed by
    another process, or a write that rolled back, is never served from here; and
    cases are immutable values, equal to what their text decodes to (their times
    are kept in UTC), so sharing them is safe.
    """

    __slots__ = ("_items", "_lock", "_size")

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[tuple[str, str], tuple[str, Case]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def case(self, tenant_id: str, case_id: str, row: Any) -> Case:
        """The case in a ``cases`` row's snapshot; CaseNotFoundError for no row."""
        if row is None:
            raise CaseNotFoundError("no case with this tenant and id", field="case_id")
        text = row[0]
        kept = self._items.get((tenant_id, case_id))
        if kept is not None and kept[0] == text:
            return kept[1]
        try:
            case = case_from_json(orjson.loads(text))
        except (ValueError, TypeError):
            raise InvalidInputError("a stored case is malformed", field="case") from None
        if case.tenant_id != tenant_id or case.case_id != case_id:
            raise InvalidInputError("a stored case is malformed", field="case")
        self.keep(case, text)
        return case

    def keep(self, case: Case, text: str) -> None:
        """Keep *case* with its snapshot *text*, forgetting the oldest beyond the size."""
        key = (case.tenant_id, case.case_id)
        with self._lock:
            self._items[key] = (text, case)
            self._items.move_to_end(key)
            if len(self._items) > self._size:
                self._items.popitem(last=False)


@contextmanager
def _translated(engine: Engine, on_integrity: type[SafeguardingWorkflowError]) -> Iterator[None]:
    """
    The driver's errors as the library's: a lost race is a conflict, never a raw error.

    A unique key violated means another writer stored first (*on_integrity*); a
    lock or serialisation failure means another writer holds the case.
    """
    dbapi = engine.dialect.loaded_dbapi
    try:
        yield
    except (sa.exc.IntegrityError, dbapi.IntegrityError):
        if on_integrity is CaseExistsError:
            raise CaseExistsError(
                "a case with this tenant and id exists", field="case_id"
            ) from None
        raise ConcurrencyConflict(_CHANGED, field="expected_version") from None
    except (sa.exc.OperationalError, dbapi.OperationalError) as error:
        cause = getattr(error, "orig", None) or error
        text = str(cause).lower()
        if "locked" in text or "serializ" in text or "deadlock" in text:
            raise ConcurrencyConflict(_BUSY, field="expected_version") from None
        raise StoreError(
            f"the database refused the write ({type(cause).__name__})", field="store"
        ) from None


def _pipelines(dialect: sa.Dialect) -> Callable[[Any], AbstractContextManager[Any]] | None:
    """
    How to batch a command's statements into one round trip on *dialect*'s driver.

    psycopg 3 sends them in pipeline mode (libpq 14 and later) and reads the
    results at the end. None where there is no batching: SQLite runs in the
    process, so a round trip costs nothing.
    """
    if dialect.driver == "psycopg":
        import psycopg

        if psycopg.Pipeline.is_supported():
            return lambda raw: raw.driver_connection.pipeline()
    return None


def _unbatched(_raw: Any) -> AbstractContextManager[Any]:
    return nullcontext()


def outbox_row(record: HistoryRecord, lifecycle: str, recorded_at: str) -> dict[str, Any]:
    """The ``outbox`` row announcing a record: its CloudEvent, data byte for byte."""
    return {
        "tenant_id": record.tenant_id,
        "case_id": record.case_id,
        "sequence": record.sequence,
        "event_id": record.event_id,
        "event": to_cloud_event(record, lifecycle, recorded_at).to_json(),
        "available_at": recorded_at,
    }


def _sqlite_triggers(table: str) -> list[str]:
    return [
        (
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"
        ),
        (
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"
        ),
    ]


def _postgresql_triggers(table: str, qualified: str) -> list[str]:
    function = f"{table}_refuse"
    schema_prefix = qualified[: -len(table)] if qualified != table else ""
    return [
        (
            f"CREATE OR REPLACE FUNCTION {schema_prefix}{function}() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'history is append-only' "
            "USING ERRCODE = 'insufficient_privilege'; END $$"
        ),
        f"DROP TRIGGER IF EXISTS {table}_no_change ON {qualified}",
        (
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {qualified} "
            f"FOR EACH ROW EXECUTE FUNCTION {schema_prefix}{function}()"
        ),
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {qualified}",
        (
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {qualified} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {schema_prefix}{function}()"
        ),
    ]


def create_all(connection: Connection, prefix: str = "sw_", schema: str | None = None) -> None:
    """
    Create the store's tables, indexes and append-only triggers on *connection*, if missing.

    Used by :meth:`SqlStore.create_schema` and by the shipped Alembic migration, so
    both give the same schema. Refuses a database whose store schema is newer.

    Raises:
        StoreError: the database holds a schema newer than this release reads.

    .. versionadded:: 0.1.0

    """
    tables = _tables(sa.MetaData(), prefix, schema)
    history, meta = tables["history"], tables["meta"]
    if connection.dialect.name == "postgresql":
        # Several servers may start at once: one creates, the others wait, then find it done.
        connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"safeguarding_workflow:{schema or ''}:{prefix}"},
        )
        if schema:
            connection.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    history.metadata.create_all(connection)
    if connection.dialect.name == "sqlite":
        statements = _sqlite_triggers(history.name)
    else:
        qualified = f'"{schema}".{history.name}' if schema else history.name
        statements = _postgresql_triggers(history.name, qualified)
    for statement in statements:
        connection.exec_driver_sql(statement)
    row = connection.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).first()
    if row is None:
        connection.execute(
            meta.insert().values(key="schema_version", value=str(STORE_SCHEMA_VERSION))
        )
    elif int(row.value) > STORE_SCHEMA_VERSION:
        raise StoreError(
            f"the database holds store schema {row.value}, newer than this release "
            f"reads ({STORE_SCHEMA_VERSION}); upgrade the library",
            field="schema",
        )


def drop_all(connection: Connection, prefix: str = "sw_", schema: str | None = None) -> None:
    """
    Drop the store's tables and triggers (the shipped migration's downgrade).

    .. versionadded:: 0.1.0
    """
    tables = _tables(sa.MetaData(), prefix, schema)
    history = tables["history"]
    if connection.dialect.name == "postgresql":
        schema_prefix = f'"{schema}".' if schema else ""
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {schema_prefix}{history.name} CASCADE")
        connection.exec_driver_sql(
            f"DROP FUNCTION IF EXISTS {schema_prefix}{history.name}_refuse()"
        )
    else:
        for suffix in ("no_update", "no_delete"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {history.name}_{suffix}")
    history.metadata.drop_all(connection)


def sqlite_engine(path: str) -> Engine:
    """
    An engine on a SQLite file: WAL, ``synchronous=FULL``, and writers that begin immediately.

    .. versionadded:: 0.1.0
    """
    engine = sa.create_engine(f"sqlite+pysqlite:///{path}")

    @sa_event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's recipe: we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa_event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # Readers begin deferred, so they never wait for a writer (WAL keeps their snapshot).
        options = connection.get_execution_options()
        if not options.get(_BEGUN, False):  # a command scope has begun it already
            connection.exec_driver_sql(
                "BEGIN" if options.get(_READING, False) else "BEGIN IMMEDIATE"
            )

    return engine


@final
class SqlStore(CaseStore):
    """
    Cases and histories in SQL: SQLite (a file, the embedded default) or PostgreSQL.

    Each write runs in one transaction, the store's own or the host's: the case
    row, its history record, its deadline rows and its outbox row commit together
    or not at all. A writer that lost a race gets
    :class:`~safeguarding_workflow.exceptions.ConcurrencyConflict` and nothing of
    its command is stored.

    Args:
        engine: A SQLAlchemy engine (see :meth:`sqlite` and :meth:`postgresql`).
        prefix: Prefix of the table names, so they sit beside the host's tables.
        schema: PostgreSQL schema to hold the tables, if not the default.
        connection: A connection in the host's transaction; writes then join it and
            commit (or roll back) with the host's own (see :meth:`bound`).

    .. versionadded:: 0.1.0

    """

    __slots__ = ("_autocommit", "_connection", "_loaded", "_shared", "engine", "prefix", "schema")

    def __init__(
        self,
        engine: Engine,
        *,
        prefix: str = "sw_",
        schema: str | None = None,
        connection: Connection | None = None,
    ) -> None:
        if not prefix.replace("_", "").isalnum() or not prefix.isascii():
            raise ConfigurationError("'prefix' must be letters, digits and '_'", field="prefix")
        self.engine = engine
        self.prefix = prefix
        self.schema = schema
        self._shared = _Shared(_tables(sa.MetaData(), prefix, schema), engine.dialect)
        self._connection = connection
        self._loaded: Case | None = None
        self._autocommit = False  # a PostgreSQL command scope: each statement commits itself

    @classmethod
    def sqlite(cls, path: str, *, prefix: str = "sw_") -> SqlStore:
        """
        A store on a SQLite file, its tables created if missing.

        .. versionadded:: 0.1.0
        """
        store = cls(sqlite_engine(path), prefix=prefix)
        store.create_schema()
        return store

    @classmethod
    def postgresql(cls, url: str, *, prefix: str = "sw_", schema: str | None = None) -> SqlStore:
        """
        A store on PostgreSQL through psycopg 3 (``synchronous_commit=on``), tables created.

        .. versionadded:: 0.1.0
        """
        engine = sa.create_engine(url, connect_args={"options": "-c synchronous_commit=on"})
        store = cls(engine, prefix=prefix, schema=schema)
        store.create_schema()
        return store

    def bound(self, connection: Connection) -> SqlStore:
        """
        The same store, writing inside the host's transaction on *connection*.

        The host begins and commits (or rolls back) the transaction; a rollback
        leaves nothing of the library's writes.

        .. versionadded:: 0.1.0
        """
        view = object.__new__(SqlStore)
        view.engine, view.prefix, view.schema = self.engine, self.prefix, self.schema
        view._shared = self._shared
        view._connection = connection
        view._loaded = None
        view._autocommit = False
        return view

    @contextmanager
    def transaction(self) -> Iterator[SqlStore]:
        """
        One database transaction for one command: its reads, its writes and one commit.

        Inside the host's transaction (:meth:`bound`) the scope joins it instead.
        On SQLite the transaction begins immediately (it takes the write lock first).

        .. versionadded:: 0.1.0
        """
        if self._connection is not None:
            yield self
            return
        if self.engine.dialect.name == "sqlite":
            # BEGIN IMMEDIATE and COMMIT on the driver's connection: the write lock from the
            # read to the commit, without SQLAlchemy's transaction bookkeeping around them.
            with _translated(self.engine, ConcurrencyConflict), self.engine.connect() as connection:
                connection.execution_options(**{_BEGUN: True})
                raw = connection.connection
                raw.cursor().execute("BEGIN IMMEDIATE")
                try:
                    yield self.bound(connection)
                except BaseException:
                    raw.rollback()
                    raise
                raw.commit()
            return
        if not self._shared.batched:
            with _translated(self.engine, ConcurrencyConflict), self.engine.begin() as connection:
                yield self.bound(connection)
            return
        # PostgreSQL: the read is one statement and the writes are another, which commits
        # itself (see append), so the driver runs in autocommit mode: no BEGIN, no COMMIT.
        with _translated(self.engine, ConcurrencyConflict), self.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            view = self.bound(connection)
            view._autocommit = True
            yield view

    @contextmanager
    def _batch(self, connection: Connection) -> Iterator[None]:
        """
        Statements sent together, their results read at the end (one round trip on psycopg).

        Only in a transaction the store owns: on the host's connection statements go one
        by one. A statement's error can surface while later ones are still being queued;
        it is kept and raised once the batch has ended. After an error the connection is
        dropped from the pool: psycopg prepares a statement on its fifth use, and one
        skipped after the failure could be taken as prepared when it is not.
        """
        if not self._shared.batched or (self._connection is not None and not self._autocommit):
            yield
            return
        errors: list[Exception] = []
        dbapi_error = self.engine.dialect.loaded_dbapi.Error
        try:
            with self._shared.pipeline(connection.connection):
                try:
                    yield
                except dbapi_error as error:
                    errors.append(error)
        except dbapi_error as error:
            errors.append(error)
        if errors:
            connection.invalidate()
            raise errors[0]

    # -- schema ---------------------------------------------------------------------------

    def create_schema(self) -> None:
        """
        Create the tables, indexes and append-only triggers if missing; refuse a newer schema.

        Raises:
            StoreError: the database holds a schema newer than this release reads.

        .. versionadded:: 0.1.0

        """
        with self.engine.begin() as connection:
            create_all(connection, self.prefix, self.schema)

    # -- transactions ---------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        if self._connection is not None:
            if not self._autocommit and not self._connection.in_transaction():
                self._connection.begin()  # the host's to commit; begun for the driver's cursor
            yield self._connection
            return
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        if self._connection is not None:
            yield self._connection
            return
        with self.engine.connect() as connection:
            connection.execution_options(**{_READING: True})
            yield connection

    # -- CaseStore ------------------------------------------------------------------------

    def get(self, tenant_id: str, case_id: str) -> Case:
        """The latest record of a case."""
        with self._read() as connection:
            row = connection.execute(
                self._shared.statements["get"], {"k_tenant": tenant_id, "k_case": case_id}
            ).first()
        return self._shared.recent.case(tenant_id, case_id, row)

    def load(
        self, tenant_id: str, case_id: str, idempotency_key: str | None
    ) -> tuple[Case, HistoryRecord | None]:
        """The latest record of a case and the record of *idempotency_key*: one round trip."""
        driver = self._shared.driver
        keys = {"k_tenant": tenant_id, "k_case": case_id, "k_key": idempotency_key}
        with self._write() as connection:
            raw = connection.connection
            get, find = raw.cursor(), raw.cursor()
            if idempotency_key is None:
                driver["get"].run(get, keys)
                first = None
            else:
                with self._batch(connection):
                    driver["get"].run(get, keys)
                    driver["find"].run(find, keys)
                first = find.fetchone()
            row = get.fetchone()
        case = self._shared.recent.case(tenant_id, case_id, row)
        if self._connection is not None:
            self._loaded = case  # read in the write's transaction: append writes what changed
        return case, None if first is None else _record(tenant_id, case_id, first)

    def history(self, tenant_id: str, case_id: str) -> tuple[HistoryRecord, ...]:
        """A case's history records, in sequence order."""
        with self._read() as connection:
            rows = connection.execute(
                self._shared.statements["history"], {"k_tenant": tenant_id, "k_case": case_id}
            ).all()
        if not rows:
            raise CaseNotFoundError("no case with this tenant and id", field="case_id")
        return tuple(_record(tenant_id, case_id, r) for r in rows)

    def find(self, tenant_id: str, case_id: str, idempotency_key: str) -> HistoryRecord | None:
        """The record a command with this idempotency key produced, if any."""
        with self._read() as connection:
            row = connection.execute(
                self._shared.statements["find"],
                {"k_tenant": tenant_id, "k_case": case_id, "k_key": idempotency_key},
            ).first()
        return None if row is None else _record(tenant_id, case_id, row)

    def create(self, case: Case, record: HistoryRecord) -> None:
        """Store a new case with its first record, deadlines and outbox row, in one transaction."""
        driver = self._shared.driver
        row = case_row(case)
        with _translated(self.engine, CaseExistsError), self._write() as connection:
            raw = connection.connection
            cursor = raw.cursor()
            with self._batch(connection):
                if self._autocommit:  # several statements: one transaction all the same
                    cursor.execute("BEGIN")
                driver["insert_case"].run(cursor, row)
                self._insert_record(cursor, case, record, case.deadlines)
                if self._autocommit:
                    cursor.execute("COMMIT")
        self._shared.recent.keep(case, row["snapshot"])

    def append(self, case: Case, record: HistoryRecord, expected_version: int) -> None:
        """
        Store a case's next record, if the case is still at *expected_version*.

        On PostgreSQL the writes are one statement, each hanging on the case row's
        UPDATE at *expected_version*: a command that lost a race writes nothing, and in
        a command scope the statement commits itself. On SQLite the statements run one
        by one under the write lock taken when the scope began, and the UPDATE's row
        count is checked before the commit.
        """
        driver = self._shared.driver
        row = case_row(case)
        row.update(k_tenant=case.tenant_id, k_case=case.case_id, k_version=expected_version)
        read = self._read_at(case, expected_version)
        if record.sequence != expected_version + 1 or case.version != record.sequence:
            raise InvalidInputError(
                "the record must be the case's next, after 'expected_version'",
                field="expected_version",
            )
        if self._shared.postgresql_append is not None:
            self._append_postgresql(case, record, row, read)
            return
        with _translated(self.engine, ConcurrencyConflict), self._write() as connection:
            raw = connection.connection
            update, cursor = raw.cursor(), raw.cursor()
            driver["update_case"].run(update, row)
            if update.rowcount != 1:
                raise ConcurrencyConflict(_CHANGED, field="expected_version")
            self._insert_record(cursor, case, record, self._changed(case, record, read))
        self._shared.recent.keep(case, row["snapshot"])

    def _append_postgresql(
        self, case: Case, record: HistoryRecord, row: dict[str, Any], read: bool
    ) -> None:
        """:meth:`append` on PostgreSQL: one statement, all of its writes or none."""
        deadlines = _deadline_rows(case, self._changed(case, record, read), iso=True)
        outbox = outbox_row(record, case.lifecycle, orjson.loads(record.body)["recorded_at"])
        params = {
            **history_row(record),
            **row,
            "d_kind": [d["kind"] for d in deadlines],
            "d_status": [d["status"] for d in deadlines],
            "d_due": [d["due"] for d in deadlines],
            "d_rule_ids": [d["rule_ids"] for d in deadlines],
            "d_projected": [d["projected"] for d in deadlines],
            "o_event": outbox["event"],
            "available_at": outbox["available_at"],
        }
        with _translated(self.engine, ConcurrencyConflict), self._write() as connection:
            cursor = connection.connection.cursor()
            cursor.execute(self._shared.postgresql_append, params)
            count = cursor.fetchone()
            if count is None or count[0] != 1:
                raise ConcurrencyConflict(_CHANGED, field="expected_version")
        self._shared.recent.keep(case, row["snapshot"])

    def _read_at(self, case: Case, expected_version: int) -> bool:
        """Whether this transaction read *case* at *expected_version* (see :meth:`load`)."""
        loaded = self._loaded
        return (
            loaded is not None
            and loaded.version == expected_version
            and loaded.case_id == case.case_id
            and loaded.tenant_id == case.tenant_id
        )

    def _changed(self, case: Case, record: HistoryRecord, read: bool) -> tuple[Deadline, ...]:
        """
        The deadlines a record changed, whose rows are to be written.

        Against the case read in this transaction when there is one (*read*: the version
        check makes it the row being replaced); else from the record, which lists every
        deadline it changed.
        """
        if read and self._loaded is not None:
            before = {d.kind: d for d in self._loaded.deadlines}
            return tuple(d for d in case.deadlines if before.get(d.kind) != d)
        kinds = {c["kind"] for c in orjson.loads(record.body)["changes"].get("deadlines", ())}
        return tuple(d for d in case.deadlines if d.kind in kinds)

    def _insert_record(
        self, cursor: Any, case: Case, record: HistoryRecord, deadlines: Sequence[Deadline]
    ) -> None:
        """Write a record's history row, the rows of *deadlines* and the record's outbox row."""
        driver = self._shared.driver
        statement = driver["insert_history"]
        statement.run(cursor, history_row(record))
        statement = driver["upsert_deadline"]
        for row in _deadline_rows(case, deadlines, iso=True):
            # one by one: psycopg's executemany would end the pipeline's round trip early
            statement.run(cursor, row)
        statement = driver["insert_outbox"]
        recorded_at = orjson.loads(record.body)["recorded_at"]
        row = outbox_row(record, case.lifecycle, recorded_at)
        statement.run(cursor, row)

    # -- outbox -----------------------------------------------------------------------------

    @property
    def tables(self) -> dict[str, sa.Table]:
        """The store's tables, by role (``cases``, ``history``, ``deadlines``, ``outbox``, …)."""
        return dict(self._shared.tables)

    def purge_outbox(self, delivered_before: str) -> int:
        """
        Delete outbox rows delivered before *delivered_before* (UTC ISO time); return how many.

        Dead rows are kept until an operator deals with them.

        .. versionadded:: 0.1.0
        """
        outbox = self._shared.tables["outbox"]
        with self._write() as connection:
            result = connection.execute(
                outbox.delete().where(
                    outbox.c.status == "delivered", outbox.c.delivered_at < delivered_before
                )
            )
        return int(result.rowcount)

    def mark_consumed(self, consumer: str, event_id: str) -> bool:
        """
        Record that *consumer* handled *event_id*; False if it already had.

        .. versionadded:: 0.1.0
        """
        consumed = self._shared.tables["consumed"]
        try:
            with self._write() as connection:
                connection.execute(consumed.insert().values(consumer=consumer, event_id=event_id))
        except sa.exc.IntegrityError:
            return False
        return True

    # -- queries --------------------------------------------------------------------------

    def overdue(
        self,
        tenant_id: str,
        as_of: pendulum.Date,
        *,
        limit: int = 100,
        after: tuple[pendulum.Date, str, str] | None = None,
        rule_id: str | None = None,
        due_by: pendulum.Date | None = None,
    ) -> list[DueDeadline]:
        """
        Open deadlines of a tenant due before *as_of* (or, with *due_by*, from *as_of* to it).

        Paginated by the stable key ``(due, case_id, kind)``: pass the last row's key as
        *after* for the next page. Answered from the deadlines table's partial index,
        never by loading cases.

        .. versionadded:: 0.1.0
        """
        if type(limit) is not int or not 1 <= limit <= 10_000:
            raise InvalidInputError("'limit' must be from 1 to 10000", field="limit")
        shape = (due_by is not None, rule_id is not None, after is not None)
        query = self._shared.overdue_queries.get(shape)
        if query is None:
            query = self._shared.overdue_queries[shape] = self._overdue_query(*shape)
        params: dict[str, Any] = {
            "k_tenant": tenant_id,
            "k_as_of": _iso_date(as_of, "as_of"),
            "k_limit": limit,
        }
        if due_by is not None:
            params["k_due_by"] = _iso_date(due_by, "due_by")
        if rule_id is not None:
            params["k_rule"] = f"% {rule_id} %"
        if after is not None:
            if not isinstance(after, tuple) or len(after) != 3:
                raise InvalidInputError("'after' must be a (due, case_id, kind) key", field="after")
            params["k_after_due"] = _iso_date(after[0], "after")
            params["k_after_case"], params["k_after_kind"] = after[1], after[2]
        with self._read() as connection:
            cursor = connection.connection.cursor()
            query.run(cursor, params)
            rows = cursor.fetchall()
        from_iso = pendulum.Date.fromisoformat  # the quickest way to a pendulum Date
        if self.engine.dialect.name == "sqlite":  # dates come back as text
            return [
                DueDeadline(tenant_id, c, k, from_iso(d), tuple(r.split()), bool(p))
                for c, k, d, r, p in rows
            ]
        return [
            DueDeadline(tenant_id, c, k, from_iso(d.isoformat()), tuple(r.split()), p)
            for c, k, d, r, p in rows
        ]

    def _overdue_query(self, due_by: bool, rule: bool, after: bool) -> _Driver:
        """One shape of the overdue query, built and compiled once, with bound parameters."""
        deadlines = self._shared.tables["deadlines"]
        query = sa.select(
            deadlines.c.case_id,
            deadlines.c.kind,
            deadlines.c.due,
            deadlines.c.rule_ids,
            deadlines.c.projected,
        ).where(
            deadlines.c.tenant_id == sa.bindparam("k_tenant"),
            deadlines.c.status == DeadlineStatus.OPEN.value,
            deadlines.c.due.is_not(None),
        )
        as_of = sa.bindparam("k_as_of", type_=sa.Date)
        if due_by:
            query = query.where(
                deadlines.c.due >= as_of, deadlines.c.due <= sa.bindparam("k_due_by", type_=sa.Date)
            )
        else:
            query = query.where(deadlines.c.due < as_of)
        if rule:
            query = query.where(deadlines.c.rule_ids.like(sa.bindparam("k_rule")))
        if after:
            query = query.where(
                sa.tuple_(deadlines.c.due, deadlines.c.case_id, deadlines.c.kind)
                > sa.tuple_(
                    sa.bindparam("k_after_due", type_=sa.Date),
                    sa.bindparam("k_after_case"),
                    sa.bindparam("k_after_kind"),
                )
            )
        query = query.order_by(deadlines.c.due, deadlines.c.case_id, deadlines.c.kind).limit(
            sa.bindparam("k_limit")
        )
        return _Driver.of(query, self.engine.dialect)

    def due_soon(
        self,
        tenant_id: str,
        as_of: pendulum.Date,
        *,
        working_days: int,
        calendar: WorkingDayCalendar,
        limit: int = 100,
        after: tuple[pendulum.Date, str, str] | None = None,
        rule_id: str | None = None,
    ) -> list[DueDeadline]:
        """
        Open deadlines of a tenant due from *as_of* to the *working_days*-th working day after it.

        Same paging and filters as :meth:`overdue`.

        .. versionadded:: 0.1.0
        """
        if type(working_days) is not int or working_days < 0:
            raise InvalidInputError(
                "'working_days' must be a whole number >= 0", field="working_days"
            )
        until = calendar.add_working_days(as_of, working_days)
        return self.overdue(
            tenant_id, as_of, limit=limit, after=after, rule_id=rule_id, due_by=until
        )

    def heads(self, tenant_id: str | None = None) -> list[ChainHead]:
        """
        The head of every case's chain (of one tenant, or all), from the cases table.

        Keep them outside the database (signed: ``sign_heads``) to detect a chain
        rewritten or cut back later.

        .. versionadded:: 0.1.0
        """
        cases = self._shared.tables["cases"]
        query = sa.select(cases.c.tenant_id, cases.c.case_id, cases.c.version, cases.c.head)
        if tenant_id is not None:
            query = query.where(cases.c.tenant_id == tenant_id)
        with self._read() as connection:
            rows = connection.execute(query.order_by(cases.c.tenant_id, cases.c.case_id)).all()
        return [ChainHead(r.tenant_id, r.case_id, r.version, r.head) for r in rows]

    def case_ids(self, tenant_id: str) -> Sequence[str]:
        """
        Every case id of a tenant, in order.

        .. versionadded:: 0.1.0
        """
        cases = self._shared.tables["cases"]
        with self._read() as connection:
            rows = connection.execute(
                sa.select(cases.c.case_id)
                .where(cases.c.tenant_id == tenant_id)
                .order_by(cases.c.case_id)
            ).all()
        return [r.case_id for r in rows]
