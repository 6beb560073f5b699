"""What the ballot methods share: one sample of ballots from the manifest for every contest.

Ballots are drawn with Rivest's consistent sampler (arXiv:1808.10016) over the ids
``batch:position`` of the manifest, so anyone can reproduce the sample from the seed; round
r continues the same sequence, one sample for every audited contest (sized for the contest
that needs most draws). A contest's population is the ballots of the batches relevant to
it (N_c: the polling tables where it is on the ballot, and every batch that is not a
polling table of the election), and its risk is measured on the draws that fall in them: a
uniform sample of the whole manifest, restricted to those batches, is a uniform sample of
them (with replacement: i.i.d.; without: a uniformly random ordering), so the margin is not
diluted by ballots that cannot carry the contest (v = (w − l)/N_c). Sizes found in the
contest's draws are scaled by N/N_c to draws from the manifest.

Only the longest prefix of the draws whose ballots are all read enters a test. When a round
ends above the risk limit, the next round is sized from the evidence so far: 200
continuations of the test martingale from its current value, each new draw's log-factor
resampled from those observed (``sample_size.bootstrap_draws``), give the draws that finish
in :data:`FINISH_PROBABILITY` of them, at most :data:`GROWTH_CAP` times the draws the
reported shares' drift needs from the current statistic (unclipped: evidence against the
winner counts in both); the status note states the probability of finishing. When the total
would reach N, a full hand count is required. Each ballot method supplies its assertions,
the log-factors of its test martingale, its drift and its expected sample size
(:class:`BallotMethod`).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from escrutinio.audit.errors import AuditParameterError
from escrutinio.audit.stats.assertions import Assertion, plurality_assertions
from escrutinio.audit.stats.manifest_sampling import sample_manifest
from escrutinio.audit.stats.martingale import FloatArray, sequential_pvalues
from escrutinio.audit.stats.sample_size import bootstrap_stops
from escrutinio.audit.stats.supermajority import supermajority_assertion
from escrutinio.audit.workflow.method import AuditParameters, escalating_conclusion
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.audit.workflow.state import (
    POOLED,
    AuditState,
    AuditStatus,
    ContestStatus,
    Discrepancy,
    Estimate,
    IntArray,
    ballot_contest_lookup,
)

FINISH_PROBABILITY = 0.9
"""Target probability that the next round's size finishes the audit."""

GROWTH_CAP = 4
"""A next round is at most this many times the draws the reported shares need from the
current statistic: a small noisy sample must not call for a full hand count at once."""


def total_ballots(state: AuditState) -> int:
    """Ballots in the manifest (N, the population of every contest)."""
    return sum(state.manifest.values())


def ballot_contests(state: AuditState, ballot_id: str) -> list[str]:
    """Audited contests to read on a ballot: when its batch is a polling table, the audited
    contests of that table (maybe none); otherwise every audited contest."""
    return ballot_contest_lookup(state)(ballot_id)


def relevant_batches(state: AuditState, cid: str) -> set[str]:
    """Batches whose ballots can carry the contest: its polling tables and every batch
    that is not a polling table of the election."""
    units = set(state.reported[cid].units)
    return {b for b in state.manifest if b in units or b not in state.table_batches}


def relevant_draws(state: AuditState, cid: str, ballots: list[str]) -> list[str]:
    """The ballots of ``ballots`` in batches relevant to the contest, in order."""
    keep = relevant_batches(state, cid)
    return [b for b in ballots if b.rpartition(":")[0] in keep]


def contest_ballots(state: AuditState, cid: str) -> int:
    """N_c: ballots of the batches relevant to the contest."""
    keep = relevant_batches(state, cid)
    return sum(n for b, n in state.manifest.items() if b in keep)


def draws(state: AuditState) -> list[str]:
    """Every ballot drawn so far, in draw order (with repeats when sampling with replacement)."""
    return [b for r in state.rounds for b in r.get(POOLED, [])]


def audited_prefix(state: AuditState) -> list[str]:
    """Longest prefix of the draws whose ballots are read in all their contests."""
    out: list[str] = []
    lookup = ballot_contest_lookup(state)
    for b in draws(state):
        if any((b, c) not in state.counts for c in lookup(b)):
            break
        out.append(b)
    return out


def candidate_marks(rc: ReportedContest, option_marks: IntArray) -> IntArray:
    """0/1 marks per candidate from 0/1 marks per option; an overvote becomes no vote."""
    cand = np.minimum(rc.by_candidate(option_marks), 1)
    cand[cand.sum(axis=1) > rc.seats] = 0
    return cand


def option_rows(
    rc: ReportedContest, ballots: list[str], source: Mapping[tuple[str, str], tuple[int, ...]]
) -> IntArray:
    """0/1 marks per option of ``ballots`` in the contest (no row: no vote)."""
    zero = (0,) * len(rc.option_ids)
    rows = [source.get((b, rc.contest), zero) for b in ballots]
    return np.asarray(rows, dtype=np.int64).reshape(-1, len(rc.option_ids))


def manifest_problems(state: AuditState) -> list[str]:
    """Contests with more ballots cast (in the tables and outside them) than the manifest's
    batches relevant to them hold: a ballot of the reported totals that no draw can reach
    cannot be audited."""
    problems = []
    for cid in state.contests:
        n = contest_ballots(state, cid)
        cast = state.reported[cid].ballots_cast
        if n < cast:
            problems.append(f"contest {cid}: the manifest has {n} ballots but {cast} were cast")
    return problems


def threshold_problems(state: AuditState) -> list[str]:
    """Contests a supermajority audit cannot check: more than one seat, or a reported
    winner below the threshold (the audit confirms a winner that reached it)."""
    if state.threshold is None:
        return []
    problems = []
    for cid in state.contests:
        rc = state.reported[cid]
        totals = rc.candidate_counts.sum(axis=0)
        share = float(totals.max()) / max(int(totals.sum()), 1) if totals.size else 0.0
        if rc.seats != 1:
            problems.append(f"contest {cid}: a supermajority needs one seat, not {rc.seats}")
        elif share <= state.threshold:
            problems.append(
                f"contest {cid}: the reported winner has {share:.2%} of the valid votes, "
                f"not more than the threshold {state.threshold:.4g}"
            )
    return problems


def expected_batches(state: AuditState, n: float) -> float:
    """Expected number of distinct batches opened by n ballot draws."""
    sizes = np.asarray(list(state.manifest.values()), dtype=np.float64)
    total = sizes.sum()
    if not math.isfinite(n) or n >= total:
        return float(np.count_nonzero(sizes))
    if state.replacement:
        return float(np.sum(1 - (1 - sizes / total) ** n))
    return float(np.sum(1 - np.exp(n * np.log1p(-sizes / total))))


class BallotMethod(ABC):
    """The ballot methods' shared rounds; a subclass supplies the statistics hooks."""

    name = ""
    unit = "ballots"
    tests: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ("manifest",)
    with_replacement_only: tuple[str, ...] = ()  # tests valid only with replacement
    relevant_only = True  # a contest's risk from the draws in its own batches (N_c)
    thresholds = False  # whether the method audits supermajority assertions (ALPHA only)

    # ------------------------------------------------------------- hooks of each method
    @abstractmethod
    def assertion_totals(self, state: AuditState, cid: str) -> IntArray:
        """Votes per candidate the assertions are built from."""

    @abstractmethod
    def expected(self, state: AuditState, asr: list[Assertion]) -> float:
        """Expected ballots to sample for one contest if the reported results are right."""

    @abstractmethod
    def log_terms(
        self, state: AuditState, rc: ReportedContest, asr: list[Assertion], sample: list[str]
    ) -> list[FloatArray]:
        """Per assertion, the log of each draw's factor of the test martingale."""

    @abstractmethod
    def drift(self, state: AuditState, a: Assertion) -> float:
        """Expected growth of ln(1/P) per draw if the reported results are right."""

    def discrepancies(self, state: AuditState, cid: str, ballots: list[str]) -> list[Discrepancy]:
        """Audited ballots whose reading differs from what was reported."""
        return []

    def input_problems(self, state: AuditState) -> list[str]:
        """Why the manifest does not fit the reported results."""
        return manifest_problems(state) + threshold_problems(state)

    # -------------------------------------------------------------- the shared contract
    def check(self, params: AuditParameters) -> AuditParameters:
        """A test the method offers (default: its first), replacement as the test needs,
        a manifest with ballots; CVRs dropped unless the method takes them."""
        test = params.test or self.tests[0]
        if params.threshold is not None:
            test = params.test or "alpha"
            if test != "alpha":
                raise AuditParameterError(
                    "test", f"a supermajority {self.name} audit uses the alpha test, not '{test}'"
                )
        if test not in self.tests:
            raise AuditParameterError(
                "test", f"{self.name} audits use the {' or '.join(self.tests)} test, not '{test}'"
            )
        if not params.replacement and test in self.with_replacement_only:
            raise AuditParameterError(
                "replacement", f"{test} samples with replacement; use the alpha test"
            )
        if not params.manifest or sum(params.manifest.values()) <= 0:
            raise AuditParameterError(
                "manifest", f"a {self.name} audit needs a ballot manifest with ballots"
            )
        cvrs = params.cvrs if "cvrs" in self.inputs else None
        return replace(params, test=test, cvrs=cvrs)

    def assertions(self, state: AuditState, cid: str) -> list[Assertion]:
        """Winner–loser assertions over the manifest (with a threshold: the winner's
        supermajority assertion)."""
        rc = state.reported[cid]
        totals = self.assertion_totals(state, cid)
        n = max(self.population(state, cid), 1)
        if state.threshold is not None:
            return [supermajority_assertion(cid, totals, state.threshold, n)]
        return plurality_assertions(cid, totals, rc.seats, n)

    def population(self, state: AuditState, cid: str) -> int:
        """The contest's population: N_c, or N for a method that measures every contest
        on the whole manifest."""
        return contest_ballots(state, cid) if self.relevant_only else total_ballots(state)

    def in_contest(self, state: AuditState, cid: str, ballots: list[str]) -> list[str]:
        """The draws that count for the contest."""
        return relevant_draws(state, cid, ballots) if self.relevant_only else ballots

    def manifest_draws(self, state: AuditState, cid: str, n: float) -> float:
        """Draws from the manifest expected to give ``n`` draws relevant to the contest."""
        n_c = self.population(state, cid)
        if n_c <= 0 or not math.isfinite(n):
            return math.inf if n > 0 else 0.0
        return n * total_ballots(state) / n_c

    def expected_ballots(self, state: AuditState, rc: ReportedContest) -> float:
        """Expected draws relevant to one contest (0 uncontested, ∞ when it cannot stop)."""
        if len(rc.candidate_ids) <= rc.seats:
            return 0.0
        asr = self.assertions(state, rc.contest)
        if min(a.diluted_margin for a in asr) <= 0:
            return math.inf
        return self.expected(state, asr)

    def estimates(self, state: AuditState) -> list[Estimate]:
        """Per contest: expected ballots and batches to retrieve."""
        n_all = total_ballots(state)
        out = []
        for cid in state.contests:
            rc = state.reported[cid]
            n = self.manifest_draws(state, cid, self.expected_ballots(state, rc))
            note = "uncontested" if n == 0 else ""
            if n >= n_all:
                n, note = float(n_all), "full hand count expected"
            asr = self.assertions(state, cid) if len(rc.candidate_ids) > rc.seats else []
            margin = min((a.diluted_margin for a in asr), default=1.0)
            pop = self.population(state, cid)
            out.append(Estimate(cid, pop, margin, expected_batches(state, n), n, note or "ballots"))
        return out

    def first_round_sizes(self, state: AuditState, size: int | None) -> dict[str, int]:
        """Ballots to draw in round 1 (key ``"*"``): the largest contest estimate (or
        ``size``), at most N without replacement."""
        n_all = total_ballots(state)
        if size is not None:
            return {POOLED: min(size, n_all) if not state.replacement else size}
        worst = max(
            (
                self.manifest_draws(state, c, self.expected_ballots(state, state.reported[c]))
                for c in state.contests
            ),
            default=0.0,
        )
        return {POOLED: n_all if not math.isfinite(worst) else min(n_all, math.ceil(worst))}

    def draw(self, state: AuditState, sizes: dict[str, int]) -> dict[str, list[str]]:
        """The next ballots of the consistent sample of the manifest's ballot ids."""
        size = sizes.get(POOLED, 0)
        if size <= 0:
            return {}
        done = len(draws(state))
        if not state.replacement:
            size = min(size, total_ballots(state) - done)
            if size <= 0:
                return {}
        drawn = sample_manifest(
            state.manifest, state.seed, size, replacement=state.replacement, skip=done
        )
        return {POOLED: drawn}

    def pvalues(
        self, state: AuditState, rc: ReportedContest, asr: list[Assertion], sample: list[str]
    ) -> tuple[list[float], list[float]]:
        """Per assertion: the sequential P-value (1 / max T) and the current 1/T_n, which
        sizes the next round."""
        if not sample:
            return [1.0] * len(asr), [1.0] * len(asr)
        running, current = [], []
        for lt in self.log_terms(state, rc, asr, sample):
            running.append(float(sequential_pvalues(lt)[-1]))
            with np.errstate(invalid="ignore"):
                total = float(np.nan_to_num(np.sum(lt), nan=-np.inf))
            current.append(1.0 if total <= 0 else math.exp(-total))
        return running, current

    def contest_status(self, state: AuditState, cid: str, sample: list[str]) -> ContestStatus:
        """Measured risk of one contest after the audited prefix ``sample``, and escalation."""
        rc = state.reported[cid]
        n_all = total_ballots(state)
        every = draws(state)
        drawn = self.in_contest(state, cid, every)
        whole = len(sample) == len(every)
        sample = self.in_contest(state, cid, sample)
        pop = self.population(state, cid)
        st = ContestStatus(cid, pop, len(drawn), len(sample), 1.0, False, [], unit="ballots")
        st.discrepancies = self.discrepancies(state, cid, sample)
        if len(rc.candidate_ids) <= rc.seats:
            st.risk, st.confirmed, st.note = 0.0, True, "uncontested"
            return st
        asr = self.assertions(state, cid)
        pvals, _ = self.pvalues(state, rc, asr, sample)
        st.risk = max(pvals)
        st.confirmed = st.risk <= state.risk_limit
        if st.confirmed or not sample or not whole:
            return st
        extra, prob, capped = 0.0, 1.0, False
        terms = self.log_terms(state, rc, asr, sample)
        cap = max(pop - len(sample), 0) if not state.replacement else 20 * pop
        goal = math.log(1 / state.risk_limit)
        for a, p, lt in zip(asr, pvals, terms, strict=True):
            if p <= state.risk_limit:
                continue
            with np.errstate(invalid="ignore"):
                log_t = float(np.nan_to_num(np.sum(lt), nan=-np.inf, neginf=-1e6))
            stops = bootstrap_stops(lt, log_t, state.risk_limit, cap, seed=len(sample))
            ranked = np.sort(stops)
            q = ranked[min(ranked.size - 1, math.ceil(FINISH_PROBABILITY * ranked.size) - 1)]
            n_evidence = int(min(q, cap)) if math.isfinite(q) else cap
            drift = self.drift(state, a)
            n_reported = cap
            if 0 < drift < math.inf:
                n_reported = min(cap, max(1, math.ceil((goal - log_t) / drift)))
            n = max(1, min(n_evidence, GROWTH_CAP * n_reported))
            if n >= extra:
                extra, prob = float(n), float(np.mean(stops <= n))
                capped = n < n_evidence
        more = max(math.ceil(min(self.manifest_draws(state, cid, extra), n_all)), 1)
        if len(every) + more >= n_all:
            st.next_size, st.full_hand_count = max(n_all - len(every), 0), True
        else:
            st.next_size = more
            st.note = (
                f"next round: {more} ballots finish with probability {prob:.2f} if the "
                "ballots still to draw read like those read so far"
            ) + (
                f" (at most {GROWTH_CAP}× the draws the reported shares need from here)"
                if capped
                else ""
            )
        return st

    def statuses(self, state: AuditState) -> list[ContestStatus]:
        """Status of every audited contest."""
        sample = audited_prefix(state)
        return [self.contest_status(state, cid, sample) for cid in state.contests]

    def next_round_sizes(
        self, state: AuditState, st: AuditStatus, size: int | None
    ) -> dict[str, int]:
        """More ballots while a contest is not confirmed (none once a full hand count is
        required)."""
        if any(c.full_hand_count for c in st.contests):
            return {}
        extra = max((c.next_size for c in st.contests if not c.confirmed), default=0)
        return {POOLED: size if size is not None else extra} if extra else {}

    def conclusion(self, state: AuditState, contests: list[ContestStatus], pending: int) -> str:
        """Confirmed, escalating, or a full hand count required."""
        return escalating_conclusion(state, contests, pending)
