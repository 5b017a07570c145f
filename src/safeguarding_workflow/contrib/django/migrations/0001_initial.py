"""
The library's tables, indexes and append-only triggers, made by the library's own schema code.

The first operation runs the code `SqlStore.create_schema` and the Alembic migrations run
(`create_all`), on the migration's own connection and in its transaction, so a Django
host gets the very schema every other host gets, on SQLite and PostgreSQL alike; its
reverse drops them (`drop_all`). The models after it are unmanaged: they tell Django's
migration state what the admin reads, and create nothing.

This migration creates store schema 2; a later store schema comes with a later migration
of this app, which brings the tables up to it (`create_all` does that too).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import migrations, models

from safeguarding_workflow.contrib.django._lent import lent, lent_engine
from safeguarding_workflow.contrib.django.models import PREFIX
from safeguarding_workflow.stores._sql._schema import create_all, drop_all

#: The store schema this migration creates (the release's schema when it was written).
SCHEMA_VERSION = 2


def create_tables(apps: Any, schema_editor: Any) -> None:
    """Create the store's tables on the database being migrated, in its transaction."""
    with lent(lent_engine(schema_editor.connection.alias)) as connection:
        create_all(connection, PREFIX, version=SCHEMA_VERSION)


def drop_tables(apps: Any, schema_editor: Any) -> None:
    """Drop the store's tables and triggers from the database being migrated."""
    with lent(lent_engine(schema_editor.connection.alias)) as connection:
        drop_all(connection, PREFIX)


class Migration(migrations.Migration):
    """Create the store's tables, then record the unmanaged models the admin reads."""

    initial = True

    dependencies: ClassVar[list[tuple[str, str]]] = []

    operations: ClassVar[list[migrations.operations.base.Operation]] = [
        migrations.RunPython(create_tables, drop_tables),
        migrations.CreateModel(
            name="CaseRow",
            fields=[
                ("tenant_id", models.CharField(max_length=64)),
                ("case_id", models.CharField(max_length=128)),
                ("version", models.IntegerField()),
                ("head", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("state", models.CharField(max_length=64)),
                ("lifecycle", models.CharField(max_length=64)),
                ("snapshot", models.TextField()),
            ],
            options={
                "verbose_name": "case",
                "db_table": "sw_cases",
                "ordering": ("tenant_id", "case_id"),
                "managed": False,
                "default_permissions": ("view",),
            },
        ),
        migrations.CreateModel(
            name="DeadlineRow",
            fields=[
                ("tenant_id", models.CharField(max_length=64)),
                ("case_id", models.CharField(max_length=128, primary_key=True, serialize=False)),
                ("kind", models.CharField(max_length=64)),
                ("status", models.CharField(max_length=16)),
                ("due", models.DateField(null=True)),
                ("rule_ids", models.CharField(max_length=256)),
                ("projected", models.BooleanField()),
            ],
            options={
                "verbose_name": "deadline",
                "db_table": "sw_deadlines",
                "ordering": ("due", "tenant_id", "case_id", "kind"),
                "managed": False,
                "default_permissions": ("view",),
            },
        ),
        migrations.CreateModel(
            name="HistoryRow",
            fields=[
                ("tenant_id", models.CharField(max_length=64)),
                ("case_id", models.CharField(max_length=128)),
                ("sequence", models.IntegerField()),
                ("event_id", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("kind", models.CharField(max_length=32)),
                ("event", models.CharField(max_length=64)),
                ("prev", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64)),
                ("schema_version", models.IntegerField()),
                ("idempotency_key", models.CharField(max_length=128, null=True)),
                ("body", models.TextField()),
            ],
            options={
                "verbose_name": "history record",
                "db_table": "sw_history",
                "ordering": ("tenant_id", "case_id", "sequence"),
                "managed": False,
                "default_permissions": ("view",),
            },
        ),
    ]
