"""Our audit numbers against values published by the reference implementations.

Sources (inputs and expected values carry over; their code does not):

* VotingWorks Arlo, ``server/tests/audit_math/test_bravo.py`` (BRAVO, risk limit 10%):
  sample sizes are ``ceil`` of the BRAVO average sample number of Lindeman, Stark & Yates
  (EVT/WOTE 2012) for the hardest winner–loser pair, so they must match exactly. Its measured
  risks are 1/T after the whole sample, checked there to within 0.01; we feed the ballots
  losers first, so our running P-value (1 / max T) equals the final 1/T.
* Arlo ``server/tests/audit_math/test_supersimple.py`` (Super-Simple / Kaplan–Markov
  ballot comparison, γ = 1.03905, risk limit 10%).
* Arlo ``server/tests/audit_math/test_macro.py`` (MACRO / PPEB batch comparison, risk
  limit 25%; Arlo audits each contest on its own, so each contest is its own MACRO audit).
* SHANGRLA (P. B. Stark), ``tests/core/test_NonnegMean.py`` (ALPHA, Kaplan–Markov and the
  betting form of ALPHA) and ``tests/core/test_Assertion.py`` (assorters).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from escrutinio.audit.stats.alpha import Estimator, alpha_log_terms, alpha_pvalues
from escrutinio.audit.stats.assertions import (
    comparison_assorter,
    min_margin_assertion,
    plurality_assertions,
    polling_assorter,
)
from escrutinio.audit.stats.bravo import bravo_pvalues
from escrutinio.audit.stats.comparison import comparison_pvalues, overstatements
from escrutinio.audit.stats.kaplan_markov import (
    SUPER_SIMPLE_GAMMA,
    kaplan_markov_pvalues,
    super_simple_sample_size,
)
from escrutinio.audit.stats.macro import (
    BatchContest,
    contest_error_bounds,
    error_bounds,
    make_batch_contest,
    ppeb_pvalues,
)
from escrutinio.audit.stats.macro import (
    overstatements as batch_overstatements,
)
from escrutinio.audit.stats.martingale import stopping_sizes
from escrutinio.audit.stats.sample_size import (
    bravo_sample_size,
    macro_sample_size,
    super_simple_drift,
)

ALPHA = 0.1

# name: (votes per candidate, ballots cast, winners)
CONTESTS = {
    "test1": ([600, 400], 1000, 1),
    "test2": ([600, 200, 100], 900, 1),
    "test6": ([300, 200, 200], 1000, 1),
    "test7": ([300, 200, 100], 700, 2),
    "test8": ([300, 300, 100], 700, 2),
    "test10": ([600, 300, 100], 1000, 2),
    "test12": ([600, 400, 0], 1000, 1),
    "test_small_third_candidate": ([10000, 9000, 200], 20000, 1),
}

ASN = {
    "test1": 119,
    "test2": 22,
    "test6": 238,
    "test7": 101,
    "test8": 34,
    "test10": 48,
    "test12": 119,
    "test_small_third_candidate": 1769,
}

# name: (sample per candidate, {(winner, loser): published P-value})
RISKS = {
    "test1": ([72, 47], {(0, 1): 0.07}),
    "test6": ([72, 48, 48], {(0, 1): 0.08, (0, 2): 0.08}),
    "test7": ([30, 25, 10], {(0, 2): 0.01, (1, 2): 0.04}),
    "test8": ([72, 55, 30], {(0, 2): 0.0, (1, 2): 0.22}),
    "test10": ([60, 30, 10], {(0, 2): 0.0, (1, 2): 0.01}),
    "test12": ([72, 47, 0], {(0, 1): 0.07, (0, 2): 0.0}),
    "test_small_third_candidate": ([1200, 1000, 10], {(0, 1): 0.000561, (0, 2): 0.0}),
}


@pytest.mark.parametrize("name", sorted(ASN))
def test_bravo_asn_matches_arlo(name: str) -> None:
    votes, ballots, seats = CONTESTS[name]
    assertions = plurality_assertions(name, votes, seats, ballots)
    assert math.ceil(bravo_sample_size(assertions, ALPHA).expected) == ASN[name]


@pytest.mark.parametrize("name", sorted(RISKS))
def test_bravo_risk_matches_arlo(name: str) -> None:
    votes, ballots, seats = CONTESTS[name]
    sample, published = RISKS[name]
    for a in plurality_assertions(name, votes, seats, ballots):
        if (a.winner, a.loser) not in published:
            continue
        outcomes = np.concatenate(
            [
                -np.ones(sample[a.loser]),
                np.zeros(sum(sample) - sample[a.winner] - sample[a.loser]),
                np.ones(sample[a.winner]),
            ]
        )
        p = float(bravo_pvalues(a, outcomes)[-1])
        assert p == pytest.approx(published[(a.winner, a.loser)], abs=0.01)


def test_bravo_small_risk_to_published_digits() -> None:
    """Arlo states this P-value as 0.000561: we agree within one unit of its last digit."""
    a = plurality_assertions("x", [10000, 9000, 200], 1, 20000)[0]
    outcomes = np.concatenate([-np.ones(1000), np.zeros(10), np.ones(1200)])
    assert float(bravo_pvalues(a, outcomes)[-1]) == pytest.approx(0.000561, abs=1e-6)


# --- Super-Simple (Kaplan–Markov ballot comparison) -------------------------------------
# Source: votingworks/arlo, server/tests/audit_math/test_supersimple.py (risk limit 10%).

SS_RISK = 0.1

# name: (votes per option, ballots cast, seats) of Arlo's ``ss_contests``
SS_CONTESTS = {
    "Contest A": ([60000, 40000], 100000, 1),
    "Contest B": ([30000, 24000], 60000, 1),
    "Contest C": ([18000, 12600], 36000, 1),
    "Contest D": ([8000, 6000], 15000, 1),
    "Contest E": ([10000, 0], 10000, 1),
    "Contest F": ([10, 4], 15, 1),
    "Two-winner Contest": ([600, 300, 100], 1000, 2),
}

# Arlo's ``true_dms`` (test_compute_diluted_margin)
SS_DILUTED_MARGINS = {
    "Contest A": 0.2,
    "Contest B": 0.1,
    "Contest C": 0.15,
    "Contest D": 2 / 15,
    "Contest E": 1.0,
    "Two-winner Contest": 0.2,
}

# Arlo's ``true_sample_sizes`` ("From Stark's tool"), ``o1_stopping_size`` and
# ``o2_stopping_size`` (test_get_sample_sizes, test_compute_risk)
SS_SAMPLE_SIZES = {
    "Contest A": 27,
    "Contest B": 54,
    "Contest C": 36,
    "Contest D": 40,
    "Contest E": 6,
    "Contest F": 14,
    "Two-winner Contest": 27,
}
SS_O1_STOPPING = {
    "Contest A": 38,
    "Contest B": 76,
    "Contest C": 51,
    "Contest D": 57,
    "Contest E": 7,
    "Contest F": 15,
    "Two-winner Contest": 38,
}
SS_O2_STOPPING = {
    "Contest A": 100000,
    "Contest B": 60000,
    "Contest C": 36000,
    "Contest D": 15000,
    "Contest E": 33,
    "Contest F": 15,
    "Two-winner Contest": 1000,
}

# Arlo's ``expected_p_values`` (test_compute_risk, checked there to within 0.001) and the
# contests whose audit it says has finished in each case.
SS_PVALUES = {
    "no_discrepancies": {
        "Contest A": 0.06507,
        "Contest B": 0.06973,
        "Contest C": 0.06740,
        "Contest D": 0.07048,
        "Contest E": 0.01950,
        "Contest F": 0.05013,
        "Two-winner Contest": 0.06508,
    },
    "one_vote_over": {
        "Contest A": 0.12534,
        "Contest B": 0.13441,
        "Contest C": 0.12992,
        "Contest D": 0.13585,
        "Contest E": 0.03758,
        "Contest F": 0.05013,
        "Two-winner Contest": 0.12534,
    },
    "two_vote_over": {
        "Contest A": 1.0,
        "Contest B": 1.0,
        "Contest C": 1.0,
        "Contest D": 1.0,
        "Contest E": 0.51877,
        "Contest F": 0.05013,
        "Two-winner Contest": 1.0,
    },
}
SS_FINISHED = {
    "no_discrepancies": set(SS_CONTESTS),
    "one_vote_over": {"Contest E", "Contest F"},
    "two_vote_over": {"Contest F"},
}


def _ss_margin(name: str) -> float:
    votes, ballots, seats = SS_CONTESTS[name]
    return min_margin_assertion(plurality_assertions(name, votes, seats, ballots)).diluted_margin


def _arlo_stopping_size(name: str, sampled: int = 0, o1: int = 0, o2: int = 0) -> int:
    """Arlo's Super-Simple stopping size, with our ``super_simple_sample_size`` as nMin.

    Arlo's configuration (``get_sample_sizes``): discrepancy rates are the observed ones
    (understatements ignored) or, before any sample, 1/1000 one-vote and 1/10000 two-vote
    over- and understatements; they are turned into counts over the exact Kaplan–Markov size
    n0 = ⌈ln(1/α) / drift⌉ (one-vote counts rounded up, two-vote counts to nearest); when the
    drift is not positive, or the size exceeds the ballots cast, every ballot is counted.
    """
    g = SUPER_SIMPLE_GAMMA
    margin = _ss_margin(name)
    ballots = SS_CONTESTS[name][1]
    if sampled:
        r1, r2, s1, s2 = o1 / sampled, o2 / sampled, 0.0, 0.0
    else:
        r1, r2, s1, s2 = 1e-3, 1e-4, 1e-3, 1e-4
    drift = (
        super_simple_drift(margin, g)
        + r1 * math.log(1 - 1 / (2 * g))
        + r2 * math.log(1 - 1 / g)
        + s1 * math.log(1 + 1 / (2 * g))
        + s2 * math.log(1 + 1 / g)
    )
    if drift <= 0:
        return ballots
    n0 = math.ceil(math.log(1 / SS_RISK) / drift)
    counts = {
        "o1": math.ceil(round(r1 * n0, 9)),
        "o2": math.floor(round(r2 * n0, 9) + 0.5),
        "u1": math.ceil(round(s1 * n0, 9)),
        "u2": math.floor(round(s2 * n0, 9) + 0.5),
    }
    return min(super_simple_sample_size(SS_RISK, margin, g, **counts), ballots)


@pytest.mark.parametrize("name", sorted(SS_DILUTED_MARGINS))
def test_super_simple_diluted_margin_matches_arlo(name: str) -> None:
    """Arlo test_supersimple.py::test_compute_diluted_margin (exact)."""
    assert _ss_margin(name) == pytest.approx(SS_DILUTED_MARGINS[name], rel=1e-12)


@pytest.mark.parametrize("name", sorted(SS_SAMPLE_SIZES))
def test_super_simple_sample_size_matches_arlo(name: str) -> None:
    """Arlo test_supersimple.py::test_get_sample_sizes (exact; Arlo cites Stark's tool)."""
    assert _arlo_stopping_size(name) == SS_SAMPLE_SIZES[name]


@pytest.mark.parametrize("name", sorted(SS_SAMPLE_SIZES))
def test_super_simple_stopping_sizes_match_arlo(name: str) -> None:
    """Arlo test_supersimple.py::test_compute_risk: stopping sizes after one 1-vote or one
    2-vote overstatement in the first-round sample (Arlo checks stopping size − sample size).
    """
    n = SS_SAMPLE_SIZES[name]
    assert _arlo_stopping_size(name, sampled=n, o1=1) == SS_O1_STOPPING[name]
    assert _arlo_stopping_size(name, sampled=n, o2=1) == SS_O2_STOPPING[name]


@pytest.mark.parametrize("case", sorted(SS_PVALUES))
@pytest.mark.parametrize("name", sorted(SS_SAMPLE_SIZES))
def test_super_simple_risk_matches_arlo(name: str, case: str) -> None:
    """Arlo test_supersimple.py::test_compute_risk, within its tolerance 0.001.

    The sample is the first ``true_sample_sizes[name]`` ballots of Arlo's CVR fixture, all
    votes for the (second, in the two-winner contest) winner; Contest F is on none of them.
    Ballot 0 is read as no vote (one-vote overstatement) or a vote for the last loser (two-vote
    overstatement); the contest's P-value is the largest over its assertions.
    """
    votes, ballots, seats = SS_CONTESTS[name]
    k = len(votes)
    n = SS_SAMPLE_SIZES[name]
    reported = np.zeros(k)
    if name != "Contest F":
        reported[1 if name == "Two-winner Contest" else 0] = 1
    cvr = np.tile(reported, (n, 1))
    mvr = cvr.copy()
    if name != "Contest F" and case != "no_discrepancies":
        mvr[0] = 0
        if case == "two_vote_over":
            mvr[0, k - 1] = 1
    p = max(
        float(comparison_pvalues(a, overstatements(a, cvr, mvr), method="kaplan_markov")[-1])
        for a in plurality_assertions(name, votes, seats, ballots)
    )
    assert p == pytest.approx(SS_PVALUES[case][name], abs=0.001)
    assert (p < SS_RISK) == (name in SS_FINISHED[case])


def test_super_simple_snapshot_risk_matches_arlo() -> None:
    """Arlo test_supersimple.py::test_snapshot_test: 0.1201733 within 1e-4, not finished.

    Contest 16–10 of 26 ballots, 18 ballots sampled. The test marks two sampled ballots blank
    through the same dict objects as the CVRs, so the sample matches the CVRs: no discrepancy.
    """
    a = plurality_assertions("Jonah Test", [16, 10], 1, 26)[0]
    p = float(comparison_pvalues(a, np.zeros(18), method="kaplan_markov")[-1])
    assert p == pytest.approx(0.1201733, abs=1e-4)
    assert p > SS_RISK


# --- MACRO (batch comparison, PPEB) ----------------------------------------------------
# Source: votingworks/arlo, server/tests/audit_math/test_macro.py (risk limit 25%).

MACRO_RISK = 0.25
MACRO_LOSER_VOTES = {"Contest A": 180, "Contest B": 160, "Contest C": 140}
# Arlo's fixture: "Batch i" (400 ballots, rows 0–199) and "Batch i AV" (200, rows 200–399)
MACRO_BATCH_INDICES = {
    "Contest A": list(range(200)),
    "Contest B": list(range(100)),
    "Contest C": [*range(30), *range(100, 130)],
}


def _macro_contest(name: str) -> BatchContest:
    reported = np.zeros((400, 2), dtype=np.int64)
    ballots = np.zeros(400, dtype=np.int64)
    for i in MACRO_BATCH_INDICES[name]:
        reported[i] = (200, MACRO_LOSER_VOTES[name])
        ballots[i] = 400
        reported[200 + i] = (100, MACRO_LOSER_VOTES[name] // 2)
        ballots[200 + i] = 200
    return make_batch_contest(name, reported, ballots, 1)


def _macro_extra_contest() -> BatchContest:
    """Arlo's ``test2`` contest (400–100 of 500 ballots) in "Batch 0" to "Batch 9"."""
    reported = np.zeros((400, 2), dtype=np.int64)
    ballots = np.zeros(400, dtype=np.int64)
    reported[:10] = (40, 10)
    ballots[:10] = 50
    return make_batch_contest("test2", reported, ballots, 1)


def _macro_sample(bc: BatchContest, tainted: bool) -> tuple[list[int], np.ndarray]:
    """Arlo's sample: batches 0–30 counted as reported; then (``tainted``) batches 100–105
    with Contest A counted 190–190 and the other contests as reported."""
    idx = list(range(31)) + (list(range(100, 106)) if tainted else [])
    actual = bc.reported[idx].copy()
    if tainted and bc.contest == "Contest A":
        actual[31:] = (190, 190)
    return idx, actual


def _macro_remaining_bound(bc: BatchContest, idx: list[int], actual: np.ndarray) -> float:
    """U with each sampled batch's bound replaced by its observed error (negative as 0)."""
    u = contest_error_bounds(bc)[0].copy()
    if idx:
        u[idx] = np.maximum(batch_overstatements([bc], idx, [actual]), 0.0)
    return float(u.sum())


def test_macro_error_bounds_match_arlo() -> None:
    """Arlo test_macro.py::test_max_error: u_p per batch and contest, within 0.001."""
    published = {
        "Contest A": (0.0700, 0.035),
        "Contest B": (0.0733, 0.0367),
        "Contest C": (0.0852, 0.0426),
    }
    for name, (full, av) in published.items():
        expected = np.zeros(400)
        idx = np.array(MACRO_BATCH_INDICES[name])
        expected[idx] = full
        expected[200 + idx] = av
        (bounds,) = contest_error_bounds(_macro_contest(name))
        np.testing.assert_allclose(bounds, expected, atol=0.001, rtol=0)


def test_macro_sample_sizes_match_arlo() -> None:
    """Arlo test_macro.py::test_get_sample_sizes and test_get_sizes_extra_contests: rounds
    1–3 are ⌈ln α / ln(1 − 1/U)⌉ with sampled batches' bounds replaced by their errors."""
    published = {
        "Contest A": (29, 26, 25),
        "Contest B": (15, 12, 12),
        "Contest C": (10, 7, 6),
    }
    for name, rounds in published.items():
        bc = _macro_contest(name)
        samples = [([], bc.reported[:0]), _macro_sample(bc, False), _macro_sample(bc, True)]
        for (idx, actual), expected in zip(samples, rounds, strict=True):
            u = _macro_remaining_bound(bc, idx, actual)
            assert math.ceil(macro_sample_size(u, MACRO_RISK).expected) == expected, name
    extra = float(error_bounds([_macro_extra_contest()]).sum())
    assert math.ceil(macro_sample_size(extra, MACRO_RISK).expected) == 3


@pytest.mark.parametrize("name", sorted(MACRO_LOSER_VOTES))
def test_macro_risk_matches_arlo(name: str) -> None:
    """Arlo test_macro.py::test_compute_risk: 0.247688222 within 0.01, audit finished.

    Arlo stops at the first draw whose P-value reaches the risk limit; draws of batches
    outside the contest are skipped (their bound is 0).
    """
    bc = _macro_contest(name)
    idx, actual = _macro_sample(bc, True)
    (bounds,) = contest_error_bounds(bc)
    e = np.maximum(batch_overstatements([bc], idx, [actual]), 0.0)
    in_contest = bounds[idx] > 0
    taints = e[in_contest] / bounds[idx][in_contest]
    p = ppeb_pvalues(taints, float(bounds.sum()))
    stop = int(stopping_sizes(p, MACRO_RISK))
    assert stop > 0
    assert float(p[stop - 1]) == pytest.approx(0.247688222, abs=0.01)


def test_macro_worst_case_matches_arlo() -> None:
    """Arlo test_macro.py::test_worst_case: a batch with taint 1 gives P-value 1.0."""
    bc = make_batch_contest("test1", [[500, 0], [500, 0]], [500, 500], 1)
    (bounds,) = contest_error_bounds(bc)
    e = batch_overstatements([bc], [0], [np.array([[0, 500]])])
    p = ppeb_pvalues(e / bounds[:1], float(bounds.sum()))
    assert float(p[-1]) == 1.0


# --- ALPHA, Kaplan–Markov, betting (SHANGRLA NonnegMean) --------------------------------
# Source: pbstark/SHANGRLA, tests/core/test_NonnegMean.py.

ESTIMATORS: list[Estimator] = ["fixed", "shrink_trunc"]


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_alpha_mart_matches_shangrla(estimator: Estimator) -> None:
    """SHANGRLA test_NonnegMean.py::test_alpha_mart (N = 10⁶, η = 0.75, SHANGRLA's default
    t + (u − t)/2): P = 1 when every value is 1/2; all P-values after the first below 10⁻⁴
    when t = 10⁻⁴ (u = 1, and u = 2 for s = 0.6…1.4); with N = 7, t = 3/7 no NaN and a final
    P-value of 0 once the sample total exceeds N·t, and a sample differing only in its last
    value has the same P-values before it."""
    eps = 1e-4
    big = 10**6

    def pv(x: list[float], upper: float, t: float, n: int) -> np.ndarray:
        return alpha_pvalues(
            x, upper=upper, eta0=0.75, null_mean=t, population=n, estimator=estimator
        )

    half = [0.5] * 5
    np.testing.assert_almost_equal(pv(half, 1.0, 0.5, big)[-1], 1.0)
    assert np.all(pv(half, 1.0, eps, big)[1:] < eps)
    assert np.all(pv([0.6, 0.8, 1.0, 1.2, 1.4], 2.0, eps, big)[1:] < eps)
    p1 = pv([1, 0, 1, 1, 0, 0, 1], 1.0, 3 / 7, 7)
    assert not np.any(np.isnan(p1))
    assert p1[-1] == 0
    p2 = pv([1, 0, 1, 1, 0, 0, 0], 1.0, 3 / 7, 7)
    np.testing.assert_array_equal(p2[:-1], p1[:-1])


SHRINK_SAMPLES = [
    np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1], dtype=np.float64),
    np.array([1, 1, 1, 1, 1, 1, 0, 0, 0, 0], dtype=np.float64),
    np.random.default_rng(20230101).integers(0, 2, size=20).astype(np.float64),
]


@pytest.mark.parametrize("eta", [0.51, 0.55, 0.6])
@pytest.mark.parametrize("finite", [False, True])
def test_shrink_trunc_matches_shangrla(eta: float, finite: bool) -> None:
    """SHANGRLA test_NonnegMean.py::test_shrink_trunc: t = 1/2, u = 1, d = 10, f = 0,
    c = (η − t)/2, N = ∞ or the sample length; η_j = min(max(μ_j + c/√(d + j − 1),
    (d·η + S_j)/(d + j − 1)), u(1 − ε)) to assert_allclose's default rtol 10⁻⁷.

    We read η_j back from each ALPHA factor (x = 1: η/μ; x = 0: (1 − η)/(1 − μ)) wherever
    0 < μ_j < 1; elsewhere the factor does not depend on η. SHANGRLA draws its third sample at
    random; ours is a fixed random 0/1 sample.
    """
    t, d, c = 0.5, 10.0, (eta - 0.5) / 2
    for x in SHRINK_SAMPLES:
        n = x.size
        j = np.arange(1, n + 1, dtype=np.float64)
        s_prev = np.cumsum(x) - x
        mu = (n * t - s_prev) / (n - j + 1) if finite else np.full(n, t)
        expected = np.minimum(
            np.maximum(mu + c / np.sqrt(d + j - 1), (d * eta + s_prev) / (d + j - 1)),
            1 - np.finfo(float).eps,
        )
        factor = np.exp(
            alpha_log_terms(
                x, upper=1.0, eta0=eta, null_mean=t, population=n if finite else None, d=d, c=c
            )
        )
        ok = (mu > 0) & (mu < 1)
        with np.errstate(invalid="ignore"):
            implied = np.where(x == 1, mu * factor, 1 - factor * (1 - mu))
        np.testing.assert_allclose(implied[ok], expected[ok], rtol=1e-7)


def test_kaplan_markov_matches_shangrla() -> None:
    """SHANGRLA test_NonnegMean.py::test_kaplan_markov (u = 1, t = 1/2, random order):
    P = 2⁻⁵ for five 1s with g = 0, and (1.1/0.6)⁻⁵ for 1,1,1,1,1,0 with g = 0.1."""
    np.testing.assert_almost_equal(kaplan_markov_pvalues(np.ones(5), g=0.0)[-1], 2.0**-5)
    p = kaplan_markov_pvalues(np.array([1, 1, 1, 1, 1, 0]), g=0.1)
    np.testing.assert_almost_equal(p[-1], (1.1 / 0.6) ** -5)


@pytest.mark.parametrize(("value", "size"), [(1.0, 8), (0.75, 14)])
def test_alpha_sample_size_matches_shangrla(value: float, size: int) -> None:
    """SHANGRLA test_NonnegMean.py::test_sample_size (ALPHA with its fixed alternative mean
    η = 0.75, u = 1, N = 1000, t = 1/2, α = 0.05, every value equal): 8 draws if all values
    are 1, 14 if all are 0.75."""
    p = alpha_pvalues(
        np.full(1000, value), upper=1.0, eta0=0.75, population=1000, estimator="fixed"
    )
    assert int(stopping_sizes(p, 0.05)) == size


@pytest.mark.parametrize("value", [0.75, 0.9])
@pytest.mark.parametrize("lam", [0.25, 0.5])
def test_alpha_as_betting_martingale_matches_shangrla(value: float, lam: float) -> None:
    """SHANGRLA test_NonnegMean.py::test_betting_mart with test_lam_to_eta_to_lam's map
    η = μ(1 + λ(u − μ)): a fixed bet λ on 20 values equal to ``value`` (t = 1/2, u = 1,
    N = ∞) gives P = 1/(1 + λ(value − t))²⁰."""
    eta = 0.5 * (1 + lam * 0.5)
    p = alpha_pvalues(np.full(20, value), upper=1.0, eta0=eta, estimator="fixed")
    np.testing.assert_almost_equal(p[-1], 1 / (1 + lam * (value - 0.5)) ** 20)


# --- Assorters: pbstark/SHANGRLA, tests/core/test_Assertion.py ---------------------------


def test_plurality_assorter_matches_shangrla() -> None:
    """SHANGRLA test_Assertion.py::test_make_plurality_assertions: a vote for the winner is
    1, for the loser 0, for anyone else 1/2."""
    got = polling_assorter([1, 0, 0], [0, 1, 0])
    np.testing.assert_array_equal(got, [1.0, 0.0, 0.5])


@pytest.mark.parametrize(
    ("rate1", "rate2", "mean"),
    [
        (0.0, 0.0, 1 / 1.5),
        (0.5, 0.0, 0.5),
        (0.0, 0.25, 0.5),
        (0.25, 0.25, (1 - 0.125 - 0.25) / (2 - 0.5)),
    ],
)
def test_comparison_assorter_mean_matches_shangrla(rate1: float, rate2: float, mean: float) -> None:
    """SHANGRLA test_Assertion.py::test_overstatement_assorter_mean (margin 0.5, u = 1):
    mean of the comparison assorter with 1-vote (ω = ½) and 2-vote (ω = 1) overstatement
    rates; test_overstatement_assorter_margin: 2·mean − 1 = 1/3 with no errors."""
    omega = np.zeros(4)
    omega[: int(4 * rate1)] = 0.5
    omega[int(4 * rate1) : int(4 * rate1) + int(4 * rate2)] = 1.0
    got = float(np.mean(comparison_assorter(omega, 0.5)))
    assert got == pytest.approx(mean, rel=1e-12)
    if rate1 == rate2 == 0:
        assert 2 * got - 1 == pytest.approx(1 / 3, rel=1e-12)
