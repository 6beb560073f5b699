"""The small audited election shared by the audit storage tests: six tables' actas."""

from __future__ import annotations

from pathlib import Path

from escrutinio.model import Definition
from escrutinio.store.store import Store

HEADER = "unit,contest,source,received_at,voters,null,blank,a1-psuv,a1-pcv,a2-mud,a3,b1,b2\n"
ROWS = [
    "u1,gov-A,,2017-10-15T20:00:00Z,300,3,,100,20,150,5,,\n",
    "u2,gov-A,,2017-10-15T20:00:00Z,300,0,,160,10,120,0,,\n",
    "u3,gov-A,,2017-10-15T20:00:00Z,200,0,,90,10,90,0,,\n",
    "u4,gov-A,,2017-10-15T20:00:00Z,150,0,,70,5,60,5,,\n",
    "u5,gov-B,,2017-10-15T20:05:00Z,400,2,1,,,,,300,90\n",
    "u6,gov-B,,2017-10-15T20:05:00Z,90,0,0,,,,,60,30\n",
]
SEED = "12345678901234567890"


def reported_store(db_url: str, definition: Definition, directory: Path) -> Store:
    """A store with the definition and the six actas imported."""
    store = Store.open(db_url)
    store.load_definition(definition)
    path = directory / "actas.csv"
    path.write_text(HEADER + "".join(ROWS), encoding="utf-8")
    store.ingest_file(path)
    return store
