"""
Retention, legal holds, disposal and subject access: what `Workflow` runs for them.

Each is a command on one case (or, for subject access, on every case of a tenant that
holds the person), taken in the command's scope like the register's own commands: the
history record announcing it and any change to the register row are written together.

- A legal hold is placed and lifted by reference (``legal_hold_placed``,
  ``legal_hold_lifted``); the holds in force are folded from the case's history.
- Disposal (``register_disposed``) deletes the register row, and with it the only stored
  copy of the case's wrapped data key, in the transaction that appends its record. The
  record names the retention rule, the closing date, and the people's and entries' ids
  and kinds; the case gets the milestone ``register_disposed``, so nothing can be added
  to its register again. The chain is untouched and still verifies: the keyed digests
  of earlier records can no longer be checked against anything, by design.
- Subject access reads every register of the tenant, matches the person, and appends a
  ``register_disclosed`` record to each case it disclosed from, naming the request and
  the people, never a value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs
import orjson
import pendulum

from ._clock import read_clock
from ._events import to_cloud_event
from ._identifiers import check_reference
from ._records import Entry
from ._register_commands import DISPOSED_MILESTONE, _opened, _role, provider_of
from ._retention import RetentionStatus
from ._times import iso_utc, london_date, utc_naive
from .exceptions import (
    ConfigurationError,
    DisposalRefused,
    InvalidInputError,
)
from .personal._access import SubjectAccessExport
from .personal._register import IdentifierKind, Person, Register, Relationship, _normalised

if TYPE_CHECKING:
    from ._case import Case
    from ._reason import Reason
    from ._workflow import Workflow, _Stored
    from .history import HistoryRecord
    from .stores._base import CaseStore

#: The record kinds, and the steps the authoriser is asked about.
HOLD_PLACED: Final = "legal_hold_placed"
HOLD_LIFTED: Final = "legal_hold_lifted"
DISPOSED: Final = "register_disposed"
DISCLOSED: Final = "register_disclosed"
HOLD_STEP: Final = "legal_hold"
DISPOSE_STEP: Final = "dispose"
ACCESS_STEP: Final = "subject_access"
#: The first field of a subject access export, naming its layout and version.
EXPORT_FORMAT: Final = "safeguarding-workflow/subject-access/1"

_SPACES: Final = re.compile(r"\s+")


# -- what the history says ----------------------------------------------------------------


def holds_in_force(records: Iterable[HistoryRecord]) -> tuple[str, ...]:
    """The references of the legal holds placed and not lifted, in the order placed."""
    holds: dict[str, None] = {}
    for record in records:
        if record.kind == HOLD_PLACED:
            holds[_payload(record)["hold_ref"]] = None
        elif record.kind == HOLD_LIFTED:
            holds.pop(_payload(record)["hold_ref"], None)
    return tuple(holds)


def _payload(record: HistoryRecord) -> dict[str, Any]:
    payload: dict[str, Any] = orjson.loads(record.body)["payload"]
    return payload


def closed_on(workflow: Workflow, case: Case) -> pendulum.Date | None:
    """The closing date of *case* (Europe/London), or None while it is not in a terminal state."""
    if case.state not in workflow.pack.lifecycle_named(case.lifecycle).terminal:
        return None
    return london_date(utc_naive(case.last_step_at))


def status(
    workflow: Workflow, store: CaseStore, case: Case, as_of: pendulum.Date
) -> RetentionStatus:
    """Where *case* stands on retention on *as_of*."""
    rule = workflow.settings(case.tenant_id).retention
    closed = closed_on(workflow, case)
    ends = None if closed is None or rule is None else rule.ends_on(closed)
    return RetentionStatus(
        case_id=case.case_id,
        closed_on=closed,
        rule=rule,
        ends_on=ends,
        holds=holds_in_force(store.history(case.tenant_id, case.case_id)),
        disposed_on=case.milestone(DISPOSED_MILESTONE),
        as_of=as_of,
    )


# -- commands -----------------------------------------------------------------------------


def _now(workflow: Workflow) -> str:
    return iso_utc(utc_naive(read_clock(workflow.clock)))


def legal_hold(
    workflow: Workflow,
    store: CaseStore,
    tenant_id: str,
    case_id: str,
    hold_ref: str,
    actor: str,
    role: str | None,
    *,
    place: bool,
) -> _Stored:
    """`Workflow.place_legal_hold` and `Workflow.lift_legal_hold` in the command's scope."""
    check_reference(hold_ref, "hold_ref")
    case = store.get(tenant_id, case_id)
    role = _role(workflow, case, role, actor, HOLD_STEP)
    holds = holds_in_force(store.history(tenant_id, case_id))
    if place and hold_ref in holds:
        raise InvalidInputError("a legal hold with this reference is in force", field="hold_ref")
    if not place and hold_ref not in holds:
        raise InvalidInputError("no legal hold with this reference is in force", field="hold_ref")
    entry = Entry.note(
        HOLD_PLACED if place else HOLD_LIFTED,
        "place_legal_hold" if place else "lift_legal_hold",
        actor,
        role,
        _now(workflow),
        {"hold_ref": hold_ref},
        {},
    )
    return workflow._append(store, case, {}, entry)


def _reason(code: str, message: str) -> Reason:
    from ._reason import Reason

    return Reason(code, message, ())


def dispose(
    workflow: Workflow,
    store: CaseStore,
    tenant_id: str,
    case_id: str,
    actor: str,
    role: str | None,
    expected_version: int | None,
) -> _Stored:
    """`Workflow.dispose` in the command's scope."""
    from ._workflow import _check_version

    rule = workflow.settings(tenant_id).retention
    if rule is None:
        raise ConfigurationError(
            "the tenant has no retention rule: give TenantSettings(retention=RetentionRule(...)); "
            "the library sets no retention period of its own",
            field="retention",
        )
    case = store.get(tenant_id, case_id)
    _check_version(case, expected_version)
    role = _role(workflow, case, role, actor, DISPOSE_STEP)
    now = read_clock(workflow.clock)
    today = london_date(utc_naive(now))
    state = status(workflow, store, case, today)
    reasons = _refusals(state)
    if reasons:
        raise DisposalRefused(
            "; ".join(r.message for r in reasons),
            case_id=case_id,
            event=DISPOSE_STEP,
            reasons=reasons,
        )
    closed, ends = state.closed_on, state.ends_on
    if closed is None or ends is None:  # pragma: no cover - _refusals refused these
        raise DisposalRefused("the case is not closed", case_id=case_id, event=DISPOSE_STEP)
    row = store.register_row(tenant_id, case_id)
    disposed: dict[str, Any] = {"people": [], "entries": []}
    if row is not None:
        register = _opened(row, provider_of(workflow), tenant_id, case_id)[0]
        disposed = {
            "people": [p.person_id for p in register.people],
            "entries": [
                {"entry_id": e.entry_id, "person_id": e.person_id, "kind": str(e.kind)}
                for e in register.entries
            ],
        }
    entry = Entry.note(
        DISPOSED,
        "dispose",
        actor,
        role,
        iso_utc(utc_naive(now)),
        {
            "retention_ref": rule.reference,
            "closed_on": closed.isoformat(),
            "retention_ended_on": ends.isoformat(),
        },
        {
            "register": {"disposed": disposed},
            "milestones": {DISPOSED_MILESTONE: today.isoformat()},
        },
    )
    milestones = (*case.milestones, (DISPOSED_MILESTONE, today))
    return workflow._append(store, case, {"milestones": milestones}, entry, dispose=True)


def _refusals(state: RetentionStatus) -> tuple[Reason, ...]:
    if state.disposed_on is not None:
        return (_reason("already_disposed", "the case's register was disposed of already"),)
    reasons = []
    if state.closed_on is None:
        reasons.append(
            _reason("case_open", "the case is not closed: retention runs from its closing date")
        )
    elif state.ends_on is not None and state.ends_on > state.as_of:
        reasons.append(
            _reason(
                "retention_running",
                f"the retention period runs until {state.ends_on.isoformat()}",
            )
        )
    if state.holds:
        reasons.append(
            _reason("legal_hold", f"{len(state.holds)} legal hold(s) in force suspend disposal")
        )
    return tuple(reasons)


# -- subject access -----------------------------------------------------------------------


def _comparable(kind: IdentifierKind, value: str) -> str:
    """A value as compared for a match: names and free text case- and space-insensitive."""
    if kind in (
        IdentifierKind.NAME,
        IdentifierKind.ALIAS,
        IdentifierKind.SCHOOL,
        IdentifierKind.ADDRESS,
        IdentifierKind.FACT,
    ):
        text = unicodedata.normalize("NFKC", value).casefold()
        return _SPACES.sub(" ", text).strip()
    return value


def check_match(match: object) -> tuple[tuple[IdentifierKind, str], ...]:
    """The request's identifiers, each checked and normalised for its kind (values unrepeated)."""
    if match is None:
        return ()
    if not isinstance(match, Mapping):
        raise InvalidInputError(
            "'match' must be a mapping of identifier kinds to values", field="match"
        )
    pairs = []
    for kind, value in match.items():
        try:
            member = IdentifierKind(kind)
        except ValueError:
            raise InvalidInputError(
                "'match' keys must be identifier kinds", field="match"
            ) from None
        if member is IdentifierKind.ALIAS:
            member = IdentifierKind.NAME  # a name matches names and aliases alike
        pairs.append((member, _comparable(member, _normalised(member, value))))
    return tuple(pairs)


def _matches(
    register: Register,
    person: Person,
    person_id: str | None,
    match: tuple[tuple[IdentifierKind, str], ...],
) -> bool:
    if person_id is not None and person.person_id != person_id:
        return False
    if not match:
        return person_id is not None
    held: set[tuple[IdentifierKind, str]] = set()
    for entry in register.entries_of(person.person_id):
        kind = IdentifierKind.NAME if entry.kind is IdentifierKind.ALIAS else entry.kind
        held.add((kind, _comparable(kind, entry.value)))
    return all(pair in held for pair in match)


def _refers(value: Any, ids: frozenset[str]) -> bool:
    if isinstance(value, str):
        return value in ids
    if isinstance(value, dict):
        return any(_refers(v, ids) for v in value.values())
    if isinstance(value, list):
        return any(_refers(v, ids) for v in value)
    return False


@attrs.frozen
class _Found:
    case: Case
    register: Register
    people: tuple[Person, ...]


def subject_access(
    workflow: Workflow,
    store: CaseStore,
    tenant_id: str,
    person_id: str | None,
    match: tuple[tuple[IdentifierKind, str], ...],
    request_ref: str,
    actor: str,
    role: str | None,
) -> tuple[SubjectAccessExport, list[_Stored]]:
    """`Workflow.subject_access` in one scope: the export, and the records of the disclosures."""
    provider = provider_of(workflow)
    found: list[_Found] = []
    for case_id, row in store.register_rows(tenant_id):
        register = _opened(row, provider, tenant_id, case_id)[0]
        people = tuple(p for p in register.people if _matches(register, p, person_id, match))
        if people:
            found.append(_Found(store.get(tenant_id, case_id), register, people))
    now = _now(workflow)
    export_people: list[dict[str, Any]] = []
    stored: list[_Stored] = []
    # Every case's role and authorisation first: a refusal for one leaves every case as it
    # was, on stores whose transaction cannot roll back (the memory store's) too.
    roles = [_role(workflow, item.case, role, actor, ACCESS_STEP) for item in found]
    for item, acting in zip(found, roles, strict=True):
        case = item.case
        history = store.history(tenant_id, case.case_id)
        for person in item.people:
            entries = item.register.entries_of(person.person_id)
            ids = frozenset((person.person_id, *(e.entry_id for e in entries)))
            records = [
                r
                for r in history
                if person.relationship is Relationship.CHILD
                or _refers(orjson.loads(r.body).get("payload"), ids)
                or _refers(orjson.loads(r.body).get("changes"), ids)
            ]
            export_people.append(
                {
                    "case_id": case.case_id,
                    "person_id": person.person_id,
                    "relationship": str(person.relationship),
                    "entries": [
                        {"entry_id": e.entry_id, "kind": str(e.kind), "value": e.value}
                        for e in entries
                    ],
                    "records": [r.to_dict() for r in records],
                    "events": [_event(case, r) for r in records],
                }
            )
        entry = Entry.note(
            DISCLOSED,
            "subject_access",
            actor,
            acting,
            now,
            {"request_ref": request_ref},
            {"register": {"disclosed": [p.person_id for p in item.people]}},
        )
        stored.append(workflow._append(store, case, {}, entry))
    data = {
        "format": EXPORT_FORMAT,
        "tenant_id": tenant_id,
        "request_ref": request_ref,
        "generated_at": now,
        "matched_on": sorted(
            {str(kind) for kind, _ in match} | ({"person_id"} if person_id else set())
        ),
        "people": export_people,
    }
    case_ids = tuple(item.case.case_id for item in found)
    return SubjectAccessExport(tenant_id, request_ref, case_ids, data=data), stored


def _event(case: Case, record: HistoryRecord) -> dict[str, Any]:
    recorded_at = orjson.loads(record.body)["recorded_at"]
    event: dict[str, Any] = to_cloud_event(record, case.lifecycle, recorded_at).to_dict()
    return event
