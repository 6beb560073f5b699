"""Step ``bulletins``: every bulletin leaf's published JSON and CSV recomputed from the
actas counting at its index, the index file, and no published bulletin outside the log."""

from __future__ import annotations

import hashlib

from escrutinio.model.canonical import canonical_json_fast
from escrutinio.verify import expected
from escrutinio.verify.record import Bulletin
from escrutinio.verify.snapshots import Snapshots
from escrutinio.verify.steps.context import (
    Context,
    Failed,
    Files,
    compare_bytes,
    compare_doc,
    need,
    parse_json,
)


def check_bulletin(files: Files, snapshots: Snapshots, bulletin: Bulletin) -> None:
    """One bulletin's JSON (digest, fields, bytes) and CSV equal what its leaf implies."""
    idx, leaf = bulletin.index, bulletin.leaf
    for name in ("sha256", "created_at"):
        if not isinstance(leaf.get(name), str):
            raise Failed(f"log entry {idx}: bulletin field '{name}' is not text")
    rel = f"bulletins/{leaf['number']}.json"
    data = files.get(rel)
    if hashlib.sha256(data).hexdigest() != leaf["sha256"]:
        raise Failed(f"{rel}: SHA-256 differs from the bulletin's log leaf {idx}")
    doc = parse_json(rel, data)
    snap = snapshots.snapshot(bulletin.counting, leaf["source"], idx)
    want = {
        **snap,
        "number": leaf["number"],
        "created_at": leaf["created_at"],
        "source": leaf["source"],
    }
    compare_doc(rel, want, doc)
    compare_bytes(rel, data, canonical_json_fast(want))
    csv_rel = f"bulletins/{leaf['number']}.csv"
    compare_bytes(csv_rel, files.get(csv_rel), expected.results_csv(want))


def check_bulletins(ctx: Context) -> str:
    """Every bulletin of the log, bulletins/index.csv, and no extra bulletin published.
    Needs ``ctx.files``, ``ctx.record`` and ``ctx.snapshots``. Not fatal."""
    files = need(ctx.files, "manifest")
    record = need(ctx.record, "record")
    snapshots = need(ctx.snapshots, "snapshots")
    for bulletin in record.bulletins:
        check_bulletin(files, snapshots, bulletin)
    compare_bytes(
        "bulletins/index.csv",
        files.get("bulletins/index.csv"),
        expected.bulletin_index_csv(record.bulletins),
    )
    listed = {p for p in files.manifest if p.startswith("bulletins/") and p.endswith(".json")}
    extra = listed - {f"bulletins/{b.leaf['number']}.json" for b in record.bulletins}
    if extra:
        raise Failed(f"{sorted(extra)[0]}: a published bulletin that is not in the log")
    return f"{len(record.bulletins)} bulletins recomputed and match"
