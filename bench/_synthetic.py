"""A synthetic election for benchmarks: N polling units × 1 contest × 12 options."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

OPTIONS = [f"o{i:02d}" for i in range(12)]


def write_synthetic(out: Path, units: int, seed: int = 2017) -> tuple[Path, Path]:
    """Write election.yaml, regions.csv, units.csv and actas.csv; return (definition, actas)."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    states, munis = 24, 240
    (out / "election.yaml").write_text(
        "election: {id: bench, name: Benchmark, date: '2026-01-01'}\n"
        "region_levels: [state, municipality]\n"
        "regions: regions.csv\nunits: units.csv\n"
        "contests:\n  - id: pres\n    name: President\n    candidates:\n"
        + "".join(f"      - {{id: {o}, name: Candidate {o}}}\n" for o in OPTIONS)
    )
    with (out / "regions.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "level", "parent"])
        for s in range(states):
            w.writerow([f"S{s:02d}", f"State {s}", "state", ""])
        for m in range(munis):
            w.writerow([f"M{m:03d}", f"Municipality {m}", "municipality", f"S{m % states:02d}"])
    registered = rng.integers(300, 900, size=units)
    turnout = rng.beta(12, 8, size=units)
    voters = np.floor(registered * turnout).astype(np.int64)
    shares = rng.dirichlet(np.linspace(12, 1, len(OPTIONS)), size=units)
    null = rng.binomial(voters, 0.01)
    votes = np.array(
        [rng.multinomial(v - n, p) for v, n, p in zip(voters, null, shares, strict=True)]
    )
    with (out / "units.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "region", "registered", "contests"])
        for u in range(units):
            w.writerow([f"U{u:07d}", f"M{u % munis:03d}", int(registered[u]), ""])
    with (out / "actas.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["unit", "contest", "voters", "null", *OPTIONS])
        for u in range(units):
            w.writerow([f"U{u:07d}", "pres", int(voters[u]), int(null[u]), *votes[u].tolist()])
    return out / "election.yaml", out / "actas.csv"
