"""
Store schema 3: the cases table's authority columns, as the Alembic revision ``sw0003`` adds them.

The first operation runs the library's own schema code (`create_all` at schema 3): it
adds ``local_authority`` and ``local_authority_given`` to the cases table where they are
missing and fills them from the stored snapshots; its reverse drops them
(`downgrade_to_2`). The fields after it tell Django's migration state what the
unmanaged case model now reads, and change nothing in the database.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import migrations, models

from safeguarding_workflow.contrib.django._lent import lent, lent_engine
from safeguarding_workflow.contrib.django.models import PREFIX
from safeguarding_workflow.stores._sql._schema import create_all, downgrade_to_2


def add_columns(apps: Any, schema_editor: Any) -> None:
    """Bring the store's tables to schema 3 on the database being migrated."""
    with lent(lent_engine(schema_editor.connection.alias)) as connection:
        create_all(connection, PREFIX, version=3)


def drop_columns(apps: Any, schema_editor: Any) -> None:
    """Take the store's tables back to schema 2."""
    with lent(lent_engine(schema_editor.connection.alias)) as connection:
        downgrade_to_2(connection, PREFIX)


class Migration(migrations.Migration):
    """Add the authority columns, then record them on the unmanaged case model."""

    dependencies: ClassVar[list[tuple[str, str]]] = [("safeguarding_workflow", "0001_initial")]

    operations: ClassVar[list[migrations.operations.base.Operation]] = [
        migrations.RunPython(add_columns, drop_columns),
        migrations.AddField(
            model_name="caserow",
            name="local_authority",
            field=models.CharField(max_length=16, null=True),
        ),
        migrations.AddField(
            model_name="caserow",
            name="local_authority_given",
            field=models.CharField(max_length=16, null=True),
        ),
    ]
