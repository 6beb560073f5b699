"""The election definition as stored: loaded once (with its log leaf), never replaced, read
back once per store handle and cached on it."""

from __future__ import annotations

import hashlib
import json

import numpy as np
from sqlalchemy import insert, select

from escrutinio.model import leaves
from escrutinio.model.definition import Definition, DefinitionMeta, RegionTable, UnitTable
from escrutinio.store import schema as t
from escrutinio.store.bulk import fetch_raw, insert_many
from escrutinio.store.log import append_log
from escrutinio.store.store import Store, StoreError


def load_definition(store: Store, definition: Definition) -> str:
    """Store a definition once. Returns ``"loaded"`` or ``"unchanged"``.

    A definition cannot be replaced: loading a different one raises :class:`StoreError`.
    """
    fingerprint = definition.fingerprint
    with store.engine.begin() as conn:
        current = conn.execute(
            select(t.meta.c.value).where(t.meta.c.key == "definition_fingerprint")
        ).scalar_one_or_none()
        if current == fingerprint:
            return "unchanged"
        if current is not None:
            raise StoreError(
                f"this store already holds a different definition ({current[:12]}…); "
                "definitions are immutable once loaded — use a new database"
            )
        regions_bytes = definition.canonical_regions
        units_bytes = definition.canonical_units
        meta_doc = definition.meta.model_dump(mode="json")
        event = leaves.definition_leaf(
            fingerprint,
            meta_doc,
            len(definition.regions),
            hashlib.sha256(regions_bytes).hexdigest(),
            len(definition.units),
            hashlib.sha256(units_bytes).hexdigest(),
        )
        append_log(store, conn, [(leaves.DEFINITION, event)])
        conn.execute(
            insert(t.meta),
            [
                {"key": "definition_fingerprint", "value": fingerprint},
                {"key": "definition_meta", "value": json.dumps(meta_doc, ensure_ascii=False)},
            ],
        )
        r = definition.regions
        parents = r.parent.tolist()
        insert_many(
            conn,
            "regions",
            ("idx", "id", "name", "level", "parent"),
            [
                (i, r.ids[i], r.names[i], level, parents[i] if parents[i] >= 0 else None)
                for i, level in enumerate(r.level.tolist())
            ],
        )
        u = definition.units
        contests = [""] * len(u.ids)  # most units vote in their regions' contests
        for i, explicit in u.explicit_contests.items():
            contests[i] = ";".join(sorted(explicit))
        insert_many(
            conn,
            "units",
            ("idx", "id", "region", "registered", "contests"),
            list(
                zip(
                    range(len(u.ids)),
                    u.ids,
                    u.region.tolist(),
                    u.registered.tolist(),
                    contests,
                    strict=True,
                )
            ),
        )
    store.definition_cache = definition
    return "loaded"


def has_definition(store: Store) -> bool:
    """True once a definition has been loaded."""
    with store.engine.connect() as conn:
        return (
            conn.execute(
                select(t.meta.c.value).where(t.meta.c.key == "definition_fingerprint")
            ).scalar_one_or_none()
            is not None
        )


def read_definition(store: Store) -> Definition:
    """The stored definition (read once, then cached)."""
    if store.definition_cache is not None:
        return store.definition_cache
    with store.engine.connect() as conn:
        meta_text = conn.execute(
            select(t.meta.c.value).where(t.meta.c.key == "definition_meta")
        ).scalar_one_or_none()
        if meta_text is None:
            raise StoreError("no election definition loaded: run `escrutinio init FILE` first")
        meta = DefinitionMeta.model_validate(json.loads(meta_text))
        regs = fetch_raw(conn, "SELECT id, name, level, parent FROM regions ORDER BY idx")
        units = fetch_raw(conn, "SELECT id, region, registered, contests FROM units ORDER BY idx")
    region_ids = [r[0] for r in regs]
    regions = RegionTable(
        ids=region_ids,
        names=[r[1] for r in regs],
        level=np.array([r[2] for r in regs], dtype=np.int32),
        parent=np.array([-1 if r[3] is None else r[3] for r in regs], dtype=np.int32),
        index={rid: i for i, rid in enumerate(region_ids)},
    )
    unit_ids = [u[0] for u in units]
    unit_table = UnitTable(
        ids=unit_ids,
        region=np.array([u[1] for u in units], dtype=np.int32),
        registered=np.array([u[2] for u in units], dtype=np.int64),
        explicit_contests={i: frozenset(u[3].split(";")) for i, u in enumerate(units) if u[3]},
        index={uid: i for i, uid in enumerate(unit_ids)},
    )
    store.definition_cache = Definition(meta, regions, unit_table)
    return store.definition_cache
