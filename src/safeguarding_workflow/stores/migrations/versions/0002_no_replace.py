"""
Store schema 2: history refuses colliding inserts on SQLite; snapshots are committed to.

On SQLite, ``INSERT OR REPLACE`` and ``REPLACE INTO`` (and any conflict resolved by
``REPLACE``) delete the history row in the way without firing the DELETE trigger, unless
the connection turned ``recursive_triggers`` on. A BEFORE INSERT trigger now refuses any
history row that collides with a stored one. PostgreSQL has no such clause, and its
``ON CONFLICT DO UPDATE`` already meets the UPDATE trigger, so there only the recorded
schema version changes. From schema 2 a case's snapshot holds its canonical state, which
its head record's ``state_digest`` commits to; snapshots written earlier are read as they
are, and each case's next command writes its snapshot anew.

Revision ID: sw0002
Revises: sw0001
"""

from __future__ import annotations

from alembic import op

from safeguarding_workflow.stores._sql._schema import create_all, downgrade_to_1
from safeguarding_workflow.stores.migrations import run_options

revision = "sw0002"
down_revision = "sw0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the trigger that refuses colliding history rows, and record schema 2."""
    prefix, schema = run_options()
    create_all(op.get_bind(), prefix, schema, version=2)


def downgrade() -> None:
    """Drop the trigger and record schema 1 (what was written since stays as written)."""
    prefix, schema = run_options()
    downgrade_to_1(op.get_bind(), prefix, schema)
