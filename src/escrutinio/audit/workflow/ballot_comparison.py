"""``ballot-comparison``: SHANGRLA comparison assorters (Stark, FC 2020) between the cast
vote record (CVR) and the hand reading of each sampled ballot, tested with ALPHA or the
Kaplan–Markov/Super-Simple P-value (Stark, EVT/WOTE 2010; with replacement).

A ballot of the manifest without a CVR is a phantom and counts as a CVR for the reported
winner of each assertion, the worst case (Bañuelos & Stark, "Limiting risk by turning
manifest phantoms into evil zombies", 2012). Comparison margins come from the CVRs, whose
winners must be the reported winners. With a threshold, ALPHA tests the comparison assorter
of the supermajority assertion (:mod:`escrutinio.audit.stats.supermajority`), a phantom
counting as a CVR for the winner. Rounds as in :mod:`escrutinio.audit.workflow.ballots`.
"""

from __future__ import annotations

import math

import numpy as np

from escrutinio.audit.errors import AuditParameterError
from escrutinio.audit.stats.alpha import COMPARISON_D, alpha_log_terms, comparison_eta0
from escrutinio.audit.stats.assertions import Assertion, comparison_assorter, reported_winners
from escrutinio.audit.stats.comparison import overstatements
from escrutinio.audit.stats.kaplan_markov import SUPER_SIMPLE_GAMMA
from escrutinio.audit.stats.martingale import FloatArray
from escrutinio.audit.stats.sample_size import (
    alpha_comparison_sample_size,
    super_simple_drift,
    super_simple_sample_size_estimate,
)
from escrutinio.audit.stats.sampling import in_manifest
from escrutinio.audit.stats.supermajority import (
    SupermajorityAssertion,
    comparison_log_terms,
    supermajority_comparison_size,
    supermajority_overstatements,
)
from escrutinio.audit.workflow.ballots import (
    BallotMethod,
    candidate_marks,
    manifest_problems,
    option_rows,
    threshold_problems,
)
from escrutinio.audit.workflow.method import AuditParameters
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.audit.workflow.state import AuditState, Discrepancy, IntArray


def cvr_marks(state: AuditState) -> dict[tuple[str, str], tuple[int, ...]]:
    """CVR marks as (ballot, contest) → 0/1 per option."""
    return {(b, c): m for b, per in state.cvrs.items() for c, m in per.items()}


def cvr_totals(state: AuditState, cid: str) -> IntArray:
    """Votes per candidate in the CVRs (overvotes as no vote)."""
    rc = state.reported[cid]
    rows = [m[cid] for m in state.cvrs.values() if cid in m]
    if not rows:
        return np.zeros(len(rc.candidate_ids), dtype=np.int64)
    out: IntArray = candidate_marks(rc, np.asarray(rows, dtype=np.int64)).sum(axis=0)
    return out


class BallotComparison(BallotMethod):
    """The ``ballot-comparison`` method (see the module's docstring)."""

    name = "ballot-comparison"
    tests: tuple[str, ...] = ("alpha", "kaplan-markov")
    with_replacement_only: tuple[str, ...] = ("kaplan-markov",)
    inputs: tuple[str, ...] = ("manifest", "cvrs")
    thresholds = True

    def check(self, params: AuditParameters) -> AuditParameters:
        """The ballot methods' checks, and cast vote records."""
        out = super().check(params)
        if not params.cvrs:
            raise AuditParameterError("cvrs", "a ballot-comparison audit needs cast vote records")
        return out

    def input_problems(self, state: AuditState) -> list[str]:
        """The manifest's problems, CVRs outside the manifest, CVR winners that differ from
        the reported winners."""
        problems = manifest_problems(state) + threshold_problems(state)
        outside = [b for b in state.cvrs if not in_manifest(state.manifest, b)]
        if outside:
            problems.append(f"{len(outside)} CVR ballot ids are not in the manifest: {outside[0]}")
        for cid in state.contests:
            rc = state.reported[cid]
            if len(rc.candidate_ids) <= rc.seats:
                continue
            cvr = reported_winners(cvr_totals(state, cid), rc.seats)
            acta = reported_winners(rc.candidate_totals, rc.seats)
            if cvr != acta:
                problems.append(
                    f"contest {cid}: the CVRs' winners differ from the reported winners"
                )
        return problems

    def assertion_totals(self, state: AuditState, cid: str) -> IntArray:
        """The CVRs' votes per candidate."""
        return cvr_totals(state, cid)

    def expected(self, state: AuditState, asr: list[Assertion]) -> float:
        """Super-Simple's estimate, or ALPHA's expected size with no discrepancy."""
        if isinstance(asr[0], SupermajorityAssertion):
            return supermajority_comparison_size(asr[0], state.risk_limit, state.replacement)
        if state.test == "kaplan-markov":
            return super_simple_sample_size_estimate(asr, state.risk_limit).expected
        return alpha_comparison_sample_size(
            asr, state.risk_limit, replacement=state.replacement
        ).expected

    def discrepancies(self, state: AuditState, cid: str, ballots: list[str]) -> list[Discrepancy]:
        """Read ballots whose marks differ from their CVR, and every phantom read."""
        out = []
        n_opt = len(state.reported[cid].option_ids)
        for b in sorted(set(ballots)):
            if (b, cid) not in state.counts:
                continue
            cvr = state.cvrs.get(b, {}).get(cid, (0,) * n_opt)
            diff = tuple(int(h - c) for h, c in zip(state.counts[(b, cid)], cvr, strict=True))
            if any(diff) or b not in state.cvrs:
                out.append(Discrepancy(b, cid, diff))
        return out

    def log_terms(
        self, state: AuditState, rc: ReportedContest, asr: list[Assertion], sample: list[str]
    ) -> list[FloatArray]:
        """Kaplan–Markov's or ALPHA's factors on the overstatement of each drawn ballot."""
        mvr = candidate_marks(rc, option_rows(rc, sample, state.counts))
        cvr = candidate_marks(rc, option_rows(rc, sample, cvr_marks(state)))
        phantom = np.array([b not in state.cvrs for b in sample], dtype=bool)
        out: list[FloatArray] = []
        for a in asr:
            c = cvr.copy()
            if isinstance(a, SupermajorityAssertion):
                c[phantom] = 0
                c[phantom, a.winner] = 1
                omega_s = supermajority_overstatements(a, c, mvr)
                pop = None if state.replacement else a.ballots
                out.append(comparison_log_terms(a, omega_s, a.upper, pop))
                continue
            c[phantom, a.winner] = 1
            c[phantom, a.loser] = 0
            omega = overstatements(a, c, mvr)
            v = a.diluted_margin
            if state.test == "kaplan-markov":
                g = SUPER_SIMPLE_GAMMA
                out.append(np.log1p(-omega / g) - math.log(1 - v / (2 * g)))
            else:
                out.append(
                    alpha_log_terms(
                        comparison_assorter(omega, v),
                        upper=2 / (2 - v),
                        eta0=comparison_eta0(1 / (2 - v), 2 / (2 - v)),
                        population=None if state.replacement else a.ballots,
                        d=COMPARISON_D,
                    )
                )
        return out

    def drift(self, state: AuditState, a: Assertion) -> float:
        """Super-Simple's drift, or ALPHA's log(1/α) over its expected size."""
        if isinstance(a, SupermajorityAssertion):
            size = supermajority_comparison_size(a, state.risk_limit, state.replacement)
            return math.log(1 / state.risk_limit) / size if math.isfinite(size) else 0.0
        if state.test == "kaplan-markov":
            return super_simple_drift(a.diluted_margin)
        n = alpha_comparison_sample_size([a], state.risk_limit, replacement=state.replacement)
        return math.log(1 / state.risk_limit) / n.expected if math.isfinite(n.expected) else 0.0


METHOD = BallotComparison()
