"""Indexes for the incremental integrity check: log entries by kind, acta rows by log index.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Index ``log_entries`` on (kind, idx) and ``acta_versions`` on (log_idx, counting)."""
    op.create_index("ix_log_entries_kind_idx", "log_entries", ["kind", "idx"])
    op.create_index("ix_acta_versions_log_idx_counting", "acta_versions", ["log_idx", "counting"])


def downgrade() -> None:
    """Drop both indexes."""
    op.drop_index("ix_acta_versions_log_idx_counting", table_name="acta_versions")
    op.drop_index("ix_log_entries_kind_idx", table_name="log_entries")
