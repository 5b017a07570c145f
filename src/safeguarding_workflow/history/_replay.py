"""Rebuilding a case from its history alone."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pendulum

from .._case import Case, Deadline
from .._codec import (
    apply_deadline_change,
    date_from_json,
    given_authority_from_json,
    incident_from_json,
    time_from_json,
)
from ..exceptions import InvalidInputError, SafeguardingWorkflowError
from ._chain import (
    SCHEMA_VERSION,
    ChainHead,
    HistoryRecord,
    check_arguments,
    is_hash,
    verify_parsed,
)

__all__ = ["rebuild"]

_DECODER = json.JSONDecoder()


def _upcast(data: dict[str, Any]) -> dict[str, Any]:
    """
    A stored record in this release's schema; records from a newer release are refused.

    Schema 1 records commit to no state: they read with ``state_digest`` None. From
    schema 2 the digest is 64 lowercase hexadecimal digits.
    """
    schema = data.get("schema")
    if type(schema) is not int or schema < 1:
        raise InvalidInputError("a stored record has no valid schema version", field="history")
    if schema > SCHEMA_VERSION:
        raise InvalidInputError(
            f"a stored record has schema version {schema}, newer than this release reads "
            f"({SCHEMA_VERSION}); upgrade the library",
            field="history",
        )
    if schema == 1:
        return {**data, "state_digest": None}
    if not is_hash(data.get("state_digest")):
        raise InvalidInputError("a stored record is malformed", field="history")
    return data


def _parse_body(body: bytes) -> Any:
    """A canonical body as JSON values; anything after the object makes it malformed."""
    text = body.decode("utf-8")
    value, end = _DECODER.raw_decode(text)
    if end != len(text):
        raise ValueError("trailing data after the record")
    return value


def rebuild(records: Sequence[HistoryRecord], head: ChainHead | None = None) -> Case:
    """
    The case its history records describe, after verifying their chain.

    Added in version 0.1.0.

    Every record carries what it changed, so the case follows from the records
    alone: no rule pack, calendar or store is consulted.

    Whether the case is the one the last record commits to (its ``state_digest``, from
    record schema 2) is the inspector's verifier's check, which hashes the case's state:
    a rebuild does not pay for it.

    Raises:
        HistoryIntegrityError: the chain does not verify (against *head*, if given).
        InvalidInputError: *records* is not a sequence of records, or the records are
            malformed, do not start with an opening record, or come from a newer schema.

    """
    check_arguments(records, head)
    try:
        # Canonical bodies have no surrounding whitespace, so raw_decode on str is enough;
        # json.loads would sniff each body's encoding and strip whitespace first.
        datas = [_parse_body(record.body) for record in records]
    except (ValueError, AttributeError, RecursionError):
        datas = None  # verification reports the broken record
    verify_parsed(records, datas, head).raise_for_problem()
    if not records or records[0].kind != "opened" or datas is None:
        raise InvalidInputError("a history starts with its opening record", field="history")
    try:
        opening = _upcast(datas[0])
        changes = opening["changes"]
        meta = changes["case"]
        state = str(changes["state"])
        facts = incident_from_json(changes["facts"])
        deadlines: dict[str, Deadline] = {}
        milestones: dict[str, pendulum.Date] = {}
        last_step_text = changes["last_step_at"]
        # Each step's occurred_at as recorded, by sequence, in order; a correction replaces
        # its step's. Parsed once, at the end: Case.step_times.
        step_texts: dict[int, object] = {}
        for index, parsed in enumerate(datas):
            data = _upcast(parsed) if index else opening
            changes = data["changes"]
            if index and "case" in changes:  # a migration moves the case to a new version
                meta = {**meta, **changes["case"]}
            if "state" in changes:
                state = str(changes["state"])
            if "facts" in changes:
                facts = incident_from_json(changes["facts"])
            for item in changes.get("deadlines", ()):
                kind = str(item["kind"])
                deadlines[kind] = apply_deadline_change(deadlines.get(kind), item)
            for name, value in changes.get("milestones", {}).items():
                on = date_from_json(value)
                if on is not None:
                    milestones[str(name)] = on
            if "last_step_at" in changes:
                last_step_text = changes["last_step_at"]
            kind = records[index].kind
            if kind == "step":
                step_texts[records[index].sequence] = data["occurred_at"]
            elif kind == "correction":
                corrected = data["payload"]
                if corrected["corrects"] not in step_texts:
                    raise ValueError("a correction of a record that is not a step")
                step_texts[corrected["corrects"]] = corrected["occurred_at"]
        return Case(
            tenant_id=records[0].tenant_id,
            case_id=records[0].case_id,
            local_authority=str(meta["local_authority"]),
            state=state,
            facts=facts,
            deadlines=tuple(deadlines.values()),
            milestones=tuple(milestones.items()),
            version=records[-1].sequence,
            head=records[-1].hash,
            last_step_at=time_from_json(last_step_text),
            lifecycle=str(meta["lifecycle"]),
            lifecycle_version=str(meta["lifecycle_version"]),
            rule_pack=str(meta["rule_pack"]),
            rule_pack_version=str(meta["rule_pack_version"]),
            step_times=tuple((seq, time_from_json(text)) for seq, text in step_texts.items()),
            local_authority_given=given_authority_from_json(meta.get("local_authority_given")),
        )
    except SafeguardingWorkflowError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError, OverflowError, RecursionError):
        raise InvalidInputError("a stored record is malformed", field="history") from None
