"""``ballot-polling``: BRAVO (Lindeman, Stark & Yates, EVT/WOTE 2012; with replacement) or
ALPHA (Stark, Ann. Appl. Stat. 17(1), 2023; with or without replacement) on the audit
board's reading of each sampled ballot. Rounds as in :mod:`escrutinio.audit.workflow.ballots`.
"""

from __future__ import annotations

import math

import numpy as np

from escrutinio.audit.stats.alpha import alpha_log_terms
from escrutinio.audit.stats.assertions import Assertion, polling_assorter
from escrutinio.audit.stats.martingale import FloatArray
from escrutinio.audit.stats.sample_size import (
    alpha_polling_sample_size,
    bravo_drift,
    bravo_sample_size,
)
from escrutinio.audit.workflow.ballots import (
    BallotMethod,
    candidate_marks,
    option_rows,
    total_ballots,
)
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.audit.workflow.state import AuditState, IntArray


class BallotPolling(BallotMethod):
    """The ``ballot-polling`` method (see the module's docstring)."""

    name = "ballot-polling"
    tests: tuple[str, ...] = ("bravo", "alpha")
    with_replacement_only: tuple[str, ...] = ("bravo",)
    inputs: tuple[str, ...] = ("manifest",)

    def assertion_totals(self, state: AuditState, cid: str) -> IntArray:
        """The reported votes per candidate (tables and outside them)."""
        totals: IntArray = state.reported[cid].candidate_totals
        return totals

    def expected(self, state: AuditState, asr: list[Assertion]) -> float:
        """BRAVO's average sample number, or ALPHA's simulated expected size."""
        if state.test == "bravo":
            return bravo_sample_size(asr, state.risk_limit).expected
        return alpha_polling_sample_size(
            asr, state.risk_limit, sims=50, replacement=state.replacement
        ).expected

    def log_terms(
        self, state: AuditState, rc: ReportedContest, asr: list[Assertion], sample: list[str]
    ) -> list[FloatArray]:
        """BRAVO's factors 2s / 2(1−s), or ALPHA's on the polling assorter."""
        mvr = candidate_marks(rc, option_rows(rc, sample, state.counts))
        pop = None if state.replacement else total_ballots(state)
        out: list[FloatArray] = []
        for a in asr:
            w, lo = mvr[:, a.winner], mvr[:, a.loser]
            if state.test == "bravo":
                s = a.winner_share
                zl = math.log(2 * (1 - s)) if s < 1 else -math.inf
                out.append(np.where(w > lo, math.log(2 * s), np.where(w < lo, zl, 0.0)))
            else:
                x = polling_assorter(w, lo)
                out.append(alpha_log_terms(x, upper=1.0, eta0=a.reported_mean, population=pop))
        return out

    def drift(self, state: AuditState, a: Assertion) -> float:
        """BRAVO's expected log-growth per ballot at the reported shares."""
        return bravo_drift(a)


METHOD = BallotPolling()
