"""What Minerva and Providence share: round-by-round ballot polling (with replacement).

Ballots are drawn as for every ballot method (:mod:`escrutinio.audit.workflow.ballots`).
The risk is measured only at the end of a round, from each winner–loser pair's cumulative
counts over the rounds completed so far (relevant ballots: those that vote for exactly one
of the pair). A pair is confirmed once a round's P-value is below the risk limit; the
contest's risk is the largest, over its pairs, of the smallest P-value of its rounds.

A round is sized for a probability of stopping in it if the reported results are right
(Arlo's 70/80/90 % options; round 1 and later rounds draw the 90 % size unless a size is
given), converted from relevant ballots to manifest ballots by the reported share of
ballots that vote for the winner or the loser.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Sequence

import numpy as np

from escrutinio.audit.stats.assertions import Assertion
from escrutinio.audit.stats.martingale import FloatArray
from escrutinio.audit.stats.round_polling import RoundSize, first_round_size
from escrutinio.audit.stats.sample_size import bravo_drift
from escrutinio.audit.workflow.ballots import (
    BallotMethod,
    audited_prefix,
    candidate_marks,
    draws,
    option_rows,
    total_ballots,
)
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.audit.workflow.state import (
    POOLED,
    AuditState,
    ContestStatus,
    Estimate,
    IntArray,
)

TARGETS = (0.7, 0.8, 0.9)  # probabilities of stopping in the round offered as estimates
DEFAULT_TARGET = 0.9


def to_ballots(state: AuditState, a: Assertion, relevant: int) -> int:
    """Manifest ballots expected to hold ``relevant`` ballots for the winner or the loser."""
    share = (a.winner_votes + a.loser_votes) / max(total_ballots(state), 1)
    return total_ballots(state) if share <= 0 else math.ceil(relevant / share)


class RoundByRound(BallotMethod):
    """Minerva and Providence: the shared rounds (see the module's docstring)."""

    inputs: tuple[str, ...] = ("manifest",)
    relevant_only = False  # pairs are tested on relevant ballots of the whole sample

    # --------------------------------------------------------- the method's own measure
    @abstractmethod
    def round_pvalues(
        self, state: AuditState, p1: float, rounds: Sequence[tuple[int, int]]
    ) -> list[float]:
        """The P-value of each round from cumulative (relevant, winner) ballots."""

    @abstractmethod
    def next_round(
        self, state: AuditState, p1: float, rounds: Sequence[tuple[int, int]], target: float
    ) -> RoundSize | None:
        """Relevant ballots of the next round for a stopping probability ``target``."""

    # --------------------------------------------------------------- ballot-method hooks
    def assertion_totals(self, state: AuditState, cid: str) -> IntArray:
        """The reported votes per candidate (tables and outside them)."""
        totals: IntArray = state.reported[cid].candidate_totals
        return totals

    def expected(self, state: AuditState, asr: list[Assertion]) -> float:
        """Round-1 ballots for a 90 % chance of stopping in round 1."""
        return float(self.first_round_ballots(state, asr, DEFAULT_TARGET))

    def log_terms(
        self, state: AuditState, rc: ReportedContest, asr: list[Assertion], sample: list[str]
    ) -> list[FloatArray]:
        """Per pair, BRAVO's log-factors of each draw (the likelihood ratio Providence's σ
        is made of); the round-by-round measure is :meth:`round_pvalues`."""
        mvr = candidate_marks(rc, option_rows(rc, sample, state.counts))
        out: list[FloatArray] = []
        for a in asr:
            w, lo, s = mvr[:, a.winner], mvr[:, a.loser], a.winner_share
            zl = math.log(2 * (1 - s)) if s < 1 else -math.inf
            out.append(np.where(w > lo, math.log(2 * s), np.where(w < lo, zl, 0.0)))
        return out

    def drift(self, state: AuditState, a: Assertion) -> float:
        """BRAVO's expected log-growth per ballot at the reported shares."""
        return bravo_drift(a)

    # ------------------------------------------------------------------------- rounds
    def first_round_ballots(self, state: AuditState, asr: list[Assertion], target: float) -> int:
        """Manifest ballots for round 1 so that every pair stops in it with probability
        ≥ ``target`` (N when some pair cannot)."""
        worst = 0
        for a in asr:
            size = first_round_size(a.winner_share, state.risk_limit, target)
            if size is None:
                return total_ballots(state)
            worst = max(worst, to_ballots(state, a, size.size))
        return worst

    def estimates(self, state: AuditState) -> list[Estimate]:
        """The 90 % round-1 size per contest, with the 70 % and 80 % sizes in the note."""
        out = []
        for e in super().estimates(state):
            rc = state.reported[e.contest]
            if len(rc.candidate_ids) > rc.seats and e.margin > 0:
                asr = self.assertions(state, e.contest)
                sizes = [self.first_round_ballots(state, asr, t) for t in TARGETS]
                note = "P(stop in round 1) " + ", ".join(
                    f"{t:.0%}: {n:,}" for t, n in zip(TARGETS, sizes, strict=True)
                )
                e = Estimate(
                    e.contest, e.tables, e.margin, e.expected_tables, e.expected_ballots, note
                )
            out.append(e)
        return out

    def round_counts(
        self, state: AuditState, rc: ReportedContest, a: Assertion, sample: list[str]
    ) -> list[tuple[int, int]]:
        """Cumulative (relevant, winner) ballots of the pair at the end of each round
        whose draws are all read."""
        ends = np.cumsum([len(r.get(POOLED, [])) for r in state.rounds])
        ends = ends[ends <= len(sample)]
        if not ends.size:
            return []
        mvr = candidate_marks(rc, option_rows(rc, sample[: int(ends[-1])], state.counts))
        w, lo = mvr[:, a.winner], mvr[:, a.loser]
        relevant = np.concatenate([[0], np.cumsum(w != lo)])
        winner = np.concatenate([[0], np.cumsum(w > lo)])
        return [(int(relevant[e]), int(winner[e])) for e in ends]

    def contest_status(self, state: AuditState, cid: str, sample: list[str]) -> ContestStatus:
        """Risk of one contest after its completed rounds, and the next round's size."""
        rc = state.reported[cid]
        n_all = total_ballots(state)
        drawn = draws(state)
        st = ContestStatus(cid, n_all, len(drawn), len(sample), 1.0, False, [], unit="ballots")
        if len(rc.candidate_ids) <= rc.seats:
            st.risk, st.confirmed, st.note = 0.0, True, "uncontested"
            return st
        asr = self.assertions(state, cid)
        risks, counts = [], []
        for a in asr:
            rounds = self.round_counts(state, rc, a, sample)
            pvals = (
                self.round_pvalues(state, a.winner_share, rounds)
                if a.loser_votes < a.winner_votes
                else []
            )
            risks.append(min([1.0, *pvals]))
            counts.append(rounds)
        st.risk = max(risks)
        st.confirmed = all(r < state.risk_limit for r in risks)
        if st.confirmed or not sample or len(sample) < len(drawn):
            return st
        extra = 0
        for a, risk, rounds in zip(asr, risks, counts, strict=True):
            if risk < state.risk_limit:
                continue
            size = None
            if a.winner_votes > a.loser_votes:
                size = self.next_round(state, a.winner_share, rounds, DEFAULT_TARGET)
            if size is None:
                extra = n_all
                break
            extra = max(extra, to_ballots(state, a, size.size))
        extra = max(extra, 1)
        if len(drawn) + extra >= n_all:
            st.next_size, st.full_hand_count = max(n_all - len(drawn), 0), True
        else:
            st.next_size = extra
        return st

    def statuses(self, state: AuditState) -> list[ContestStatus]:
        """Status of every audited contest."""
        sample = audited_prefix(state)
        return [self.contest_status(state, cid, sample) for cid in state.contests]
