"""Small published elections for the website tests: the two-wave election of the verifier
tests (a witness copy, an adjudication, two bulletins), the same with hostile names, and a
generated 23-race election shaped like Venezuela 2017 (bulletin 1: 17 GPP, 5 MUD, Bolívar
pending), each published with its website."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from escrutinio import reads
from escrutinio.ledger.keys import generate_key
from escrutinio.model import Definition
from escrutinio.model.definition import (
    Alliance,
    Candidate,
    Contest,
    DefinitionMeta,
    ElectionInfo,
    Party,
    RegionRow,
    UnitRow,
    build_definition,
)
from escrutinio.publish.site import publish
from escrutinio.store.store import Store
from escrutinio.website.publication import publication_site
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
    """Both waves of the small election published (SQLite store) under ``tmp/pub``, then
    published once more with the website."""
    pub = full(f"sqlite:///{tmp / 'store.db'}", definition or small_definition(), tmp)
    publish(pub.store, pub.out, pub.signer, website=publication_site)
    return pub


STATES = [f"VE{n:02d}" for n in range(2, 25)]  # 23 governor races, as in 2017
BOLIVAR = "VE07"
MUD_STATES = {"VE03", "VE14", "VE17", "VE20", "VE23"}
TABLE_ELECTORS = 100


def venezuela_like_definition() -> Definition:
    """23 states, one governor race each (GPP against MUD), three tables of 100 electors."""
    contests = [
        Contest(
            id=f"gov-{s}",
            name=f"Gobernación de {'Bolívar' if s == BOLIVAR else 'Estado ' + s}",
            scope=s,
            candidates=[
                Candidate(id="gpp", name=f"Candidato GPP {s}", alliance="GPP"),
                Candidate(id="mud", name=f"Candidata MUD {s}", alliance="MUD"),
            ],
        )
        for s in STATES
    ]
    meta = DefinitionMeta(
        election=ElectionInfo(id="ve-like", name="Regionales (generadas)", date="2017-10-15"),
        region_levels=["state", "parish"],
        alliances=[
            Alliance(id="GPP", name="Gran Polo Patriótico"),
            Alliance(id="MUD", name="Mesa de la Unidad Democrática"),
        ],
        parties=[Party(id="psuv", name="PSUV", alliance="GPP")],
        contests=contests,
    )
    regions = [
        RegionRow(s, "Bolívar" if s == BOLIVAR else f"Estado {s}", "state", None) for s in STATES
    ]
    regions += [RegionRow(f"{s}01", f"Parroquia {s}", "parish", s) for s in STATES]
    units = [UnitRow(f"{s}01.{t}", f"{s}01", TABLE_ELECTORS) for s in STATES for t in (1, 2, 3)]
    return build_definition(meta, regions, units)


@dataclass
class VenezuelaLike:
    """The generated election: its store, log key and publication folder."""

    store: Store
    out: Path


def venezuela_like(tmp: Path) -> VenezuelaLike:
    """Bulletin 1 with two of three tables counted in every state: 17 GPP and 5 MUD races
    irreversible (margin 140 > 100 outstanding electors), Bolívar pending (MUD ahead by 30 ≤
    100); bulletin 2 after the last tables: every race final, Bolívar to GPP by 55. Published
    with the website."""
    store = Store.open(f"sqlite:///{tmp / 'vl.db'}")
    store.load_definition(venezuela_like_definition())
    header = "unit,contest,source,received_at,voters,null,blank,gpp,mud\n"

    def rows(table: int, at: str) -> str:
        out = []
        for s in STATES:
            if s == BOLIVAR:
                gpp, mud = (40, 55) if table < 3 else (85, 0)
            elif s in MUD_STATES:
                gpp, mud = 10, 80
            else:
                gpp, mud = 80, 10
            out.append(f"{s}01.{table},gov-{s},,{at},{gpp + mud},0,,{gpp},{mud}\n")
        return "".join(out)

    wave1 = tmp / "wave1.csv"
    wave1.write_text(header + rows(1, "2017-10-15T20:00:00Z") + rows(2, "2017-10-15T20:10:00Z"))
    store.ingest_file(wave1)
    reads.record_bulletin(store)
    wave2 = tmp / "wave2.csv"
    wave2.write_text(header + rows(3, "2017-10-15T23:00:00Z"))
    store.ingest_file(wave2)
    reads.record_bulletin(store)
    out = tmp / "vl-pub"
    publish(store, out, generate_key("escrutinio.example/ve-like"), website=publication_site)
    return VenezuelaLike(store, out)
