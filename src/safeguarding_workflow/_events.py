"""
Events: CloudEvents 1.0 envelopes around stored history records, dispatched after storage.

An event's data is the history record it announces, byte for byte, so a consumer
sees exactly what was stored (and can check its hash). Subscribers are plain
callables ``(event) -> None``; they run after the command is stored, in the
order given, and a failing subscriber is logged and does not undo the command.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
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
    is the record's canonical JSON, with its ``prev`` and ``hash``.

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


def to_cloud_event(record: HistoryRecord, lifecycle: str, time: str) -> CloudEvent:
    """
    The event announcing *record*.

    Added in version 0.1.0.
    """
    # One join copies the body once; chained + copied it at every step.
    data = b"".join(
        (
            b'{"hash":"',
            record.hash.encode(),
            b'","prev":"',
            record.prev.encode(),
            b'","record":',
            record.body,
            b"}",
        )
    )
    return CloudEvent(
        id=record.event_id,
        source=f"urn:safeguarding-workflow:{record.tenant_id}:{lifecycle}",
        type=f"{TYPE_PREFIX}.{record.kind}.{record.event}",
        subject=record.case_id,
        time=time,
        data_json=data,
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
