"""
Row mapping: a case, its history record, deadlines and outbox event as table rows, and back.

The column lists and row builders here are shared by the store's compiled statements
(`_driver`), by `SqlStore` itself and by the bulk generator, which writes the same rows
in large batches, so a row has one shape wherever it is written. Records are read back
from rows positionally (`_record`), as a case's history has many of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Final

import sqlalchemy as sa

from ..._case import Case, Deadline
from ..._records import state_json
from ...exceptions import InvalidInputError
from ...history._chain import SCHEMA_VERSION, HistoryRecord

__all__ = ["case_row", "deadline_rows_of", "history_row", "outbox_row"]

_CASE_SET: Final = (
    "version",
    "head",
    "state",
    "lifecycle",
    "snapshot",
    "local_authority",
    "local_authority_given",
)
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
    """
    The ``cases`` row of a case record.

    Its snapshot is the case's canonical state (`state_json`: all but its version and
    head, which are columns of their own), the very bytes its head record digests, so a
    read checks the row against the record by hashing the text.
    """
    return {
        "tenant_id": case.tenant_id,
        "case_id": case.case_id,
        "version": case.version,
        "head": case.head,
        "state": case.state,
        "lifecycle": case.lifecycle,
        "snapshot": state_json(case).decode("utf-8"),
        "local_authority": case.local_authority,
        "local_authority_given": case.local_authority_given,
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


def outbox_row(record: HistoryRecord, recorded_at: str) -> dict[str, Any]:
    """
    The ``outbox`` row announcing a record: the record it names, due from its recording.

    Its ``event`` is empty (store schema 5): the relay makes the event from the record's
    own hashed body when it delivers it (`event_of_body`), so the outbox holds no second
    copy that could differ from the history. Rows written by schema 4 and earlier hold
    the event's JSON; the relay makes theirs from the record too.
    """
    return {
        "tenant_id": record.tenant_id,
        "case_id": record.case_id,
        "sequence": record.sequence,
        "event_id": record.event_id,
        "event": "",
        "available_at": recorded_at,
    }


def _iso_date(value: object, field: str) -> str:
    """A date as ``YYYY-MM-DD`` text, the form both engines compare with their date column."""
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidInputError(f"{field!r} must be a date", field=field)
    return value.isoformat()
