"""Integer-percentage test.

Kobak, Shpilkin & Pshenichnikov, "Integer percentages as electoral falsification fingerprints",
Annals of Applied Statistics 10(1), 2016: when results are written to hit a target such as 80%
turnout, too many units show a round percentage. The observed number of units with an integer
percentage is compared with its distribution under binomial resampling: each unit keeps its
denominator b and its count a is redrawn as Binomial(b, a/b).

Definition used here: a unit "hits an integer percentage" when its count a equals the count
closest to some integer percent k of b, i.e. a == round(round(100·a/b)·b/100). This is what a
count set to reach k% produces. Units with b < ``min_denominator`` (default 100) are left out:
with small denominators every count is within half a unit of a round percentage.

The resampling is done exactly rather than by drawing counts: for each unit the probability
that Binomial(b, a/b) lands on a round-percentage count is summed from the binomial pmf over the
round-percentage counts within six standard deviations, and the resampled total (a sum of
independent Bernoulli variables with those probabilities) is drawn ``n_resamples`` times to get
the p-value, or taken as normal when ``n_resamples`` is 0.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from escrutinio.forensics.result import TestResult, refused
from escrutinio.forensics.units import BoolArray, FloatArray, IntArray, UnitData

NOTE = (
    "Counts how many units report a turnout or leader's share that is a whole percentage "
    "(e.g. exactly 80%), compared with what random variation gives for units of the same size. "
    "An excess is the pattern left when results are written to reach targets. Small units "
    "(under 100 voters) are left out because they hit round values by chance. The test cannot "
    "say which units were targeted, and it does not detect falsification that avoids round "
    "numbers."
)


def is_integer_pct(count: IntArray, denom: IntArray) -> BoolArray:
    """True where ``count`` is the count nearest to a whole percentage of ``denom``."""
    pct = np.rint(100.0 * count / denom)
    target = np.rint(pct * denom / 100.0)
    return np.asarray(target == count, dtype=np.bool_)


def _log_pmf(x: FloatArray, n: FloatArray, p: FloatArray) -> FloatArray:
    """Binomial log pmf, vectorised, valid for p in [0, 1] and 0 <= x <= n."""
    log_p = np.log(np.clip(p, 1e-300, 1.0))
    log_q = np.log(np.clip(1.0 - p, 1e-300, 1.0))
    out = special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)
    out = out + np.where(x > 0, x * log_p, 0.0) + np.where(n - x > 0, (n - x) * log_q, 0.0)
    return np.asarray(out, dtype=np.float64)


def hit_probabilities(a: IntArray, b: IntArray) -> FloatArray:
    """P(Binomial(b, a/b) is a round-percentage count) for each unit (b >= 1)."""
    p = a / b
    pct = np.rint(100.0 * p)
    sd = 100.0 * np.sqrt(np.maximum(p * (1.0 - p), 0.25 / b) / b)
    width = np.ceil(6.0 * sd).astype(np.int64) + 1
    bucket = np.minimum(((width + 3) // 4) * 4, 104)
    out = np.zeros(a.size)
    for w in np.unique(bucket):
        idx = np.flatnonzero(bucket == w)
        k = pct[idx, None] + np.arange(-w, w + 1)[None, :]
        inside = (k >= 0) & (k <= 100)
        n = b[idx, None].astype(np.float64)
        target = np.rint(np.clip(k, 0, 100) * n / 100.0)
        pmf = np.exp(_log_pmf(target, n, p[idx, None]))
        out[idx] = np.where(inside, pmf, 0.0).sum(axis=1)
    return np.clip(out, 0.0, 1.0)


def integer_percentage_test(
    count: IntArray,
    denom: IntArray,
    name: str,
    n_resamples: int = 500,
    seed: int = 20160101,
    min_denominator: int = 100,
    min_units: int = 100,
) -> TestResult:
    """Kobak et al. test: integer-percentage excess of ``count/denom`` vs binomial resampling.

    The p-value is one-sided, (1 + #{resampled ≥ observed}) / (1 + n_resamples); with
    ``n_resamples=0`` it is the normal approximation with continuity correction.
    """
    keep = (denom >= min_denominator) & (count >= 0) & (count <= denom)
    a = count[keep].astype(np.int64)
    b = denom[keep].astype(np.int64)
    if a.size < min_units:
        return refused(
            name,
            NOTE,
            f"only {a.size} units have a denominator >= {min_denominator}; "
            f"at least {min_units} are needed",
            int(a.size),
        )
    observed = int(is_integer_pct(a, b).sum())
    probs = hit_probabilities(a, b)
    expected = float(probs.sum())
    sd = float(np.sqrt((probs * (1 - probs)).sum()))
    if n_resamples > 0:
        rng = np.random.default_rng(seed)
        chunk = max(1, 2_000_000 // probs.size)
        sims = np.concatenate(
            [
                (rng.random((min(chunk, n_resamples - s), probs.size)) < probs).sum(axis=1)
                for s in range(0, n_resamples, chunk)
            ]
        )
        p_value = (1.0 + float((sims >= observed).sum())) / (1.0 + n_resamples)
    else:
        p_value = float(stats.norm.sf((observed - 0.5 - expected) / max(sd, 1e-12)))
    return TestResult(
        name=name,
        status="ran",
        note=NOTE,
        statistic=float(observed - expected),
        p_value=p_value,
        n_used=int(a.size),
        details={
            "observed": observed,
            "expected": expected,
            "sd": sd,
            "n_resamples": n_resamples,
            "min_denominator": min_denominator,
        },
    )


def turnout_integer_test(data: UnitData, n_resamples: int = 500, seed: int = 1) -> TestResult:
    """Integer-percentage test on turnout (voters / registered); refuses without a register."""
    name = "integer percentages: turnout (Kobak et al.)"
    mask = data.turnout_mask()
    if not mask.any():
        return refused(name, NOTE, "registered electors are unknown, so turnout is undefined")
    return integer_percentage_test(
        data.voters[mask], data.registered[mask], name, n_resamples=n_resamples, seed=seed
    )


def leader_integer_test(data: UnitData, n_resamples: int = 500, seed: int = 2) -> TestResult:
    """Integer-percentage test on the overall leader's share of valid votes."""
    name = f"integer percentages: {data.leader_name} share (Kobak et al.)"
    return integer_percentage_test(
        data.leader_votes, data.valid, name, n_resamples=n_resamples, seed=seed
    )
