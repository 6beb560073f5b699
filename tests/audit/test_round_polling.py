"""Minerva and Providence risk measures and round sizes, against published values.

Published values: the ``r2b2`` library's tests (gwexploratoryaudits/r2b2, the library
behind Arlo's Minerva and Providence): Minerva's stopping thresholds for rounds of 100, 200
and 400 ballots in a 60–40 contest at α = 0.1 are 58, 113 and 221 (from the Minerva
authors' own software), and a 13/14/15 schedule gives 13, none, 14; Providence's 90 %
first-round sizes are 179 (60–40), 17,272 (51–49) and 103,483 (50.40799 %) at α = 0.1,
and its second round after 54 of 100 (60–40) is 306–321 ballots in all and after
22,634 of 45,081 (Pennsylvania 2016, Trump 4,617,886 – Clinton 4,504,975) is 111,257.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from escrutinio.audit.stats.round_polling import (
    first_round_size,
    minerva_kmins,
    minerva_next_size,
    minerva_pvalues,
    providence_kmin,
    providence_next_size,
    providence_pvalues,
)

PA_2016 = 4_617_886 / (4_617_886 + 4_504_975)


def test_minerva_published_kmins() -> None:
    assert minerva_kmins(0.6, 0.1, [100, 200, 400]) == [58, 113, 221]
    assert minerva_kmins(0.6, 0.1, [13, 14, 15]) == [13, None, 14]


@pytest.mark.parametrize(
    ("p1", "expected"), [(0.6, 179), (0.51, 17_272), (5_040_799 / 10_000_000, 103_483)]
)
def test_providence_published_first_round_sizes(p1: float, expected: int) -> None:
    size = first_round_size(p1, 0.1, 0.9)
    assert size is not None and size.size == expected
    assert size.stop_probability >= 0.9
    assert size.stop_probability == pytest.approx(binom.sf(size.kmin - 1, size.size, p1))


def test_providence_published_second_round_sizes() -> None:
    small = providence_next_size(0.6, 0.1, [(100, 54)], 0.9)
    assert small is not None and 306 <= 100 + small.size <= 321
    pa = providence_next_size(PA_2016, 0.1, [(45_081, 22_634)], 0.9)
    assert pa is not None and 45_081 + pa.size == 111_257


def test_first_round_is_the_same_for_both() -> None:
    for n in (50, 100, 179, 400):
        assert minerva_kmins(0.6, 0.1, [n])[0] == providence_kmin(0.6, 0.1, 0, 0, n)
        k = n * 3 // 5
        assert minerva_pvalues(0.6, 0.1, [(n, k)]) == pytest.approx(
            providence_pvalues(0.6, [(n, k)])
        )


def test_round_one_pvalue_is_the_tail_ratio() -> None:
    p = minerva_pvalues(0.6, 0.1, [(100, 58)])[0]
    assert p == pytest.approx(binom.sf(57, 100, 0.5) / binom.sf(57, 100, 0.6))
    assert p < 0.1 <= minerva_pvalues(0.6, 0.1, [(100, 57)])[0]


def test_providence_pvalue_is_sigma_times_tau() -> None:
    p = providence_pvalues(0.6, [(100, 57), (200, 112)])[1]
    sigma = (0.6 / 0.5) ** 57 * (0.4 / 0.5) ** 43
    tau = binom.sf(54, 100, 0.6) / binom.sf(54, 100, 0.5)
    assert p == pytest.approx(1 / (sigma * tau))


def test_stopping_thresholds_agree_with_pvalues() -> None:
    kmins = minerva_kmins(0.55, 0.05, [300, 700])
    assert kmins[0] is not None
    k = kmins[0]
    assert minerva_pvalues(0.55, 0.05, [(300, k)])[0] < 0.05
    assert minerva_pvalues(0.55, 0.05, [(300, k - 1)])[0] >= 0.05


def test_next_round_sizes_reach_the_target() -> None:
    for target in (0.7, 0.8, 0.9):
        m = minerva_next_size(0.6, 0.1, [(100, 54)], target)
        assert m is not None and m.stop_probability >= target
        assert m.stop_probability == pytest.approx(binom.sf(m.kmin - 54 - 1, m.size, 0.6))
    sizes = [first_round_size(0.55, 0.05, t) for t in (0.7, 0.8, 0.9)]
    assert [s.size for s in sizes if s] == sorted(s.size for s in sizes if s)


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="cumulative"):
        providence_pvalues(0.6, [(10, 5), (8, 6)])
    with pytest.raises(ValueError, match="cumulative"):
        minerva_pvalues(0.6, 0.1, [(10, 11)])


@settings(max_examples=40, deadline=None)
@given(
    p1=st.floats(0.52, 0.9),
    steps=st.lists(st.tuples(st.integers(1, 80), st.floats(0, 1)), min_size=1, max_size=4),
)
def test_more_winner_ballots_never_raise_the_risk(
    p1: float, steps: list[tuple[int, float]]
) -> None:
    rounds: list[tuple[int, int]] = []
    n = k = 0
    for m, frac in steps:
        n, k = n + m, k + int(frac * m)
        rounds.append((n, k))
    if int(steps[-1][1] * steps[-1][0]) >= steps[-1][0]:
        return  # the last round is all for the winner already
    better = [*rounds[:-1], (rounds[-1][0], rounds[-1][1] + 1)]
    for fn in (partial(minerva_pvalues, p1, 0.1), partial(providence_pvalues, p1)):
        if min(fn(rounds)[:-1], default=1.0) < 0.1:
            continue  # the audit stopped before the last round, which is never measured
        assert fn(better)[-1] <= fn(rounds)[-1] * (1 + 1e-9)
    assert all(math.isfinite(x) or x == math.inf for x in providence_pvalues(p1, rounds))
    assert np.all(np.asarray(minerva_pvalues(p1, 0.1, rounds)) >= 0)
