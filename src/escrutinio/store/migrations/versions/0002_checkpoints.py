"""Signed checkpoints of the log and the witness cosignatures collected for them.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the checkpoints and cosignatures tables."""
    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "cosignatures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("witness", sa.String(256), nullable=False),
        sa.Column("line", sa.Text, nullable=False),
        sa.Column("witness_key", sa.Text, nullable=False),
        sa.Column("added_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("size", "root_hash", "witness", name="uq_cosignature"),
    )


def downgrade() -> None:
    """Drop the checkpoint tables."""
    op.drop_table("cosignatures")
    op.drop_table("checkpoints")
