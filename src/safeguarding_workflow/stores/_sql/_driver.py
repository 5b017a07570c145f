"""
The compiled statement driver: statements compiled once per store, run on the driver's cursor.

A command's reads and writes are SQLAlchemy Core statements compiled once for the
engine's dialect (`_Driver`) and run straight on the DB-API cursor, without SQLAlchemy's
per-execution bookkeeping. On PostgreSQL an append's writes are one statement
(`_postgresql_append`) and a command's statements go in one psycopg pipeline
(`_pipelines`); `_translated` turns the driver's errors into the library's, so a lost
race is a conflict, never a raw database error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Final

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ...exceptions import (
    CaseExistsError,
    ConcurrencyConflict,
    SafeguardingWorkflowError,
    StoreError,
)
from ._rows import _CASE_SET, _DEADLINE_KEYS, _HISTORY_KEYS, _OUTBOX_KEYS, _RECORD_COLUMNS

#: The register table's columns, in the order its upsert binds them.
_REGISTER_KEYS: Final = ("tenant_id", "case_id", "kek_id", "wrapped_key", "sealed")

_CHANGED: Final = "the case changed since the command read it; re-read and retry"

_BUSY: Final = "the case is being changed by another writer; re-read and retry"


def _statements(tables: dict[str, sa.Table]) -> dict[str, Any]:
    """The reads outside a command, built once: parameters come at execution."""
    cases, history = tables["cases"], tables["history"]
    tenant: sa.BindParameter[str] = sa.bindparam("k_tenant")
    case: sa.BindParameter[str] = sa.bindparam("k_case")
    # A case row is read alone; one whose case is not kept is then checked against the
    # record it names (see _cache._Recent.case): that record's hash and body, and whether
    # a record follows it (then the row does not name its chain's last record).
    sequence: sa.BindParameter[int] = sa.bindparam("k_sequence")
    following = history.alias("following")
    return {
        "get": sa.select(cases.c.snapshot, cases.c.version, cases.c.head).where(
            cases.c.tenant_id == tenant, cases.c.case_id == case
        ),
        "head_record": sa.select(
            history.c.hash,
            history.c.body,
            sa.exists().where(
                following.c.tenant_id == tenant,
                following.c.case_id == case,
                following.c.sequence == sequence + 1,
            ),
        ).where(
            history.c.tenant_id == tenant,
            history.c.case_id == case,
            history.c.sequence == sequence,
        ),
        "history": sa.select(*_RECORD_COLUMNS(history))
        .where(history.c.tenant_id == tenant, history.c.case_id == case)
        .order_by(history.c.sequence),
        # One record by its primary key: what a correction reads of the history.
        "record": sa.select(*_RECORD_COLUMNS(history)).where(
            history.c.tenant_id == tenant,
            history.c.case_id == case,
            history.c.sequence == sa.bindparam("k_sequence"),
        ),
        # A tenant's registers, for a subject access request (store schema 4).
        "registers": sa.select(
            tables["register"].c.case_id,
            tables["register"].c.kek_id,
            tables["register"].c.wrapped_key,
            tables["register"].c.sealed,
        )
        .where(tables["register"].c.tenant_id == tenant)
        .order_by(tables["register"].c.case_id),
        # A case's sealed register and wrapped data key (store schema 4).
        "register": sa.select(
            tables["register"].c.kek_id,
            tables["register"].c.wrapped_key,
            tables["register"].c.sealed,
        ).where(tables["register"].c.tenant_id == tenant, tables["register"].c.case_id == case),
        # A key names one command of a tenant, on whichever case: the row says which.
        "find": sa.select(history.c.case_id, *_RECORD_COLUMNS(history)).where(
            history.c.tenant_id == tenant,
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


def _postgresql_append(tables: dict[str, sa.Table], dialect: sa.Dialect, *, kept: bool) -> str:
    """
    All of a command's writes on PostgreSQL as one statement, every write hanging on one.

    The case row's UPDATE (at the version read) returns a row only if it matched; the
    history, deadline and outbox rows are inserted from that row, so a command that lost
    a race writes nothing at all, and the statement's count tells it so. The changed
    deadlines come as arrays, one per column, so the statement is the same whatever
    their number, and psycopg can prepare it. With *kept*, the UPDATE also matches the
    head and snapshot of the case the command was decided on, which the store served
    from memory without reading it (see `SqlStore.load`).
    """
    name = dialect.identifier_preparer.format_table
    cases, history, deadlines, outbox = (
        name(tables[t]) for t in ("cases", "history", "deadlines", "outbox")
    )
    values = ", ".join(f"%({k})s" for k in _HISTORY_KEYS)
    same = " AND head = %(k_head)s AND snapshot = %(k_snapshot)s" if kept else ""
    return f"""WITH u AS (
  UPDATE {cases} SET version = %(version)s, head = %(head)s, state = %(state)s,
    lifecycle = %(lifecycle)s, snapshot = %(snapshot)s,
    local_authority = %(local_authority)s, local_authority_given = %(local_authority_given)s
  WHERE tenant_id = %(k_tenant)s AND case_id = %(k_case)s AND version = %(k_version)s{same}
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
    register = tables["register"]
    put: Any = (postgresql if dialect.name == "postgresql" else sqlite).insert(register)
    put = put.on_conflict_do_update(
        index_elements=[register.c.tenant_id, register.c.case_id],
        set_={k: put.excluded[k] for k in _REGISTER_KEYS[2:]},
    )
    return {
        "upsert_register": _Driver.of(put, dialect, _REGISTER_KEYS),
        "delete_register": _Driver.of(
            register.delete().where(register.c.tenant_id == tenant, register.c.case_id == case),
            dialect,
        ),
        "get": _Driver.of(reads["get"], dialect),
        "head_record": _Driver.of(reads["head_record"], dialect),
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
        # The same, for a case served from memory unread: the row must still be that case.
        "update_kept_case": _Driver.of(
            cases.update().where(
                cases.c.tenant_id == tenant,
                cases.c.case_id == case,
                cases.c.version == sa.bindparam("k_version"),
                cases.c.head == sa.bindparam("k_head"),
                cases.c.snapshot == sa.bindparam("k_snapshot"),
            ),
            dialect,
            _CASE_SET,
        ),
        "insert_history": _Driver.of(history.insert(), dialect, _HISTORY_KEYS),
        "upsert_deadline": _Driver.of(upsert, dialect, _DEADLINE_KEYS),
        "insert_outbox": _Driver.of(tables["outbox"].insert(), dialect, _OUTBOX_KEYS),
    }


@contextmanager
def _translated(engine: Engine, on_integrity: type[SafeguardingWorkflowError]) -> Iterator[None]:
    """
    The driver's errors as the library's: a lost race is a conflict, never a raw error.

    A unique key violated means another writer stored first (*on_integrity*); a
    lock or serialisation failure means another writer holds the case. Any other
    error of the database or its driver is a `StoreError` naming the error's kind
    only: a driver's message can repeat the statement's bound values (ids, the
    case's snapshot), so none is kept, and the library's error is raised ``from
    None``, which leaves it no context (see `SafeguardingWorkflowError`).
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
    except (sa.exc.SQLAlchemyError, dbapi.Error) as error:
        cause = getattr(error, "orig", None) or error
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
    if dialect.driver == "psycopg" and not dialect.is_async:  # async psycopg: one by one
        import psycopg

        if psycopg.Pipeline.is_supported():
            return lambda raw: raw.driver_connection.pipeline()
    return None


def _unbatched(_raw: Any) -> AbstractContextManager[Any]:
    return nullcontext()
