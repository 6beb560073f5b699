"""Initial schema: definition, append-only acta versions, log entries, adjudications, bulletins.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create every table of schema version 1."""
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "regions",
        sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("id", sa.String(128), nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("parent", sa.Integer, nullable=True),
    )
    op.create_table(
        "units",
        sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("id", sa.String(128), nullable=False, unique=True),
        sa.Column("region", sa.Integer, nullable=False),
        sa.Column("registered", sa.BigInteger, nullable=False),
        sa.Column("contests", sa.Text, nullable=False),
    )
    op.create_table(
        "log_entries",
        sa.Column(
            "idx",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "acta_versions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("unit", sa.String(128), nullable=False),
        sa.Column("unit_idx", sa.Integer, nullable=False),
        sa.Column("contest", sa.String(128), nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("counts", sa.LargeBinary, nullable=False),
        sa.Column("has_blank", sa.Boolean, nullable=False),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counting", sa.Boolean, nullable=False),
        sa.Column("log_idx", sa.BigInteger, sa.ForeignKey("log_entries.idx"), nullable=False),
        sa.UniqueConstraint("unit_idx", "contest", "source", "version", name="uq_acta_version"),
    )
    op.create_table(
        "adjudications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit", sa.String(128), nullable=False),
        sa.Column("contest", sa.String(128), nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decided_by", sa.String(128), nullable=False),
        sa.Column("decided_at", sa.String(32), nullable=False),
        sa.Column("log_idx", sa.BigInteger, sa.ForeignKey("log_entries.idx"), nullable=False),
    )
    op.create_table(
        "bulletins",
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("log_idx", sa.BigInteger, sa.ForeignKey("log_entries.idx"), nullable=False),
    )
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("finished_at", sa.String(32), nullable=False),
        sa.Column("accepted", sa.Integer, nullable=False),
        sa.Column("duplicates", sa.Integer, nullable=False),
        sa.Column("conflicts", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    """Drop every table (only for development databases)."""
    for table in (
        "imports",
        "bulletins",
        "adjudications",
        "acta_versions",
        "log_entries",
        "units",
        "regions",
        "meta",
    ):
        op.drop_table(table)
