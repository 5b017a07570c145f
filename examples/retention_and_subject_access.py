"""
A fictional family's identifiers, from registration to disposal at the end of retention.

Everything here is invented: no real child, family or case is described. The script
registers a family in a case's encrypted identifier register, lets the case run its
course to closure, answers a subject access request from the child's mother, places and
lifts a legal hold, and disposes of the register once the tenant's retention period
has ended. Then it searches the SQLite file for what it held (nothing is left) and
verifies the history, which still holds every record. The clock is a frozen one moved
by hand; a real host passes ``sw.SystemClock()`` and a key provider on its KMS.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pendulum

import safeguarding_workflow as sw
from safeguarding_workflow.personal import Identifier, Keyring, Person, RetentionRule
from safeguarding_workflow.testing import FrozenClock

TENANT = "fictional-partnership"
BARNSLEY = "E08000016"
CASE = "case-retention-1"
#: The fictional family: never a real person's name, date of birth, school or address.
CHILD_NAME, MOTHER_NAME = "Zebedee Quillfeather", "Marigold Quillfeather"
ADDRESS, SCHOOL = "12 Imaginary Lane\nPuddleby", "Puddleby Primary School"


def main(database: str | None = None) -> None:
    """Register, close, answer a subject access request, hold, dispose, verify."""
    folder = tempfile.mkdtemp(prefix="sw-retention-")
    path = Path(database or os.path.join(folder, "retention-demo.db"))
    path.unlink(missing_ok=True)
    clock = FrozenClock(pendulum.datetime(2024, 1, 5, 10, tz="Europe/London"))
    store = sw.SqlStore.sqlite(str(path))
    workflow = sw.Workflow(
        sw.england.PACK,
        clock=clock,
        settings=[
            # The tenant's own retention schedule sets the period; the library has none.
            sw.TenantSettings(TENANT, retention=RetentionRule("RRS 4.2", years=6))
        ],
        store=store,
        # A development keyring made here; a host's keys come from its KMS (see the how-to).
        key_provider=Keyring({"kek-demo": os.urandom(32)}, "kek-demo"),
    )

    print("1. A fictional eight-year-old is seriously harmed; neglect is suspected.")
    workflow.open(
        TENANT,
        sw.Incident(
            children=[sw.Child(age=8, harm="serious_harm", normally_resident_in=BARNSLEY)],
            location=sw.Location.england(BARNSLEY),
            abuse_or_neglect="suspected",
            la_aware_at=pendulum.datetime(2024, 1, 5, 9, tz="Europe/London"),
        ),
        local_authority=BARNSLEY,
        actor="officer-17",
        case_id=CASE,
    )
    workflow.add_identifiers(
        TENANT,
        CASE,
        [
            Identifier("e-1", "p-child", "name", CHILD_NAME),
            Identifier("e-2", "p-child", "date_of_birth", "2015-03-14"),
            Identifier("e-3", "p-child", "school", SCHOOL),
            Identifier("e-4", "p-mother", "name", MOTHER_NAME),
            Identifier("e-5", "p-mother", "address", ADDRESS),
        ],
        people=[Person("p-child", "child"), Person("p-mother", "parent")],
        actor="officer-17",
    )
    print("   The family is in the case's register, sealed under the case's own key;")
    print("   the history says only that entries were added:", _kinds(workflow)[-1])

    print("\n2. The case runs its course: notified, rapid review, no further review, closed.")
    route = [
        ("notify_panel", "local_authority", {"notification_ref": "sin-0001"}),
        ("inform_safeguarding_partners", "local_authority", {"areas": [BARNSLEY]}),
        ("start_rapid_review", "safeguarding_partners", {}),
        (
            "submit_rapid_review",
            "safeguarding_partners",
            {
                "decision": "no_local_review",
                "rationale_ref": "rr-rationale-1",
                "facts_ref": "rr-facts-1",
                "immediate_actions_considered": True,
                "learning_refs": ["learning-1"],
            },
        ),
        (
            "decide_no_further_review",
            "safeguarding_partners",
            {"rationale_ref": "rr-rationale-1", "learning_refs": ["learning-1"]},
        ),
        ("close", "safeguarding_partners", {}),
    ]
    when = pendulum.datetime(2024, 1, 8, 10, tz="Europe/London")
    for event, role, payload in route:
        clock.set(when.add(hours=1))
        command = sw.Command(
            TENANT, CASE, event, actor="officer-17", role=role, occurred_at=when, payload=payload
        )
        workflow.fire(command)
        when = when.add(days=2)
    status = workflow.retention(TENANT, CASE)
    print(f"   closed on {status.closed_on}; the register may go from {status.ends_on}")

    print("\n3. The mother asks for what is held about her (a subject access request).")
    clock.set(pendulum.datetime(2026, 3, 2, 10, tz="Europe/London"))
    export = workflow.subject_access(
        TENANT,
        request_ref="SAR 2026/14",
        actor="dpo-2",
        match={"name": "marigold  QUILLFEATHER"},  # names match without regard to case
    )
    found = export.to_dict()["people"]
    print(f"   found in {len(export.case_ids)} case(s): {[p['person_id'] for p in found]},")
    print(
        f"   {len(found[0]['entries'])} entries in clear and {len(found[0]['records'])} record(s)"
    )
    print("   that name her; the access itself is on record:", _kinds(workflow)[-1])

    print("\n4. A coroner's request puts the case on legal hold; disposal waits for it.")
    workflow.place_legal_hold(TENANT, CASE, hold_ref="HOLD 2029/3", actor="dpo-2")
    assert status.ends_on is not None
    end = status.ends_on
    clock.set(pendulum.datetime(end.year, end.month, end.day, 9, tz="Europe/London"))
    try:
        workflow.dispose(TENANT, CASE, actor="dpo-2")
    except sw.DisposalRefused as refused:
        print(f"   refused: {[r.code for r in refused.reasons]}")
    workflow.lift_legal_hold(TENANT, CASE, hold_ref="HOLD 2029/3", actor="dpo-2")

    print("\n5. The retention period has ended and the hold is lifted: dispose.")
    held = store.register_row(TENANT, CASE)
    assert held is not None
    outcome = workflow.dispose(TENANT, CASE, actor="dpo-2")
    print(f"   {outcome.record.kind if outcome.record else ''}: the register row and its")
    print("   wrapped key are deleted; the record lists ids and kinds only.")
    store.engine.dispose()

    files = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    left = [
        what
        for what, needle in (
            ("the wrapped key", held.wrapped_key),
            ("the sealed register", held.sealed[13:45]),
            ("a name", CHILD_NAME.encode()),
        )
        if needle in files
    ]
    print(f"   searched the database file and its WAL byte by byte: {left or 'nothing left'}")

    history = workflow.history(TENANT, CASE)
    report = sw.verify(history)
    print(f"\n6. The history still verifies: {report.ok} ({len(history)} records).")
    store.engine.dispose()
    if database is None:
        shutil.rmtree(folder, ignore_errors=True)


def _kinds(workflow: sw.Workflow) -> list[str]:
    return [r.kind for r in workflow.history(TENANT, CASE)]


if __name__ == "__main__":
    main()
