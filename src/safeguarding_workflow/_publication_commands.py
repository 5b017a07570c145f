"""
Leak checks and their clearing, on the record: what `Workflow` runs for them.

A leak check of one document version (`publication.check`) is recorded against the case
(``leak_check``): the version's digest, the host's reference to the document, and each
finding's id, kind, severity and part, never its text. A reviewer clears findings by id
with a reason (``findings_cleared``), against the same digest. The publication steps'
guards read both from the history: publishing needs a recorded check of that exact
version with every finding cleared and nothing unread.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

import orjson

from ._clock import read_clock
from ._identifiers import check_opaque_id, check_reference
from ._records import Entry
from ._times import iso_utc, utc_naive
from .exceptions import InvalidInputError, RoleNotPermitted

if TYPE_CHECKING:
    from ._case import Case
    from ._workflow import Workflow, _Stored
    from .publication._check import LeakReport
    from .stores._base import CaseStore

#: The record kinds, and the steps the authoriser is asked about.
CHECKED: Final = "leak_check"
CLEARED: Final = "findings_cleared"
_DIGEST: Final = re.compile(r"[0-9a-f]{64}")
_FINDING_ID: Final = re.compile(r"[a-z_]+@[0-9]+")
#: What leak-check records cite: the report is written so that publishing it harms no child.
_RULES: Final = ("LR-07",)


def check_digest(value: object, field: str = "digest") -> str:
    """*value* if it is a SHA-256 digest in lowercase hexadecimal, else `InvalidInputError`."""
    if type(value) is not str or not _DIGEST.fullmatch(value):
        raise InvalidInputError(
            f"'{field}' must be a document digest (64 lowercase hexadecimal digits)", field=field
        )
    return value


def _role(workflow: Workflow, case: Case, role: str | None, actor: str, step: str) -> str:
    """The acting role: any role of the lifecycle (the pack's first opener by default)."""
    from ._workflow import _raise

    if role is None:
        role = workflow.pack.openers[0]
    check_opaque_id(role, "role")
    if role not in workflow.pack.lifecycle_named(case.lifecycle).roles:
        raise RoleNotPermitted(
            "the role is not a role of the lifecycle",
            case_id=case.case_id,
            event=step,
            field="role",
        )
    if workflow.authoriser is not None:
        workflow._authorise(workflow.authoriser, actor, frozenset((role,)), case, step, _raise)
    return role


def _body(record: Any) -> dict[str, Any]:
    body: dict[str, Any] = orjson.loads(record.body)
    return body


def checks_of(records: Iterable[Any], digest: str) -> tuple[dict[str, Any] | None, set[str]]:
    """The last recorded leak check of *digest* (its ``changes``), and the ids cleared for it."""
    last: dict[str, Any] | None = None
    cleared: set[str] = set()
    for record in records:
        if record.kind == CHECKED:
            body = _body(record)
            if body["payload"]["digest"] == digest:
                last = body["changes"]["leak_check"]
        elif record.kind == CLEARED:
            body = _body(record)
            if body["payload"]["digest"] == digest:
                cleared.update(item["id"] for item in body["payload"]["cleared"])
    return last, cleared


def record_check(
    workflow: Workflow,
    store: CaseStore,
    tenant_id: str,
    case_id: str,
    report: LeakReport,
    document_ref: str,
    actor: str,
    role: str | None,
) -> _Stored:
    """`Workflow.record_leak_check` in the command's scope."""
    from .publication._check import LeakReport

    if not isinstance(report, LeakReport):
        raise InvalidInputError("'report' must be a LeakReport", field="report")
    check_reference(document_ref, "document_ref")
    case = store.get(tenant_id, case_id)
    role = _role(workflow, case, role, actor, CHECKED)
    now = iso_utc(utc_naive(read_clock(workflow.clock)))
    changes = {
        "leak_check": {
            "clean": report.clean,
            "findings": [
                {
                    "id": f.finding_id,
                    "kind": str(f.kind),
                    "severity": str(f.severity),
                    "part": str(f.part),
                }
                for f in report.findings
            ],
            "unreadable": len(report.unreadable),
        }
    }
    payload = {"digest": report.digest, "document_ref": document_ref}
    entry = Entry.note(CHECKED, "record_leak_check", actor, role, now, payload, changes, _RULES)
    return workflow._append(store, case, {}, entry)


def clear(
    workflow: Workflow,
    store: CaseStore,
    tenant_id: str,
    case_id: str,
    digest: str,
    clearances: object,
    actor: str,
    role: str | None,
) -> _Stored:
    """`Workflow.clear_findings` in the command's scope."""
    check_digest(digest)
    if not isinstance(clearances, Mapping) or not clearances:
        raise InvalidInputError(
            "'clearances' must map finding ids to the references of the reasons",
            field="clearances",
        )
    cleared = []
    for finding_id, reason_ref in clearances.items():
        if type(finding_id) is not str or not _FINDING_ID.fullmatch(finding_id):
            raise InvalidInputError(
                "'clearances' keys must be finding ids such as 'name@1042'", field="clearances"
            )
        check_reference(reason_ref, "clearances")
        cleared.append({"id": finding_id, "reason_ref": reason_ref})
    case = store.get(tenant_id, case_id)
    role = _role(workflow, case, role, actor, CLEARED)
    last, _ = checks_of(store.history(tenant_id, case_id), digest)
    if last is None:
        raise InvalidInputError(
            "no leak check of this document version is recorded on the case", field="digest"
        )
    known = {item["id"] for item in last["findings"]}
    if any(item["id"] not in known for item in cleared):
        raise InvalidInputError(
            "'clearances' names a finding the recorded check of this version does not have",
            field="clearances",
        )
    now = iso_utc(utc_naive(read_clock(workflow.clock)))
    payload = {"digest": digest, "cleared": sorted(cleared, key=lambda c: c["id"])}
    entry = Entry.note(CLEARED, "clear_findings", actor, role, now, payload, {}, _RULES)
    return workflow._append(store, case, {}, entry)
