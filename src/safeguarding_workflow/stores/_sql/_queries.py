"""
The SQL of the store's admin queries: overdue deadlines, chain heads, case ids and the outbox.

`SqlStore`'s `overdue` (and `due_soon`), `heads`, `case_ids`, `purge_outbox` and
`mark_consumed` stay methods of the store, which owns the connection and the
transaction; the statements they run are built here from the tables they need, so the
store holds no SQL of its own. The overdue query comes in one shape per combination of
filters, each compiled once per store (`overdue_query`), and its rows are mapped here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pendulum
import sqlalchemy as sa

from ..._case import DeadlineStatus
from .._base import DueDeadline
from ._driver import _Driver

__all__ = [
    "case_ids_query",
    "consumed_insert",
    "due_deadlines",
    "heads_query",
    "overdue_query",
    "purge_statement",
]


def overdue_query(
    deadlines: sa.Table, dialect: sa.Dialect, due_by: bool, rule: bool, after: bool
) -> _Driver:
    """One shape of the overdue query, built and compiled once, with bound parameters."""
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
    return _Driver.of(query, dialect)


def due_deadlines(tenant_id: str, rows: Sequence[Any], dialect: sa.Dialect) -> list[DueDeadline]:
    """The overdue query's rows (see `overdue_query`) as a tenant's due deadlines."""
    from_iso = pendulum.Date.fromisoformat  # the quickest way to a pendulum Date
    if dialect.name == "sqlite":  # dates come back as text
        return [
            DueDeadline(tenant_id, c, k, from_iso(d), tuple(r.split()), bool(p))
            for c, k, d, r, p in rows
        ]
    return [
        DueDeadline(tenant_id, c, k, from_iso(d.isoformat()), tuple(r.split()), p)
        for c, k, d, r, p in rows
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
