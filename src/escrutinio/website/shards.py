"""Table data above the static-page threshold: ``table/data/<region>.json``, one shard per
region of the shard level, holding every stored version and adjudication of each of its
tables (rendered in the browser by ``assets/table.js``); a region with more than
``list_rows`` tables is cut in parts of ``list_rows`` tables (definition order),
``table/data/<region>/<k>.json``, whose documents also carry ``"part": k``.

On a re-publication (`escrutinio.website.reuse`) a shard none of whose tables changed is
left as it is; a shard with changed tables is, when the previous publication's file is
still as its manifest lists it (same SHA-256), read back and only the entries of the
changed tables are rebuilt and put in place of the old ones in the canonical bytes (without
parsing the others, `_spliced`; the whole shard is parsed when an entry cannot be located),
so the acta versions of the unchanged tables are not read at all. The bytes are those of a
shard built from scratch: the shard is RFC 8785 canonical JSON of the same document.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

import numpy as np

from escrutinio.model.canonical import canonical_json_fast
from escrutinio.model.definition import Definition, IntArray
from escrutinio.reads.documents import ActaVersionDoc
from escrutinio.website.bundle import Bundle
from escrutinio.website.paths import slug
from escrutinio.website.reuse import Reuse

SHARD_FORMAT = "escrutinio-table-shard/1"
MAX_SHARD_BYTES = 256 * 1024 * 1024

Versions = Callable[[str, str], list[ActaVersionDoc]]


class ShardSite(Protocol):
    """What the shards use of the table pages (`escrutinio.website.tables.TablePages`)."""

    definition: Definition
    bundle: Bundle

    @property
    def reuse(self) -> Reuse:
        """The pages a re-publication may leave as they are."""
        ...

    def fields(self, cid: str) -> list[dict[str, str]]:
        """The acta's fields of a contest (id and label)."""
        ...


def _entry(pages: ShardSite, u: int, versions: Versions) -> dict[str, Any]:
    """One table's entry: registered electors and, per contest it votes in, its versions
    and the adjudication decisions."""
    d = pages.definition
    unit = d.units.ids[u]
    entry: dict[str, Any] = {}
    for cid in d.contests:
        if not d.eligible_mask(cid)[u]:
            continue
        entry[cid] = {
            "versions": versions(unit, cid),
            "decisions": [
                {
                    "source": a.source,
                    "version": a.version,
                    "reason": a.reason,
                    "decided_by": a.decided_by,
                    "decided_at": a.decided_at,
                    "log_index": a.log_index,
                }
                for a in pages.bundle.adjudications_of(unit, cid)
            ],
        }
    return {"registered": int(d.units.registered[u]), "contests": entry}


def _previous_bytes(pages: ShardSite, path: str) -> bytes | None:
    """The previous publication's shard at ``path`` when it still holds the bytes its
    manifest lists (else None: the shard is built from scratch)."""
    return pages.reuse.previous_bytes(pages.bundle.root, path, MAX_SHARD_BYTES)


def _table_key(unit: str) -> bytes:
    """How a table id opens its entry in a shard: ``"<id>":{"contests":`` (canonical)."""
    return canonical_json_fast(unit) + b':{"contests":'


def _spliced(old: bytes, units: list[str], new: Mapping[str, bytes]) -> bytes | None:
    """The canonical shard ``old`` (whose tables are exactly ``units``) with the entries of
    ``new`` (table id → canonical entry) put in place of the old ones, without parsing the
    others; None when an entry cannot be located (then the shard is parsed).

    In RFC 8785 bytes ``tables`` is the last member and its entries follow in key order
    (UTF-16 code units); an entry is an object whose first key is ``contests``, and a
    ``"<id>":{"contests":`` run cannot occur inside a JSON string (its quotes would be
    escaped), so each entry spans from its key to the next table's key."""
    if all(u.isascii() for u in units):  # code point order is UTF-16 order
        order = sorted(units)
    else:
        order = sorted(units, key=lambda u: u.encode("utf-16-be"))
    position = {u: i for i, u in enumerate(order)}
    if not old.endswith(b"}}") or len(position) != len(units):
        return None
    parts: list[bytes] = []
    done = 0
    for unit in sorted(new, key=position.__getitem__):
        i = position[unit]
        key = _table_key(unit)
        start = old.find(key, done)
        if start < 1 or old[start - 1] not in b"{,":
            return None
        if i + 1 < len(order):
            end = old.find(b"," + _table_key(order[i + 1]), start + len(key))
        else:
            end = len(old) - 2
        if end < 0:
            return None
        parts += (old[done : start + len(key) - len(b'{"contests":')], new[unit])
        done = end
    parts.append(old[done:])
    return b"".join(parts)


def _previous_doc(pages: ShardSite, path: str) -> dict[str, Any] | None:
    """The previous publication's shard at ``path`` parsed, when it still holds the bytes
    its manifest lists (else None: the shard is built from scratch)."""
    data = _previous_bytes(pages, path)
    if data is None:
        return None
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != SHARD_FORMAT:
        return None
    return doc if isinstance(doc.get("tables"), dict) else None


def _changed_versions(pages: ShardSite) -> Versions:
    """Versions of the changed slots' units only (read from the acta frame once)."""
    d = pages.definition
    units = [d.units.ids[u] for u in sorted(pages.reuse.units)]
    found: Mapping[tuple[str, str], list[ActaVersionDoc]] = pages.bundle.versions_of_units(units)
    return lambda unit, cid: list(found.get((unit, cid), []))


def shard_path(region_id: str, part: int) -> str:
    """Path of a shard (``part`` 0) or of a shard's ``part``-th part."""
    name = slug(region_id)
    return f"table/data/{name}/{part}.json" if part else f"table/data/{name}.json"


def shard_files(
    pages: ShardSite, unit_shard: IntArray, unit_part: IntArray
) -> Iterator[tuple[str, bytes | None]]:
    """Every shard's (path, bytes), ``None`` for one left as the previous publication
    wrote it."""
    d = pages.definition
    keys = unit_shard * (int(unit_part.max(initial=0)) + 1) + unit_part
    order = np.argsort(keys, kind="stable")
    bounds = np.flatnonzero(np.diff(keys[order])) + 1
    reuse = pages.reuse
    touched = np.zeros(len(keys), dtype=bool)
    touched[sorted(reuse.units)] = True
    by_shard = {
        (int(unit_shard[g[0]]), int(unit_part[g[0]])): g for g in np.split(order, bounds) if g.size
    }
    contests = {
        cid: {"name": c.name, "options": [[f["id"], f["label"]] for f in pages.fields(cid)]}
        for cid, c in d.contests.items()
    }
    changed_versions: Versions | None = None
    for (shard, part), group in sorted(by_shard.items()):
        path = shard_path(d.regions.ids[shard], part)
        changed = group[touched[group]].tolist()
        if reuse.keep(path, bool(changed)):
            yield path, None
            continue
        units = group.tolist()
        before = _previous_bytes(pages, path) if changed else None
        if before is not None:
            if changed_versions is None:
                changed_versions = _changed_versions(pages)
            entries = {d.units.ids[u]: _entry(pages, u, changed_versions) for u in changed}
            spliced = _spliced(
                before,
                [d.units.ids[u] for u in units],
                {unit: canonical_json_fast(entry) for unit, entry in entries.items()},
            )
            if spliced is not None:
                yield path, spliced
                continue
            old = _previous_doc(pages, path)
            if old is not None:
                old["tables"].update(entries)
                yield path, canonical_json_fast(old)
                continue
        tables = {d.units.ids[u]: _entry(pages, u, pages.bundle.versions) for u in units}
        used = {cid for t in tables.values() for cid in t["contests"]}
        doc: dict[str, Any] = {
            "format": SHARD_FORMAT,
            "region": d.regions.ids[shard],
            "official_source": pages.bundle.official_source,
            "contests": {cid: contests[cid] for cid in d.contests if cid in used},
            "tables": tables,
        }
        if part:
            doc["part"] = part
        yield path, canonical_json_fast(doc)
