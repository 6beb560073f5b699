"""Ballot-level audits: the ballot manifest and the cast vote records of an audit.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table of ballot manifests and CVRs (compressed canonical JSON)."""
    op.create_table(
        "audit_ballot_data",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("audit_id", sa.Integer, sa.ForeignKey("audits.id"), nullable=False, unique=True),
        sa.Column("manifest", sa.LargeBinary, nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("cvrs", sa.LargeBinary, nullable=True),
        sa.Column("cvrs_sha256", sa.String(64), nullable=True),
    )


def downgrade() -> None:
    """Drop the table of ballot manifests and CVRs."""
    op.drop_table("audit_ballot_data")
