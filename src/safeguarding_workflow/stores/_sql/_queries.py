"""
The SQL of the store's admin queries: overdue deadlines, chain heads, case ids and the outbox.

`SqlStore`'s `deadlines_due` (behind `overdue` and `due_soon`), `heads`, `case_ids`,
`purge_outbox` and `mark_consumed` stay methods of the store, which owns the connection
and the transaction; the statements they run are built here from the tables they need, so the
store holds no SQL of its own. The deadlines-due query comes in one shape per combination
of filters, each compiled once per store (`overdue_query`), and its rows are mapped here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pendulum
import sqlalchemy as sa

from ..._case import DeadlineStatus
from .._base import DueRow
from ._driver import _Driver

__all__ = [
    "case_ids_query",
    "consumed_insert",
    "due_rows",
    "heads_query",
    "overdue_query",
    "purge_statement",
]


def overdue_query(
    tables: dict[str, sa.Table], dialect: sa.Dialect, first: bool, rule: bool, after: bool
) -> _Driver:
    """
    One shape of the deadlines-due query, built and compiled once, with bound parameters.

    It walks the deadlines table's partial index on open deadlines (``tenant_id, due,
    case_id, kind`` where ``status = 'open'``) in order and stops at the limit; each row
    found joins its case row by primary key, for the case's state, lifecycle and
    authority (columns of the row since store schema 3). The deadlines table is named
    first and the case row is reached by its key; on SQLite the join is a CROSS JOIN,
    which fixes that order.
    """
    deadlines, cases = tables["deadlines"], tables["cases"]
    query = (
        sa.select(
            deadlines.c.case_id,
            deadlines.c.kind,
            deadlines.c.due,
            deadlines.c.rule_ids,
            deadlines.c.projected,
            cases.c.state,
            cases.c.lifecycle,
            cases.c.local_authority,
            cases.c.local_authority_given,
        )
        .select_from(
            deadlines.join(
                cases,
                sa.and_(
                    cases.c.tenant_id == deadlines.c.tenant_id,
                    cases.c.case_id == deadlines.c.case_id,
                ),
            )
        )
        .where(
            deadlines.c.tenant_id == sa.bindparam("k_tenant"),
            deadlines.c.status == DeadlineStatus.OPEN.value,
            deadlines.c.due.is_not(None),
            deadlines.c.due <= sa.bindparam("k_last", type_=sa.Date),
        )
    )
    if first:
        query = query.where(deadlines.c.due >= sa.bindparam("k_first", type_=sa.Date))
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
    driver = _Driver.of(query, dialect)
    if dialect.name != "sqlite":
        return driver
    # SQLite never reorders the tables of a CROSS JOIN: the index drives even where the
    # statistics would have the planner scan a small cases table first and sort.
    sql = driver.sql.replace(f" JOIN {cases.name} ", f" CROSS JOIN {cases.name} ", 1)
    return _Driver(sql, driver.names, driver.fixed)


def due_rows(tenant_id: str, rows: Sequence[Any], dialect: sa.Dialect) -> list[DueRow]:
    """The deadlines-due query's rows (see `overdue_query`) as a tenant's `DueRow` tuples."""
    from_iso = pendulum.Date.fromisoformat  # the quickest way to a pendulum Date
    sqlite = dialect.name == "sqlite"  # dates come back as text
    return [
        (
            from_iso(d if sqlite else d.isoformat()),
            tenant_id,
            c,
            k,
            tuple(r.split()),
            bool(p),
            la or "",
            s,
            lc,
            given or None,
        )
        for c, k, d, r, p, s, lc, la, given in rows
    ]


def heads_query(cases: sa.Table, tenant_id: str | None) -> sa.Select[Any]:
    """The head of every case's chain (of one tenant, or all), in order, from *cases*."""
    query = sa.select(cases.c.tenant_id, cases.c.case_id, cases.c.version, cases.c.head)
    if tenant_id is not None:
        query = query.where(cases.c.tenant_id == tenant_id)
    return query.order_by(cases.c.tenant_id, cases.c.case_id)


def case_ids_query(cases: sa.Table, tenant_id: str) -> sa.Select[Any]:
    """Every case id of a tenant, in order, from *cases*."""
    return (
        sa.select(cases.c.case_id).where(cases.c.tenant_id == tenant_id).order_by(cases.c.case_id)
    )


def purge_statement(outbox: sa.Table, delivered_before: str) -> sa.Delete:
    """The DELETE of *outbox* rows delivered before *delivered_before* (UTC ISO time)."""
    return outbox.delete().where(
        outbox.c.status == "delivered", outbox.c.delivered_at < delivered_before
    )


def consumed_insert(consumed: sa.Table, consumer: str, event_id: str) -> sa.Insert:
    """The INSERT recording in *consumed* that *consumer* handled *event_id*."""
    return consumed.insert().values(consumer=consumer, event_id=event_id)
