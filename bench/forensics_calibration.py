"""Calibration (false-positive rate) and power of the forensic tests on simulated elections.

Clean elections have regional heterogeneity (Beta-distributed regional turnout and share, units
drawn binomially; see escrutinio.forensics.simulate). Stuffed elections follow the model of
Klimek et al. (PNAS 2012); "round targets" elections move a fraction of units to whole-percentage
turnout and leader share (Kobak et al., AoAS 2016). Each test is flagged at the nominal 5%
level; the fingerprint fit has no p-value, so f_i (resp. f_e) is flagged when it exceeds the 95th
percentile of its value on the clean simulations (calibrated thresholds, printed).

Run: .venv/bin/python bench/forensics_calibration.py [n_clean] [n_stuffed] [n_units] [workers]
Prints a Markdown table (pasted into docs/forensics.md).
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from escrutinio.forensics.digits import last_digit_test, second_digit_test
from escrutinio.forensics.fingerprint import StuffingModel, stuffing_fit_test
from escrutinio.forensics.integer_pct import leader_integer_test, turnout_integer_test
from escrutinio.forensics.simulate import COLUMNS, simulate_election
from escrutinio.forensics.units import from_frame

SCENARIOS = [
    ("clean", 0.0, 0.0, 0.0),
    ("incremental f_i=0.2", 0.2, 0.0, 0.0),
    ("incremental f_i=0.5", 0.5, 0.0, 0.0),
    ("extreme f_e=0.01", 0.0, 0.01, 0.0),
    ("extreme f_e=0.03", 0.0, 0.03, 0.0),
    ("round targets 2%", 0.0, 0.0, 0.02),
    ("round targets 5%", 0.0, 0.0, 0.05),
]
TESTS = (
    "fingerprint f_i",
    "fingerprint f_e",
    "integer % turnout",
    "integer % leader",
    "last digit",
    "2BL",
)


def one(args: tuple[int, int, float, float, float]) -> list[float]:
    """Run every test on one simulated election: fitted f_i, f_e, then p-values."""
    seed, n_units, f_i, f_e, rounded = args
    frame = simulate_election(n_units, seed=seed, f_i=f_i, f_e=f_e, round_fraction=rounded)
    data = from_frame(frame, COLUMNS)
    fit = stuffing_fit_test(data, model=StuffingModel(n_sim=20_000), seed=seed)
    out = [float(fit.details["f_i"]), float(fit.details["f_e"])]
    for test in (
        turnout_integer_test(data, n_resamples=0),
        leader_integer_test(data, n_resamples=0),
        last_digit_test(data),
        second_digit_test(data),
    ):
        out.append(float("nan") if test.p_value is None else test.p_value)
    return out


def run(
    n: int, n_units: int, scenario: tuple[float, float, float], base: int, workers: int
) -> np.ndarray:
    """Results of ``n`` simulations of one scenario (f_i, f_e, round fraction), (n, 6) array."""
    f_i, f_e, rounded = scenario
    jobs = [(base + k, n_units, f_i, f_e, rounded) for k in range(n)]
    with ProcessPoolExecutor(workers) as pool:
        return np.array(list(pool.map(one, jobs, chunksize=8)))


def main() -> None:
    """Run all scenarios and print the Markdown table of flag rates."""
    n_clean = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    n_stuffed = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    n_units = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    workers = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    t0 = time.perf_counter()
    results = {}
    for k, (name, f_i, f_e, rounded) in enumerate(SCENARIOS):
        n = n_clean if name == "clean" else n_stuffed
        results[name] = run(n, n_units, (f_i, f_e, rounded), 1_000_000 * (k + 1), workers)
    thresholds = [float(np.quantile(results["clean"][:, j], 0.95)) for j in (0, 1)]
    print(f"{n_units} units per election; {n_clean} clean and {n_stuffed} stuffed simulations")
    print(
        "fingerprint thresholds (95th percentile on clean data): "
        f"f_i > {thresholds[0]:.4f}, f_e > {thresholds[1]:.4f}\n"
    )
    print("| scenario | n | " + " | ".join(TESTS) + " |")
    print("|---" * (len(TESTS) + 2) + "|")
    for name, arr in results.items():
        rates = [float(np.mean(arr[:, j] > thresholds[j])) for j in (0, 1)]
        rates += [float(np.mean(arr[:, j] < 0.05)) for j in range(2, arr.shape[1])]
        print(f"| {name} | {arr.shape[0]} | " + " | ".join(f"{r:.3f}" for r in rates) + " |")
    for j, label in ((0, "f_i"), (1, "f_e")):
        col = results["clean"][:, j]
        print(f"clean {label}: mean {col.mean():.4f}, median {np.median(col):.4f}")
    print(f"elapsed {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
