"""Our BRAVO numbers against values published in Arlo's test suite (VotingWorks,
``server/tests/audit_math/test_bravo.py``, risk limit 10%).

Arlo's expected sample sizes are ``ceil`` of the BRAVO average sample number of Lindeman,
Stark & Yates (EVT/WOTE 2012) for the hardest winner–loser pair, so they must match exactly.
Its measured risks are 1/T after the whole sample, checked there to within 0.01; we feed the
ballots losers first, so our running P-value (1 / max T) equals the final 1/T.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from escrutinio.audit.assertions import plurality_assertions
from escrutinio.audit.bravo import bravo_pvalues
from escrutinio.audit.sample_size import bravo_sample_size

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
