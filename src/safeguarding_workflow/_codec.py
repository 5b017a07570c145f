"""JSON forms of facts, deadlines and times, as history records hold them."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from typing import Any, Final

import attrs
import pendulum

from ._case import Case, Deadline, DeadlineStatus
from ._facts import Child, Incident, Location
from ._times import iso_utc, utc_naive, utc_pendulum
from .exceptions import InvalidInputError

_UTC: Final = pendulum.UTC

__all__ = [
    "apply_deadline_change",
    "case_from_json",
    "case_to_json",
    "date_from_json",
    "date_to_json",
    "deadline_change",
    "deadline_from_json",
    "deadline_to_json",
    "in_utc",
    "incident_from_json",
    "incident_to_json",
    "status_change",
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
    """A deadline as JSON values."""
    return {
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
        )
    except (KeyError, TypeError, ValueError):
        raise InvalidInputError("a stored deadline is malformed", field="history") from None


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
    """A case record as JSON values: the snapshot a durable store keeps beside the history."""
    return {
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
        )
    except (KeyError, TypeError, ValueError):
        raise InvalidInputError("a stored case is malformed", field="case") from None


def _step_time_from_json(item: Any) -> tuple[int, pendulum.DateTime]:
    """One pair of `Case.step_times` from its JSON form ``[sequence, occurred_at]``."""
    sequence, at = item
    if type(sequence) is not int:
        raise InvalidInputError("a stored step time is malformed", field="case")
    return sequence, time_from_json(at)
