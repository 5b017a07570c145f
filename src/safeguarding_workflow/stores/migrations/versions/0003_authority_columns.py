"""
Store schema 3: the cases table holds each case's authority in columns of its own.

The overdue and due-soon queries list each deadline with its case's local authority
(and the code the host gave, when that was an earlier code of an authority recoded
since). Schema 2 kept them only inside each case's snapshot, and the queries read the
snapshot's JSON for every row of a page; schema 3 adds the columns
``local_authority`` and ``local_authority_given`` and fills them from the snapshots
already stored. Every later write keeps them with the snapshot.

Revision ID: sw0003
Revises: sw0002
"""

from __future__ import annotations

from alembic import op

from safeguarding_workflow.stores._sql._schema import create_all, downgrade_to_2
from safeguarding_workflow.stores.migrations import run_options

revision = "sw0003"
down_revision = "sw0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the authority columns, fill them from the stored snapshots, and record schema 3."""
    prefix, schema = run_options()
    create_all(op.get_bind(), prefix, schema, version=3)


def downgrade() -> None:
    """Drop the authority columns (the snapshots still hold both) and record schema 2."""
    prefix, schema = run_options()
    downgrade_to_2(op.get_bind(), prefix, schema)
