"""How far the store integrity check has passed: the log size and root it covered.

Kept in the ``meta`` table under ``integrity_checked`` as JSON ``{"format": 2, "size",
"root", "nodes"}`` (root in hex, nodes in base64): the nodes are
`escrutinio.ledger.resumed.saved_nodes` of the tree at that size (its compact range and
every node from height 8 up), so the next incremental check resumes the tree without
reading the old leaves. `escrutinio.publish.integrity` writes it after a check found nothing,
and an incremental check starts from it. The mark is a shortcut, never a trust anchor: the
incremental check requires its root to be the signed checkpoint's root at that size and its
nodes to hash up to that root (`escrutinio.publish.integrity_incremental`); a mark of the
first format (size and root only) or one that cannot be read is ignored, so one full check
runs and writes a mark of this format.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select

from escrutinio.ledger.resumed import saved_nodes_length
from escrutinio.store import schema as t
from escrutinio.store.store import Store

KEY = "integrity_checked"
FORMAT = 2


@dataclass(frozen=True)
class IntegrityMark:
    """The log prefix (size, RFC 9162 root) whose rows a full or incremental check passed,
    with the tree's saved nodes at that size (`escrutinio.ledger.resumed.saved_nodes`)."""

    size: int
    root: bytes
    nodes: bytes = field(default=b"", repr=False)


def read_mark(store: Store) -> IntegrityMark | None:
    """The stored mark; None when there is none, it is of the first format (no nodes) or it
    is not readable (a full check runs)."""
    with store.engine.connect() as conn:
        raw = conn.execute(select(t.meta.c.value).where(t.meta.c.key == KEY)).scalar_one_or_none()
    if raw is None:
        return None
    try:
        doc = json.loads(raw)
        size, root = doc["size"], bytes.fromhex(doc["root"])
        nodes = base64.b64decode(doc["nodes"], validate=True)
        fmt = doc["format"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    if fmt != FORMAT or type(size) is not int or size < 0 or len(root) != 32:
        return None
    if len(nodes) != saved_nodes_length(size):
        return None
    return IntegrityMark(size, root, nodes)


def write_mark(store: Store, mark: IntegrityMark) -> None:
    """Replace the stored mark (one transaction)."""
    if len(mark.nodes) != saved_nodes_length(mark.size):
        raise ValueError(f"the mark's nodes are not those of a tree of size {mark.size}")
    value = json.dumps(
        {
            "format": FORMAT,
            "size": mark.size,
            "root": mark.root.hex(),
            "nodes": base64.b64encode(mark.nodes).decode("ascii"),
        },
        sort_keys=True,
    )
    with store.engine.begin() as conn:
        conn.execute(delete(t.meta).where(t.meta.c.key == KEY))
        conn.execute(insert(t.meta).values(key=KEY, value=value))


__all__ = ["IntegrityMark", "read_mark", "write_mark"]
