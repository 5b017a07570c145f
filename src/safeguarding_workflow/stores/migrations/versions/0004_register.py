"""
Store schema 4: a table for each case's sealed identifier register and wrapped data key.

The register of a case (who the child and family are) lives outside the hash chain, in
one row per case: the register sealed with AES-GCM under the case's data key, and that
key wrapped under the host's key-encryption key. The history records that an entry was
added or corrected, with a keyed digest, never the value.

Revision ID: sw0004
Revises: sw0003
"""

from __future__ import annotations

from alembic import op

from safeguarding_workflow.stores._sql._schema import create_all, downgrade_to_3
from safeguarding_workflow.stores.migrations import run_options

revision = "sw0004"
down_revision = "sw0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the register table and record schema 4."""
    prefix, schema = run_options()
    create_all(op.get_bind(), prefix, schema, version=4)


def downgrade() -> None:
    """Drop the register table (every sealed register with it) and record schema 3."""
    prefix, schema = run_options()
    downgrade_to_3(op.get_bind(), prefix, schema)
