"""Acta images (by SHA-256, with the log leaf that records each) and their QR checks.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables of image references and of QR check results (append-only)."""
    op.create_table(
        "acta_images",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("acta_id", sa.BigInteger, sa.ForeignKey("acta_versions.id"), nullable=False),
        sa.Column("unit", sa.String(128), nullable=False),
        sa.Column("contest", sa.String(128), nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("attached_at", sa.String(32), nullable=False),
        sa.Column("log_idx", sa.BigInteger, sa.ForeignKey("log_entries.idx"), nullable=False),
        sa.UniqueConstraint("acta_id", "sha256", name="uq_acta_image"),
    )
    op.create_table(
        "qr_checks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("image_id", sa.Integer, sa.ForeignKey("acta_images.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("checked_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    """Drop the QR checks and the image references."""
    op.drop_table("qr_checks")
    op.drop_table("acta_images")
