"""Election fingerprints and the ballot-stuffing model.

Klimek, Yegorov, Hanel & Thurner, "Statistical detection of systematic election
irregularities", PNAS 109(41), 2012. The 2-D histogram of units by turnout and winner's share
(the "fingerprint") of a clean election is a single roughly Gaussian blob; ballot stuffing
smears it towards (100%, 100%). Their model: a fair unit draws turnout τ ~ N(μ_τ, σ_τ) and
winner share ν ~ N(μ_ν, σ_ν); a fraction f_i of units has *incremental* fraud and a fraction f_e
*extreme* fraud. In a fraudulent unit a fraction x of the non-voters is added as votes for the
winner and a fraction y = x^α of the opposition's votes is moved to the winner; x is small
(|N(0, θ)|) for incremental and close to 1 (1 − |N(0, θ/4)|) for extreme fraud.

Fit: the clean cloud (μ, σ) is estimated robustly, from the part of the picture stuffing
cannot reach. Stuffing only ever raises a unit's turnout and winner share, so (1) μ is the
mode of the fingerprint (the peak of the 2-D histogram on a 0.01 grid, smoothed with a
Gaussian kernel of 0.02), not the median of all units, which the smear drags towards
(100%, 100%); and (2) σ on each axis is estimated from the units *below* the mode on that
axis only, as the half-normal spread median(μ − x | x < μ) / 0.6745. Estimating both from all
units (the earlier version) lets the smear widen and shift the fair cloud until it absorbs
the incremental stuffing (issue 14: f_i = 0 on Russia 2011/2012 that way). (3) From that start
the fair cloud and the stuffing spread θ are refined *jointly* with the fractions: Nelder–Mead
over (μ, log σ, log θ), each candidate scored by its best mixture, with common random numbers
so the loss is smooth. The fair regime then models turnout and share *rates* (σ includes the
counting noise, which the binomial simulation would otherwise add twice). θ is fitted because
it decides whether incremental stuffing can be told from a wide fair cloud at all: with
θ = 0.1 stuffed units move by about a third of the cloud's spread and stay inside it.

For a given fair cloud each regime (fair, incremental, extreme) is simulated once, seeded
(the ``"mode"`` and ``"all"`` estimates use binomial counts on the observed electorate
sizes); the expected fingerprint for fractions (f_i, f_e) is the mixture
(1 − f_i − f_e)·H₀ + f_i·H_i + f_e·H_e, and (f_i, f_e) minimises the squared distance to the
observed normalised histogram on a 0.0025 grid (closed-form quadratic, so the grid is cheap).
Recovery on simulations with known stuffing is in docs/forensics.md. Every fit says whether
its f_i can be read as a fraction of stuffed units (:func:`reliability_problems`): not when
stuffing of the fitted θ stays inside the fair cloud (:func:`separation` < 1.3), nor when the
model leaves more than 1.3× the sampling noise unexplained; the study in docs/forensics.md
states the error within which f_i and f_e are recovered where it says reliable.
α = 2 is this implementation's choice; θ = 0.1 is the start of the fit (and fixed for the
``"mode"`` and ``"all"`` estimates).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

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
    cloud: str = "fit"
    """How the fair cloud is estimated: ``"fit"`` (the default: the robust start refined
    jointly with f_i, f_e), ``"mode"`` (the robust start alone) or ``"all"`` (median and
    MAD of all units, the earlier estimate, kept for comparison); see the module."""
    alphas: tuple[float, ...] = ()
    """When given, the fit is run once per exponent α in it and the one that fits best (least
    squares) is kept, its α reported; empty: ``alpha`` only (the default, the studied one)."""


def fingerprint_histogram(turnout: FloatArray, share: FloatArray, bins: int) -> FloatArray:
    """Normalised 2-D histogram (turnout × share) on [0, 1]², values above 1 clipped to 1."""
    ok = np.isfinite(turnout) & np.isfinite(share)
    # the bins of np.histogram2d on [0, 1]² (the last one closed), counted with bincount
    it = np.minimum((np.clip(turnout[ok], 0.0, 1.0) * bins).astype(np.int64), bins - 1)
    js = np.minimum((np.clip(share[ok], 0.0, 1.0) * bins).astype(np.int64), bins - 1)
    hist = np.bincount(it * bins + js, minlength=bins * bins).reshape(bins, bins)
    total = hist.sum()
    return np.asarray(hist / total if total > 0 else hist, dtype=np.float64)


MODE_GRID = 100
"""Bins per axis of the histogram whose smoothed peak is the clean cloud's centre."""

MODE_SMOOTHING = 2.0
"""Standard deviation, in bins, of the Gaussian kernel smoothing that histogram."""

MODE_EDGE = 0.05
"""The peak is looked for below 95% turnout and 95% share (not where extreme stuffing piles)."""


def clean_cloud(turnout: FloatArray, share: FloatArray) -> tuple[float, float, float, float]:
    """Robust centre and spread of the fair cloud: (μ_τ, μ_ν, σ_τ, σ_ν) from the fingerprint's
    mode and the half-normal spread of the units below it (see the module); σ at least 0.01."""
    from scipy.ndimage import gaussian_filter

    t = np.clip(turnout, 0.0, 1.0)
    s = np.clip(share, 0.0, 1.0)
    hist, _, _ = np.histogram2d(t, s, bins=MODE_GRID, range=[[0.0, 1.0], [0.0, 1.0]])
    smooth = gaussian_filter(hist, MODE_SMOOTHING, mode="constant")
    edge = int(MODE_GRID * (1.0 - MODE_EDGE))
    smooth[edge:, :] = 0.0  # extreme stuffing piles up at 100% turnout or 100% share:
    smooth[:, edge:] = 0.0  # the fair peak is never looked for there
    it, js = np.unravel_index(int(np.argmax(smooth)), smooth.shape)
    mu_t, mu_s = (it + 0.5) / MODE_GRID, (js + 0.5) / MODE_GRID
    return mu_t, mu_s, _lower_spread(t, mu_t), _lower_spread(s, mu_s)


def all_units_cloud(turnout: FloatArray, share: FloatArray) -> tuple[float, float, float, float]:
    """Median and MAD-scaled spread of all units, (μ_τ, μ_ν, σ_τ, σ_ν): the earlier estimate,
    biased by the smear (kept to show the difference in docs/forensics.md)."""
    mu_t, sd_t = _median_mad(np.clip(turnout, 0.0, 1.0))
    mu_s, sd_s = _median_mad(np.clip(share, 0.0, 1.0))
    return mu_t, mu_s, sd_t, sd_s


def _median_mad(values: FloatArray) -> tuple[float, float]:
    """Median and MAD-based standard deviation (at least 0.01)."""
    med = float(np.median(values))
    return med, max(float(np.median(np.abs(values - med))) * 1.4826, 0.01)


def _lower_spread(values: FloatArray, mode: float) -> float:
    """Half-normal standard deviation of the values below ``mode`` (at least 0.01)."""
    below = mode - values[values < mode]
    if below.size < 10:
        return 0.01
    return max(float(np.median(below)) / 0.6745, 0.01)


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


def _best_mixture(
    observed: FloatArray, comps: tuple[FloatArray, FloatArray, FloatArray], step: float
) -> tuple[float, float, float]:
    """(f_i, f_e, loss) minimising |observed − mixture|² on a grid of the given step."""
    h0, h1, h2 = comps
    r, d1, d2 = observed - h0, h1 - h0, h2 - h0
    grid = np.arange(0.0, 1.0 + 1e-9, step)
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
    return float(fi[best]), float(fe[best]), float(loss[best])


SEARCH_DRAWS = 30_000
"""Simulated units per regime in the joint fit (common random numbers)."""


@dataclass(frozen=True)
class _RateDraws:
    """Common random numbers for the joint fit: standard normal deviations of turnout and
    share and of the stuffing fraction x, drawn once so that the loss is a smooth function of
    the fair cloud's parameters and of θ."""

    z_t: FloatArray
    z_s: FloatArray
    z_x: FloatArray  # |N(0, 1)|: x = θ·z_x (incremental), 1 − θ/4·z_x (extreme)

    @classmethod
    def draw(cls, n: int, rng: np.random.Generator) -> _RateDraws:
        """Draw ``n`` units' deviations."""
        return cls(rng.normal(size=n), rng.normal(size=n), np.abs(rng.normal(size=n)))

    def histograms(
        self, cloud: tuple[float, float, float, float], theta: float, model: StuffingModel
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Fingerprints of the fair, incremental and extreme regimes for a fair cloud
        (μ_τ, μ_ν, σ_τ, σ_ν) of turnout and share *rates* (σ includes counting noise)."""
        mu_t, mu_s, sd_t, sd_s = cloud
        tau = np.clip(mu_t + sd_t * self.z_t, 0.0, 1.0)
        nu = np.clip(mu_s + sd_s * self.z_s, 0.0, 1.0)
        xs = (
            np.zeros_like(self.z_x),
            np.clip(theta * self.z_x, 0.0, 1.0),
            np.clip(1.0 - theta / 4.0 * self.z_x, 0.0, 1.0),
        )
        out = []
        for x in xs:
            turnout = tau + x * (1.0 - tau)
            moved = x * x if model.alpha == 2.0 else x**model.alpha
            winner = nu * tau + x * (1.0 - tau) + moved * (1.0 - nu) * tau
            with np.errstate(divide="ignore", invalid="ignore"):
                share = np.where(turnout > 0, winner / turnout, np.nan)
            out.append(fingerprint_histogram(turnout, share, model.bins).ravel())
        return out[0], out[1], out[2]


def _joint_fit(
    observed: FloatArray,
    start: tuple[float, float, float, float],
    model: StuffingModel,
    rng: np.random.Generator,
) -> tuple[tuple[float, float, float, float], float, tuple[FloatArray, FloatArray, FloatArray]]:
    """Refine the fair cloud and θ together with (f_i, f_e): Nelder–Mead (at most 300
    evaluations) over (μ_τ, μ_ν, log σ_τ, log σ_ν, log θ) from ``start`` and the model's θ,
    each point scored by its best mixture on a 0.01 grid."""
    from scipy.optimize import minimize

    draws = _RateDraws.draw(min(model.n_sim, SEARCH_DRAWS), rng)

    def unpack(p: FloatArray) -> tuple[tuple[float, float, float, float], float]:
        return (float(p[0]), float(p[1]), float(np.exp(p[2])), float(np.exp(p[3]))), float(
            np.exp(p[4])
        )

    def loss(p: FloatArray) -> float:
        inside = 0.0 < p[0] < 1.0 and 0.0 < p[1] < 1.0
        if not (inside and max(p[2], p[3]) < 0.0 and min(p[2], p[3]) > -5.0 and p[4] < 0.0):
            return float("inf")
        cloud, theta = unpack(p)
        return _best_mixture(observed, draws.histograms(cloud, theta, model), 0.01)[2]

    x0 = np.array([start[0], start[1], np.log(start[2]), np.log(start[3]), np.log(model.theta)])
    simplex = np.vstack([x0, *(x0 + d for d in np.diag([0.02, 0.02, 0.2, 0.2, 0.5]))])
    found = minimize(
        loss,
        x0,
        method="Nelder-Mead",
        options={"initial_simplex": simplex, "xatol": 1e-3, "fatol": 1e-9, "maxfev": 300},
    )
    best = found.x if np.isfinite(found.fun) and found.fun <= loss(x0) else x0
    cloud, theta = unpack(best)
    return cloud, theta, draws.histograms(cloud, theta, model)


def fit_stuffing(
    turnout: FloatArray,
    share: FloatArray,
    electorate: IntArray,
    model: StuffingModel | None = None,
    seed: int = 2012,
) -> dict[str, float]:
    """Fit (f_i, f_e) of the Klimek et al. model to observed turnout and winner share (with
    ``model.alphas``, for the exponent α among them that fits best)."""
    model = model or StuffingModel()
    if model.alphas:
        fits = [
            fit_stuffing(turnout, share, electorate, replace(model, alpha=a, alphas=()), seed)
            for a in model.alphas
        ]
        return min(fits, key=lambda fit: fit["loss"])
    if model.cloud not in ("fit", "mode", "all"):
        raise ValueError(f"unknown clean-cloud estimate {model.cloud!r} (fit, mode or all)")
    rng = np.random.default_rng(seed)
    ok = np.isfinite(turnout) & np.isfinite(share) & (electorate > 0)
    t, s, e = turnout[ok], share[ok], electorate[ok]
    observed = fingerprint_histogram(t, s, model.bins).ravel()
    start = all_units_cloud(t, s) if model.cloud == "all" else clean_cloud(t, s)
    theta = model.theta
    if model.cloud == "fit":
        (mu_t, mu_s, sd_t, sd_s), theta, comps = _joint_fit(observed, start, model, rng)
    else:
        mu_t, mu_s, sd_t, sd_s = start
        sizes = rng.choice(e, size=model.n_sim, replace=True)
        sims = [
            simulate_regime(sizes, (mu_t, mu_s), (sd_t, sd_s), regime, model, rng)
            for regime in ("fair", "incremental", "extreme")
        ]
        h = [fingerprint_histogram(st, ss, model.bins).ravel() for st, ss in sims]
        comps = (h[0], h[1], h[2])
    f_i, f_e, loss = _best_mixture(observed, comps, model.grid_step)
    residual = observed - comps[0]
    mixture = (1.0 - f_i - f_e) * comps[0] + f_i * comps[1] + f_e * comps[2]
    draws = min(model.n_sim, SEARCH_DRAWS) if model.cloud == "fit" else model.n_sim
    noise = (1.0 - float(mixture @ mixture)) * (1.0 / t.size + 1.0 / draws)
    return {
        "f_i": f_i,
        "f_e": f_e,
        "loss": loss,
        "loss_fair": float(residual @ residual),
        "gof": loss / noise,
        "separation": separation((mu_t, mu_s, sd_t, sd_s), theta),
        "mu_turnout": mu_t,
        "sd_turnout": sd_t,
        "mu_share": mu_s,
        "sd_share": sd_s,
        "theta": theta,
        "alpha": model.alpha,
    }


def separation(cloud: tuple[float, float, float, float], theta: float) -> float:
    """How far incremental stuffing moves a typical unit, in units of the fair cloud's spread:
    the mean shift E[x]·(1 − μ_τ) in turnout over σ_τ and the first-order shift
    E[x]·(1 − μ_τ)(1 − μ_ν)/μ_τ in share over σ_ν, combined as a Euclidean norm
    (E[x] = θ·√(2/π) for x ~ |N(0, θ)|)."""
    mu_t, mu_s, sd_t, sd_s = cloud
    shift = theta * float(np.sqrt(2.0 / np.pi)) * (1.0 - mu_t)
    return float(np.hypot(shift / sd_t, shift * (1.0 - mu_s) / max(mu_t, 1e-9) / sd_s))


SEPARATION_MIN = 1.3
"""Below this :func:`separation` incremental stuffing stays inside the fair cloud and f_i is
not identifiable (chosen on the study in docs/forensics.md, so in-sample)."""

GOF_MAX = 1.3
"""Above this goodness of fit (residual over the expected sampling noise) the model does not
describe the fingerprint (e.g. a cloud made of several regional clouds, or stuffing of
another shape); chosen on the same study."""


def reliability_problems(fit: dict[str, float]) -> list[str]:
    """Why the fitted f_i cannot be read as a fraction of stuffed units (empty when it can):
    stuffing too small to leave the fair cloud, or a fingerprint the model does not fit.
    The thresholds are those within which docs/forensics.md states the fit's error."""
    problems = []
    if fit["separation"] < SEPARATION_MIN:
        problems.append(
            f"stuffing of the fitted spread θ = {fit['theta']:.2f} moves a unit by "
            f"{fit['separation']:.2f} of the fair cloud's spread (< {SEPARATION_MIN}), "
            "so it cannot be told from a wider clean cloud"
        )
    if fit["gof"] > GOF_MAX:
        problems.append(
            f"the model leaves {fit['gof']:.1f}× the sampling noise unexplained "
            f"(> {GOF_MAX}): the fingerprint is not the model's (one Gaussian cloud "
            "smeared by stuffing that moves y = x^α of the opposition's votes)"
        )
    return problems


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
    fit: dict[str, Any] = dict(
        fit_stuffing(
            data.turnout()[mask], data.leader_share()[mask], data.registered[mask], model, seed
        )
    )
    problems = reliability_problems(fit)
    fit["reliable"] = not problems
    if problems:
        fit["reliability_note"] = "f_i unreliable: " + "; ".join(problems)
    return TestResult(
        name=name,
        status="ran",
        note=NOTE,
        statistic=fit["f_i"] + fit["f_e"],
        n_used=int(mask.sum()),
        details=fit,
    )
