"""
``manage.py migrate`` installs the library's tables; migrating the app to zero removes them.

On SQLite and on PostgreSQL: the test databases were migrated when the session set them
up, so the tables, indexes and append-only triggers are there; the app then goes back to
zero and forward again, and its models match its migrations.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connections

from safeguarding_workflow.contrib.django import DjangoStore
from safeguarding_workflow.stores import STORE_SCHEMA_VERSION

from ...helpers import TENANT, Driver

ENGINES = [
    pytest.param("default", marks=pytest.mark.django_db(transaction=True), id="sqlite"),
    pytest.param(
        "postgresql",
        marks=pytest.mark.django_db(transaction=True, databases=["postgresql"]),
        id="postgresql",
    ),
]

TABLES = {
    "sw_cases",
    "sw_history",
    "sw_deadlines",
    "sw_outbox",
    "sw_consumed",
    "sw_meta",
    "sw_register",
}


@pytest.fixture(name="alias", params=ENGINES)
def _alias(request: pytest.FixtureRequest) -> str:
    """The Django database alias the test runs on."""
    alias: str = request.param
    return alias


def _tables(alias: str) -> set[str]:
    """The library's tables in the alias's database."""
    return TABLES & set(connections[alias].introspection.table_names())


def _schema_version(alias: str) -> int:
    """The store schema version the tables record."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT value FROM sw_meta WHERE key = 'schema_version'")
        return int(cursor.fetchone()[0])


def _migrate(alias: str, *target: str) -> None:
    call_command("migrate", "safeguarding_workflow", *target, database=alias, verbosity=0)


def test_migrate_made_the_tables_and_zero_drops_them(alias: str) -> None:
    """The migrated database holds the store's tables at this release's schema; zero drops them."""
    assert TABLES == _tables(alias)
    assert STORE_SCHEMA_VERSION == _schema_version(alias)
    _migrate(alias, "zero")
    try:
        assert set() == _tables(alias)
    finally:
        _migrate(alias)
    assert TABLES == _tables(alias)
    assert STORE_SCHEMA_VERSION == _schema_version(alias)


def test_the_migrated_tables_take_commands_and_refuse_rewrites(alias: str) -> None:
    """A case stored in the migrated ``sw_`` tables reads back; its history refuses UPDATE."""
    case_id = f"migrated-{alias}"
    d = Driver(store=DjangoStore(alias))
    d.open(case_id=case_id)
    d.fire("notify_panel", case_id=case_id)
    assert "notified" == d.case(case_id).state
    with pytest.raises(Exception, match="append-only") as refused:
        _rewrite(alias, case_id)
    assert "DatabaseError" in {c.__name__ for c in type(refused.value).__mro__}
    assert ["opened", "notify_panel"] == [r.event for r in d.history(case_id)]


def _rewrite(alias: str, case_id: str) -> None:
    """Try to rewrite a case's history behind the library's back, through Django's cursor."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "UPDATE sw_history SET event = 'rewritten' WHERE tenant_id = %s AND case_id = %s",
            [TENANT, case_id],
        )


@pytest.mark.django_db
def test_the_models_match_the_migrations() -> None:
    """``makemigrations --check`` finds nothing to write for the app."""
    call_command("makemigrations", "safeguarding_workflow", check=True, dry_run=True, verbosity=0)
