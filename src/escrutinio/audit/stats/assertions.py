"""Plurality assertions and assorters.

Stark, "Sets of Half-Average Nulls Generate Risk-Limiting Audits: SHANGRLA", FC 2020:
a plurality contest with ``seats`` winners is correct iff for every reported winner w and
every reported loser l the mean over all ballots of the assorter
``A(b) = (1 + [b votes w] - [b votes l]) / 2`` exceeds 1/2. The comparison assorter is
``B = (1 - ω/u) / (2 - v/u)`` with ω the overstatement of A on the ballot, u the upper
bound of A and v = 2·mean(A_reported) − 1 the reported assorter margin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Assertion:
    """Winner ``winner`` beat loser ``loser`` (option indices) in ``contest``.

    ``ballots`` is the number of ballots cast in the contest (the assorter population).
    """

    contest: str
    winner: int
    loser: int
    winner_votes: int
    loser_votes: int
    ballots: int

    @property
    def diluted_margin(self) -> float:
        """Reported margin (w − l) divided by the ballots cast: the assorter margin v."""
        return (self.winner_votes - self.loser_votes) / self.ballots

    @property
    def reported_mean(self) -> float:
        """Reported mean of the polling assorter, (1 + v) / 2."""
        return 0.5 + self.diluted_margin / 2

    @property
    def winner_share(self) -> float:
        """BRAVO's s_w = w / (w + l)."""
        return self.winner_votes / (self.winner_votes + self.loser_votes)


def reported_winners(totals: ArrayLike, seats: int) -> tuple[int, ...]:
    """Indices of the ``seats`` options with most votes (ties broken by lower index)."""
    t = np.asarray(totals, dtype=np.int64)
    order = np.lexsort((np.arange(t.size), -t))
    return tuple(sorted(int(i) for i in order[:seats]))


def plurality_assertions(
    contest: str, totals: Sequence[int] | ArrayLike, seats: int, ballots: int
) -> list[Assertion]:
    """All winner-vs-loser assertions of a (multi-winner) plurality contest.

    ``totals`` are reported votes per option, ``ballots`` the ballots cast in the contest.
    """
    t = np.asarray(totals, dtype=np.int64)
    if ballots <= 0 or ballots * max(seats, 1) < int(t.sum()):
        raise ValueError("ballots cast must be positive and at least the votes divided by seats")
    winners = reported_winners(t, seats)
    losers = [i for i in range(t.size) if i not in winners]
    return [
        Assertion(contest, w, lo, int(t[w]), int(t[lo]), ballots) for w in winners for lo in losers
    ]


def min_margin_assertion(assertions: Sequence[Assertion]) -> Assertion:
    """The assertion with the smallest diluted margin (it drives the sample size)."""
    return min(assertions, key=lambda a: a.diluted_margin)


def polling_assorter(votes_winner: ArrayLike, votes_loser: ArrayLike) -> FloatArray:
    """Ballot-polling assorter values (1 + w − l) / 2 for ballots with 0/1 marks."""
    w = np.asarray(votes_winner, dtype=np.float64)
    lo = np.asarray(votes_loser, dtype=np.float64)
    return (1.0 + w - lo) / 2.0


def comparison_assorter(overstatement: ArrayLike, margin: float, upper: float = 1.0) -> FloatArray:
    """SHANGRLA comparison assorter B = (1 − ω/u) / (2 − v/u); values lie in [0, 2/(2−v/u)]."""
    omega = np.asarray(overstatement, dtype=np.float64)
    return (1.0 - omega / upper) / (2.0 - margin / upper)


def ballot_overstatement(
    cvr_winner: ArrayLike, cvr_loser: ArrayLike, mvr_winner: ArrayLike, mvr_loser: ArrayLike
) -> FloatArray:
    """Assorter overstatement ω = A(CVR) − A(hand record) per ballot, in {−1, −½, 0, ½, 1}."""
    return polling_assorter(cvr_winner, cvr_loser) - polling_assorter(mvr_winner, mvr_loser)
