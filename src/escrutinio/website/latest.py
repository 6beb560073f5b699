"""The site's record pages' data that is not a page layout: each audit of the log for the
audits page, and ``latest.json`` (the latest bulletin, the checkpoint and the races whose
result changed), which ``live.js`` and ``escrutinio serve`` follow."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from escrutinio.model.canonical import canonical_json_fast
from escrutinio.website.bundle import Bundle
from escrutinio.website.paths import Place

TableLink = Callable[[Place, str, str], str | None]
"""Link from a page to the table page of (unit, contest)."""


def audit_views(bundle: Bundle, href: TableLink, place: Place) -> list[dict[str, Any]]:
    """Each audit of the log: its definition, rounds (drawn tables linked from ``place``
    through ``href``), conclusions."""
    audits: dict[str, dict[str, Any]] = {}
    for index, leaf in bundle.audit_leaves():
        name = str(leaf.get("audit", ""))
        a = audits.setdefault(
            name, {"name": name, "create": None, "rounds": {}, "conclusions": [], "records": 0}
        )
        step = leaf.get("step")
        if step == "create":
            a["create"] = {**leaf, "log_index": index}
        elif step == "draw":
            rnd = a["rounds"].setdefault(int(leaf.get("round", 0)), {})
            for contest, units in (leaf.get("draws") or {}).items():
                rnd.setdefault(str(contest), []).extend(
                    (str(unit), href(place, unit, contest)) for unit in units
                )
        elif step == "record":
            a["records"] += 1
        elif step == "conclusion":
            a["conclusions"].append({**leaf, "log_index": index})
    return list(audits.values())


def races_changed(bulletins: Sequence[Mapping[str, Any]]) -> list[str]:
    """Contests whose result differs between the last two bulletins (all of them when there
    is only one bulletin, none when there is none)."""
    if not bulletins:
        return []
    last = {d["contest_id"]: d for d in bulletins[-1]["contests"]}
    if len(bulletins) == 1:
        return list(last)
    prev = {d["contest_id"]: d for d in bulletins[-2]["contests"]}
    return [cid for cid, d in last.items() if prev.get(cid) != d]


def latest_json(bundle: Bundle) -> bytes:
    """``latest.json``: the latest bulletin, the checkpoint and the races that changed."""
    rows = bundle.bulletin_rows
    cp = bundle.checkpoint
    doc = {
        "format": "escrutinio-latest/1",
        "bulletin": rows[-1].number if rows else None,
        "time": rows[-1].created_at if rows else None,
        "tree_size": cp.size,
        "root": cp.root_b64,
        "checkpoint_sha256": hashlib.sha256(cp.text.encode("utf-8")).hexdigest(),
        "races_changed": races_changed(bundle.bulletins),
    }
    return canonical_json_fast(doc)
