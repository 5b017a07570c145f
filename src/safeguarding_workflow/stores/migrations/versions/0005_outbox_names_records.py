"""
Store schema 5: an outbox row names its record; the relay makes the event from the record.

No table changes. Rows written from now on leave ``event`` empty; rows written before
keep their copy, and the relay makes theirs from the record too. The version tells a
release of schema 4 (whose relay reads the event from the row) that it cannot read the
store. The downgrade fills in the empty events, made from their records.

Revision ID: sw0005
Revises: sw0004
"""

from __future__ import annotations

from alembic import op

from safeguarding_workflow.stores._sql._schema import create_all, downgrade_to_4
from safeguarding_workflow.stores.migrations import run_options

revision = "sw0005"
down_revision = "sw0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Record schema 5."""
    prefix, schema = run_options()
    create_all(op.get_bind(), prefix, schema, version=5)


def downgrade() -> None:
    """Fill in the outbox rows' events from their records and record schema 4."""
    prefix, schema = run_options()
    downgrade_to_4(op.get_bind(), prefix, schema)
