"""The ballot manifests and cast vote records of ballot-level audits, as a publication holds
them: canonical bytes by SHA-256 (the hash each audit's create leaf states)."""

from __future__ import annotations

import zlib

from sqlalchemy import select

from escrutinio.store import schema as t
from escrutinio.store.store import Store


def published_ballot_blobs(store: Store, size: int) -> dict[str, bytes]:
    """SHA-256 → canonical bytes of every ballot manifest and CVR set of the audits created
    in the first ``size`` log entries (what a publication of that log holds for them)."""
    bd = t.audit_ballot_data.c
    out: dict[str, bytes] = {}
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(bd.manifest, bd.manifest_sha256, bd.cvrs, bd.cvrs_sha256)
            .join(t.audits, t.audits.c.id == bd.audit_id)
            .where(t.audits.c.log_idx < size)
        ).all()
    for manifest, m_sha, cvrs, c_sha in rows:
        out[str(m_sha)] = zlib.decompress(bytes(manifest))
        if cvrs is not None and c_sha is not None:
            out[str(c_sha)] = zlib.decompress(bytes(cvrs))
    return out
