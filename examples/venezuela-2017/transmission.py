"""Prepare the second wave of 2017 for the submission API (generated, for the demo).

Splits ``actas_wave2.csv`` among three simulated transmission centres, each scoped to a
group of states, and picks four of Bolívar's wave-2 tables for two MUD witnesses, whose
copies (identical to the official actas, as the reconciliation's copies of those tables are)
go with a generated photo of the paper acta carrying escrutinio's own QR payload. One
witness photo's QR disagrees with its typed numbers (7 votes more), so ``qr-check`` has
something to show. Nothing here is a claim about the real 2017 transmission.

Run: ``python examples/venezuela-2017/transmission.py DATA_DIR`` (the generator's output).
Writes into ``DATA_DIR/api``: ``centre-<n>.csv``, ``witness-<n>.csv``, ``images/`` (named
``<unit>_<contest>.png``, the client's rule) and ``senders.json`` (who sends what).
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
from pathlib import Path

from escrutinio.images.synthetic import ActaPage, Distortion, render_acta

CENTRES = 3
CONTEST = "gov-VE07"
BOLIVAR = "VE07"
WITNESS_TABLES = 4
COUNT_COLUMNS = ("voters", "null", "blank")


def _state_of(data: Path) -> dict[str, str]:
    """Each unit's state, walking the region tree up from the unit's region."""
    with (data / "regions.csv").open(newline="", encoding="utf-8") as fh:
        parent = {r["id"]: r["parent"] for r in csv.DictReader(fh)}

    def state(region: str) -> str:
        while parent.get(region):
            region = parent[region]
        return region

    with (data / "units.csv").open(newline="", encoding="utf-8") as fh:
        return {r["id"]: state(r["region"]) for r in csv.DictReader(fh)}


def _identical_witness_units(data: Path, candidates: list[str]) -> list[str]:
    """Candidates whose witness copy (examples/venezuela-2017/witness_copies.py, same seed)
    exists and equals the official acta, so importing those copies later is a no-op."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from witness_copies import make_copies  # the demo's own witness collection

    with tempfile.TemporaryDirectory() as tmp:
        for name in ("actas_wave1.csv", "actas_wave2.csv"):
            (Path(tmp) / name).write_bytes((data / name).read_bytes())
        copies = make_copies(Path(tmp))
        with copies.open(newline="", encoding="utf-8") as fh:
            held = {r["unit"]: r for r in csv.DictReader(fh)}
    with (data / "actas_wave2.csv").open(newline="", encoding="utf-8") as fh:
        official = {r["unit"]: r for r in csv.DictReader(fh) if r["contest"] == CONTEST}
    numbers = [
        c
        for c in next(iter(official.values()))
        if c not in ("unit", "contest", "source", "received_at")
    ]
    return [
        u for u in candidates if u in held and all(held[u][c] == official[u][c] for c in numbers)
    ]


def _page(row: dict[str, str], header: list[str]) -> ActaPage:
    options = [
        c for c in header if c not in ("unit", "contest", "source", "received_at", *COUNT_COLUMNS)
    ]
    votes = {o: int(row[o]) for o in options if row[o].strip()}
    blank = int(row["blank"]) if row["blank"].strip() else None
    return ActaPage(row["unit"], row["contest"], votes, int(row["null"]), blank, int(row["voters"]))


def prepare(data: Path) -> Path:
    """Write the centres' and witnesses' files into ``data/api``; returns that folder."""
    out = data / "api"
    (out / "images").mkdir(parents=True, exist_ok=True)
    state_of = _state_of(data)
    with (data / "actas_wave2.csv").open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    states = sorted({state_of[r["unit"]] for r in rows})
    groups = [states[i::CENTRES] for i in range(CENTRES)]
    senders: list[dict[str, object]] = []
    for n, group in enumerate(groups, start=1):
        name = f"cne-transmision-{n}"
        path = out / f"centre-{n}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=header)
            writer.writeheader()
            writer.writerows(r for r in rows if state_of[r["unit"]] in group)
        senders.append({"name": name, "source": "official", "regions": group, "file": path.name})
    bolivar = sorted(
        r["unit"] for r in rows if r["contest"] == CONTEST and state_of[r["unit"]] == BOLIVAR
    )
    chosen = _identical_witness_units(data, bolivar)[:WITNESS_TABLES]
    by_unit = {r["unit"]: r for r in rows if r["contest"] == CONTEST}
    half = WITNESS_TABLES // 2
    for n, units in enumerate((chosen[:half], chosen[half:]), start=1):
        name = f"mud-testigo-{n}"
        path = out / f"witness-{n}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=header)
            writer.writeheader()
            for unit in units:
                writer.writerow({**by_unit[unit], "source": "witness:MUD"})
        senders.append({"name": name, "source": "witness:MUD", "units": units, "file": path.name})
    for i, unit in enumerate(chosen):
        image = render_acta(
            _page(by_unit[unit], header),
            disagree=i == len(chosen) - 1,  # the last witness photo's QR disagrees
            distortion=Distortion(rotate=1.5 * (i - 1), jpeg_quality=None),
            seed=i,
        )
        (out / "images" / f"{unit}_{CONTEST}.png").write_bytes(image)
    (out / "senders.json").write_text(json.dumps(senders, indent=2) + "\n", encoding="utf-8")
    return out


if __name__ == "__main__":
    print(prepare(Path(sys.argv[1])))
