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

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final, final

import attrs
import pendulum
import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine

from ._calendar import WorkingDayCalendar
from ._case import Case, DeadlineStatus
from ._codec import case_from_json, case_to_json
from ._events import to_cloud_event
from ._history import SCHEMA_VERSION, ChainHead, HistoryRecord
from ._store import CaseStore
from .exceptions import (
    CaseExistsError,
    CaseNotFoundError,
    ConcurrencyConflict,
    ConfigurationError,
    InvalidInputError,
    StoreError,
)

__all__ = ["DueDeadline", "SqlStore"]

#: The schema version of the tables this release creates.
STORE_SCHEMA_VERSION: Final = 1


@attrs.frozen
class DueDeadline:
    """
    One row of an overdue or due-soon query: enough to act on without loading the case.

    .. versionadded:: 0.1.0
    """

    tenant_id: str
    case_id: str
    kind: str
    due: pendulum.Date
    rule_ids: tuple[str, ...]
    projected: bool


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
    sa.Index(
        f"{prefix}history_idempotency",
        history.c.tenant_id,
        history.c.case_id,
        history.c.idempotency_key,
        unique=True,
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
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
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
    """The command path's statements, built once: parameters come at execution."""
    cases, history, deadlines = tables["cases"], tables["history"], tables["deadlines"]
    tenant: sa.BindParameter[str] = sa.bindparam("k_tenant")
    case: sa.BindParameter[str] = sa.bindparam("k_case")
    return {
        "get": sa.select(cases.c.snapshot).where(
            cases.c.tenant_id == tenant, cases.c.case_id == case
        ),
        "update_case": cases.update().where(
            cases.c.tenant_id == tenant,
            cases.c.case_id == case,
            cases.c.version == sa.bindparam("k_version"),
        ),
        "insert_history": history.insert(),
        "delete_deadlines": deadlines.delete().where(
            deadlines.c.tenant_id == tenant, deadlines.c.case_id == case
        ),
        "insert_deadlines": deadlines.insert(),
        "insert_outbox": tables["outbox"].insert(),
        "history": sa.select(*_RECORD_COLUMNS(history))
        .where(history.c.tenant_id == tenant, history.c.case_id == case)
        .order_by(history.c.sequence),
        "find": sa.select(*_RECORD_COLUMNS(history)).where(
            history.c.tenant_id == tenant,
            history.c.case_id == case,
            history.c.idempotency_key == sa.bindparam("k_key"),
        ),
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
    """The ``cases`` row of a case record."""
    return {
        "tenant_id": case.tenant_id,
        "case_id": case.case_id,
        "version": case.version,
        "head": case.head,
        "state": case.state,
        "lifecycle": case.lifecycle,
        "snapshot": json.dumps(case_to_json(case), separators=(",", ":")),
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
    return [
        {
            "tenant_id": case.tenant_id,
            "case_id": case.case_id,
            "kind": d.kind,
            "status": d.status.value,
            "due": d.due,
            "rule_ids": f" {' '.join(d.rule_ids)} ",
            "projected": d.projected,
        }
        for d in case.deadlines
    ]


def outbox_row(record: HistoryRecord, lifecycle: str, recorded_at: str) -> dict[str, Any]:
    """The ``outbox`` row announcing a record: its CloudEvent, data byte for byte."""
    event = to_cloud_event(record, lifecycle, recorded_at)
    envelope = json.dumps(
        {k: v for k, v in event.to_dict().items() if k != "data"}, separators=(",", ":")
    )
    return {
        "tenant_id": record.tenant_id,
        "case_id": record.case_id,
        "sequence": record.sequence,
        "event_id": record.event_id,
        "event": envelope[:-1] + ',"data":' + event.data_json.decode("utf-8") + "}",
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
        connection.exec_driver_sql("BEGIN IMMEDIATE")

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

    __slots__ = (
        "_connection",
        "_overdue_queries",
        "_statements",
        "_tables",
        "engine",
        "prefix",
        "schema",
    )

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
        self._tables = _tables(sa.MetaData(), prefix, schema)
        self._statements = _statements(self._tables)
        self._overdue_queries: dict[tuple[bool, bool, bool], Any] = {}
        self._connection = connection

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
        return SqlStore(self.engine, prefix=self.prefix, schema=self.schema, connection=connection)

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
            yield connection

    # -- CaseStore ------------------------------------------------------------------------

    def get(self, tenant_id: str, case_id: str) -> Case:
        """The latest record of a case."""
        with self._read() as connection:
            row = connection.execute(
                self._statements["get"], {"k_tenant": tenant_id, "k_case": case_id}
            ).first()
        if row is None:
            raise CaseNotFoundError("no case with this tenant and id", field="case_id")
        try:
            return case_from_json(json.loads(row.snapshot))
        except ValueError:
            raise InvalidInputError("a stored case is malformed", field="case") from None

    def history(self, tenant_id: str, case_id: str) -> tuple[HistoryRecord, ...]:
        """A case's history records, in sequence order."""
        with self._read() as connection:
            rows = connection.execute(
                self._statements["history"], {"k_tenant": tenant_id, "k_case": case_id}
            ).all()
        if not rows:
            raise CaseNotFoundError("no case with this tenant and id", field="case_id")
        return tuple(_record(tenant_id, case_id, r) for r in rows)

    def find(self, tenant_id: str, case_id: str, idempotency_key: str) -> HistoryRecord | None:
        """The record a command with this idempotency key produced, if any."""
        with self._read() as connection:
            row = connection.execute(
                self._statements["find"],
                {"k_tenant": tenant_id, "k_case": case_id, "k_key": idempotency_key},
            ).first()
        return None if row is None else _record(tenant_id, case_id, row)

    def create(self, case: Case, record: HistoryRecord) -> None:
        """Store a new case with its first record, deadlines and outbox row, in one transaction."""
        cases = self._tables["cases"]
        try:
            with self._write() as connection:
                connection.execute(cases.insert().values(**self._case_row(case)))
                self._insert_record(connection, case, record)
        except sa.exc.IntegrityError:
            raise CaseExistsError(
                "a case with this tenant and id exists", field="case_id"
            ) from None

    def append(self, case: Case, record: HistoryRecord, expected_version: int) -> None:
        """Store a case's next record, if the case is still at *expected_version*."""
        row = self._case_row(case)
        row.update(k_tenant=case.tenant_id, k_case=case.case_id, k_version=expected_version)
        try:
            with self._write() as connection:
                result = connection.execute(self._statements["update_case"], row)
                if result.rowcount != 1:
                    raise ConcurrencyConflict(
                        "the case changed since the command read it; re-read and retry",
                        field="expected_version",
                    )
                self._insert_record(connection, case, record)
        except sa.exc.IntegrityError:
            raise ConcurrencyConflict(
                "the case changed since the command read it; re-read and retry",
                field="expected_version",
            ) from None
        except sa.exc.OperationalError as error:
            if "locked" in str(error.orig).lower() or "serializ" in str(error.orig).lower():
                raise ConcurrencyConflict(
                    "the case is being changed by another writer; re-read and retry",
                    field="expected_version",
                ) from None
            raise StoreError(
                f"the database refused the write ({type(error.orig).__name__})", field="store"
            ) from None

    def _case_row(self, case: Case) -> dict[str, Any]:
        return case_row(case)

    def _insert_record(self, connection: Connection, case: Case, record: HistoryRecord) -> None:
        statements = self._statements
        connection.execute(statements["insert_history"], history_row(record))
        connection.execute(
            statements["delete_deadlines"], {"k_tenant": case.tenant_id, "k_case": case.case_id}
        )
        if case.deadlines:
            connection.execute(statements["insert_deadlines"], deadline_rows_of(case))
        recorded_at = json.loads(record.body)["recorded_at"]
        connection.execute(
            statements["insert_outbox"], outbox_row(record, case.lifecycle, recorded_at)
        )

    # -- outbox -----------------------------------------------------------------------------

    @property
    def tables(self) -> dict[str, sa.Table]:
        """The store's tables, by role (``cases``, ``history``, ``deadlines``, ``outbox``, …)."""
        return dict(self._tables)

    def purge_outbox(self, delivered_before: str) -> int:
        """
        Delete outbox rows delivered before *delivered_before* (UTC ISO time); return how many.

        Dead rows are kept until an operator deals with them.

        .. versionadded:: 0.1.0
        """
        outbox = self._tables["outbox"]
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
        consumed = self._tables["consumed"]
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
        query = self._overdue_queries.get(shape)
        if query is None:
            query = self._overdue_queries[shape] = self._overdue_query(*shape)
        params: dict[str, Any] = {"k_tenant": tenant_id, "k_as_of": as_of, "k_limit": limit}
        if due_by is not None:
            params["k_due_by"] = due_by
        if rule_id is not None:
            params["k_rule"] = f"% {rule_id} %"
        if after is not None:
            params["k_after_due"], params["k_after_case"], params["k_after_kind"] = after
        with self._read() as connection:
            rows = connection.execute(query, params).all()
        date = pendulum.Date
        result = []
        for case_id, kind, due, rule_ids, projected in rows:
            result.append(
                DueDeadline(
                    tenant_id,
                    case_id,
                    kind,
                    date(due.year, due.month, due.day),
                    tuple(rule_ids.split()),
                    bool(projected),
                )
            )
        return result

    def _overdue_query(self, due_by: bool, rule: bool, after: bool) -> Any:
        """One shape of the overdue query, built once with bound parameters."""
        deadlines = self._tables["deadlines"]
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
        return query.order_by(deadlines.c.due, deadlines.c.case_id, deadlines.c.kind).limit(
            sa.bindparam("k_limit")
        )

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
        cases = self._tables["cases"]
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
        cases = self._tables["cases"]
        with self._read() as connection:
            rows = connection.execute(
                sa.select(cases.c.case_id)
                .where(cases.c.tenant_id == tenant_id)
                .order_by(cases.c.case_id)
            ).all()
        return [r.case_id for r in rows]
