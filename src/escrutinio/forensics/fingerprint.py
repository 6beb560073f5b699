"""Election fingerprints and the ballot-stuffing model.

Klimek, Yegorov, Hanel & Thurner, "Statistical detection of systematic election
irregularities", PNAS 109(41), 2012. The 2-D histogram of units by turnout and winner's share
(the "fingerprint") of a clean election is a single roughly Gaussian blob; ballot stuffing
smears it towards (100%, 100%). Their model: a fair unit draws turnout τ ~ N(μ_τ, σ_τ) and
winner share ν ~ N(μ_ν, σ_ν); a fraction f_i of units has *incremental* fraud and a fraction f_e
*extreme* fraud. In a fraudulent unit a fraction x of the non-voters is added as votes for the
winner and a fraction y = x^α of the opposition's votes is moved to the winner; x is small
(|N(0, θ)|) for incremental and close to 1 (1 − |N(0, θ/4)|) for extreme fraud.

Fit: μ, σ are the median and MAD-scaled spread of the observed turnout and share (the fair peak).
Each regime (fair, incremental, extreme) is simulated once, seeded, with binomial counts on the
observed electorate sizes; the expected fingerprint for fractions (f_i, f_e) is the mixture
(1 − f_i − f_e)·H₀ + f_i·H_i + f_e·H_e, and (f_i, f_e) minimises the squared distance to the
observed normalised histogram on a 0.0025 grid (closed-form quadratic, so the grid is cheap).
The values θ = 0.1 and α = 2 are this implementation's defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from escrutinio.forensics.result import TestResult, refused
from escrutinio.forensics.units import FloatArray, IntArray, UnitData

NOTE = (
    "The fingerprint plots every unit by turnout and the winner's share. Clean elections give "
    "one compact cloud; ballot stuffing pulls units towards 100% turnout and 100% for the "
    "winner. The fitted fractions f_i (incremental) and f_e (extreme) say how much of the "
    "picture the stuffing model explains. Genuine differences between regions (strongholds, "
    "small rural units) also stretch the cloud and give f_i above zero on clean data, so these "
    "numbers are a description, not a proof of fraud."
)


@dataclass(frozen=True)
class StuffingModel:
    """Parameters of the Klimek et al. fraud model that are not fitted."""

    theta: float = 0.1
    alpha: float = 2.0
    bins: int = 40
    n_sim: int = 50_000
    grid_step: float = 0.0025


def fingerprint_histogram(turnout: FloatArray, share: FloatArray, bins: int) -> FloatArray:
    """Normalised 2-D histogram (turnout × share) on [0, 1]², values above 1 clipped to 1."""
    ok = np.isfinite(turnout) & np.isfinite(share)
    t = np.clip(turnout[ok], 0.0, 1.0)
    s = np.clip(share[ok], 0.0, 1.0)
    hist, _, _ = np.histogram2d(t, s, bins=bins, range=[[0.0, 1.0], [0.0, 1.0]])
    total = hist.sum()
    return np.asarray(hist / total if total > 0 else hist, dtype=np.float64)


def _robust(values: FloatArray) -> tuple[float, float]:
    """Median and MAD-based standard deviation (at least 0.01)."""
    med = float(np.median(values))
    mad = float(np.median(np.abs(values - med))) * 1.4826
    return med, max(mad, 0.01)


def simulate_regime(
    electorate: IntArray,
    mu: tuple[float, float],
    sigma: tuple[float, float],
    regime: str,
    model: StuffingModel,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    """Simulate turnout and winner share of units all in one regime (fair/incremental/extreme)."""
    n = electorate.size
    tau = np.clip(rng.normal(mu[0], sigma[0], n), 0.0, 1.0)
    nu = np.clip(rng.normal(mu[1], sigma[1], n), 0.0, 1.0)
    voters = rng.binomial(electorate, tau)
    winner = rng.binomial(voters, nu)
    if regime == "incremental":
        x = np.clip(np.abs(rng.normal(0.0, model.theta, n)), 0.0, 1.0)
    elif regime == "extreme":
        x = np.clip(1.0 - np.abs(rng.normal(0.0, model.theta / 4.0, n)), 0.0, 1.0)
    else:
        x = np.zeros(n)
    if regime != "fair":
        added = rng.binomial(electorate - voters, x)
        moved = rng.binomial(voters - winner, x**model.alpha)
        voters = voters + added
        winner = winner + added + moved
    with np.errstate(divide="ignore", invalid="ignore"):
        turnout = np.where(electorate > 0, voters / electorate, np.nan)
        share = np.where(voters > 0, winner / voters, np.nan)
    return turnout, share


def fit_stuffing(
    turnout: FloatArray,
    share: FloatArray,
    electorate: IntArray,
    model: StuffingModel | None = None,
    seed: int = 2012,
) -> dict[str, float]:
    """Fit (f_i, f_e) of the Klimek et al. model to observed turnout and winner share."""
    model = model or StuffingModel()
    rng = np.random.default_rng(seed)
    ok = np.isfinite(turnout) & np.isfinite(share) & (electorate > 0)
    t, s, e = turnout[ok], share[ok], electorate[ok]
    mu_t, sd_t = _robust(np.clip(t, 0.0, 1.0))
    mu_s, sd_s = _robust(s)
    sizes = rng.choice(e, size=model.n_sim, replace=True)
    observed = fingerprint_histogram(t, s, model.bins).ravel()
    comps = []
    for regime in ("fair", "incremental", "extreme"):
        st, ss = simulate_regime(sizes, (mu_t, mu_s), (sd_t, sd_s), regime, model, rng)
        comps.append(fingerprint_histogram(st, ss, model.bins).ravel())
    h0, h1, h2 = comps
    r, d1, d2 = observed - h0, h1 - h0, h2 - h0
    grid = np.arange(0.0, 1.0 + 1e-9, model.grid_step)
    fi, fe = np.meshgrid(grid, grid, indexing="ij")
    loss = (
        r @ r
        - 2 * fi * (r @ d1)
        - 2 * fe * (r @ d2)
        + fi**2 * (d1 @ d1)
        + 2 * fi * fe * (d1 @ d2)
        + fe**2 * (d2 @ d2)
    )
    loss = np.where(fi + fe <= 1.0, loss, np.inf)
    best = np.unravel_index(int(np.argmin(loss)), loss.shape)
    return {
        "f_i": float(fi[best]),
        "f_e": float(fe[best]),
        "loss": float(loss[best]),
        "loss_fair": float(r @ r),
        "mu_turnout": mu_t,
        "sd_turnout": sd_t,
        "mu_share": mu_s,
        "sd_share": sd_s,
    }


def stuffing_fit_test(
    data: UnitData, model: StuffingModel | None = None, seed: int = 2012
) -> TestResult:
    """Fingerprint model fit on a unit table; refuses when turnout is undefined."""
    name = "turnout × winner-share fingerprint (Klimek et al.)"
    mask = data.turnout_mask() & (data.valid > 0)
    if mask.sum() < 100:
        return refused(
            name,
            NOTE,
            "registered electors are unknown for most units, so turnout is undefined"
            if data.turnout_mask().sum() < 100
            else "fewer than 100 units with turnout and valid votes",
            int(mask.sum()),
        )
    fit = fit_stuffing(
        data.turnout()[mask], data.leader_share()[mask], data.registered[mask], model, seed
    )
    return TestResult(
        name=name,
        status="ran",
        note=NOTE,
        statistic=fit["f_i"] + fit["f_e"],
        n_used=int(mask.sum()),
        details=fit,
    )
