"""
The identifier register's commands: what `Workflow` runs to change and read a case's register.

A change reads the case and its register row in the command's scope, opens the sealed
register with the case's data key (made, and wrapped by the workflow's key provider, at
the first change), applies the change, seals the register again and appends a history
record announcing it, the record and the new row written together
(`CaseStore.append_with_register`). The record lists ids, kinds and keyed digests
(`entry_digest`), never a value; the case's state does not change, so its rebuild and
state digest follow as for any record.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from ._clock import read_clock
from ._identifiers import check_opaque_id, check_reference
from ._records import Entry
from ._times import iso_utc, utc_naive
from .exceptions import ConfigurationError, InvalidInputError, StepNotAvailable
from .personal._keys import DataKey, KeyProvider, WrappedKey
from .personal._register import Identifier, Person, Register
from .personal._sealing import entry_digest, open_register, seal_register
from .stores._base import CaseStore, RegisterRow

if TYPE_CHECKING:
    from ._case import Case
    from ._workflow import Workflow, _Stored

#: The record kinds of register changes, and the steps the authoriser is asked about.
ADDED: Final = "register_changed"
CORRECTED: Final = "register_corrected"
ADD_STEP: Final = "register"
RECTIFY_STEP: Final = "rectify"
#: The milestone a disposal sets: the day the register was disposed of.
DISPOSED_MILESTONE: Final = "register_disposed"


def refuse_if_disposed(case: Case, step: str) -> None:
    """`StepNotAvailable` when *case*'s register was disposed of: nothing goes back in."""
    if case.milestone(DISPOSED_MILESTONE) is not None:
        raise StepNotAvailable(
            "the case's register was disposed of at the end of its retention period; "
            "nothing can be added to it or corrected",
            case_id=case.case_id,
            event=step,
        )


def provider_of(workflow: Workflow) -> KeyProvider:
    """The workflow's key provider; `ConfigurationError` naming the fix when it has none."""
    provider = workflow.key_provider
    if provider is None:
        raise ConfigurationError(
            "this workflow has no key provider for identifier registers: pass "
            "key_provider= (a KeyProvider such as safeguarding_workflow.personal.Keyring) "
            "to Workflow",
            field="key_provider",
        )
    return provider


def _opened(
    row: RegisterRow | None, provider: KeyProvider, tenant_id: str, case_id: str
) -> tuple[Register, DataKey, WrappedKey]:
    """The case's register, its data key and the key as stored: new ones if it has none."""
    if row is None:
        data_key = DataKey.generate()
        wrapped = provider.wrap(data_key)
        if not isinstance(wrapped, WrappedKey):
            raise ConfigurationError(
                "the key provider's wrap() must return a WrappedKey", field="key_provider"
            )
        return Register(tenant_id, case_id), data_key, wrapped
    wrapped = WrappedKey(row.kek_id, row.wrapped_key)
    data_key = provider.unwrap(wrapped)
    if not isinstance(data_key, DataKey):
        raise ConfigurationError(
            "the key provider's unwrap() must return a DataKey", field="key_provider"
        )
    register = open_register(row.sealed, data_key, tenant_id=tenant_id, case_id=case_id)
    return register, data_key, wrapped


def _items(value: object, kind: type[Any], field: str) -> tuple[Any, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidInputError(f"{field!r} must be a collection of {kind.__name__}", field=field)
    items = tuple(value)
    if any(type(item) is not kind for item in items):
        raise InvalidInputError(f"{field!r} must hold {kind.__name__} objects", field=field)
    return items


def _entry_change(data_key: DataKey, entry: Identifier) -> dict[str, str]:
    return {
        "entry_id": entry.entry_id,
        "person_id": entry.person_id,
        "kind": str(entry.kind),
        "digest": entry_digest(data_key, entry),
    }


def _role(workflow: Workflow, case: Case, role: str | None, actor: str, step: str) -> str:
    """The acting role (one of the pack's openers), asked of the authoriser for *step*."""
    from ._workflow import _raise

    role = workflow._check_opener(role, case.case_id, step)
    if workflow.authoriser is not None:
        workflow._authorise(workflow.authoriser, actor, frozenset((role,)), case, step, _raise)
    return role


def add(
    workflow: Workflow,
    store: CaseStore,
    tenant_id: str,
    case_id: str,
    people: object,
    entries: object,
    actor: str,
    role: str | None,
    expected_version: int | None,
) -> _Stored:
    """`Workflow.add_identifiers` in its command's scope."""
    from ._workflow import _check_version

    provider = provider_of(workflow)
    added_people: tuple[Person, ...] = _items(people, Person, "people")
    added: tuple[Identifier, ...] = _items(entries, Identifier, "entries")
    if not added_people and not added:
        raise InvalidInputError("give at least one person or entry", field="entries")
    case = store.get(tenant_id, case_id)
    _check_version(case, expected_version)
    refuse_if_disposed(case, ADD_STEP)
    role = _role(workflow, case, role, actor, ADD_STEP)
    register, data_key, wrapped = _opened(
        store.register_row(tenant_id, case_id), provider, tenant_id, case_id
    )
    for person in added_people:
        register = register.add_person(person)
    register = register.add_entries(*added)
    changes = {
        "register": {
            "people": [p.person_id for p in added_people],
            "entries": [_entry_change(data_key, e) for e in added],
        }
    }
    return _store(
        workflow,
        store,
        case,
        register,
        data_key,
        wrapped,
        ADDED,
        "add_identifiers",
        actor,
        role,
        {},
        changes,
    )


def rectify(
    workflow: Workflow,
    store: CaseStore,
    tenant_id: str,
    case_id: str,
    entry_id: str,
    value: object,
    actor: str,
    role: str | None,
    reason_ref: str,
    expected_version: int | None,
) -> _Stored:
    """`Workflow.rectify` in its command's scope."""
    from ._workflow import _check_version

    provider = provider_of(workflow)
    check_opaque_id(entry_id, "entry_id")
    check_reference(reason_ref, "reason_ref")
    case = store.get(tenant_id, case_id)
    _check_version(case, expected_version)
    refuse_if_disposed(case, RECTIFY_STEP)
    role = _role(workflow, case, role, actor, RECTIFY_STEP)
    register, data_key, wrapped = _opened(
        store.register_row(tenant_id, case_id), provider, tenant_id, case_id
    )
    old = register.entry(entry_id)
    new = Identifier(old.entry_id, old.person_id, old.kind, value)  # type: ignore[arg-type]
    register = register.replace_entry(new)
    changes = {"register": {"corrected": [_entry_change(data_key, new)]}}
    payload = {"entry_id": entry_id, "reason_ref": reason_ref}
    return _store(
        workflow,
        store,
        case,
        register,
        data_key,
        wrapped,
        CORRECTED,
        "rectify",
        actor,
        role,
        payload,
        changes,
    )


def _store(
    workflow: Workflow,
    store: CaseStore,
    case: Case,
    register: Register,
    data_key: DataKey,
    wrapped: WrappedKey,
    kind: str,
    event: str,
    actor: str,
    role: str,
    payload: dict[str, Any],
    changes: dict[str, Any],
) -> _Stored:
    """Seal *register* and append the record announcing its change, row and record together."""
    row = RegisterRow(wrapped.kek_id, wrapped.blob, seal_register(register, data_key))
    now = iso_utc(utc_naive(read_clock(workflow.clock)))
    entry = Entry.note(kind, event, actor, role, now, payload, changes)
    return workflow._append(store, case, {}, entry, register=row)


def read(workflow: Workflow, tenant_id: str, case_id: str) -> Register:
    """`Workflow.register`: the case's register, decrypted; empty if it has none."""
    provider = provider_of(workflow)
    store = workflow.store
    store.get(tenant_id, case_id)  # no such case: CaseNotFoundError
    row = store.register_row(tenant_id, case_id)
    if row is None:
        return Register(tenant_id, case_id)
    return _opened(row, provider, tenant_id, case_id)[0]
