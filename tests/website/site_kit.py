"""A small published election for the website tests (two waves, a witness copy, an
adjudication, two bulletins), optionally with hostile names in its definition."""

from __future__ import annotations

import sys
from pathlib import Path

from escrutinio.model import Definition
from escrutinio.model.definition import DefinitionMeta, RegionRow, UnitRow, build_definition
from support import small_definition

sys.path.insert(0, str(Path(__file__).parents[1] / "verify"))

from ledger_pubkit import Pub, full

HOSTILE = "<script>alert(1)</script>"


def hostile_definition() -> Definition:
    """The small definition with a ``<script>`` tag in every candidate, party, alliance,
    contest and region name."""
    base = small_definition()
    doc = base.meta.model_dump(mode="json")
    for key in ("alliances", "parties"):
        for item in doc[key]:
            item["name"] = f"{item['name']} {HOSTILE}"
    for contest in doc["contests"]:
        contest["name"] = f"{contest['name']} {HOSTILE}"
        for cand in contest["candidates"]:
            cand["name"] = f"{cand['name']} {HOSTILE}"
    meta = DefinitionMeta.model_validate(doc)
    regions = [
        RegionRow(r["id"], f"{r['name']} {HOSTILE}", r["level"], r["parent"])
        for r in base.region_documents
    ]
    units = [UnitRow(u["id"], u["region"], u["registered"]) for u in base.to_document()["units"]]
    return build_definition(meta, regions, units)


def published(tmp: Path, definition: Definition | None = None) -> Pub:
    """Both waves of the small election published (SQLite store) under ``tmp/pub``."""
    return full(f"sqlite:///{tmp / 'store.db'}", definition or small_definition(), tmp)
