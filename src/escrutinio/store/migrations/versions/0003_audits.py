"""Audits: their definition and reported snapshot, rounds, hand counts and conclusions.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _log_idx() -> sa.Column[int]:
    return sa.Column("log_idx", sa.BigInteger, sa.ForeignKey("log_entries.idx"), nullable=False)


def upgrade() -> None:
    """Create the audit tables."""
    op.create_table(
        "audits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("risk_limit", sa.Text, nullable=False),
        sa.Column("seed", sa.Text, nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("reported", sa.LargeBinary, nullable=False),
        sa.Column("reported_sha256", sa.String(64), nullable=False),
        sa.Column("log_size", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        _log_idx(),
    )
    op.create_table(
        "audit_rounds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("audit_id", sa.Integer, sa.ForeignKey("audits.id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("draws", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        _log_idx(),
        sa.UniqueConstraint("audit_id", "number", name="uq_audit_round"),
    )
    op.create_table(
        "audit_counts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("audit_id", sa.Integer, sa.ForeignKey("audits.id"), nullable=False),
        sa.Column("unit", sa.String(128), nullable=False),
        sa.Column("contest", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("counts", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        _log_idx(),
        sa.UniqueConstraint("audit_id", "unit", "contest", "version", name="uq_audit_count"),
    )
    op.create_table(
        "audit_conclusions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("audit_id", sa.Integer, sa.ForeignKey("audits.id"), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        _log_idx(),
        sa.UniqueConstraint("audit_id", "round", "sha256", name="uq_audit_conclusion"),
    )


def downgrade() -> None:
    """Drop the audit tables."""
    op.drop_table("audit_conclusions")
    op.drop_table("audit_counts")
    op.drop_table("audit_rounds")
    op.drop_table("audits")
