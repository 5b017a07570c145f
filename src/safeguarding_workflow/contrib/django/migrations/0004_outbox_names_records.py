"""
Store schema 5: outbox rows name their records, as the Alembic revision ``sw0005`` does.

No table changes: the operation records schema 5 (`create_all` at schema 5). Rows
written from now on leave their ``event`` empty and the relay makes each event from its
record. The reverse fills the empty events in from their records (`downgrade_to_4`), so
a release of schema 4 delivers them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import migrations

from safeguarding_workflow.contrib.django._lent import lent, lent_engine
from safeguarding_workflow.contrib.django.models import PREFIX
from safeguarding_workflow.stores._sql._schema import create_all, downgrade_to_4


def name_records(apps: Any, schema_editor: Any) -> None:
    """Bring the store's tables to schema 5 on the database being migrated."""
    with lent(lent_engine(schema_editor.connection.alias)) as connection:
        create_all(connection, PREFIX, version=5)


def fill_events(apps: Any, schema_editor: Any) -> None:
    """Take the store's tables back to schema 4, the outbox rows' events filled in."""
    with lent(lent_engine(schema_editor.connection.alias)) as connection:
        downgrade_to_4(connection, PREFIX)


class Migration(migrations.Migration):
    """Record store schema 5."""

    dependencies: ClassVar[list[tuple[str, str]]] = [("safeguarding_workflow", "0003_register")]

    operations: ClassVar[list[migrations.operations.base.Operation]] = [
        migrations.RunPython(name_records, fill_events),
    ]
