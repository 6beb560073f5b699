"""Study of the Klimek fingerprint fit over several clean clouds, stuffing spreads and truths.

Klimek, Yegorov, Hanel & Thurner, PNAS 109(41), 2012: a fraction f_i of units has incremental
stuffing (a fraction x ~ |N(0, θ)| of the non-voters added to the winner and a fraction x^α of
the opposition's votes moved to the winner), f_e extreme stuffing (x ~ 1 − |N(0, θ/4)|).
Each setting simulates elections with a known clean cloud (mean turnout and leader share,
compact or wide, one region or 24; escrutinio.forensics.simulate.CleanCloud), stuffing spread
θ, exponent α and truth (f_i, f_e), fits them with the default fit and prints, per setting,
the bias (mean error), spread (standard deviation) and largest absolute error of f_i and f_e,
and how many runs the fit called reliable (TestResult.details["reliable"]).

Run: .venv/bin/python bench/fingerprint_study.py [n_units] [seeds] [workers] [csv] [clouds] [alphas]
or:  .venv/bin/python bench/fingerprint_study.py saved.csv [more.csv ...]   (tables again)
(the csv, when given, gets one row per simulated election; clouds: comma-separated names of
CLOUDS, by their first word, e.g. "compact,low", or "all"; alphas: the exponents the fit
chooses among, e.g. "1,2" (StuffingModel.alphas; default: α = 2 only).
"""

from __future__ import annotations

import csv
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from itertools import product

import numpy as np

from escrutinio.forensics.fingerprint import (
    StuffingModel,
    reliability_problems,
    stuffing_fit_test,
)
from escrutinio.forensics.simulate import COLUMNS, CleanCloud, simulate_election
from escrutinio.forensics.units import from_frame

CLOUDS: dict[str, tuple[CleanCloud, int]] = {
    "compact 0.60/0.55": (CleanCloud(0.60, 0.55, 150.0, 150.0), 1),
    "wide 0.60/0.55": (CleanCloud(0.60, 0.55, 25.0, 25.0), 1),
    "low 0.50/0.35": (CleanCloud(0.50, 0.35, 60.0, 50.0, third=0.5), 1),
    "high 0.75/0.65": (CleanCloud(0.75, 0.65, 60.0, 50.0), 1),
    "24 regions 0.60/0.55": (CleanCloud(0.60, 0.55, 60.0, 50.0, 50.0), 24),
}
THETAS = (0.15, 0.3)
ALPHAS = (1.0, 2.0)
TRUTHS = ((0.0, 0.0), (0.0, 0.05), (0.2, 0.0), (0.4, 0.03), (0.6, 0.1))
FIELDS = ("f_i", "f_e", "theta", "gof", "separation", "reliable")


def one(
    args: tuple[str, float, float, float, float, int, int, tuple[float, ...]],
) -> dict[str, float | str]:
    """Fit of one simulated election."""
    name, theta, alpha, f_i, f_e, seed, n_units, alphas = args
    cloud, regions = CLOUDS[name]
    frame = simulate_election(
        n_units,
        seed=seed,
        n_regions=regions,
        f_i=f_i,
        f_e=f_e,
        theta=theta,
        alpha=alpha,
        cloud=cloud,
    )
    model = StuffingModel(alphas=alphas)
    fit = stuffing_fit_test(from_frame(frame, COLUMNS), model=model, seed=seed)
    row: dict[str, float | str] = {
        "cloud": name,
        "theta_true": theta,
        "alpha": alpha,
        "f_i_true": f_i,
        "f_e_true": f_e,
        "seed": seed,
    }
    row.update({k: float(fit.details.get(k, float("nan"))) for k in FIELDS})
    row["alpha_fit"] = float(fit.details["alpha"])
    return row


def _stats(err: np.ndarray) -> str:
    return f"{err.mean():+.3f} ± {err.std():.3f} ({np.abs(err).max():.3f})"


def _from_csv(path: str) -> list[dict[str, float | str]]:
    """Rows saved by an earlier run, their reliability recomputed with the current rule."""
    with open(path, encoding="utf-8") as handle:
        rows: list[dict[str, float | str]] = [
            {k: (v if k == "cloud" else float(v)) for k, v in r.items()}
            for r in csv.DictReader(handle)
        ]
    for r in rows:
        fit = {k: float(r[k]) for k in ("separation", "gof", "theta")}
        r["reliable"] = float(not reliability_problems(fit))
    return rows


def table(rows: list[dict[str, float | str]]) -> None:
    """Print one Markdown row per setting found in ``rows``."""
    settings = list(
        dict.fromkeys(
            (
                str(r["cloud"]),
                float(r["theta_true"]),
                float(r["alpha"]),
                float(r["f_i_true"]),
                float(r["f_e_true"]),
            )
            for r in rows
        )
    )
    print(
        "| clean cloud | θ | α | true f_i | true f_e | f_i error: bias ± sd (max) "
        "| f_e error: bias ± sd (max) | reliable | f_i error when reliable (max) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    worst_ok, worst_e = 0.0, 0.0
    for name, theta, alpha, fi, fe in settings:
        sel = [
            r
            for r in rows
            if r["cloud"] == name
            and r["theta_true"] == theta
            and r["alpha"] == alpha
            and r["f_i_true"] == fi
            and r["f_e_true"] == fe
        ]
        ei = np.array([float(r["f_i"]) - fi for r in sel])
        ee = np.array([float(r["f_e"]) - fe for r in sel])
        ok = np.array([float(r["reliable"]) > 0 for r in sel])
        worst = f"{np.abs(ei[ok]).max():.3f}" if ok.any() else "—"
        worst_ok = max(worst_ok, float(np.abs(ei[ok]).max()) if ok.any() else 0.0)
        worst_e = max(worst_e, float(np.abs(ee).max()))
        print(
            f"| {name} | {theta} | {alpha:g} | {fi:.2f} | {fe:.2f} | {_stats(ei)} "
            f"| {_stats(ee)} | {ok.sum()}/{len(sel)} | {worst} |"
        )
    print()
    summary(rows)
    n_ok = sum(float(r["reliable"]) > 0 for r in rows)
    print()
    print(
        f"reliable: {n_ok} of {len(rows)} runs; largest f_i error when reliable "
        f"{worst_ok:.3f}; largest f_e error in any run {worst_e:.3f}"
    )


def summary(rows: list[dict[str, float | str]]) -> None:
    """Print one Markdown row per (clean cloud, θ, α), over all truths (f_i, f_e)."""
    groups = list(
        dict.fromkeys((str(r["cloud"]), float(r["theta_true"]), float(r["alpha"])) for r in rows)
    )
    print(
        "| clean cloud | θ | α | runs | f_i error: bias ± sd (max) | f_e error: bias ± sd (max) "
        "| reliable | f_i error when reliable (max) | separation (median) | fit / noise (median) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, theta, alpha in groups:
        sel = [
            r
            for r in rows
            if r["cloud"] == name and r["theta_true"] == theta and r["alpha"] == alpha
        ]
        ei = np.array([float(r["f_i"]) - float(r["f_i_true"]) for r in sel])
        ee = np.array([float(r["f_e"]) - float(r["f_e_true"]) for r in sel])
        ok = np.array([float(r["reliable"]) > 0 for r in sel])
        worst = f"{np.abs(ei[ok]).max():.3f}" if ok.any() else "—"
        sep = np.median([float(r["separation"]) for r in sel])
        gof = np.median([float(r["gof"]) for r in sel])
        print(
            f"| {name} | {theta} | {alpha:g} | {len(sel)} | {_stats(ei)} | {_stats(ee)} "
            f"| {ok.sum()}/{len(sel)} | {worst} | {sep:.2f} | {gof:.2f} |"
        )


def main() -> None:
    """Print the study tables (Markdown)."""
    if len(sys.argv) > 1 and sys.argv[1].endswith(".csv"):
        table([r for path in sys.argv[1:] for r in _from_csv(path)])
        return
    n_units = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    out = sys.argv[4] if len(sys.argv) > 4 else None
    pick = sys.argv[5].split(",") if len(sys.argv) > 5 and sys.argv[5] != "all" else None
    alphas = tuple(float(a) for a in sys.argv[6].split(",")) if len(sys.argv) > 6 else ()
    clouds = [c for c in CLOUDS if pick is None or c.split()[0] in pick]
    settings = list(product(clouds, THETAS, ALPHAS, TRUTHS))
    jobs = [
        (name, theta, alpha, fi, fe, 100 * k + s, n_units, alphas)
        for k, (name, theta, alpha, (fi, fe)) in enumerate(settings)
        for s in range(seeds)
    ]
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        rows = list(pool.map(one, jobs, chunksize=1))
    elapsed = time.perf_counter() - start
    if out:
        with open(out, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    print(
        f"{len(jobs)} simulations of {n_units:,} units, {seeds} seeds per setting, {elapsed:.0f} s"
    )
    print()
    table(rows)


if __name__ == "__main__":
    main()
