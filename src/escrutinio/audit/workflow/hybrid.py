"""``hybrid``: a stratified ballot audit where some tables have cast vote records and others
do not (SUITE: Ottoboni, Stark, Lindeman, McBurnett, E-Vote-ID 2018; the risk measure in
:mod:`escrutinio.audit.stats.suite`).

The manifest's batches holding a ballot with a CVR form the comparison stratum; the others
the polling stratum. Each stratum's ballots are drawn with Rivest's consistent sampler from
the seed over its own part of the manifest, independently of the other; a round of n draws
gives each stratum its share of n by ballots (at least one draw to a non-empty stratum).
The round's draws are stored in one list, the comparison stratum's first: a stratum's draw
order is the list filtered to its batches. A ballot of the comparison stratum without a CVR
is a phantom, read as a CVR for the reported winner of each assertion (Bañuelos & Stark
2012), and the stratum's reported assorter mean counts it so. Ballots that do not carry the
contest are no vote (assorter ½), as in every ballot method. The contest's risk is the
largest SUITE P-value over its winner–loser assertions, from each stratum's longest read
prefix. A round that ends above the risk limit is followed by one as large as every draw so
far (doubling), up to a full hand count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from escrutinio.audit.errors import AuditParameterError
from escrutinio.audit.stats.assertions import (
    Assertion,
    ballot_overstatement,
    plurality_assertions,
    polling_assorter,
)
from escrutinio.audit.stats.manifest_sampling import sample_manifest
from escrutinio.audit.stats.martingale import FloatArray
from escrutinio.audit.stats.suite import (
    Stratum,
    comparison_stratum_pvalue,
    even_spread,
    stratified_pvalue,
)
from escrutinio.audit.workflow.ballot_comparison import BallotComparison, cvr_marks
from escrutinio.audit.workflow.ballots import (
    candidate_marks,
    draws,
    expected_batches,
    manifest_problems,
    option_rows,
    total_ballots,
)
from escrutinio.audit.workflow.method import AuditParameters, escalating_conclusion
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.audit.workflow.state import (
    POOLED,
    AuditState,
    AuditStatus,
    ContestStatus,
    Estimate,
    IntArray,
    ballot_contest_lookup,
)


def batch_of(ballot: str) -> str:
    """The batch of a ballot id ``batch:position``."""
    return ballot.rpartition(":")[0]


@dataclass(frozen=True)
class Strata:
    """The manifest split into the comparison stratum (batches with CVRs) and the rest."""

    cvr: dict[str, int]
    polling: dict[str, int]

    @classmethod
    def of(cls, state: AuditState) -> Strata:
        """The strata of the audit's manifest."""
        with_cvr = {batch_of(b) for b in state.cvrs}
        cvr = {b: n for b, n in state.manifest.items() if b in with_cvr}
        polling = {b: n for b, n in state.manifest.items() if b not in with_cvr}
        return cls(cvr, polling)

    def split(self, n: int) -> tuple[int, int]:
        """Draws of each stratum for a round of ``n`` by their shares of the ballots."""
        n1, n2 = sum(self.cvr.values()), sum(self.polling.values())
        if n <= 0 or n1 + n2 == 0:
            return 0, 0
        a = round(n * n1 / (n1 + n2))
        if n1 and not a:
            a = 1
        if n2 and a >= n:
            a = n - 1 if n > 1 else a
        return a, max(n - a, 0) if n2 else 0


def stratum_draws(state: AuditState, batches: dict[str, int]) -> list[str]:
    """A stratum's draws so far, in draw order."""
    return [b for b in draws(state) if batch_of(b) in batches]


def read_prefix(state: AuditState, ballots: list[str]) -> list[str]:
    """Longest prefix of ``ballots`` read in all their contests."""
    lookup = ballot_contest_lookup(state)
    out: list[str] = []
    for b in ballots:
        if any((b, c) not in state.counts for c in lookup(b)):
            break
        out.append(b)
    return out


class Hybrid(BallotComparison):
    """The ``hybrid`` method (see the module's docstring)."""

    name = "hybrid"
    tests: tuple[str, ...] = ("suite",)
    with_replacement_only: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ("manifest", "cvrs")
    thresholds = False
    relevant_only = False  # strata over the whole manifest

    def check(self, params: AuditParameters) -> AuditParameters:
        """A manifest and CVRs; the SUITE test."""
        if params.test not in ("", "suite"):
            raise AuditParameterError(
                "test", f"hybrid audits use the suite test, not {params.test}"
            )
        if not params.manifest or sum(params.manifest.values()) <= 0:
            raise AuditParameterError("manifest", "a hybrid audit needs a ballot manifest")
        if not params.cvrs:
            raise AuditParameterError(
                "cvrs", "a hybrid audit needs the CVRs of the comparison stratum's tables"
            )
        return replace(params, test="suite")

    def input_problems(self, state: AuditState) -> list[str]:
        """The manifest's problems and CVRs outside it (CVR winners may differ: a stratum's
        CVRs need not agree with the whole contest)."""
        problems = manifest_problems(state)
        outside = [b for b in state.cvrs if batch_of(b) not in state.manifest]
        if outside:
            problems.append(f"{len(outside)} CVR ballot ids are not in the manifest: {outside[0]}")
        return problems

    # -------------------------------------------------------------- per-assertion strata
    def assertions(self, state: AuditState, cid: str) -> list[Assertion]:
        """Winner–loser assertions from the reported totals (actas and votes outside the
        tables) over the manifest; ballots outside the tables are in the manifest without
        CVRs, so they are in the polling stratum and read by hand like any other."""
        rc = state.reported[cid]
        totals = rc.candidate_totals
        return plurality_assertions(cid, totals, rc.seats, max(total_ballots(state), 1))

    def cvr_stratum(self, state: AuditState, strata: Strata, a: Assertion) -> Stratum:
        """The comparison stratum of an assertion: its reported assorter mean from the CVRs,
        phantoms as votes for the winner."""
        n1 = sum(strata.cvr.values())
        if n1 == 0:
            return Stratum(0)
        rc = state.reported[a.contest]
        with_cvr = [b for b in state.cvrs if batch_of(b) in strata.cvr]
        marks = candidate_marks(rc, option_rows(rc, with_cvr, cvr_marks(state)))
        total = float(polling_assorter(marks[:, a.winner], marks[:, a.loser]).sum())
        phantoms = n1 - len(with_cvr)
        return Stratum(n1, 1.0, (total + phantoms) / n1)

    def marks(self, state: AuditState, rc: ReportedContest, ballots: list[str]) -> IntArray:
        """Hand-read candidate marks of ``ballots``."""
        return candidate_marks(rc, option_rows(rc, ballots, state.counts))

    def omega(
        self, state: AuditState, rc: ReportedContest, a: Assertion, ballots: list[str]
    ) -> FloatArray:
        """Overstatements of read comparison-stratum ballots, phantoms as winner CVRs."""
        mvr = self.marks(state, rc, ballots)
        cvr = candidate_marks(rc, option_rows(rc, ballots, cvr_marks(state)))
        phantom = np.array([b not in state.cvrs for b in ballots], dtype=bool)
        cvr[phantom] = 0
        cvr[phantom, a.winner] = 1
        return ballot_overstatement(
            cvr[:, a.winner], cvr[:, a.loser], mvr[:, a.winner], mvr[:, a.loser]
        )

    def assertion_risk(
        self, state: AuditState, strata: Strata, a: Assertion, s1: list[str], s2: list[str]
    ) -> float:
        """SUITE P-value of one assertion from the read prefixes of both strata."""
        rc = state.reported[a.contest]
        cvr = self.cvr_stratum(state, strata, a)
        pol = Stratum(sum(strata.polling.values()))
        mvr2 = self.marks(state, rc, s2)
        values = polling_assorter(mvr2[:, a.winner], mvr2[:, a.loser])
        return stratified_pvalue(
            cvr,
            self.omega(state, rc, a, s1),
            pol,
            values,
            a.reported_mean,
            replacement=state.replacement,
        )

    # ------------------------------------------------------------------------ estimate
    def estimated_draws(self, state: AuditState, a: Assertion) -> float:
        """Draws (both strata) at which the assertion's SUITE P-value reaches the risk limit
        if no CVR has an error and the polling stratum's sample shows the reported shares,
        evenly spread (∞ if it does not within the manifest)."""
        strata = Strata.of(state)
        n_all = total_ballots(state)
        cvr = self.cvr_stratum(state, strata, a)
        pol = Stratum(sum(strata.polling.values()))
        p = [a.winner_votes / a.ballots, a.loser_votes / a.ballots]
        shares = [p[0], p[1], max(0.0, 1 - p[0] - p[1])]

        def risk(n: int) -> float:
            n1, n2 = strata.split(n)
            values = even_spread(n2, shares, [1.0, 0.0, 0.5])
            om = np.zeros(n1)
            if pol.ballots == 0:
                return comparison_stratum_pvalue(cvr, om, 0.5, state.replacement)
            return stratified_pvalue(
                cvr, om, pol, values, a.reported_mean, replacement=state.replacement
            )

        lo, hi = 0, 16
        while risk(hi) > state.risk_limit:
            if hi >= n_all:
                return math.inf
            lo, hi = hi, min(hi * 2, n_all)
        while hi - lo > max(1, hi // 50):
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if risk(mid) <= state.risk_limit else (mid, hi)
        return float(hi)

    def expected_ballots(self, state: AuditState, rc: ReportedContest) -> float:
        """Draws for one contest (0 uncontested, ∞ when it cannot stop)."""
        if len(rc.candidate_ids) <= rc.seats:
            return 0.0
        asr = self.assertions(state, rc.contest)
        if min(a.diluted_margin for a in asr) <= 0:
            return math.inf
        return max(self.estimated_draws(state, a) for a in asr)

    def estimates(self, state: AuditState) -> list[Estimate]:
        """Per contest: expected draws, batches, and the strata's ballots."""
        strata = Strata.of(state)
        n_all = total_ballots(state)
        out = []
        for cid in state.contests:
            rc = state.reported[cid]
            n = self.expected_ballots(state, rc)
            note = "uncontested" if n == 0 else ""
            if n >= n_all:
                n, note = float(n_all), "full hand count expected"
            asr = self.assertions(state, cid) if len(rc.candidate_ids) > rc.seats else []
            margin = min((a.diluted_margin for a in asr), default=1.0)
            n1, n2 = strata.split(math.ceil(n)) if math.isfinite(n) else (0, 0)
            note = note or (
                f"strata: {sum(strata.cvr.values()):,} ballots with CVRs ({n1:,} draws), "
                f"{sum(strata.polling.values()):,} without ({n2:,} draws)"
            )
            out.append(Estimate(cid, n_all, margin, expected_batches(state, n), n, note))
        return out

    # ----------------------------------------------------------------- draws and rounds
    def draw(self, state: AuditState, sizes: dict[str, int]) -> dict[str, list[str]]:
        """The next draws of each stratum's consistent sample, comparison stratum first."""
        strata = Strata.of(state)
        n1, n2 = strata.split(sizes.get(POOLED, 0))
        out: list[str] = []
        for part, size in ((strata.cvr, n1), (strata.polling, n2)):
            done = len(stratum_draws(state, part))
            if not state.replacement:
                size = min(size, sum(part.values()) - done)
            if size > 0:
                out.extend(
                    sample_manifest(
                        part, state.seed, size, replacement=state.replacement, skip=done
                    )
                )
        return {POOLED: out} if out else {}

    def contest_status(self, state: AuditState, cid: str, sample: list[str]) -> ContestStatus:
        """SUITE risk of one contest from each stratum's read prefix, and escalation."""
        rc = state.reported[cid]
        n_all = total_ballots(state)
        strata = Strata.of(state)
        d1, d2 = stratum_draws(state, strata.cvr), stratum_draws(state, strata.polling)
        s1, s2 = read_prefix(state, d1), read_prefix(state, d2)
        drawn = len(d1) + len(d2)
        st = ContestStatus(cid, n_all, drawn, len(s1) + len(s2), 1.0, False, [], unit="ballots")
        st.discrepancies = self.discrepancies(state, cid, s1)
        if len(rc.candidate_ids) <= rc.seats:
            st.risk, st.confirmed, st.note = 0.0, True, "uncontested"
            return st
        asr = self.assertions(state, cid)
        st.risk = max(self.assertion_risk(state, strata, a, s1, s2) for a in asr)
        st.confirmed = st.risk <= state.risk_limit
        if st.confirmed or not drawn or len(s1) < len(d1) or len(s2) < len(d2):
            return st
        if drawn * 2 >= n_all:
            st.next_size, st.full_hand_count = max(n_all - drawn, 0), True
        else:
            st.next_size = drawn
        return st

    def statuses(self, state: AuditState) -> list[ContestStatus]:
        """Status of every audited contest."""
        return [self.contest_status(state, cid, []) for cid in state.contests]

    def next_round_sizes(
        self, state: AuditState, st: AuditStatus, size: int | None
    ) -> dict[str, int]:
        """As many draws again while a contest is not confirmed."""
        if any(c.full_hand_count for c in st.contests):
            return {}
        extra = max((c.next_size for c in st.contests if not c.confirmed), default=0)
        return {POOLED: size if size is not None else extra} if extra else {}

    def conclusion(self, state: AuditState, contests: list[ContestStatus], pending: int) -> str:
        """Confirmed, escalating, or a full hand count required."""
        return escalating_conclusion(state, contests, pending)


METHOD = Hybrid()
