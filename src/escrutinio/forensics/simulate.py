"""Synthetic elections for calibrating the forensic tests.

Clean elections with heterogeneity between regions: each region draws a mean turnout and a mean
leader share from Beta distributions, each unit draws its own rates from Beta distributions
around its region's means, and counts are binomial. Ballot stuffing follows the model of Klimek,
Yegorov, Hanel & Thurner (PNAS 109(41), 2012): a fraction ``f_i`` of units gets incremental and
``f_e`` extreme stuffing (see :mod:`escrutinio.forensics.fingerprint`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from escrutinio.forensics.units import UnitColumns

COLUMNS = UnitColumns(
    options=("A", "B", "C"),
    unit="unit",
    regions=("region",),
    registered="registered",
    voters="voters",
    null="null",
    received_at="received_at",
)


@dataclass(frozen=True)
class CleanCloud:
    """The clean cloud of a synthetic election: mean turnout and leader share, and the Beta
    concentrations of the units' rates around their region's means (60 gives a standard
    deviation of about 0.06 at a mean of 0.6, 20 about 0.11). With several regions the regional
    means are Beta draws around the given means with concentration ``region_conc``. ``third``
    is the third option's share of the non-leader vote (0.5 splits the opposition evenly, so a
    leader with 35% still leads)."""

    turnout_mean: float = 0.6
    share_mean: float = 0.55
    turnout_conc: float = 60.0
    share_conc: float = 50.0
    region_conc: float = 50.0
    third: float = 0.1

    def regional_means(
        self, rng: np.random.Generator, n_regions: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean turnout and leader share of each region (the given means with one region)."""
        if n_regions == 1:
            return np.array([self.turnout_mean]), np.array([self.share_mean])
        return (
            _beta(rng, np.full(n_regions, self.turnout_mean), self.region_conc),
            _beta(rng, np.full(n_regions, self.share_mean), self.region_conc),
        )


def _beta(rng: np.random.Generator, mean: np.ndarray, conc: float) -> np.ndarray:
    """Beta draws with the given means and concentration (a + b)."""
    m = np.clip(mean, 0.01, 0.99)
    return np.asarray(rng.beta(m * conc, (1 - m) * conc), dtype=np.float64)


def simulate_election(
    n_units: int,
    seed: int,
    n_regions: int = 24,
    f_i: float = 0.0,
    f_e: float = 0.0,
    theta: float = 0.1,
    alpha: float = 2.0,
    round_fraction: float = 0.0,
    cloud: CleanCloud | None = None,
) -> pl.DataFrame:
    """One synthetic election as a unit table with the columns of :data:`COLUMNS`.

    ``cloud`` fixes the clean cloud's means and spreads (see :class:`CleanCloud`); without it
    the regional means are drawn from Beta(30, 20) (turnout) and Beta(12, 10) (leader share).

    ``round_fraction`` of the units have their turnout and leader share moved to the nearest
    whole percentage (the targeted results of Kobak et al., AoAS 2016), other counts adjusted.
    """
    rng = np.random.default_rng(seed)
    region = rng.integers(0, n_regions, n_units)
    reg_turnout = rng.beta(30, 20, n_regions)  # regional mean turnout ≈ 0.6
    reg_share = rng.beta(12, 10, n_regions)  # regional mean leader share ≈ 0.55
    conc = (60.0, 50.0)
    if cloud is not None:
        reg_turnout, reg_share = cloud.regional_means(rng, n_regions)
        conc = (cloud.turnout_conc, cloud.share_conc)
    tau = _beta(rng, reg_turnout[region], conc[0])
    nu = _beta(rng, reg_share[region], conc[1])
    registered = rng.integers(200, 900, n_units)
    voters = rng.binomial(registered, tau)
    null = rng.binomial(voters, 0.02)
    valid = voters - null
    a = rng.binomial(valid, nu)
    c = rng.binomial(valid - a, 0.1 if cloud is None else cloud.third)
    b = valid - a - c
    u = rng.random(n_units)
    extreme = u < f_e
    incremental = (u >= f_e) & (u < f_e + f_i)
    x = np.zeros(n_units)
    x[incremental] = np.abs(rng.normal(0, theta, int(incremental.sum())))
    x[extreme] = 1 - np.abs(rng.normal(0, theta / 4, int(extreme.sum())))
    x = np.clip(x, 0, 1)
    added = rng.binomial(registered - voters, x)
    moved_b = rng.binomial(b, x**alpha)
    moved_c = rng.binomial(c, x**alpha)
    a = a + added + moved_b + moved_c
    b, c = b - moved_b, c - moved_c
    voters = voters + added
    rounded = rng.random(n_units) < round_fraction
    if rounded.any():
        target = np.rint(np.rint(100 * voters / registered) * registered / 100).astype(np.int64)
        b = np.where(rounded, np.maximum(0, b + target - voters), b)
        voters = np.where(rounded, a + b + c + null, voters)
        valid = a + b + c
        lead = np.rint(np.rint(100 * a / np.maximum(valid, 1)) * valid / 100).astype(np.int64)
        shift = np.clip(lead - a, -a, b)
        a = np.where(rounded, a + shift, a)
        b = np.where(rounded, b - shift, b)
    return pl.DataFrame(
        {
            "unit": [f"u{i:06d}" for i in range(n_units)],
            "region": [f"R{r:02d}" for r in region],
            "registered": registered,
            "voters": voters,
            "null": null,
            "A": a,
            "B": b,
            "C": c,
            "received_at": rng.permutation(n_units),
        }
    )
