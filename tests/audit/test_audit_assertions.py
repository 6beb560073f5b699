import numpy as np
import pytest

from escrutinio.audit.stats.assertions import (
    ballot_overstatement,
    comparison_assorter,
    min_margin_assertion,
    plurality_assertions,
    polling_assorter,
    reported_winners,
)


def test_multi_winner_pairs() -> None:
    a = plurality_assertions("c", [50, 40, 30, 10], seats=2, ballots=140)
    assert [(x.winner, x.loser) for x in a] == [(0, 2), (0, 3), (1, 2), (1, 3)]
    hardest = min_margin_assertion(a)
    assert (hardest.winner, hardest.loser) == (1, 2)
    assert hardest.diluted_margin == pytest.approx(10 / 140)
    assert hardest.reported_mean == pytest.approx(0.5 + 5 / 140)
    assert hardest.winner_share == pytest.approx(40 / 70)


def test_reported_winners_ties_by_index() -> None:
    assert reported_winners([5, 7, 7, 1], 2) == (1, 2)
    assert reported_winners([5, 7, 7, 1], 1) == (1,)


def test_assorters() -> None:
    np.testing.assert_allclose(polling_assorter([1, 0, 0], [0, 1, 0]), [1, 0, 0.5])
    omega = ballot_overstatement([1, 1, 0], [0, 0, 1], [0, 1, 1], [1, 0, 0])
    np.testing.assert_allclose(omega, [1, 0, -1])
    v = 0.1
    np.testing.assert_allclose(
        comparison_assorter([0, 0.5, 1, -1], v), [1 / 1.9, 0.5 / 1.9, 0, 2 / 1.9]
    )


def test_comparison_assorter_mean_matches_assertion() -> None:
    rng = np.random.default_rng(1)
    cvr = rng.integers(0, 3, 5000)
    mvr = np.where(rng.random(5000) < 0.05, rng.integers(0, 3, 5000), cvr)
    v = (np.sum(cvr == 0) - np.sum(cvr == 1)) / cvr.size
    omega = ballot_overstatement(cvr == 0, cvr == 1, mvr == 0, mvr == 1)
    b = comparison_assorter(omega, v)
    true_margin = np.sum(mvr == 0) - np.sum(mvr == 1)
    assert (b.mean() > 0.5) == (true_margin > 0)
