"""
The SQL store's schema: its tables, the append-only triggers, and creating or dropping them.

The tables are defined once here and built for every use, by `SqlStore` and by the
shipped Alembic migration alike (`create_all`, `drop_all`), so both give the same
schema; `STORE_SCHEMA_VERSION` is the version the tables record in their `meta` table,
and `create_all` refuses a database that holds a newer one. Nothing here reads or
writes a case: the statements that do live in `_driver`, `_queries` and `_store`.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ...exceptions import StoreError

__all__ = [
    "STORE_SCHEMA_VERSION",
    "create_all",
    "downgrade_to_1",
    "downgrade_to_2",
    "downgrade_to_3",
    "downgrade_to_4",
    "drop_all",
    "outbox_records",
]

STORE_SCHEMA_VERSION: Final = 5
"""
The schema version of the tables this release creates. 2: on SQLite a trigger refuses any
insert into history that collides with a stored row (``INSERT OR REPLACE``, ``REPLACE
INTO``), and snapshots hold a case's canonical state (its version and head in their own
columns), which the head record's ``state_digest`` commits to. 3: the cases table holds
the case's authority and the code the host gave in columns of their own (the overdue
queries read them instead of each snapshot's JSON). 4: a ``register`` table holds each
case's sealed identifier register and its wrapped data key, outside the hash chain.
5: an outbox row names its record and holds no copy of its event (``event`` is empty);
the relay makes the event from the record's body when it delivers it. No table changes:
the version tells a release of schema 4, whose relay reads the event from the row, that
it cannot read this store.
"""


def _tables(metadata: sa.MetaData, prefix: str, schema: str | None) -> dict[str, sa.Table]:
    """
    The store's tables on *metadata*, by role; names take *prefix*, and *schema* on PostgreSQL.

    - ``cases``: one row per case, its latest record as JSON, its version and head hash;
    - ``history``: one row per history record, primary key (tenant, case, sequence), event id
      unique; the database refuses UPDATE, DELETE and TRUNCATE on it (triggers);
    - ``deadlines``: one row per deadline of a case, with a partial index on open deadlines by
      due date, for "what is overdue" without loading cases;
    - ``outbox``: one row per event, written in the same transaction as the record; it
      names the record (tenant, case, sequence, event id), and since schema 5 its
      ``event`` is empty: the relay makes the event from the record;
    - ``consumed``: one row per event an idempotent consumer has handled;
    - ``meta``: the store's schema version;
    - ``register`` (schema 4): at most one row per case, its sealed identifier register and
      its data key wrapped under the host's key-encryption key; outside the hash chain,
      replaced in the transaction of the history record that announces each change.

    Every row of the first four, and of the register, carries its tenant, and every query
    on them names one.
    """
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
        # Schema 3: the case's authority and the code the host gave, as the snapshot holds
        # them, for the overdue queries; null only in rows a migration has not reached.
        sa.Column("local_authority", sa.String(16), nullable=True),
        sa.Column("local_authority_given", sa.String(16), nullable=True),
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
    # A key names one command of a tenant, whichever case it is on: unique per tenant.
    sa.Index(
        f"{prefix}history_idempotency",
        history.c.tenant_id,
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
    register = sa.Table(
        f"{prefix}register",
        metadata,
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(128), primary_key=True),
        sa.Column("kek_id", sa.String(128), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        schema=schema,
    )
    return {
        "cases": cases,
        "history": history,
        "deadlines": deadlines,
        "outbox": outbox,
        "meta": meta,
        "consumed": consumed,
        "register": register,
    }


def _sqlite_triggers(table: str, version: int = STORE_SCHEMA_VERSION) -> list[str]:
    """
    The history's triggers on SQLite, as of store schema *version*.

    SQLite resolves a conflict under ``REPLACE`` (``INSERT OR REPLACE``, ``REPLACE
    INTO``) by deleting the rows in the way, and fires no DELETE trigger for that unless
    the connection has turned ``recursive_triggers`` on, which a host's own connection
    need not have. So from schema 2 a BEFORE INSERT trigger refuses any row that collides
    with a stored one, on any of the history's unique keys: its tenant, case and
    sequence, its event id, or its tenant's idempotency key. A plain INSERT that collides
    is refused all the same (with the same kind of error, a constraint violation), and
    an upsert never reaches its UPDATE.
    """
    statements = [
        (
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"
        ),
        (
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"
        ),
    ]
    if version >= 2:
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE tenant_id = NEW.tenant_id "
            "AND case_id = NEW.case_id AND sequence = NEW.sequence) "
            f"OR EXISTS (SELECT 1 FROM {table} WHERE event_id = NEW.event_id) "
            f"OR (NEW.idempotency_key IS NOT NULL AND EXISTS (SELECT 1 FROM {table} "
            "WHERE tenant_id = NEW.tenant_id AND idempotency_key = NEW.idempotency_key)) "
            "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"
        )
    return statements


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


def create_all(
    connection: Connection,
    prefix: str = "sw_",
    schema: str | None = None,
    *,
    version: int = STORE_SCHEMA_VERSION,
) -> None:
    """
    Create the store's tables, indexes and append-only triggers on *connection*, if missing.

    Added in version 0.1.0.

    Used by `SqlStore.create_schema()` and by the shipped Alembic migrations, so
    both give the same schema. Refuses a database whose store schema is newer than this
    release; brings an older one up to *version* (its triggers, and the version its
    ``meta`` table records), which is all an older store lacks.

    Args:
        connection: A connection in a transaction.
        prefix: Prefix of the table names.
        schema: PostgreSQL schema of the tables.
        version: The store schema to create: this release's, or an earlier one for the
            migration that created it (revision ``sw0001`` creates schema 1).

    Raises:
        StoreError: the database holds a schema newer than this release reads.

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
    # The register table is schema 4's: a migration to an earlier schema leaves it out.
    made = [t for role, t in tables.items() if version >= 4 or role != "register"]
    history.metadata.create_all(connection, tables=made)
    row = connection.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).first()
    if version >= 3:
        _authority_columns(connection, tables["cases"])
    if row is not None and int(row.value) > STORE_SCHEMA_VERSION:
        raise StoreError(
            f"the database holds store schema {row.value}, newer than this release "
            f"reads ({STORE_SCHEMA_VERSION}); upgrade the library",
            field="schema",
        )
    if connection.dialect.name == "sqlite":
        statements = _sqlite_triggers(history.name, version)
    else:
        qualified = f'"{schema}".{history.name}' if schema else history.name
        statements = _postgresql_triggers(history.name, qualified)
    for statement in statements:
        connection.exec_driver_sql(statement)
    if row is None:
        connection.execute(meta.insert().values(key="schema_version", value=str(version)))
    elif int(row.value) < version:
        connection.execute(
            meta.update().where(meta.c.key == "schema_version").values(value=str(version))
        )


def _authority_columns(connection: Connection, cases: sa.Table) -> None:
    """
    Schema 3: the cases table's authority columns, added if missing and filled from snapshots.

    A table made by an earlier schema lacks them; rows written before the upgrade are
    filled from their snapshot's JSON, which holds both (``local_authority_given`` only
    when the host gave another code). Rows already filled are left as they are.
    """
    have = {c["name"] for c in sa.inspect(connection).get_columns(cases.name, schema=cases.schema)}
    name = connection.dialect.identifier_preparer.format_table(cases)
    for column in ("local_authority", "local_authority_given"):
        if column not in have:
            connection.exec_driver_sql(f"ALTER TABLE {name} ADD COLUMN {column} VARCHAR(16)")
    if connection.dialect.name == "sqlite":
        read = "json_extract(snapshot, '$.{}')"
    else:
        read = "CAST(snapshot AS JSON) ->> '{}'"
    connection.exec_driver_sql(
        f"UPDATE {name} SET local_authority = {read.format('local_authority')}, "
        f"local_authority_given = {read.format('local_authority_given')} "
        "WHERE local_authority IS NULL"
    )


def outbox_records(tables: dict[str, sa.Table]) -> sa.Join:
    """
    The outbox joined to the record each row names and to its case's row.

    What an outbox row's event is made from (store schema 5): the record's body, and
    the case's lifecycle, which the event's source names. A row whose record or case
    row is missing has no row here.
    """
    outbox, history, cases = tables["outbox"], tables["history"], tables["cases"]
    return outbox.join(
        history,
        sa.and_(
            history.c.tenant_id == outbox.c.tenant_id,
            history.c.case_id == outbox.c.case_id,
            history.c.sequence == outbox.c.sequence,
        ),
    ).join(
        cases,
        sa.and_(cases.c.tenant_id == outbox.c.tenant_id, cases.c.case_id == outbox.c.case_id),
    )


def downgrade_to_4(connection: Connection, prefix: str = "sw_", schema: str | None = None) -> None:
    """
    Take a store of schema 5 back to schema 4 (the shipped migration ``sw0005``'s downgrade).

    Fills in the event of each outbox row written without one, made from its record
    as the relay of schema 5 makes it, so a release of schema 4 delivers the very same
    events; and records schema 4. Rows whose record or case row is missing are left as
    they are (``verify`` reports them).

    Added in version 0.1.0.
    """
    from ..._events import event_of_body

    tables = _tables(sa.MetaData(), prefix, schema)
    outbox, history, cases, meta = (
        tables["outbox"],
        tables["history"],
        tables["cases"],
        tables["meta"],
    )
    rows = connection.execute(
        sa.select(outbox.c.id, history.c.body, cases.c.lifecycle)
        .select_from(outbox_records(tables))
        .where(outbox.c.event == "")
    ).all()
    update = outbox.update().where(outbox.c.id == sa.bindparam("row_id"))
    filled = [
        {"row_id": row.id, "event": event_of_body(row.body, row.lifecycle).to_json()}
        for row in rows
    ]
    if filled:
        connection.execute(update.values(event=sa.bindparam("event")), filled)
    connection.execute(meta.update().where(meta.c.key == "schema_version").values(value="4"))


def downgrade_to_3(connection: Connection, prefix: str = "sw_", schema: str | None = None) -> None:
    """
    Take a store of schema 4 back to schema 3 (the shipped migration ``sw0004``'s downgrade).

    Drops the register table, and with it every case's sealed register and wrapped data
    key (the history records of register changes stay: they hold no value), and records
    schema 3.

    Added in version 0.1.0.
    """
    tables = _tables(sa.MetaData(), prefix, schema)
    register, meta = tables["register"], tables["meta"]
    register.drop(connection, checkfirst=True)
    connection.execute(meta.update().where(meta.c.key == "schema_version").values(value="3"))


def downgrade_to_2(connection: Connection, prefix: str = "sw_", schema: str | None = None) -> None:
    """
    Take a store of schema 3 back to schema 2 (the shipped migration ``sw0003``'s downgrade).

    Drops the cases table's authority columns (the snapshots still hold both) and
    records schema 2.

    Added in version 0.1.0.
    """
    tables = _tables(sa.MetaData(), prefix, schema)
    cases, meta = tables["cases"], tables["meta"]
    name = connection.dialect.identifier_preparer.format_table(cases)
    have = {c["name"] for c in sa.inspect(connection).get_columns(cases.name, schema=cases.schema)}
    for column in ("local_authority_given", "local_authority"):
        if column in have:
            connection.exec_driver_sql(f"ALTER TABLE {name} DROP COLUMN {column}")
    connection.execute(meta.update().where(meta.c.key == "schema_version").values(value="2"))


def downgrade_to_1(connection: Connection, prefix: str = "sw_", schema: str | None = None) -> None:
    """
    Take a store of schema 2 back to schema 1 (the shipped migration ``sw0002``'s downgrade).

    Drops the SQLite trigger that refuses colliding inserts, and records schema 1. The
    snapshots and records written since stay as written: releases of schema 1 read
    neither a snapshot without its version and head nor a record of schema 2.

    Added in version 0.1.0.
    """
    tables = _tables(sa.MetaData(), prefix, schema)
    history, meta = tables["history"], tables["meta"]
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {history.name}_no_replace")
    connection.execute(meta.update().where(meta.c.key == "schema_version").values(value="1"))


def drop_all(connection: Connection, prefix: str = "sw_", schema: str | None = None) -> None:
    """
    Drop the store's tables and triggers (the shipped migration's downgrade).

    Added in version 0.1.0.
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
        for suffix in ("no_update", "no_delete", "no_replace"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {history.name}_{suffix}")
    history.metadata.drop_all(connection)
