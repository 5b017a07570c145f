"""
One path to a history record: what a command decided, sealed onto its case's chain.

Every command the workflow runs (opening a case, a step, a correction, new facts,
a recomputation) describes its record as an [`Entry`][safeguarding_workflow._records.Entry]
with named fields, and [`seal`][safeguarding_workflow._records.seal] turns it into
the record's JSON layout (docs: "The history hash chain") and hashes it onto the
previous record. The layout is therefore written in one place.

Each record commits to the case it produces: its ``state_digest`` is the SHA-256 of
[`state_json`][safeguarding_workflow._records.state_json] of that case, the canonical
JSON of everything the case holds but its version and head (which name the record
itself). A SQL store keeps those very bytes as the case's snapshot, so the workflow
hands them on ([`remember`][safeguarding_workflow._records.remember]) rather than
having the store serialise the case again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, final

import orjson

from ._case import Case
from ._codec import case_to_json, deadline_to_json, incident_to_json, time_to_json
from .history._canonical import canonical_json_trusted
from .history._chain import SCHEMA_VERSION, HistoryRecord

__all__ = [
    "Entry",
    "known_time",
    "recorded_at_of",
    "remember",
    "seal",
    "state_digest",
    "state_json",
    "state_json_of",
]

#: What `case_to_json` holds that a record's state does not: they name the record itself.
_NOT_STATE: Final = ("version", "head")

#: The case the workflow last stored and its state bytes (see `remember`): one slot,
#: replaced whole, so a thread that finds another's case there serialises its own.
_last: tuple[Case | None, bytes] = (None, b"")

#: The record `seal` last made and its ``recorded_at`` (see `recorded_at_of`): one slot,
#: replaced whole, like `_last`.
_sealed: tuple[HistoryRecord | None, str] = (None, "")

#: How many parts of cases `_part` keeps the canonical JSON of, per kind, before it
#: forgets them all and starts again. Enough for the cases a process is working on (a
#: command reuses the parts of the case it read); few enough that what it keeps (the
#: parts themselves too) stays small against the cases a process holds.
_PARTS: Final = 256

#: Canonical JSON of parts of cases, by the identity of the part, per kind: a case
#: shares its facts, its deadlines and its step times with the case before it, except
#: those its last command changed, so most are written once. Times are kept as their
#: text; a command hands over the text of the time it recorded (`known_time`).
_facts_parts: dict[int, tuple[object, Any]] = {}
_deadline_parts: dict[int, tuple[object, Any]] = {}
_step_parts: dict[int, tuple[object, Any]] = {}
_time_texts: dict[int, tuple[object, Any]] = {}


def _keep(kept: dict[int, tuple[object, Any]], value: object, written: object) -> None:
    """Keep *written* for *value*, by identity, with the value itself (so it is not reused)."""
    if len(kept) >= _PARTS:
        kept.clear()
    kept[id(value)] = (value, written)


def _part(
    kept: dict[int, tuple[object, Any]], value: Any, to_json: Callable[[Any], Any]
) -> orjson.Fragment:
    """
    The canonical JSON of *value*, an immutable part of a case, as a fragment to embed.

    The same value always gives the same bytes, so a kept entry cannot be stale.
    """
    found = kept.get(id(value))
    if found is not None and found[0] is value:
        fragment: orjson.Fragment = found[1]
        return fragment
    fragment = orjson.Fragment(canonical_json_trusted(to_json(value)))
    _keep(kept, value, fragment)
    return fragment


def _time_text(value: Any) -> str:
    """``time_to_json(value)``, kept by the identity of *value* (see `known_time`)."""
    found = _time_texts.get(id(value))
    if found is not None and found[0] is value:
        text: str = found[1]
        return text
    text = time_to_json(value)
    _keep(_time_texts, value, text)
    return text


def known_time(value: object, text: str) -> None:
    """Note that *text* is ``time_to_json(value)``: a command wrote it for its record."""
    _keep(_time_texts, value, text)


def _step_time_json(pair: tuple[int, Any]) -> list[Any]:
    return [pair[0], _time_text(pair[1])]


def state_json(case: Case) -> bytes:
    """
    The canonical JSON (RFC 8785) of *case* without its version and head: what a record digests.

    The bytes of ``case_to_json(case)`` with ``version`` and ``head`` left out, keys
    sorted, no whitespace, UTF-8 (`state_json_of`, which a test holds this to). A SQL
    store keeps them as the case's snapshot. For the case the workflow just stored,
    the bytes it already made (`remember`); otherwise the facts, deadlines and step
    times already written for an earlier case are embedded as they were written.
    """
    last = _last
    if last[0] is case:
        return last[1]
    state: dict[str, Any] = {
        "tenant": case.tenant_id,
        "case": case.case_id,
        "local_authority": case.local_authority,
        "state": case.state,
        "facts": _part(_facts_parts, case.facts, incident_to_json),
        "deadlines": [_part(_deadline_parts, d, deadline_to_json) for d in case.deadlines],
        "milestones": [[name, on.isoformat()] for name, on in case.milestones],
        "last_step_at": _time_text(case.last_step_at),
        "lifecycle": case.lifecycle,
        "lifecycle_version": case.lifecycle_version,
        "rule_pack": case.rule_pack,
        "rule_pack_version": case.rule_pack_version,
        "step_times": [_part(_step_parts, p, _step_time_json) for p in case.step_times],
    }
    if case.local_authority_given is not None:  # absent otherwise, as in case_to_json
        state["local_authority_given"] = case.local_authority_given
    return canonical_json_trusted(state)


def state_json_of(case: Case) -> bytes:
    """`state_json()` the plain way, from ``case_to_json``: the definition it is held to."""
    data = case_to_json(case)
    for name in _NOT_STATE:
        del data[name]
    return canonical_json_trusted(data)


def state_digest(text: bytes) -> str:
    """The ``state_digest`` of a case whose `state_json` is *text*: SHA-256, 64 hex digits."""
    return hashlib.sha256(text).hexdigest()


def remember(case: Case, text: bytes) -> None:
    """Note that *text* is ``state_json(case)``, so the store writing *case* need not redo it."""
    global _last  # one slot, replaced whole (see _last)
    _last = (case, text)


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

    @classmethod
    def note(
        cls,
        kind: str,
        event: str,
        actor: str,
        role: str,
        now: str,
        payload: Mapping[str, Any],
        changes: Mapping[str, Any],
        rule_ids: Iterable[str] = (),
    ) -> Entry:
        """
        A record that is not a lifecycle step (a register change, a hold, a leak check).

        It happened when it was recorded: *now* is both times.
        """
        return cls(
            kind=kind,
            event=event,
            actor=actor,
            role=role,
            occurred_at=now,
            recorded_at=now,
            payload=payload,
            changes=changes,
            rule_ids=rule_ids,
        )


def seal(
    entry: Entry,
    *,
    tenant_id: str,
    case_id: str,
    sequence: int,
    event_id: str,
    from_state: str | None,
    prev: str,
    state: bytes,
) -> HistoryRecord:
    """
    The record of *entry* as the *sequence*-th of its case, chained to *prev*.

    *state* is `state_json` of the case the record produces; the record holds its digest.
    """
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
        "state_digest": hashlib.sha256(state).hexdigest(),
    }
    if entry.idempotency_key is not None:
        record["idempotency_key"] = entry.idempotency_key
    sealed = HistoryRecord.seal(record, prev)
    global _sealed  # one slot, replaced whole (see _sealed)
    _sealed = (sealed, entry.recorded_at)
    return sealed


def recorded_at_of(record: HistoryRecord) -> str:
    """
    The ``recorded_at`` of *record*'s body: what a store's outbox row is due from.

    For the record `seal` just made (the one a command is storing), the text it sealed;
    otherwise read from the body.
    """
    last = _sealed
    if last[0] is record:
        return last[1]
    value: str = orjson.loads(record.body)["recorded_at"]
    return value
