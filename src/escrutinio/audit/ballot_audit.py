"""Rounds of ballot-level audits: one sample of ballots from the manifest for every contest.

* ``ballot-polling``: BRAVO (Lindeman, Stark & Yates, EVT/WOTE 2012; with replacement) or
  ALPHA (Stark, Ann. Appl. Stat. 17(1), 2023; with or without replacement) on the audit
  board's reading of each sampled ballot.
* ``ballot-comparison``: SHANGRLA comparison assorters (Stark, FC 2020) between the cast
  vote record (CVR) and the hand reading of each sampled ballot, tested with ALPHA or the
  Kaplan–Markov/Super-Simple P-value (Stark, EVT/WOTE 2010; with replacement).

Ballots are drawn with Rivest's consistent sampler (arXiv:1808.10016) over the ids
``batch:position`` of the manifest, so anyone can reproduce the sample from the seed; round
r continues the same sequence. The population of every contest is the whole manifest
(N ballots): a ballot that does not carry the contest counts as no vote, which only dilutes
the margin (v = (w − l)/N). A ballot of the manifest without a CVR is a phantom and counts
as a CVR for the reported winner of each assertion, the worst case (Bañuelos & Stark,
"Limiting risk by turning manifest phantoms into evil zombies", 2012). Comparison margins
come from the CVRs, whose winners must be the reported winners.

Only the longest prefix of the draws whose ballots are all read enters a test. When a round
ends above the risk limit, the next round is sized from the reported shares at the current
P-value (``sample_size.additional_draws``); when the total would reach N, a full hand count
is required.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from escrutinio.audit.alpha import COMPARISON_D, alpha_log_terms, comparison_eta0
from escrutinio.audit.assertions import (
    Assertion,
    comparison_assorter,
    plurality_assertions,
    polling_assorter,
    reported_winners,
)
from escrutinio.audit.ballot_files import in_manifest
from escrutinio.audit.comparison import overstatements
from escrutinio.audit.kaplan_markov import SUPER_SIMPLE_GAMMA
from escrutinio.audit.martingale import FloatArray, sequential_pvalues
from escrutinio.audit.reported import IntArray, ReportedContest
from escrutinio.audit.sample_size import (
    additional_draws,
    alpha_comparison_sample_size,
    alpha_polling_sample_size,
    bravo_drift,
    bravo_sample_size,
    super_simple_drift,
    super_simple_sample_size_estimate,
)
from escrutinio.audit.sampling import manifest_ids, sample_ids
from escrutinio.audit.workflow import POOLED, AuditState, ContestStatus, Discrepancy, Estimate

BALLOT_METHODS = ("ballot-polling", "ballot-comparison")
TESTS = {"ballot-polling": ("bravo", "alpha"), "ballot-comparison": ("alpha", "kaplan-markov")}


def total_ballots(state: AuditState) -> int:
    """Ballots in the manifest (N, the population of every contest)."""
    return sum(state.manifest.values())


def ballot_contests(state: AuditState, ballot_id: str) -> list[str]:
    """Audited contests to read on a ballot: when its batch is a polling table, the audited
    contests of that table (maybe none); otherwise every audited contest."""
    return contest_lookup(state)(ballot_id)


def contest_lookup(state: AuditState) -> Callable[[str], list[str]]:
    """:func:`ballot_contests` as a function with the table → contests map built once."""
    by_table: dict[str, list[str]] = {b: [] for b in state.table_batches}
    for c in state.contests:
        for u in state.reported[c].units:
            by_table.setdefault(u, []).append(c)
    every = list(state.contests)

    def lookup(ballot_id: str) -> list[str]:
        return by_table.get(ballot_id.rpartition(":")[0], every)

    return lookup


def draws(state: AuditState) -> list[str]:
    """Every ballot drawn so far, in draw order (with repeats when sampling with replacement)."""
    return [b for r in state.rounds for b in r.get(POOLED, [])]


def audited_prefix(state: AuditState) -> list[str]:
    """Longest prefix of the draws whose ballots are read in all their contests."""
    out: list[str] = []
    lookup = contest_lookup(state)
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


def _option_rows(
    rc: ReportedContest, ballots: list[str], source: Mapping[tuple[str, str], tuple[int, ...]]
) -> IntArray:
    zero = (0,) * len(rc.option_ids)
    rows = [source.get((b, rc.contest), zero) for b in ballots]
    return np.asarray(rows, dtype=np.int64).reshape(-1, len(rc.option_ids))


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


def assertions(state: AuditState, cid: str) -> list[Assertion]:
    """Winner–loser assertions over the manifest (comparison: CVR totals)."""
    rc = state.reported[cid]
    if state.method == "ballot-comparison":
        totals = cvr_totals(state, cid)
    else:
        totals = rc.candidate_counts.sum(axis=0)
    return plurality_assertions(cid, totals, rc.seats, max(total_ballots(state), 1))


def check_inputs(state: AuditState) -> list[str]:
    """Problems that make the manifest or the CVRs unusable for the audited contests."""
    problems = []
    n = total_ballots(state)
    for cid in state.contests:
        rc = state.reported[cid]
        cast = int(rc.ballots.sum())
        if n < cast:
            problems.append(f"contest {cid}: the manifest has {n} ballots but {cast} were cast")
    if state.method != "ballot-comparison":
        return problems
    outside = [b for b in state.cvrs if not in_manifest(state.manifest, b)]
    if outside:
        problems.append(f"{len(outside)} CVR ballot ids are not in the manifest: {outside[0]}")
    for cid in state.contests:
        rc = state.reported[cid]
        if len(rc.candidate_ids) <= rc.seats:
            continue
        cvr = reported_winners(cvr_totals(state, cid), rc.seats)
        acta = reported_winners(rc.candidate_counts.sum(axis=0), rc.seats)
        if cvr != acta:
            problems.append(f"contest {cid}: the CVRs' winners differ from the reported winners")
    return problems


def _expected(state: AuditState, rc: ReportedContest) -> float:
    """Expected ballots to sample for one contest if the reported results are right."""
    if len(rc.candidate_ids) <= rc.seats:
        return 0.0
    asr = assertions(state, rc.contest)
    if min(a.diluted_margin for a in asr) <= 0:
        return math.inf
    if state.method == "ballot-polling":
        if state.test == "bravo":
            return bravo_sample_size(asr, state.risk_limit).expected
        return alpha_polling_sample_size(
            asr, state.risk_limit, sims=50, replacement=state.replacement
        ).expected
    if state.test == "kaplan-markov":
        return super_simple_sample_size_estimate(asr, state.risk_limit).expected
    return alpha_comparison_sample_size(
        asr, state.risk_limit, replacement=state.replacement
    ).expected


def expected_batches(state: AuditState, n: float) -> float:
    """Expected number of distinct batches opened by n ballot draws."""
    sizes = np.asarray(list(state.manifest.values()), dtype=np.float64)
    total = sizes.sum()
    if not math.isfinite(n) or n >= total:
        return float(np.count_nonzero(sizes))
    if state.replacement:
        return float(np.sum(1 - (1 - sizes / total) ** n))
    return float(np.sum(1 - np.exp(n * np.log1p(-sizes / total))))


def estimates(state: AuditState) -> list[Estimate]:
    """Per contest: expected ballots and batches to retrieve."""
    n_all = total_ballots(state)
    out = []
    for cid in state.contests:
        rc = state.reported[cid]
        n = _expected(state, rc)
        note = "uncontested" if n == 0 else ""
        if n >= n_all:
            n, note = float(n_all), "full hand count expected"
        asr = assertions(state, cid) if len(rc.candidate_ids) > rc.seats else []
        margin = min((a.diluted_margin for a in asr), default=1.0)
        out.append(Estimate(cid, n_all, margin, expected_batches(state, n), n, note or "ballots"))
    return out


def first_round_size(state: AuditState, size: int | None = None) -> int:
    """Ballots to draw in round 1: the largest contest estimate (or ``size``), at most N."""
    n_all = total_ballots(state)
    if size is not None:
        return min(size, n_all) if not state.replacement else size
    worst = max((_expected(state, state.reported[c]) for c in state.contests), default=0.0)
    return n_all if not math.isfinite(worst) else min(n_all, math.ceil(worst))


def draw(state: AuditState, size: int) -> dict[str, list[str]]:
    """The next ``size`` ballots of the consistent sample of the manifest's ballot ids."""
    if size <= 0:
        return {}
    done = len(draws(state))
    if not state.replacement:
        size = min(size, total_ballots(state) - done)
        if size <= 0:
            return {}
    ids = manifest_ids(state.manifest)
    return {POOLED: sample_ids(ids, state.seed, size, replacement=state.replacement, skip=done)}


def _discrepancies(state: AuditState, cid: str, ballots: list[str]) -> list[Discrepancy]:
    if state.method != "ballot-comparison":
        return []
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
    state: AuditState, rc: ReportedContest, asr: list[Assertion], sample: list[str]
) -> list[FloatArray]:
    """Per assertion, the log of each draw's factor of the test martingale (BRAVO, ALPHA
    or Kaplan–Markov, as in :mod:`escrutinio.audit.risk`)."""
    mvr = candidate_marks(rc, _option_rows(rc, sample, state.counts))
    pop = None if state.replacement else total_ballots(state)
    out: list[FloatArray] = []
    if state.method == "ballot-polling":
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
    cvr = candidate_marks(rc, _option_rows(rc, sample, cvr_marks(state)))
    phantom = np.array([b not in state.cvrs for b in sample], dtype=bool)
    for a in asr:
        c = cvr.copy()
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


def _pvalues(
    state: AuditState, rc: ReportedContest, asr: list[Assertion], sample: list[str]
) -> tuple[list[float], list[float]]:
    """Per assertion: the sequential P-value (1 / max T) and the current 1/T_n, which sizes
    the next round."""
    if not sample:
        return [1.0] * len(asr), [1.0] * len(asr)
    running, current = [], []
    for lt in log_terms(state, rc, asr, sample):
        running.append(float(sequential_pvalues(lt)[-1]))
        with np.errstate(invalid="ignore"):
            total = float(np.nan_to_num(np.sum(lt), nan=-np.inf))
        current.append(1.0 if total <= 0 else math.exp(-total))
    return running, current


def _drift(state: AuditState, a: Assertion) -> float:
    """Expected growth of ln(1/P) per draw if the reported results are right."""
    if state.method == "ballot-polling":
        return bravo_drift(a)
    if state.test == "kaplan-markov":
        return super_simple_drift(a.diluted_margin)
    n = alpha_comparison_sample_size([a], state.risk_limit, replacement=state.replacement)
    return math.log(1 / state.risk_limit) / n.expected if math.isfinite(n.expected) else 0.0


def contest_status(state: AuditState, cid: str, sample: list[str]) -> ContestStatus:
    """Measured risk of one contest after the audited prefix ``sample``, and escalation."""
    rc = state.reported[cid]
    n_all = total_ballots(state)
    drawn = draws(state)
    st = ContestStatus(cid, n_all, len(drawn), len(sample), 1.0, False, [], unit="ballots")
    st.discrepancies = _discrepancies(state, cid, sample)
    if len(rc.candidate_ids) <= rc.seats:
        st.risk, st.confirmed, st.note = 0.0, True, "uncontested"
        return st
    asr = assertions(state, cid)
    pvals, current = _pvalues(state, rc, asr, sample)
    st.risk = max(pvals)
    st.confirmed = st.risk <= state.risk_limit
    if st.confirmed or not sample or len(sample) < len(drawn):
        return st
    extra = 0
    for a, p, now in zip(asr, pvals, current, strict=True):
        if p <= state.risk_limit:
            continue
        p = max(p, now)
        drift = _drift(state, a)
        if drift <= 0 or not math.isfinite(drift):
            extra = n_all
            break
        extra = max(extra, additional_draws(p, state.risk_limit, drift))
    extra = max(extra, 1)
    if len(drawn) + extra >= n_all:
        st.next_size, st.full_hand_count = max(n_all - len(drawn), 0), True
    else:
        st.next_size = extra
    return st


def statuses(state: AuditState) -> list[ContestStatus]:
    """Status of every audited contest."""
    sample = audited_prefix(state)
    return [contest_status(state, cid, sample) for cid in state.contests]
