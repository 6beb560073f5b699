"""Database tables. Rows are only ever inserted; the one mutable column is
``acta_versions.counting``, which follows recorded adjudication decisions."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

regions = Table(
    "regions",
    metadata,
    Column("idx", Integer, primary_key=True, autoincrement=False),
    Column("id", String(128), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("level", Integer, nullable=False),
    Column("parent", Integer, nullable=True),
)

units = Table(
    "units",
    metadata,
    Column("idx", Integer, primary_key=True, autoincrement=False),
    Column("id", String(128), nullable=False, unique=True),
    Column("region", Integer, nullable=False),
    Column("registered", BigInteger, nullable=False),
    Column("contests", Text, nullable=False, default=""),
)

log_entries = Table(
    "log_entries",
    metadata,
    Column(
        "idx", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("kind", String(32), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
)
# the non-acta leaves of a log prefix, read by the incremental integrity check
Index("ix_log_entries_kind_idx", log_entries.c.kind, log_entries.c.idx)

acta_versions = Table(
    "acta_versions",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("unit", String(128), nullable=False),
    Column("unit_idx", Integer, nullable=False),
    Column("contest", String(128), nullable=False),
    Column("source", String(128), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("counts", LargeBinary, nullable=False),
    Column("has_blank", Boolean, nullable=False),
    Column("received_at", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("counting", Boolean, nullable=False),
    Column("log_idx", BigInteger, ForeignKey("log_entries.idx"), nullable=False),
    UniqueConstraint("unit_idx", "contest", "source", "version", name="uq_acta_version"),
)
# the rows of the newest log entries, and the counting totals (covering)
Index("ix_acta_versions_log_idx_counting", acta_versions.c.log_idx, acta_versions.c.counting)

adjudications = Table(
    "adjudications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit", String(128), nullable=False),
    Column("contest", String(128), nullable=False),
    Column("source", String(128), nullable=False),
    Column("version", Integer, nullable=True),
    Column("reason", Text, nullable=False),
    Column("decided_by", String(128), nullable=False),
    Column("decided_at", String(32), nullable=False),
    Column("log_idx", BigInteger, ForeignKey("log_entries.idx"), nullable=False),
)

bulletins = Table(
    "bulletins",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("created_at", String(32), nullable=False),
    Column("source", String(128), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("log_idx", BigInteger, ForeignKey("log_entries.idx"), nullable=False),
)

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("finished_at", String(32), nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("conflicts", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
)

rejected_rows = Table(
    "rejected_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False),
    Column("file", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("issues", Text, nullable=False),
    Column("raw", Text, nullable=False),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
)

cosignatures = Table(
    "cosignatures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("witness", String(256), nullable=False),
    Column("line", Text, nullable=False),
    Column("witness_key", Text, nullable=False),
    Column("added_at", String(32), nullable=False),
    UniqueConstraint("size", "root_hash", "witness", name="uq_cosignature"),
)

audits = Table(
    "audits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("method", String(32), nullable=False),
    Column("risk_limit", Text, nullable=False),
    Column("seed", Text, nullable=False),
    Column("spec", Text, nullable=False),
    Column("reported", LargeBinary, nullable=False),
    Column("reported_sha256", String(64), nullable=False),
    Column("log_size", BigInteger, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("log_idx", BigInteger, ForeignKey("log_entries.idx"), nullable=False),
)

audit_rounds = Table(
    "audit_rounds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("audit_id", Integer, ForeignKey("audits.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("draws", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("log_idx", BigInteger, ForeignKey("log_entries.idx"), nullable=False),
    UniqueConstraint("audit_id", "number", name="uq_audit_round"),
)

audit_counts = Table(
    "audit_counts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("audit_id", Integer, ForeignKey("audits.id"), nullable=False),
    Column("unit", String(128), nullable=False),
    Column("contest", String(128), nullable=False),
    Column("version", Integer, nullable=False),
    Column("counts", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("log_idx", BigInteger, ForeignKey("log_entries.idx"), nullable=False),
    UniqueConstraint("audit_id", "unit", "contest", "version", name="uq_audit_count"),
)

audit_conclusions = Table(
    "audit_conclusions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("audit_id", Integer, ForeignKey("audits.id"), nullable=False),
    Column("round", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("log_idx", BigInteger, ForeignKey("log_entries.idx"), nullable=False),
    UniqueConstraint("audit_id", "round", "sha256", name="uq_audit_conclusion"),
)

audit_ballot_data = Table(
    "audit_ballot_data",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("audit_id", Integer, ForeignKey("audits.id"), nullable=False, unique=True),
    Column("manifest", LargeBinary, nullable=False),
    Column("manifest_sha256", String(64), nullable=False),
    Column("cvrs", LargeBinary, nullable=True),
    Column("cvrs_sha256", String(64), nullable=True),
)

acta_images = Table(
    "acta_images",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("acta_id", BigInteger, ForeignKey("acta_versions.id"), nullable=False),
    Column("unit", String(128), nullable=False),
    Column("contest", String(128), nullable=False),
    Column("source", String(128), nullable=False),
    Column("version", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("attached_at", String(32), nullable=False),
    Column("log_idx", BigInteger, ForeignKey("log_entries.idx"), nullable=False),
    UniqueConstraint("acta_id", "sha256", name="uq_acta_image"),
)

qr_checks = Table(
    "qr_checks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("image_id", Integer, ForeignKey("acta_images.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("detail", Text, nullable=False),
    Column("checked_at", String(32), nullable=False),
)

senders = Table(
    "senders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("verifier_key", Text, nullable=False),
    Column("key_id", String(8), nullable=False),
    Column("source", String(128), nullable=False),
    Column("units", Text, nullable=False),
    Column("regions", Text, nullable=False),
    Column("registered_at", String(32), nullable=False),
    Column("log_idx", BigInteger, ForeignKey("log_entries.idx"), nullable=False),
)

sender_revocations = Table(
    "sender_revocations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("key_id", String(8), nullable=False),
    Column("reason", Text, nullable=False),
    Column("revoked_at", String(32), nullable=False),
    Column("log_idx", BigInteger, ForeignKey("log_entries.idx"), nullable=False),
)

envelopes = Table(
    "envelopes",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("sender", String(128), nullable=False),
    Column("received_at", String(32), nullable=False),
    Column("images", Text, nullable=False),
    Column("acta_log_idx", BigInteger, ForeignKey("log_entries.idx"), nullable=False),
    Column("log_idx", BigInteger, ForeignKey("log_entries.idx"), nullable=False, unique=True),
    Column("receipt", LargeBinary, nullable=False),
)
