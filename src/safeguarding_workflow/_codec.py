"""JSON forms of facts, deadlines and times, as history records hold them."""

from __future__ import annotations

import datetime as dt
import enum
import operator
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs
import pendulum

from ._case import Case, Command, Deadline, DeadlineStatus
from ._facts import MAX_CHILDREN, Child, Incident, Location
from ._times import iso_utc, utc_naive, utc_pendulum
from .exceptions import InvalidInputError

_UTC: Final = pendulum.UTC

__all__ = [
    "DATE_PATTERN",
    "DEADLINE_DERIVED",
    "EVENT_PATTERN",
    "TIME_PATTERN",
    "apply_deadline_change",
    "case_from_json",
    "case_to_dict",
    "case_to_json",
    "command_from_dict",
    "command_to_dict",
    "date_from_dict",
    "date_from_json",
    "date_to_json",
    "deadline_change",
    "deadline_from_json",
    "deadline_to_dict",
    "deadline_to_json",
    "in_utc",
    "incident_from_dict",
    "incident_from_json",
    "incident_to_json",
    "json_value",
    "status_change",
    "time_from_dict",
    "time_from_json",
    "time_to_json",
    "utc_facts",
]


def date_to_json(value: pendulum.Date | None) -> str | None:
    """``YYYY-MM-DD`` or None."""
    return None if value is None else value.isoformat()


def date_from_json(value: object) -> pendulum.Date | None:
    """The inverse of `date_to_json()`."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInputError("a stored date is malformed", field="history")
    try:
        return pendulum.Date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError("a stored date is malformed", field="history") from None


def time_to_json(value: dt.datetime) -> str:
    """The instant in UTC, ISO 8601 with microseconds: ``2024-01-03T09:30:00.000000Z``."""
    return iso_utc(utc_naive(value))


def time_from_json(value: object) -> pendulum.DateTime:
    """The inverse of `time_to_json()`: a pendulum DateTime in UTC."""
    if not isinstance(value, str) or not value.endswith("Z"):
        raise InvalidInputError("a stored time is malformed", field="history")
    try:
        t = dt.datetime.fromisoformat(value[:-1])
    except ValueError:
        raise InvalidInputError("a stored time is malformed", field="history") from None
    if t.tzinfo is not None:
        raise InvalidInputError("a stored time is malformed", field="history")
    return pendulum.DateTime(
        t.year, t.month, t.day, t.hour, t.minute, t.second, t.microsecond, tzinfo=_UTC
    )


def in_utc(value: dt.datetime) -> pendulum.DateTime:
    """
    The instant as a pendulum DateTime in UTC, to the microsecond.

    Exactly what its JSON form reads back as, so a case holds the same values
    whether it was just built or read back from a store.
    """
    return utc_pendulum(utc_naive(value))


def utc_facts(incident: Incident) -> Incident:
    """The incident with ``la_aware_at`` in UTC (see `in_utc()`)."""
    aware = in_utc(incident.la_aware_at)
    if aware.tzinfo is incident.la_aware_at.tzinfo and aware == incident.la_aware_at:
        return incident
    return attrs.evolve(incident, la_aware_at=aware)


def incident_to_json(incident: Incident) -> dict[str, Any]:
    """The incident's facts as JSON values (no personal data: the facts hold none)."""
    return {
        "children": [
            {
                "age": c.age,
                "harm": c.harm.value,
                "normally_resident_in": c.normally_resident_in,
                "looked_after_by": c.looked_after_by,
                "care_leaver_of": c.care_leaver_of,
                **({"unborn": True} if c.unborn else {}),  # only when set: old bytes stay
            }
            for c in incident.children
        ],
        "location": {
            "place": incident.location.place.value,
            "local_authority": incident.location.local_authority,
        },
        "abuse_or_neglect": incident.abuse_or_neglect.value,
        "la_aware_at": time_to_json(incident.la_aware_at),
        "abuse_or_neglect_since": date_to_json(incident.abuse_or_neglect_since),
        "occurred_on": date_to_json(incident.occurred_on),
        "partners_aware_on": date_to_json(incident.partners_aware_on),
    }


def incident_from_json(data: Any) -> Incident:
    """The inverse of `incident_to_json()`; malformed data raises InvalidInputError."""
    try:
        return Incident(
            children=[Child(**child) for child in data["children"]],
            location=Location(**data["location"]),
            abuse_or_neglect=data["abuse_or_neglect"],
            la_aware_at=time_from_json(data["la_aware_at"]),
            abuse_or_neglect_since=date_from_json(data["abuse_or_neglect_since"]),
            occurred_on=date_from_json(data["occurred_on"]),
            partners_aware_on=date_from_json(data["partners_aware_on"]),
        )
    except (KeyError, TypeError, AttributeError):
        raise InvalidInputError("stored facts are malformed", field="history") from None


def deadline_to_json(d: Deadline) -> dict[str, Any]:
    """
    A deadline as JSON values.

    ``fingerprint`` is written only when there is one, so a deadline recorded before
    fingerprints existed has the same bytes, and the same state digest, as it had.
    """
    data = {
        "kind": d.kind,
        "rule_ids": list(d.rule_ids),
        "anchor_event": d.anchor_event,
        "anchor_on": date_to_json(d.anchor_on),
        "working_days": d.working_days,
        "months": d.months,
        "due": date_to_json(d.due),
        "projected": d.projected,
        "non_working_day": d.non_working_day,
        "status": d.status.value,
        "met_on": date_to_json(d.met_on),
        "met_by": d.met_by,
    }
    if d.fingerprint is not None:
        data["fingerprint"] = d.fingerprint
    return data


def deadline_from_json(data: Any) -> Deadline:
    """The inverse of `deadline_to_json()`; malformed data raises InvalidInputError."""
    try:
        return Deadline(
            kind=str(data["kind"]),
            rule_ids=tuple(str(r) for r in data["rule_ids"]),
            anchor_event=str(data["anchor_event"]),
            anchor_on=date_from_json(data["anchor_on"]),
            working_days=data["working_days"],
            months=data["months"],
            due=date_from_json(data["due"]),
            projected=bool(data["projected"]),
            non_working_day=bool(data["non_working_day"]),
            status=DeadlineStatus(data["status"]),
            met_on=date_from_json(data["met_on"]),
            met_by=data["met_by"],
            fingerprint=_fingerprint_from_json(data.get("fingerprint")),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InvalidInputError("a stored deadline is malformed", field="history") from None


def _fingerprint_from_json(value: object) -> str | None:
    """A stored fingerprint, interned: the cases read share one copy of each (P2)."""
    if value is None:
        return None
    if isinstance(value, str):
        return sys.intern(value)
    raise TypeError("a fingerprint is a string")


_DEADLINE_FIELDS: Final = (
    "kind",
    "rule_ids",
    "anchor_event",
    "anchor_on",
    "working_days",
    "months",
    "due",
    "projected",
    "non_working_day",
    "status",
    "met_on",
    "met_by",
    "fingerprint",
)


def deadline_change(old: Deadline | None, new: Deadline) -> dict[str, Any]:
    """
    What changed from *old* to *new*, as JSON: the kind plus each changed field.

    A new deadline (*old* None) is written whole. Records stay small: meeting a
    deadline writes its kind, status, ``met_on`` and ``met_by`` only.
    """
    if old is None:
        return deadline_to_json(new)
    change: dict[str, Any] = {"kind": new.kind}
    # One C-level fetch of each side's values, and only the changed fields put in JSON form:
    # the same entries as taking them from deadline_to_json(new) (a test compares the two).
    for name, was, now in zip(
        _CHANGEABLE, _changeable_values(old), _changeable_values(new), strict=True
    ):
        if was != now:
            to_json = _FIELD_TO_JSON.get(name)
            change[name] = now if to_json is None else to_json(now)
    return change


def status_change(old: Deadline, new: Deadline) -> dict[str, Any]:
    """
    `deadline_change()` for a *new* that ``old.with_status(...)`` made.

    Such a deadline differs from *old* at most in ``status``, ``met_on`` and
    ``met_by``, so only those are compared (in the order deadline_change writes them).
    """
    change: dict[str, Any] = {"kind": new.kind}
    if old.status != new.status:
        change["status"] = new.status.value
    if old.met_on != new.met_on:
        change["met_on"] = date_to_json(new.met_on)
    if old.met_by != new.met_by:
        change["met_by"] = new.met_by
    return change


_CHANGEABLE: Final = _DEADLINE_FIELDS[1:]
_changeable_values: Final = operator.attrgetter(*_CHANGEABLE)
#: How deadline_to_json writes the fields it does not write as they are.
_FIELD_TO_JSON: Final[dict[str, Callable[[Any], Any]]] = {
    "rule_ids": list,
    "anchor_on": date_to_json,
    "due": date_to_json,
    "status": operator.attrgetter("value"),
    "met_on": date_to_json,
}


def apply_deadline_change(old: Deadline | None, change: Any) -> Deadline:
    """The deadline after a recorded change (the inverse of `deadline_change()`)."""
    if old is None:
        return deadline_from_json(change)
    if not isinstance(change, dict):
        raise InvalidInputError("a stored deadline change is malformed", field="history")
    return deadline_from_json({**deadline_to_json(old), **change})


def case_to_json(case: Case) -> dict[str, Any]:
    """
    A case record as JSON values: the snapshot a durable store keeps beside the history.

    ``local_authority_given`` is written only when the case has one, so a case without it
    has the very form (and canonical state) it had before the field existed.
    """
    data: dict[str, Any] = {
        "tenant": case.tenant_id,
        "case": case.case_id,
        "local_authority": case.local_authority,
        "state": case.state,
        "facts": incident_to_json(case.facts),
        "deadlines": [deadline_to_json(d) for d in case.deadlines],
        "milestones": [[name, on.isoformat()] for name, on in case.milestones],
        "version": case.version,
        "head": case.head,
        "last_step_at": time_to_json(case.last_step_at),
        "lifecycle": case.lifecycle,
        "lifecycle_version": case.lifecycle_version,
        "rule_pack": case.rule_pack,
        "rule_pack_version": case.rule_pack_version,
        "step_times": [[sequence, time_to_json(at)] for sequence, at in case.step_times],
    }
    if case.local_authority_given is not None:
        data["local_authority_given"] = case.local_authority_given
    return data


def case_from_json(data: Any) -> Case:
    """The inverse of `case_to_json()`; malformed data raises InvalidInputError."""
    try:
        milestones = []
        for name, on in data["milestones"]:
            day = date_from_json(on)
            if day is None:
                raise InvalidInputError("a stored milestone is malformed", field="case")
            milestones.append((str(name), day))
        return Case(
            tenant_id=str(data["tenant"]),
            case_id=str(data["case"]),
            local_authority=str(data["local_authority"]),
            state=str(data["state"]),
            facts=incident_from_json(data["facts"]),
            deadlines=tuple(deadline_from_json(d) for d in data["deadlines"]),
            milestones=tuple(milestones),
            version=int(data["version"]),
            head=str(data["head"]),
            last_step_at=time_from_json(data["last_step_at"]),
            lifecycle=str(data["lifecycle"]),
            lifecycle_version=str(data["lifecycle_version"]),
            rule_pack=str(data["rule_pack"]),
            rule_pack_version=str(data["rule_pack_version"]),
            step_times=tuple(_step_time_from_json(item) for item in data["step_times"]),
            local_authority_given=given_authority_from_json(data.get("local_authority_given")),
        )
    except (KeyError, TypeError, ValueError):
        raise InvalidInputError("a stored case is malformed", field="case") from None


def given_authority_from_json(value: object) -> str | None:
    """`Case.local_authority_given` from its JSON form: absent (None) or a string."""
    if value is None:
        return None
    if type(value) is not str:
        raise InvalidInputError("a stored case is malformed", field="case")
    return value


def _step_time_from_json(item: Any) -> tuple[int, pendulum.DateTime]:
    """One pair of `Case.step_times` from its JSON form ``[sequence, occurred_at]``."""
    sequence, at = item
    if type(sequence) is not int:
        raise InvalidInputError("a stored step time is malformed", field="case")
    return sequence, time_from_json(at)


# The public JSON forms: ``to_dict()`` of the library's values and ``from_dict()`` of what a
# host sends. They build on the stored forms above; `schemas` describes them.

#: A date as the JSON forms write and read it: ``YYYY-MM-DD``.
DATE_PATTERN: Final = r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
#: An instant as ``from_dict()`` reads it: RFC 3339 with an offset (``Z`` or ``+01:00``), seconds
#: given, at most 6 digits of fraction. `to_dict()` writes the UTC form of `time_to_json()`.
TIME_PATTERN: Final = (
    DATE_PATTERN
    + r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?"
    + r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
#: A step's name, as a command sent as JSON gives it (ASCII; a lifecycle's own are snake_case).
EVENT_PATTERN: Final = r"[A-Za-z_][A-Za-z0-9_]{0,63}"
#: The properties `Deadline.to_dict()` adds to the stored form, taken from its rules.
DEADLINE_DERIVED: Final = ("citations", "basis", "verification")

_DATE: Final = re.compile(DATE_PATTERN)
_TIME: Final = re.compile(TIME_PATTERN)
_EVENT: Final = re.compile(EVENT_PATTERN)


def json_value(value: Any, field: str = "value") -> Any:
    """
    The JSON form of a value of the library's types.

    Enums give their values, dates ``YYYY-MM-DD``, instants `time_to_json()`, tuples and
    lists lists, sets sorted lists, mappings objects, and attrs values an object of their
    fields (those set when built) by name, in field order.

    Raises:
        InvalidInputError: a value (in a command's payload, say) has no JSON form; the
            error names *field*.

    """
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return time_to_json(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [json_value(v, field) for v in value]
    if isinstance(value, frozenset | set):
        items = [json_value(v, field) for v in value]
        try:
            return sorted(items)
        except TypeError:
            raise _no_json_form(field) from None
    if isinstance(value, Mapping):
        return {str(k): json_value(v, field) for k, v in value.items()}
    if attrs.has(type(value)):
        return {
            f.name: json_value(getattr(value, f.name), field)
            for f in attrs.fields(type(value))
            if f.init
        }
    raise _no_json_form(field)


def _no_json_form(field: str) -> InvalidInputError:
    return InvalidInputError(f"{field!r} holds a value that has no JSON form", field=field)


def deadline_to_dict(deadline: Deadline) -> dict[str, Any]:
    """`deadline_to_json()` plus what its rules say: its citations, basis and verification."""
    data = deadline_to_json(deadline)
    data.setdefault("fingerprint", None)  # every field, as case_to_dict writes them
    for name in DEADLINE_DERIVED:
        data[name] = json_value(getattr(deadline, name))
    return data


def case_to_dict(case: Case) -> dict[str, Any]:
    """
    `case_to_json()` with the field names of `Case` and each deadline's `deadline_to_dict()`.

    The stored snapshot names the tenant and the case ``tenant`` and ``case`` (as history
    records and events do); the public form uses the attribute names throughout, and
    writes every field (null where unset).
    """
    data = case_to_json(case)
    data["tenant_id"], data["case_id"] = data.pop("tenant"), data.pop("case")
    data["deadlines"] = [deadline_to_dict(d) for d in case.deadlines]
    # Every field, in field order: one the snapshot leaves out when unset is written as null.
    return {
        f.name: data[f.name] if f.name in data else json_value(getattr(case, f.name))
        for f in attrs.fields(Case)
    }


def command_to_dict(command: Command) -> dict[str, Any]:
    """A command as JSON values, by field name: what `command_from_dict()` reads back."""
    return {
        "tenant_id": command.tenant_id,
        "case_id": command.case_id,
        "event": command.event,
        "actor": command.actor,
        "role": command.role,
        "occurred_at": time_to_json(command.occurred_at),
        "payload": json_value(command.payload, "Command.payload"),
        "expected_version": command.expected_version,
        "idempotency_key": command.idempotency_key,
        "roles": None if command.roles is None else sorted(command.roles),
    }


def _object(
    value: object, field: str, required: frozenset[str], optional: frozenset[str]
) -> dict[str, Any]:
    """*value* as an object holding every *required* key and no key but those and *optional*."""
    if type(value) is not dict:
        raise InvalidInputError(f"{field!r} must be a JSON object", field=field)
    missing = sorted(required - value.keys())
    if missing:
        name = f"{field}.{missing[0]}"
        raise InvalidInputError(f"{name!r} is required", field=name)
    if not value.keys() <= required | optional:
        # The key is the caller's text: named by the object it is in, never echoed.
        raise InvalidInputError(f"{field!r} holds a key it does not take", field=field)
    return value


def _text(value: object, pattern: re.Pattern[str], field: str, what: str) -> str:
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise InvalidInputError(f"{field!r} must be {what}", field=field)
    return value


def _whole(value: object) -> object:
    """An integral JSON number as an int (JSON Schema's ``integer`` takes ``3.0`` too)."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


def date_from_dict(value: object, field: str) -> pendulum.Date | None:
    """A ``YYYY-MM-DD`` date or None (JSON ``null``); anything else raises naming *field*."""
    if value is None:
        return None
    text = _text(value, _DATE, field, "a date written YYYY-MM-DD, or null")
    try:
        return pendulum.Date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"{field!r} must be a date that exists", field=field) from None


def time_from_dict(value: object, field: str) -> pendulum.DateTime:
    """An RFC 3339 instant with its offset (see `TIME_PATTERN`); anything else raises."""
    text = _text(value, _TIME, field, "an RFC 3339 date and time with an offset")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"{field!r} must be an instant that exists", field=field) from None
    return pendulum.instance(parsed)


_CHILD_REQUIRED: Final = frozenset({"age", "harm"})
_CHILD_OPTIONAL: Final = frozenset(
    {"normally_resident_in", "looked_after_by", "care_leaver_of", "unborn"}
)
_INCIDENT_REQUIRED: Final = frozenset({"children", "location", "abuse_or_neglect", "la_aware_at"})
_INCIDENT_OPTIONAL: Final = frozenset(
    {"abuse_or_neglect_since", "occurred_on", "partners_aware_on"}
)


def incident_from_dict(data: object) -> Incident:
    """
    An incident from its JSON form (`incident_to_json()`, or a host's own), checked.

    Keys with a default may be left out; ``null`` stands for None. Nothing is coerced:
    an age is a JSON integer, dates are ``YYYY-MM-DD``, ``la_aware_at`` an RFC 3339
    instant with its offset.

    Raises:
        InvalidInputError: naming the field, never echoing a value.

    """
    facts = _object(data, "Incident", _INCIDENT_REQUIRED, _INCIDENT_OPTIONAL)
    children = facts["children"]
    if type(children) is not list:
        raise InvalidInputError(
            "'Incident.children' must be a JSON array", field="Incident.children"
        )
    built = []
    for item in children[: MAX_CHILDREN + 1]:  # Incident refuses more; build no more than that
        child = _object(item, "Child", _CHILD_REQUIRED, _CHILD_OPTIONAL)
        if not isinstance(child["harm"], str):
            raise InvalidInputError("'Child.harm' must be a string", field="Child.harm")
        built.append(Child(**{**child, "age": _whole(child["age"])}))
    place = _object(
        facts["location"], "Location", frozenset({"place"}), frozenset({"local_authority"})
    )
    if not isinstance(place["place"], str):
        raise InvalidInputError("'Location.place' must be a string", field="Location.place")
    if not isinstance(facts["abuse_or_neglect"], str):
        raise InvalidInputError(
            "'Incident.abuse_or_neglect' must be a string", field="Incident.abuse_or_neglect"
        )
    return Incident(
        children=built,
        location=Location(**place),
        abuse_or_neglect=facts["abuse_or_neglect"],
        la_aware_at=time_from_dict(facts["la_aware_at"], "Incident.la_aware_at"),
        **{
            name: date_from_dict(facts.get(name), f"Incident.{name}")
            for name in sorted(_INCIDENT_OPTIONAL)
        },
    )


_COMMAND_REQUIRED: Final = frozenset({"tenant_id", "case_id", "event", "actor", "occurred_at"})
_COMMAND_OPTIONAL: Final = frozenset(
    {"role", "roles", "payload", "expected_version", "idempotency_key"}
)


def command_from_dict(data: object) -> Command:
    """
    A command from its JSON form (`command_to_dict()`, or a host's own), checked.

    ``role`` or ``roles`` must be given; ``roles`` is an array of distinct role names.
    ``payload`` is a JSON object when given (each step's fields are checked when the
    command is fired, or against `schemas.payload_schema()`).

    Raises:
        InvalidInputError: naming the field, never echoing a value.

    """
    fields = _object(data, "Command", _COMMAND_REQUIRED, _COMMAND_OPTIONAL)
    _text(fields["event"], _EVENT, "Command.event", "a step name")
    roles = fields.get("roles")
    if roles is not None and (
        type(roles) is not list
        or not all(isinstance(r, str) for r in roles)
        or len(set(roles)) != len(roles)
    ):
        raise InvalidInputError(
            "'Command.roles' must be a JSON array of distinct role names, or null",
            field="Command.roles",
        )
    payload = fields.get("payload", {})
    if type(payload) is not dict:
        raise InvalidInputError("'Command.payload' must be a JSON object", field="Command.payload")
    return Command(
        fields["tenant_id"],
        fields["case_id"],
        fields["event"],
        actor=fields["actor"],
        role=fields.get("role"),
        roles=roles,
        occurred_at=time_from_dict(fields["occurred_at"], "Command.occurred_at"),
        payload=payload,
        expected_version=_whole(fields.get("expected_version")),  # type: ignore[arg-type]  # Command checks it
        idempotency_key=fields.get("idempotency_key"),
    )
