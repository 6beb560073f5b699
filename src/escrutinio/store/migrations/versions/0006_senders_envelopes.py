"""Signed submissions: registered senders, their revocations and received envelopes.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables of senders, sender revocations and envelopes."""
    op.create_table(
        "senders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("verifier_key", sa.Text, nullable=False),
        sa.Column("key_id", sa.String(8), nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("units", sa.Text, nullable=False),
        sa.Column("regions", sa.Text, nullable=False),
        sa.Column("registered_at", sa.String(32), nullable=False),
        sa.Column("log_idx", sa.BigInteger, sa.ForeignKey("log_entries.idx"), nullable=False),
    )
    op.create_table(
        "sender_revocations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("key_id", sa.String(8), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("revoked_at", sa.String(32), nullable=False),
        sa.Column("log_idx", sa.BigInteger, sa.ForeignKey("log_entries.idx"), nullable=False),
    )
    op.create_table(
        "envelopes",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("sender", sa.String(128), nullable=False),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("images", sa.Text, nullable=False),
        sa.Column("acta_log_idx", sa.BigInteger, sa.ForeignKey("log_entries.idx"), nullable=False),
        sa.Column(
            "log_idx",
            sa.BigInteger,
            sa.ForeignKey("log_entries.idx"),
            nullable=False,
            unique=True,
        ),
        sa.Column("receipt", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    """Drop the tables of envelopes, sender revocations and senders."""
    op.drop_table("envelopes")
    op.drop_table("sender_revocations")
    op.drop_table("senders")
