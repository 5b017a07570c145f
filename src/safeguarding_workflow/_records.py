"""
One path to a history record: what a command decided, sealed onto its case's chain.

Every command the workflow runs (opening a case, a step, a correction, new facts,
a recomputation) describes its record as an [`Entry`][safeguarding_workflow._records.Entry]
with named fields, and [`seal`][safeguarding_workflow._records.seal] turns it into
the record's JSON layout (docs: "The history hash chain") and hashes it onto the
previous record. The layout is therefore written in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, final

from .history._chain import SCHEMA_VERSION, HistoryRecord

__all__ = ["Entry", "seal"]


@final
class Entry:
    """
    The fields of a history record that a command decides; every one is named.

    Attributes:
        kind: ``opened``, ``step``, ``correction``, ``facts_updated`` or ``deadlines_recomputed``.
        event: The lifecycle step, or the command's name for the others.
        actor: Opaque id of who took it.
        role: Their role.
        occurred_at: When it really happened (UTC, ISO 8601).
        recorded_at: When it was recorded, from the injected clock (UTC, ISO 8601).
        payload: The step's payload in JSON form.
        changes: What it changed on the case, in JSON form.
        rule_ids: The rules behind it.
        idempotency_key: The command's idempotency key, if any.

    """

    __slots__ = (
        "actor",
        "changes",
        "event",
        "idempotency_key",
        "kind",
        "occurred_at",
        "payload",
        "recorded_at",
        "role",
        "rule_ids",
    )

    def __init__(
        self,
        *,
        kind: str,
        event: str,
        actor: str,
        role: str,
        occurred_at: str,
        recorded_at: str,
        payload: Mapping[str, Any],
        changes: Mapping[str, Any],
        rule_ids: Iterable[str],
        idempotency_key: str | None = None,
    ) -> None:
        self.kind = kind
        self.event = event
        self.actor = actor
        self.role = role
        self.occurred_at = occurred_at
        self.recorded_at = recorded_at
        self.payload = payload
        self.changes = changes
        self.rule_ids = rule_ids
        self.idempotency_key = idempotency_key


def seal(
    entry: Entry,
    *,
    tenant_id: str,
    case_id: str,
    sequence: int,
    event_id: str,
    from_state: str | None,
    prev: str,
) -> HistoryRecord:
    """The record of *entry* as the *sequence*-th of its case, chained to *prev*."""
    record: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "tenant": tenant_id,
        "case": case_id,
        "seq": sequence,
        "id": event_id,
        "kind": entry.kind,
        "event": entry.event,
        "from": from_state,
        "actor": entry.actor,
        "role": entry.role,
        "occurred_at": entry.occurred_at,
        "recorded_at": entry.recorded_at,
        "payload": entry.payload,
        "changes": entry.changes,
        "rule_ids": list(entry.rule_ids),
    }
    if entry.idempotency_key is not None:
        record["idempotency_key"] = entry.idempotency_key
    return HistoryRecord.seal(record, prev)
