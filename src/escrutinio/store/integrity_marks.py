"""How far the store integrity check has passed: the log size and root it covered.

Kept in the ``meta`` table under ``integrity_checked`` as JSON ``{"size", "root"}`` (root in
hex). `escrutinio.publish.integrity` writes it after a check found nothing, and an
incremental check starts from it. The mark is a shortcut, never a trust anchor: the
incremental check still recomputes every leaf hash and compares the tree with the mark's
root and with every signed checkpoint, so a mark that does not match the log is a problem,
not a reason to skip anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import delete, insert, select

from escrutinio.store import schema as t
from escrutinio.store.store import Store

KEY = "integrity_checked"


@dataclass(frozen=True)
class IntegrityMark:
    """The log prefix (size, RFC 9162 root) whose rows a full or incremental check passed."""

    size: int
    root: bytes


def read_mark(store: Store) -> IntegrityMark | None:
    """The stored mark; None when there is none or it is not readable (a full check runs)."""
    with store.engine.connect() as conn:
        raw = conn.execute(select(t.meta.c.value).where(t.meta.c.key == KEY)).scalar_one_or_none()
    if raw is None:
        return None
    try:
        doc = json.loads(raw)
        size, root = doc["size"], bytes.fromhex(doc["root"])
    except (ValueError, KeyError, TypeError):
        return None
    if type(size) is not int or size < 0 or len(root) != 32:
        return None
    return IntegrityMark(size, root)


def write_mark(store: Store, mark: IntegrityMark) -> None:
    """Replace the stored mark (one transaction)."""
    value = json.dumps({"size": mark.size, "root": mark.root.hex()}, sort_keys=True)
    with store.engine.begin() as conn:
        conn.execute(delete(t.meta).where(t.meta.c.key == KEY))
        conn.execute(insert(t.meta).values(key=KEY, value=value))


__all__ = ["IntegrityMark", "read_mark", "write_mark"]
