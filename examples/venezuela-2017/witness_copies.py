"""Make the MUD witnesses' copies of Bolívar's actas for the reconciliation demo (generated).

In 2017 the opposition said its copies of the actas did not match the official ones. This
script builds a *hypothetical* witness collection from the generated official actas of
Bolívar so that `escrutinio reconcile` has something to find: the witnesses hold copies of
96% of the tables (the rest were never delivered to them), most copies are identical, and
1% of them differ by a few votes moved between the two main candidates, half each way.
Nothing here is a claim about what the real copies said.

Run: ``python examples/venezuela-2017/witness_copies.py DATA_DIR`` (the generator's output);
writes ``DATA_DIR/actas_witness_mud.csv`` with source ``witness:MUD``.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

CONTEST = "gov-VE07"
SOURCE = "witness:MUD"
GPP_CARD, MUD_CARD = "psuv", "mud"


def make_copies(data: Path, seed: int = 20171015) -> Path:
    """Write the witness copies next to the official actas; returns the file written."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, str]] = []
    header: list[str] = []
    for name in ("actas_wave1.csv", "actas_wave2.csv"):
        with (data / name).open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = list(reader.fieldnames or [])
            rows += [r for r in reader if r["contest"] == CONTEST]
    rows.sort(key=lambda r: r["unit"])
    out = data / "actas_witness_mud.csv"
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        for row in rows:
            if rng.random() < 0.04:
                continue  # this copy never reached the witnesses
            copy = dict(row, source=SOURCE, received_at="2017-10-16T12:00:00-04:00")
            if rng.random() < 0.01:
                moved = int(rng.integers(3, 30))
                give, take = (MUD_CARD, GPP_CARD) if rng.random() < 0.5 else (GPP_CARD, MUD_CARD)
                moved = min(moved, int(copy[take]))
                copy[take] = str(int(copy[take]) - moved)
                copy[give] = str(int(copy[give]) + moved)
            writer.writerow(copy)
    return out


if __name__ == "__main__":
    print(make_copies(Path(sys.argv[1])))
