"""
Events: CloudEvents 1.0 announcements of stored history records, dispatched after storage.

An event tells subscribers what they act on, and nothing that narrows to a child
(R9; docs: "Events and logs"). Its data (`event_data`) is taken from the record
it announces:

- the ids: tenant, case, the record's sequence number and event id;
- the kind of record and its step, the state before and after, the role that took it;
- when it happened and when it was recorded;
- each deadline the record changed, by kind: its rule ids, what it waits for, due
  date, status and the date it was met (not its anchor date or timescale);
- the rule ids behind the record;
- on the opening event, the case's own local authority (the tenant's) and the
  lifecycle and rule pack it follows; on a correction, the record it corrects.

Everything else stays in the history: the incident's facts (ages, harm, where a
child lives or is looked after, dates), the payload's references and dates, the
actor and the idempotency key. So does the record's hash: over a record whose
facts come from a small set (an age, a harm, a council code), the hash would let
anyone holding the event guess them.

Subscribers are plain callables ``(event) -> None``; they run after the command is
stored, in the order given, and a failing subscriber is logged and does not undo
the command.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib import resources
from typing import Any, Final, Protocol, final

import attrs
import orjson

from ._log import logger
from .history._chain import HistoryRecord

__all__ = [
    "CloudEvent",
    "Dispatcher",
    "ImmediateDispatcher",
    "Subscriber",
    "event_data",
    "event_schema",
    "to_cloud_event",
]

SPECVERSION: Final = "1.0"
TYPE_PREFIX: Final = "org.safeguarding-workflow"


@attrs.frozen
class CloudEvent:
    """
    A CloudEvents 1.0 event announcing one stored history record.

    Attributes follow the CloudEvents specification: ``id`` (the record's event
    id), ``source`` (``urn:safeguarding-workflow:<tenant>:<lifecycle>``), ``type``
    (``org.safeguarding-workflow.<kind>.<event>``), ``subject`` (the opaque case
    id), ``time`` (when the record was stored) and ``datacontenttype``. The data
    is what `event_data` takes from the record: ids, step, states, times,
    deadlines and rule ids, never the incident's facts.

    Added in version 0.1.0.
    """

    id: str
    source: str
    type: str
    subject: str
    time: str
    data_json: bytes = attrs.field(repr=False)
    specversion: str = SPECVERSION
    datacontenttype: str = "application/json"

    @property
    def data(self) -> dict[str, Any]:
        """The event's data as JSON values: a fresh copy each time."""
        value: dict[str, Any] = json.loads(self.data_json)
        return value

    def to_json(self) -> str:
        """
        The event in CloudEvents' JSON format (structured mode), its data byte for byte.

        Added in version 0.1.0.
        """
        envelope = orjson.dumps(self._attributes())
        return (envelope[:-1] + b',"data":' + self.data_json + b"}").decode("utf-8")

    def to_dict(self) -> dict[str, Any]:
        """The event in CloudEvents' JSON format (structured mode)."""
        return {**self._attributes(), "data": self.data}

    def _attributes(self) -> dict[str, str]:
        return {
            "specversion": self.specversion,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": self.time,
            "datacontenttype": self.datacontenttype,
        }


#: The fields of a deadline change an event carries: its anchor date (a fact's date, such
#: as when the partners learnt of the incident) and its timescale stay in the history.
_DEADLINE_FIELDS: Final = (
    "kind",
    "rule_ids",
    "anchor_event",
    "due",
    "projected",
    "non_working_day",
    "status",
    "met_on",
    "met_by",
)
_DEADLINE_KEPT: Final = frozenset(_DEADLINE_FIELDS)
#: What an opening event carries of the case: the tenant's own authority, and what it follows.
_OPENING_FIELDS: Final = (
    "local_authority",
    "lifecycle",
    "lifecycle_version",
    "rule_pack",
    "rule_pack_version",
)


def event_data(record: Mapping[str, Any]) -> dict[str, Any]:
    """
    What an event carries of a history record, given as JSON values (see the module docstring).

    Fields are picked by name, never copied wholesale, so nothing a record gains later
    reaches an event unless it is added here.

    Added in version 0.1.0.
    """
    changes = record.get("changes") or {}
    deadlines = changes.get("deadlines") or ()
    data: dict[str, Any] = {
        "tenant": record["tenant"],
        "case": record["case"],
        "seq": record["seq"],
        "id": record["id"],
        "kind": record["kind"],
        "event": record["event"],
        "from": record["from"],
        "to": changes.get("state", record["from"]),
        "role": record["role"],
        "occurred_at": record["occurred_at"],
        "recorded_at": record["recorded_at"],
        "deadlines": [
            {name: value for name, value in change.items() if name in _DEADLINE_KEPT}
            for change in deadlines
        ],
        "rule_ids": record["rule_ids"],
    }
    opening = changes.get("case")
    if record["kind"] == "opened" and opening is not None:
        data.update({name: opening[name] for name in _OPENING_FIELDS})
        if "local_authority_given" in opening:  # only when the host gave an earlier code
            data["local_authority_given"] = opening["local_authority_given"]
    if record["kind"] == "correction":
        data["corrects"] = record["payload"]["corrects"]
    return data


def to_cloud_event(record: HistoryRecord, lifecycle: str, time: str) -> CloudEvent:
    """
    The event announcing *record*: its data is `event_data` of the record.

    Added in version 0.1.0.
    """
    return _cloud_event(orjson.loads(record.body), lifecycle, time)


def event_of_body(body: str | bytes, lifecycle: str) -> CloudEvent:
    """
    The event announcing the stored record whose body is *body*: what the outbox relay sends.

    The same event as `to_cloud_event` of that record at its ``recorded_at``, byte for
    byte: an outbox row names its record (store schema 5), and the event is made from
    the record's hashed body when it is delivered.

    Raises:
        ValueError, KeyError, TypeError: *body* is not a record's body.

    """
    record = orjson.loads(body)
    return _cloud_event(record, lifecycle, record["recorded_at"])


def _cloud_event(record: dict[str, Any], lifecycle: str, time: str) -> CloudEvent:
    """The event announcing the record whose body holds *record* (JSON values), at *time*."""
    return CloudEvent(
        id=record["id"],
        source=f"urn:safeguarding-workflow:{record['tenant']}:{lifecycle}",
        type=f"{TYPE_PREFIX}.{record['kind']}.{record['event']}",
        subject=record["case"],
        time=time,
        data_json=orjson.dumps(event_data(record)),
    )


#: A subscriber: called with each event after its record is stored.
Subscriber = Callable[[CloudEvent], object]


class Dispatcher(Protocol):
    """
    Delivers events once their records are stored.

    The in-memory workflow uses `ImmediateDispatcher`; a durable store
    writes events to its transactional outbox instead, and a relay delivers them.

    Added in version 0.1.0.
    """

    def dispatch(self, events: Sequence[CloudEvent]) -> None:
        """Deliver *events*, in order."""
        ...


@final
class ImmediateDispatcher:
    """
    Calls each subscriber with each event straight after storage, in order.

    A subscriber that raises is logged (with the event id and the exception's
    type, never its message, which might hold anything) and the others still run.

    Added in version 0.1.0.
    """

    __slots__ = ("subscribers",)

    def __init__(self, subscribers: Iterable[Subscriber] = ()) -> None:
        self.subscribers: tuple[Subscriber, ...] = tuple(subscribers)

    def dispatch(self, events: Sequence[CloudEvent]) -> None:
        """Deliver *events* to every subscriber, in order."""
        for event in events:
            for subscriber in self.subscribers:
                try:
                    subscriber(event)
                except Exception as error:
                    logger().warning(
                        "subscriber_failed",
                        event_id=event.id,
                        event_type=event.type,
                        subscriber=getattr(subscriber, "__qualname__", type(subscriber).__name__),
                        error=type(error).__name__,
                    )


def event_schema() -> dict[str, Any]:
    """
    The JSON Schema (draft 2020-12) of the events' structured JSON form; a fresh copy.

    The schema file ships in the package as ``_data/event.schema.json``.

    Added in version 0.1.0.
    """
    text = resources.files("safeguarding_workflow").joinpath("_data/event.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema
