"""``ballot-polling``: BRAVO (Lindeman, Stark & Yates, EVT/WOTE 2012; with replacement) or
ALPHA (Stark, Ann. Appl. Stat. 17(1), 2023; with or without replacement) on the audit
board's reading of each sampled ballot; with a threshold, ALPHA on the supermajority
assorter (:mod:`escrutinio.audit.stats.supermajority`). Rounds as in
:mod:`escrutinio.audit.workflow.ballots`.
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
from escrutinio.audit.stats.supermajority import (
    SupermajorityAssertion,
    supermajority_polling_size,
)
from escrutinio.audit.workflow.ballots import (
    BallotMethod,
    candidate_marks,
    option_rows,
)
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.audit.workflow.state import AuditState, IntArray


class BallotPolling(BallotMethod):
    """The ``ballot-polling`` method (see the module's docstring)."""

    name = "ballot-polling"
    tests: tuple[str, ...] = ("bravo", "alpha")
    with_replacement_only: tuple[str, ...] = ("bravo",)
    inputs: tuple[str, ...] = ("manifest",)
    thresholds = True

    def assertion_totals(self, state: AuditState, cid: str) -> IntArray:
        """The reported votes per candidate (tables and outside them)."""
        totals: IntArray = state.reported[cid].candidate_totals
        return totals

    def expected(self, state: AuditState, asr: list[Assertion]) -> float:
        """BRAVO's average sample number, or ALPHA's simulated expected size."""
        if isinstance(asr[0], SupermajorityAssertion):
            return supermajority_polling_size(asr[0], state.risk_limit, state.replacement)
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
        pop = None if state.replacement else asr[0].ballots
        out: list[FloatArray] = []
        for a in asr:
            if isinstance(a, SupermajorityAssertion):
                x = a.values(mvr)
                out.append(alpha_log_terms(x, upper=a.upper, eta0=a.reported_mean, population=pop))
                continue
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
        """BRAVO's expected log-growth per ballot at the reported shares (a supermajority:
        log(1/α) over ALPHA's expected size)."""
        if isinstance(a, SupermajorityAssertion):
            n = supermajority_polling_size(a, state.risk_limit, state.replacement)
            return math.log(1 / state.risk_limit) / n if math.isfinite(n) else 0.0
        return bravo_drift(a)


METHOD = BallotPolling()
