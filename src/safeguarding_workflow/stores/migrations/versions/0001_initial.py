"""
The store's first schema: cases, history (append-only), deadlines, outbox, consumed, meta.

Revision ID: sw0001
Revises:
"""

from __future__ import annotations

from alembic import op

from safeguarding_workflow.stores._sql._schema import create_all, drop_all
from safeguarding_workflow.stores.migrations import run_options

revision = "sw0001"
down_revision = None
branch_labels = ("safeguarding_workflow",)
depends_on = None


def upgrade() -> None:
    """Create the tables, indexes and triggers of store schema 1 (``sw0002`` brings 2)."""
    prefix, schema = run_options()
    create_all(op.get_bind(), prefix, schema, version=1)


def downgrade() -> None:
    """Drop them."""
    prefix, schema = run_options()
    drop_all(op.get_bind(), prefix, schema)
