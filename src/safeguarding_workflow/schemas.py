"""
JSON Schemas (draft 2020-12) of the library's JSON forms, generated from their definitions.

Every value a host sends or shows has a JSON form: ``to_dict()`` on `Case`, `Deadline`,
`Duty`, `Finding`, `Assessment`, `Incident`, `Command` and `HistoryRecord`, and
``from_dict()`` on `Incident` and `Command`. `schema()` gives the schema of each, by
name (`NAMES`); `payload_schema()` the schema of one step's payload in a lifecycle.

The schemas are built when asked from the definitions themselves: the attrs fields
and their types, the codec's patterns for dates and times, the patterns that check
ids and authority codes, and each step's `PayloadField` s. A field added to a class
or a step appears in its schema with nothing else to change, so the two cannot drift.

The schemas of the forms ``from_dict()`` reads (``incident`` and ``command``) accept
what ``from_dict()`` accepts. A few checks need more than a schema can say: which
dates come before which, whether a date exists (30 February, in a date and time;
formats are annotations unless a validator asserts them), the NHS-number check on
ids and references, and that ``role`` is one of ``roles``. Each schema lists them
under ``$comment``; ``from_dict()`` makes them all.

Added in version 0.1.0.
"""

from __future__ import annotations

import copy
import enum
import functools
import re
import typing
from collections.abc import Mapping
from typing import Any, Final

import attrs
import pendulum

from ._case import Case, Command, Deadline
from ._codec import DATE_PATTERN, DEADLINE_DERIVED, EVENT_PATTERN, TIME_PATTERN
from ._duties import Assessment, Duty, Finding
from ._events import event_schema
from ._facts import (
    _GSS,
    MAX_AGE,
    MAX_CHILDREN,
    NATION_OF_CODE,
    AbuseOrNeglect,
    Child,
    Incident,
    Location,
    Place,
)
from ._identifiers import OPAQUE_ID, OPAQUE_REF, REF_MAX_LENGTH
from ._lifecycle import Lifecycle, PayloadField
from .exceptions import InvalidInputError
from .history._chain import _HASH, SCHEMA_VERSION

__all__ = ["DIALECT", "NAMES", "payload_schema", "payload_schemas", "schema"]

DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
"""The JSON Schema dialect of every schema here, as of the event schema: draft 2020-12."""

NAMES: Final = (
    "assessment",
    "case",
    "command",
    "deadline",
    "duty",
    "event",
    "finding",
    "history_record",
    "incident",
)
"""The names `schema()` takes, one per JSON form."""

_ROOTS: Final[Mapping[str, type]] = {
    "assessment": Assessment,
    "case": Case,
    "command": Command,
    "deadline": Deadline,
    "duty": Duty,
    "finding": Finding,
    "incident": Incident,
}
#: The classes whose JSON form a host sends (``from_dict()``): a field with a default may
#: be left out. Every field of the others is always written, so always required.
_INPUTS: Final = frozenset({Incident, Child, Location, Command})
#: The largest list a ``refs`` payload field takes, and the largest ``int`` (PayloadField).
MAX_REFS: Final = 64
MAX_PAYLOAD_INT: Final = 1_000_000


def _anchored(pattern: str) -> str:
    r"""
    *pattern* matching a whole string, in ECMA-262 and in Python alike.

    ``$`` alone also matches before a final newline in Python (a validator written in
    it would take ``"id\n"``); the lookahead makes both end at the end.
    """
    return f"^(?:{pattern})$(?!\\n)"


def _text(pattern: str | re.Pattern[str]) -> dict[str, Any]:
    source = pattern if isinstance(pattern, str) else pattern.pattern
    return {"type": "string", "pattern": _anchored(source)}


_GSS_CODE: Final = _text(_GSS)
_ID: Final = _text(OPAQUE_ID)
_REF: Final = {**_text(OPAQUE_REF), "maxLength": REF_MAX_LENGTH}
_DATE: Final = {**_text(DATE_PATTERN), "format": "date"}
_TIME: Final = {**_text(TIME_PATTERN), "format": "date-time"}

#: What a field's type alone does not say, by class and field.
_CONSTRAINTS: Final[Mapping[tuple[type, str], dict[str, Any]]] = {
    (Child, "age"): {"minimum": 0, "maximum": MAX_AGE},
    (Child, "normally_resident_in"): _GSS_CODE,
    (Child, "looked_after_by"): _GSS_CODE,
    (Child, "care_leaver_of"): _GSS_CODE,
    (Location, "local_authority"): _GSS_CODE,
    (Incident, "children"): {"minItems": 1, "maxItems": MAX_CHILDREN},
    (Command, "tenant_id"): _ID,
    (Command, "case_id"): _ID,
    (Command, "event"): _text(EVENT_PATTERN),
    (Command, "actor"): _ID,
    (Command, "role"): _ID,
    (Command, "roles"): {"minItems": 1, "uniqueItems": True, "items": _ID},
    (Command, "expected_version"): {"minimum": 0},
    (Command, "idempotency_key"): _REF,
    (Case, "local_authority"): _GSS_CODE,
    (Assessment, "local_authority"): _GSS_CODE,
}

_INCIDENT_LIMITS: Final = (
    "Checked by Incident.from_dict, not by this schema: occurred_on not after the date of "
    "awareness (la_aware_at in Europe/London); partners_aware_on not before occurred_on; "
    "la_aware_at a date that exists (not 30 February) and not at the calendar's limits "
    "(years 1 and 9999)."
)
_COMMAND_LIMITS: Final = (
    "Checked by Command.from_dict, not by this schema: role one of roles; no id or "
    "reference holding an NHS number in any written form; occurred_at a date that exists "
    "(not 30 February) and not at the calendar's limits (years 1 and 9999). The payload "
    "is checked against its step's payload schema when the command is fired."
)


def _conditions(cls: type) -> list[dict[str, Any]]:
    """The rules between a class's fields that its validators enforce and a schema can state."""
    if cls is Location:
        rules = []
        for place in Place:
            letters = "".join(sorted(k for k, v in NATION_OF_CODE.items() if v is place))
            code: dict[str, Any] = {"type": "null"}
            if letters and place is not Place.OUTSIDE_UK:
                allowed = _text(f"[{letters}][0-9]{{8}}")
                code = allowed if place is Place.ENGLAND else {"anyOf": [allowed, code]}
            then: dict[str, Any] = {"properties": {"local_authority": code}}
            if place is Place.ENGLAND:
                then["required"] = ["local_authority"]
            rules.append({"if": {"properties": {"place": {"const": place.value}}}, "then": then})
        return rules
    if cls is Child:
        both = ("looked_after_by", "care_leaver_of")
        return [
            {
                "not": {
                    "required": list(both),
                    "properties": {name: {"type": "string"} for name in both},
                }
            }
        ]
    if cls is Incident:
        return [
            {
                "if": {"properties": {"abuse_or_neglect": {"const": member.value}}},
                "then": {"properties": {"abuse_or_neglect_since": {"type": "null"}}},
            }
            for member in AbuseOrNeglect
            if not member.known_or_suspected
        ]
    if cls is Command:
        return [
            {
                "anyOf": [
                    {"required": ["role"], "properties": {"role": {"type": "string"}}},
                    {"required": ["roles"], "properties": {"roles": {"type": "array"}}},
                ]
            }
        ]
    return []


_ATTRIBUTE: Final = re.compile(r"^ {8}(\w+): (.*)$")


def _docs(cls: type) -> tuple[str, dict[str, str]]:
    """A class's summary line and its ``Attributes:`` descriptions, from its docstring."""
    lines = (cls.__doc__ or "").strip().splitlines()
    summary = lines[0].strip() if lines else ""
    fields: dict[str, str] = {}
    current = None
    inside = False
    for line in lines:
        if line.strip() == "Attributes:":
            inside = True
            continue
        if not inside:
            continue
        match = _ATTRIBUTE.match(line)
        if match:
            current = match.group(1)
            fields[current] = match.group(2).strip()
        elif line.startswith(" " * 12) and current is not None:
            fields[current] += " " + line.strip()
        elif line.strip():
            break
    return summary, {k: v.replace("``", "") for k, v in fields.items()}


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


class _Builder:
    """One schema's worth of definitions: each attrs class once, under ``$defs``."""

    def __init__(self) -> None:
        self.defs: dict[str, dict[str, Any]] = {}

    def of_type(self, kind: Any) -> dict[str, Any]:
        """The schema of a value of the Python type *kind*."""
        origin, args = typing.get_origin(kind), typing.get_args(kind)
        if origin in (typing.Union, _UnionType):
            return {"anyOf": [self.of_type(a) for a in args]}
        if kind is type(None):
            return {"type": "null"}
        if kind is Any:
            return {}
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return {"type": "array", "items": self.of_type(args[0])}
            return {
                "type": "array",
                "prefixItems": [self.of_type(a) for a in args],
                "items": False,
                "minItems": len(args),
            }
        if origin in (frozenset, set):
            return {"type": "array", "uniqueItems": True, "items": self.of_type(args[0])}
        if origin is not None and issubclass(origin, Mapping):
            return {"type": "object", "propertyNames": {"type": "string"}}
        return self._of_class(kind)

    def _of_class(self, kind: type) -> dict[str, Any]:
        if issubclass(kind, enum.Enum):
            return {"type": "string", "enum": [m.value for m in kind]}
        simple = {bool: "boolean", int: "integer", str: "string"}
        if kind in simple:
            return {"type": simple[kind]}
        if issubclass(kind, pendulum.DateTime):
            return dict(_TIME)
        if issubclass(kind, pendulum.Date):
            return dict(_DATE)
        if attrs.has(kind):
            if kind.__name__ not in self.defs:
                self.defs[kind.__name__] = {}  # taken, so a cycle would end here
                self.defs[kind.__name__] = self.object(kind)
            return {"$ref": f"#/$defs/{kind.__name__}"}
        raise TypeError(f"no schema for {kind!r}")  # pragma: no cover - a new field type

    def object(self, cls: type) -> dict[str, Any]:
        """The schema of an attrs class's JSON form: its fields (those set when built)."""
        hints = typing.get_type_hints(cls)
        summary, described = _docs(cls)
        properties: dict[str, Any] = {}
        required = []
        for field in attrs.fields(cls):
            if not field.init:
                continue
            prop = self._constrained(cls, field.name, self.of_type(hints[field.name]))
            if field.name in described:
                prop = {"description": described[field.name], **prop}
            properties[field.name] = prop
            if cls not in _INPUTS or field.default is attrs.NOTHING:
                required.append(field.name)
        if cls is Deadline:
            for name in DEADLINE_DERIVED:
                getter = getattr(Deadline, name).fget
                kind = typing.get_type_hints(getter)["return"]
                doc = (getter.__doc__ or "").strip().splitlines()[0]
                properties[name] = {"description": doc, **self.of_type(kind)}
                required.append(name)
        result: dict[str, Any] = {
            "description": summary,
            "type": "object",
            "required": required,
            "properties": properties,
            "additionalProperties": False,
        }
        conditions = _conditions(cls)
        if conditions:
            result["allOf"] = conditions
        return result

    def _constrained(self, cls: type, name: str, prop: dict[str, Any]) -> dict[str, Any]:
        extra = _CONSTRAINTS.get((cls, name))
        if extra is None:
            return prop
        if "anyOf" in prop:  # X | None: the constraint is X's
            return {
                "anyOf": [a if a.get("type") == "null" else _merge(a, extra) for a in prop["anyOf"]]
            }
        return _merge(prop, extra)


_UnionType: Final = type(int | None)


def _root(name: str, title: str, body: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": f"urn:safeguarding-workflow:schema:{name}",
        "title": title,
        **body,
    }
    if defs:
        document["$defs"] = dict(sorted(defs.items()))
    return document


@functools.cache
def _generated(name: str) -> dict[str, Any]:
    if name == "event":
        return event_schema()
    if name == "history_record":
        return _history_record()
    cls = _ROOTS[name]
    builder = _Builder()
    body = builder.object(cls)
    builder.defs.pop(cls.__name__, None)
    if cls is Incident:
        body["$comment"] = _INCIDENT_LIMITS
    elif cls is Command:
        body["$comment"] = _COMMAND_LIMITS
    return _root(name, f"safeguarding-workflow {cls.__name__}", body, builder.defs)


def _history_record() -> dict[str, Any]:
    """The export form `HistoryRecord.from_dict` reads: exactly what it checks, no more."""
    text = {"type": "string"}
    body = {
        "description": (
            "One history record in export form: the previous record's hash, its own hash, "
            "and the record. The record's other keys are those of its schema_version "
            f"(this release writes {SCHEMA_VERSION}); the chain, not this schema, vouches "
            "for them."
        ),
        "type": "object",
        "required": ["prev", "hash", "record"],
        "additionalProperties": False,
        "properties": {
            "prev": {"description": "The previous record's hash.", **_text(_HASH)},
            "hash": {"description": "This record's hash.", **_text(_HASH)},
            "record": {
                "type": "object",
                "required": ["tenant", "case", "seq", "id", "kind", "event"],
                "properties": {
                    "tenant": text,
                    "case": text,
                    "seq": {"type": "integer", "minimum": 1},
                    "id": text,
                    "kind": text,
                    "event": text,
                    "idempotency_key": {"type": ["string", "null"]},
                },
            },
        },
    }
    return _root("history_record", "safeguarding-workflow HistoryRecord", body, {})


def schema(name: str) -> dict[str, Any]:
    """
    The JSON Schema (draft 2020-12) of one JSON form, by name; a fresh copy.

    *name* is one of `NAMES`: ``"case"`` for `Case.to_dict()`, ``"incident"`` for
    `Incident.to_dict()` and `Incident.from_dict()`, ``"history_record"`` for
    `HistoryRecord.to_dict()`, ``"event"`` for `CloudEvent.to_dict()` (the same as
    `event_schema()`), and so on.

    Added in version 0.1.0.

    Raises:
        InvalidInputError: *name* is not one of `NAMES`.

    """
    if name not in NAMES:
        raise InvalidInputError(
            f"'name' must be one of {', '.join(map(repr, NAMES))}", field="name"
        )
    return copy.deepcopy(_generated(name))


def _payload_field(spec: PayloadField) -> dict[str, Any]:
    if spec.kind == "ref":
        return dict(_REF)
    if spec.kind == "refs":
        return {"type": "array", "items": dict(_REF), "maxItems": MAX_REFS}
    if spec.kind == "date":
        date = dict(_DATE)
        if spec.future:
            date["description"] = "A plan: it may lie after the date of the step."
        return date
    if spec.kind == "bool":
        return {"type": "boolean"}
    if spec.kind == "int":
        return {"type": "integer", "minimum": 0, "maximum": MAX_PAYLOAD_INT}
    return {"type": "string", "enum": list(spec.choices)}


def _payload_object(fields: tuple[PayloadField, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [f.name for f in fields if f.required],
        "properties": {f.name: _payload_field(f) for f in fields},
        "additionalProperties": False,
    }


def payload_schema(lifecycle: Lifecycle, event: str) -> dict[str, Any]:
    """
    The JSON Schema (draft 2020-12) of the payload of the step *event* in *lifecycle*.

    Built from the step's `PayloadField` s: references as opaque references, dates
    as ``YYYY-MM-DD``, choices as their names; no other key. Where the event is defined
    from several states with different payloads, the schema takes any of them. The
    dates' place on the case's timeline (rule TL-04) is checked when the command is
    fired, not by the schema.

    Added in version 0.1.0.

    Raises:
        InvalidInputError: *lifecycle* has no step *event*.

    """
    steps = [s for s in lifecycle.steps if s.event == event]
    if not steps:
        raise InvalidInputError("'event' is not a step of the lifecycle", field="event")
    shapes: list[dict[str, Any]] = []
    for step in steps:
        shape = _payload_object(step.payload)
        if shape not in shapes:
            shapes.append(shape)
    body = shapes[0] if len(shapes) == 1 else {"anyOf": shapes}
    summary = next((s.summary for s in steps if s.summary), "")
    return {
        "$schema": DIALECT,
        "$id": (
            f"urn:safeguarding-workflow:schema:payload:{lifecycle.name}:{lifecycle.version}:{event}"
        ),
        "title": f"Payload of the step {event!r} of the lifecycle {lifecycle.name!r}",
        "description": summary,
        "$comment": "Checked when the command is fired, not by this schema: dates lie on "
        "the case's timeline (rule TL-04); no reference holds an NHS number.",
        **body,
    }


def payload_schemas(lifecycle: Lifecycle) -> dict[str, dict[str, Any]]:
    """
    `payload_schema()` of every step of *lifecycle*, by event, in the lifecycle's order.

    Added in version 0.1.0.
    """
    return {event: payload_schema(lifecycle, event) for event in lifecycle.events}
