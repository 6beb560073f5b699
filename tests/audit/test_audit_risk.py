import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.audit.stats.assertions import plurality_assertions
from escrutinio.audit.stats.batch_assorter import batch_assorter
from escrutinio.audit.stats.bravo import bravo_asn
from escrutinio.audit.stats.macro import error_bounds, make_batch_contest
from escrutinio.audit.stats.risk import (
    batch_alpha_risk,
    comparison_risk,
    macro_risk,
    polling_risk,
)
from escrutinio.audit.stats.sample_size import (
    alpha_batch_sample_size,
    alpha_comparison_sample_size,
    alpha_polling_sample_size,
    bravo_sample_size,
    macro_sample_size,
    super_simple_sample_size_estimate,
)


def _marks(choices: np.ndarray, k: int) -> np.ndarray:
    m = np.zeros((choices.size, k), dtype=np.int8)
    ok = choices >= 0
    m[np.nonzero(ok)[0], choices[ok]] = 1
    return m


def test_polling_risk_confirms_clear_winner() -> None:
    a = plurality_assertions("c", [6000, 3000, 1000], 1, 10_000)
    rng = np.random.default_rng(3)
    sample = _marks(rng.choice(3, 400, p=[0.6, 0.3, 0.1]), 3)
    for method in ("bravo", "alpha"):
        r = polling_risk(a, sample, 0.05, method=method)  # type: ignore[arg-type]
        assert r.confirmed and r.risk <= 0.05
        assert len(r.assertions) == 2


def test_comparison_risk_no_errors_and_errors() -> None:
    a = plurality_assertions("c", [5200, 4800], 1, 10_000)
    cvr = _marks(np.array([0] * 52 + [1] * 48), 2)
    need = super_simple_sample_size_estimate(a, 0.05).expected
    big = np.tile(cvr, (int(need) // 100 + 2, 1))
    km = comparison_risk(a, big, big, 0.05, method="kaplan_markov")
    assert km.confirmed
    wrong = big.copy()
    wrong[:50] = [0, 1]
    assert comparison_risk(a, big, wrong, 0.05, method="kaplan_markov").risk > km.risk
    al = comparison_risk(a, big[:300], big[:300], 0.05)
    assert 0.0 <= al.risk <= 1.0


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 200))
def test_confirmed_only_at_risk_limit(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    a = plurality_assertions("c", [510, 490], 1, 1000)
    sample = _marks(rng.choice(2, n), 2)
    for method in ("bravo", "alpha"):
        r = polling_risk(a, sample, 0.1, method=method)  # type: ignore[arg-type]
        assert 0.0 <= r.risk <= 1.0
        assert r.confirmed == (r.risk <= 0.1)


def test_batch_risks() -> None:
    rng = np.random.default_rng(5)
    sizes = rng.integers(100, 300, 500)
    reported = np.array([rng.multinomial(s, [0.55, 0.4, 0.05]) for s in sizes])
    ballots = reported.sum(axis=1)
    a = plurality_assertions("c", reported.sum(axis=0), 1, int(ballots.sum()))
    assorters = [batch_assorter(x, reported[:, x.winner], reported[:, x.loser], ballots) for x in a]
    n = alpha_batch_sample_size(assorters, 0.05).expected
    assert n < 500
    idx = rng.choice(500, int(n), replace=False)
    ok = batch_alpha_risk(assorters, reported[idx], reported[idx], 0.05)
    assert ok.confirmed
    c = make_batch_contest("c", reported, ballots, 1)
    u = error_bounds([c])
    k = math.ceil(macro_sample_size(float(u.sum()), 0.05).expected)
    drawn = rng.choice(500, k)
    assert macro_risk([c], u, drawn, [reported[drawn]]) <= 0.05
    bad = reported[drawn].copy()
    bad[:, 0] -= 5
    assert macro_risk([c], u, drawn, [bad]) > 0.05


def test_sample_size_ordering() -> None:
    a = plurality_assertions("c", [52_000, 48_000], 1, 100_000)
    bravo = bravo_sample_size(a, 0.05).expected
    assert bravo == pytest.approx(bravo_asn(a[0], 0.05))
    poll = alpha_polling_sample_size(a, 0.05, sims=40)
    assert bravo / 2 < poll.expected < 3 * bravo
    assert poll.p90 >= poll.expected * 0.8
    km = super_simple_sample_size_estimate(a, 0.05).expected
    ac = alpha_comparison_sample_size(a, 0.05).expected
    assert km < ac < 2 * km
    assert alpha_comparison_sample_size(a, 0.05, r1=0.002).expected > ac
    assert math.isinf(alpha_comparison_sample_size(a, 0.05, r1=0.05).expected)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from([-1.0, -0.5, 0.0, 0.5, 1.0]), min_size=1, max_size=300),
    st.integers(0, 299),
    st.booleans(),
)
def test_alpha_comparison_risk_grows_with_overstatement(
    omega: list[float], i: int, replacement: bool
) -> None:
    from escrutinio.audit.stats.comparison import comparison_pvalues

    a = plurality_assertions("c", [5300, 4700], 1, 10_000)[0]
    om = np.array(omega)
    k = i % om.size
    base = comparison_pvalues(a, om, replacement=replacement)
    assert ((base >= 0) & (base <= 1)).all()
    if om[k] < 1:
        worse = om.copy()
        worse[k] += 0.5
        assert comparison_pvalues(a, worse, replacement=replacement)[-1] >= base[-1] - 1e-12


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1.0, 1.0), min_size=1, max_size=50), st.integers(0, 49))
def test_macro_risk_grows_with_taint(taints: list[float], i: int) -> None:
    from escrutinio.audit.stats.macro import ppeb_pvalues
    from escrutinio.audit.stats.martingale import stopping_sizes

    t = np.array(taints)
    base = ppeb_pvalues(t, 40.0)
    assert ((base >= 0) & (base <= 1)).all()
    worse = t.copy()
    worse[i % t.size] = min(1.0, worse[i % t.size] + 0.3)
    assert ppeb_pvalues(worse, 40.0)[-1] >= base[-1]
    stop = int(stopping_sizes(base, 0.05))
    if stop:
        assert base[stop - 1] <= 0.05 and (base[: stop - 1] > 0.05).all()
    else:
        assert (base > 0.05).all()


def test_next_round_size() -> None:
    from escrutinio.audit.stats.kaplan_markov import super_simple_pvalues
    from escrutinio.audit.stats.sample_size import additional_draws, bravo_drift, super_simple_drift

    mu = 0.04
    g = 1.03905
    p = (1 - mu / (2 * g)) ** 51 / (1 - 1 / (2 * g))  # current 1/T, not the running minimum
    more = additional_draws(p, 0.05, super_simple_drift(mu))
    assert super_simple_pvalues(np.array([0] * 50 + [1] + [0] * more), mu)[-1] <= 0.05
    assert super_simple_pvalues(np.array([0] * 50 + [1] + [0] * (more - 1)), mu)[-1] > 0.05
    assert additional_draws(0.01, 0.05, 1.0) == 0
    a = plurality_assertions("c", [550, 450], 1, 1000)[0]
    assert additional_draws(1.0, 0.1, bravo_drift(a)) == math.ceil(math.log(10) / bravo_drift(a))
