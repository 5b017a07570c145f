"""
Commands in the host's ``transaction.atomic()``: they commit or roll back with the host's writes.

Each test runs in real transactions (pytest-django's ``transaction=True``), on SQLite and on
PostgreSQL, with tables of its own. A subscriber hears of a command only once the host's
outermost block has committed, once; a rollback leaves nothing stored and tells no one.
"""

from __future__ import annotations

import itertools
from contextlib import suppress
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connections, transaction

import safeguarding_workflow as sw
from safeguarding_workflow.contrib.django import DjangoStore

from ...helpers import TENANT, Driver

_prefixes = itertools.count()

ENGINES = [
    pytest.param("default", marks=pytest.mark.django_db(transaction=True), id="sqlite"),
    pytest.param(
        "postgresql",
        marks=pytest.mark.django_db(transaction=True, databases=["postgresql"]),
        id="postgresql",
    ),
]


class _HostFailed(Exception):
    """The host's own work failed after the commands: its block rolls back."""


@pytest.fixture(name="alias", params=ENGINES)
def _alias(request: pytest.FixtureRequest) -> str:
    """The Django database alias the test runs on."""
    alias: str = request.param
    return alias


@pytest.fixture(name="store")
def _store(alias: str) -> DjangoStore:
    """A Django store on tables of its own, in the alias's test database."""
    store = DjangoStore(alias, prefix=f"tx{next(_prefixes)}_")
    store.create_schema()
    return store


class _Heard:
    """A subscriber that notes each event and whether a block was open when it heard it."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.heard: list[tuple[str, bool]] = []

    def __call__(self, event: sw.CloudEvent) -> None:
        self.heard.append((event.id, connections[self.alias].in_atomic_block))


def _stored_ids(store: DjangoStore, case_id: str = "case-1") -> list[str]:
    """The event ids of a case's stored records."""
    return [r.event_id for r in store.history(TENANT, case_id)]


def test_a_rollback_leaves_nothing_and_tells_no_one(alias: str, store: DjangoStore) -> None:
    """Open and step inside atomic(), then the host fails: no case, no event, no host row."""
    d = Driver(store=store)
    with suppress(_HostFailed), transaction.atomic(using=alias):
        d.open()
        d.fire("notify_panel")
        Group.objects.using(alias).create(name="fictional-team")
        raise _HostFailed
    assert [] == d.events
    with pytest.raises(sw.CaseNotFoundError):
        store.get(TENANT, "case-1")
    with pytest.raises(sw.CaseNotFoundError):
        store.history(TENANT, "case-1")
    assert [] == list(store.case_ids(TENANT))
    assert not Group.objects.using(alias).filter(name="fictional-team").exists()


def test_a_commit_is_told_once_after_it(alias: str, store: DjangoStore) -> None:
    """Nothing is heard inside the block; after its commit each event once, in order."""
    heard = _Heard(alias)
    d = Driver(store=store, subscribers=(heard,))
    with transaction.atomic(using=alias):
        d.open()
        d.fire("notify_panel")
        Group.objects.using(alias).create(name="fictional-team")
        assert [] == d.events
    stored = _stored_ids(store)
    assert stored == [e.id for e in d.events]
    assert [(i, False) for i in stored] == heard.heard
    assert "notified" == store.get(TENANT, "case-1").state
    assert Group.objects.using(alias).filter(name="fictional-team").exists()
    d.fire("start_rapid_review")  # outside a block: its own transaction, told at once
    assert _stored_ids(store) == [e.id for e in d.events]


def test_a_savepoint_rolled_back_drops_only_its_commands(alias: str, store: DjangoStore) -> None:
    """A command in an inner block that rolls back is dropped; the outer block's is kept."""
    d = Driver(store=store)
    with transaction.atomic(using=alias):
        d.open()
        with suppress(_HostFailed), transaction.atomic(using=alias):
            d.fire("notify_panel")
            raise _HostFailed
    assert 1 == store.get(TENANT, "case-1").version
    assert _stored_ids(store) == [e.id for e in d.events]


def test_a_refused_command_leaves_the_host_block_usable(alias: str, store: DjangoStore) -> None:
    """
    A command refused by the database inside the host's block is the library's error only.

    Opening a case twice fails on the primary key (which on PostgreSQL would abort the
    whole transaction), yet the command ran in a savepoint of its own: the host goes on
    and commits its block with the first opening and a step after the refusal.
    """
    d = Driver(store=store)
    with transaction.atomic(using=alias):
        d.open()
        with pytest.raises(sw.CaseExistsError):
            d.open()
        with pytest.raises(sw.TransitionRefused):
            d.fire("submit_rapid_review")
        d.fire("notify_panel")
        Group.objects.using(alias).create(name="fictional-team")
    assert ["opened", "notify_panel"] == [r.event for r in store.history(TENANT, "case-1")]
    assert _stored_ids(store) == [e.id for e in d.events]
    assert Group.objects.using(alias).filter(name="fictional-team").exists()


def test_a_stale_command_in_the_block_is_a_conflict(alias: str, store: DjangoStore) -> None:
    """A command at a version the case has left is ConcurrencyConflict; the block goes on."""
    d = Driver(store=store)
    d.open()
    d.fire("notify_panel")
    with transaction.atomic(using=alias):
        stale = d.command("start_rapid_review")
        with pytest.raises(sw.ConcurrencyConflict):
            d.workflow.fire(sw.Command(**{**_fields(stale), "expected_version": 1}))
        d.workflow.fire(stale)
    assert 3 == store.get(TENANT, "case-1").version
    assert _stored_ids(store) == [e.id for e in d.events]


def _fields(command: sw.Command) -> dict[str, object]:
    """A command's fields, to build another like it."""
    return {
        "tenant_id": command.tenant_id,
        "case_id": command.case_id,
        "event": command.event,
        "actor": command.actor,
        "role": command.role,
        "occurred_at": command.occurred_at,
        "payload": command.payload,
    }


def test_a_connection_django_closed_is_not_used_again(alias: str, store: DjangoStore) -> None:
    """After Django closes its connection (a request's end), the next command opens a new one."""
    d = Driver(store=store)
    d.open()
    connections[alias].close()
    d.fire("notify_panel")
    assert connections[alias].connection is not None
    assert _stored_ids(store) == [e.id for e in d.events]


@pytest.mark.django_db
def test_in_a_test_transaction_subscribers_wait_for_captured_commits(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """
    Under pytest-django's ``db`` fixture nothing commits, so nobody hears, until captured.

    What the how-to page tells a host about its own tests: the test's transaction is
    never committed, so ``on_commit`` callbacks run only when captured and executed.
    """
    d = Driver(store=DjangoStore(prefix="sw_"))
    d.open(case_id="captured-case")
    assert [] == d.events
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        d.fire("notify_panel", case_id="captured-case")
    assert 1 == len(callbacks)
    assert ["notify_panel"] == [e.type.rsplit(".", 1)[-1] for e in d.events]


def test_a_disposal_in_the_hosts_block_then_scrub(alias: str, store: DjangoStore) -> None:
    """The register row goes with the host's commit; scrub() afterwards completes."""
    import pendulum

    from safeguarding_workflow.personal import Identifier, Keyring, Person, RetentionRule

    d = Driver(
        settings=sw.TenantSettings(TENANT, retention=RetentionRule("R 1", years=1)), store=store
    )
    d.workflow.key_provider = Keyring({"kek-1": bytes(range(32))}, "kek-1")
    d.walk_to("closed")
    d.workflow.add_identifiers(
        TENANT,
        "case-1",
        [Identifier("e-1", "p-1", "name", "Zebedee Quillfeather")],
        people=[Person("p-1", "child")],
        actor="user-1",
    )
    assert [("case-1", store.register_row(TENANT, "case-1"))] == list(store.register_rows(TENANT))
    d.clock.set(pendulum.datetime(2030, 1, 1, tz="UTC"))
    with transaction.atomic(using=alias):
        d.workflow.dispose(TENANT, "case-1", actor="user-1")
    assert store.register_row(TENANT, "case-1") is None
    with transaction.atomic(using=alias), pytest.raises(sw.ConfigurationError):
        store.scrub()  # inside a block it would checkpoint or vacuum nothing committed
    assert store.scrub()
    assert sw.verify(store.history(TENANT, "case-1")).ok
