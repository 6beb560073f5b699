"""Recovery of injected ballot stuffing by the Klimek fingerprint fit.

Simulates elections (escrutinio.forensics.simulate: 24 regions with Beta-distributed turnout and
leader share, so the clean cloud is *not* the fit's Gaussian) with known fractions of
incremental (f_i) and extreme (f_e) stuffing (Klimek et al., PNAS 2012), fits (f_i, f_e) with
the robust clean-cloud estimate (the default: the fingerprint's mode and the spread below it,
refined jointly with f_i and f_e) and with the
earlier all-units median/MAD estimate, and prints one Markdown row per (f_i, f_e): the truth,
the mean recovered value over the seeds and the largest absolute error, for each estimate.

With one region the clean cloud is close to the fit's Gaussian (the model's assumption); with
24 it is a mixture of regional clouds, as in real countries.

θ (theta) is the spread of the stuffing fraction x (incremental x ~ |N(0, θ)|); the robust fit
estimates it, the all-units fit keeps the default 0.1.

Run: .venv/bin/python bench/fingerprint_recovery.py [n_units] [seeds] [workers] [regions] [θ]
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from escrutinio.forensics.fingerprint import StuffingModel, stuffing_fit_test
from escrutinio.forensics.simulate import COLUMNS, simulate_election
from escrutinio.forensics.units import from_frame

F_I = (0.0, 0.2, 0.4, 0.6)
F_E = (0.0, 0.03, 0.1)
CLOUDS = ("fit", "all")


def one(args: tuple[int, int, int, float, float, float]) -> list[float]:
    """Fitted (f_i, f_e) of one simulated election, for each clean-cloud estimate."""
    seed, n_units, regions, theta, f_i, f_e = args
    frame = simulate_election(n_units, seed=seed, n_regions=regions, f_i=f_i, f_e=f_e, theta=theta)
    data = from_frame(frame, COLUMNS)
    out: list[float] = []
    for cloud in CLOUDS:
        fit = stuffing_fit_test(data, model=StuffingModel(cloud=cloud), seed=seed)
        out += [float(fit.details["f_i"]), float(fit.details["f_e"])]
    return out


def main() -> None:
    """Print the recovery table (Markdown)."""
    n_units = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    regions = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    theta = float(sys.argv[5]) if len(sys.argv) > 5 else 0.3
    grid = [(fi, fe) for fi in F_I for fe in F_E]
    jobs = [
        (1000 * k + s, n_units, regions, theta, fi, fe)
        for k, (fi, fe) in enumerate(grid)
        for s in range(seeds)
    ]
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        fits = np.array(list(pool.map(one, jobs, chunksize=2)))
    elapsed = time.perf_counter() - start
    print(
        f"{len(jobs)} simulations of {n_units:,} units in {regions} region(s), "
        f"stuffing θ = {theta}, {seeds} seeds each, {elapsed:.0f} s"
    )
    print()
    print(
        "| true f_i | true f_e | robust: f_i mean (max err) | robust: f_e mean (max err) "
        "| all units: f_i mean (max err) | all units: f_e mean (max err) |"
    )
    print("|---|---|---|---|---|---|")
    worst = np.zeros(4)
    for k, (fi, fe) in enumerate(grid):
        rows = fits[k * seeds : (k + 1) * seeds]
        cells = []
        for col, truth in enumerate((fi, fe, fi, fe)):
            err = float(np.max(np.abs(rows[:, col] - truth)))
            worst[col] = max(worst[col], err)
            cells.append(f"{rows[:, col].mean():.3f} ({err:.3f})")
        print(f"| {fi:.2f} | {fe:.2f} | " + " | ".join(cells) + " |")
    print()
    print(
        f"largest absolute error: robust f_i {worst[0]:.3f}, f_e {worst[1]:.3f}; "
        f"all units f_i {worst[2]:.3f}, f_e {worst[3]:.3f}"
    )


if __name__ == "__main__":
    main()
