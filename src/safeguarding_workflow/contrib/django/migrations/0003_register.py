"""
Store schema 4: the register table, as the Alembic revision ``sw0004`` adds it.

The operation runs the library's own schema code (`create_all` at schema 4): it creates
the table holding each case's sealed identifier register and wrapped data key; its
reverse drops it (`downgrade_to_3`). No model reads the table: the admin never shows a
register, sealed or not.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import migrations

from safeguarding_workflow.contrib.django._lent import lent, lent_engine
from safeguarding_workflow.contrib.django.models import PREFIX
from safeguarding_workflow.stores._sql._schema import create_all, downgrade_to_3


def add_register(apps: Any, schema_editor: Any) -> None:
    """Bring the store's tables to schema 4 on the database being migrated."""
    with lent(lent_engine(schema_editor.connection.alias)) as connection:
        create_all(connection, PREFIX, version=4)


def drop_register(apps: Any, schema_editor: Any) -> None:
    """Take the store's tables back to schema 3."""
    with lent(lent_engine(schema_editor.connection.alias)) as connection:
        downgrade_to_3(connection, PREFIX)


class Migration(migrations.Migration):
    """Create the register table."""

    dependencies: ClassVar[list[tuple[str, str]]] = [
        ("safeguarding_workflow", "0002_authority_columns")
    ]

    operations: ClassVar[list[migrations.operations.base.Operation]] = [
        migrations.RunPython(add_register, drop_register),
    ]
