"""Ballot-level audits' measured risks recomputed from the published files alone.

A ballot-level audit's inputs are published: its ballot manifest and CVRs
(``audits/ballots/<sha256>.json``, :mod:`escrutinio.verify.audit_ballots`), its draws (the
``draw`` leaves, key ``"*"``), the audit board's reading of each ballot (the ``record``
leaves: 0/1 per option) and the reported results (the official acta leaves counting at the
audit's creation, :mod:`escrutinio.verify.audit_reported`). This module recomputes each
contest's risk with the published tests of :mod:`escrutinio.audit.stats` (never the
auditors' workflow code), as the methods define them:

* the ballots of a draw are read in the audited contests of its batch when the batch is a
  polling table, in every audited contest otherwise; only the longest prefix of the draws
  whose ballots are all read enters a test;
* ``ballot-polling`` and ``ballot-comparison`` measure a contest on the draws in the batches
  that can carry it (its tables and every batch that is not a polling table: N_c), with
  BRAVO (Lindeman, Stark & Yates 2012) or ALPHA (Stark 2023) on the polling assorter, and
  ALPHA or Kaplan–Markov (Stark 2010) on SHANGRLA's comparison assorter (Stark, FC 2020),
  a ballot without a CVR read as a CVR for the winner (Bañuelos & Stark 2012); with a
  threshold, ALPHA on the supermajority assorter;
* ``minerva`` and ``providence`` (Zagórski et al. 2021; Broadrick et al. 2023): each
  winner–loser pair's cumulative (relevant, winner) ballots at the end of every completed
  round, the smallest round P-value per pair, the largest over pairs;
* ``hybrid`` (SUITE, Ottoboni et al. 2018): the comparison stratum (batches with a CVR) and
  the polling stratum, each stratum's read prefix, Fisher's combination maximised over the
  allocations of the null.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from escrutinio.audit.stats.alpha import COMPARISON_D, alpha_log_terms, comparison_eta0
from escrutinio.audit.stats.assertions import (
    Assertion,
    ballot_overstatement,
    comparison_assorter,
    plurality_assertions,
    polling_assorter,
)
from escrutinio.audit.stats.comparison import overstatements
from escrutinio.audit.stats.kaplan_markov import SUPER_SIMPLE_GAMMA
from escrutinio.audit.stats.martingale import FloatArray, sequential_pvalues
from escrutinio.audit.stats.round_polling import minerva_pvalues, providence_pvalues
from escrutinio.audit.stats.suite import Stratum, stratified_pvalue
from escrutinio.audit.stats.supermajority import (
    SupermajorityAssertion,
    comparison_log_terms,
    supermajority_assertion,
    supermajority_overstatements,
)
from escrutinio.verify.audit_ballots import BallotInputs, batch_of, strata
from escrutinio.verify.audit_reported import Reported

IntArray = NDArray[np.int64]
BALLOT_RISKS = ("ballot-polling", "ballot-comparison", "minerva", "providence", "hybrid")
"""Ballot-level methods whose measured risk the verifier recomputes."""

ROUND_BY_ROUND = ("minerva", "providence")


@dataclass
class BallotAudit:
    """A ballot-level audit as the publication states it at one conclusion: its parameters,
    published inputs, reported contests, each round's draws and the latest reading of every
    (ballot, contest)."""

    method: str
    test: str
    replacement: bool
    threshold: float | None
    risk_limit: float
    inputs: BallotInputs
    contests: list[str]
    reported: dict[str, Reported]
    rounds: list[list[str]] = field(default_factory=list)
    counts: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    _assertions: dict[str, list[Assertion]] = field(default_factory=dict, repr=False)
    _cvr_means: dict[tuple[str, int, int], Stratum] = field(default_factory=dict, repr=False)

    @property
    def ballots(self) -> int:
        """N: the manifest's ballots."""
        return sum(self.inputs.manifest.values())

    def lookup(self) -> Callable[[str], list[str]]:
        """The audited contests read on a ballot (its table's, or every one off the tables)."""
        by_table: dict[str, list[str]] = {b: [] for b in self.inputs.table_batches}
        for c in self.contests:
            for u in self.reported[c].units:
                by_table.setdefault(u, []).append(c)
        every = list(self.contests)
        return lambda ballot: by_table.get(batch_of(ballot), every)

    def read_prefix(self, ballots: list[str]) -> list[str]:
        """Longest prefix of ``ballots`` read in all their contests."""
        lookup = self.lookup()
        out: list[str] = []
        for b in ballots:
            if any((b, c) not in self.counts for c in lookup(b)):
                break
            out.append(b)
        return out

    def relevant(self, cid: str) -> set[str]:
        """Batches that can carry the contest: its tables and every non-table batch."""
        units = set(self.reported[cid].units)
        tables = self.inputs.table_batches
        return {b for b in self.inputs.manifest if b in units or b not in tables}

    def population(self, cid: str) -> int:
        """N_c (polling and comparison), or N (round by round and hybrid)."""
        if self.method in ROUND_BY_ROUND or self.method == "hybrid":
            return self.ballots
        keep = self.relevant(cid)
        return sum(n for b, n in self.inputs.manifest.items() if b in keep)

    def marks(self, rep: Reported, cid: str, ballots: list[str], cvr: bool = False) -> IntArray:
        """0/1 marks per candidate of ``ballots`` (hand readings, or ``cvr``: CVRs); no row
        is no vote, an overvote none either."""
        n_opt = rep.option_candidate.size
        zero = (0,) * n_opt
        if cvr:
            rows = [self.inputs.cvrs.get(b, {}).get(cid, zero) for b in ballots]
        else:
            rows = [self.counts.get((b, cid), zero) for b in ballots]
        opt = np.asarray(rows, dtype=np.int64).reshape(-1, n_opt)
        n_cand = rep.contest.reported.shape[1]
        to_candidate = np.zeros((n_opt, n_cand), dtype=np.int64)
        to_candidate[np.arange(n_opt), rep.option_candidate] = 1
        out: IntArray = np.minimum(opt @ to_candidate, 1)
        out[out.sum(axis=1) > rep.contest.seats] = 0
        return out

    def totals(self, rep: Reported, cid: str) -> IntArray:
        """Votes per candidate the assertions come from: the CVRs' (comparison), else the
        reported totals (tables and the votes outside them, which are none)."""
        if self.method == "ballot-comparison":
            with_cid = [b for b, per in self.inputs.cvrs.items() if cid in per]
            return np.asarray(self.marks(rep, cid, with_cid, cvr=True).sum(axis=0))
        return np.asarray(rep.contest.totals())

    def assertions(self, cid: str) -> list[Assertion]:
        """The contest's assertions over its population (computed once)."""
        if cid not in self._assertions:
            self._assertions[cid] = self._build_assertions(cid)
        return self._assertions[cid]

    def cvr_stratum(self, a: Assertion, cvr_part: dict[str, int]) -> Stratum:
        """A hybrid audit's comparison stratum for an assertion: its reported assorter mean
        from the CVRs, phantoms as votes for the winner (computed once)."""
        key = (a.contest, a.winner, a.loser)
        if key not in self._cvr_means:
            n1 = sum(cvr_part.values())
            stratum = Stratum(0)
            if n1:
                with_cvr = [b for b in self.inputs.cvrs if batch_of(b) in cvr_part]
                marks = self.marks(self.reported[a.contest], a.contest, with_cvr, cvr=True)
                total = float(polling_assorter(marks[:, a.winner], marks[:, a.loser]).sum())
                stratum = Stratum(n1, 1.0, (total + n1 - len(with_cvr)) / n1)
            self._cvr_means[key] = stratum
        return self._cvr_means[key]

    def _build_assertions(self, cid: str) -> list[Assertion]:
        rep = self.reported[cid]
        n = max(self.population(cid), 1)
        totals = self.totals(rep, cid)
        if self.threshold is not None:
            return [supermajority_assertion(cid, totals, self.threshold, n)]
        return plurality_assertions(cid, totals, rep.contest.seats, n)


def ballot_risk(audit: BallotAudit, cid: str) -> float:
    """The contest's measured risk at this point of the audit (0 when uncontested)."""
    rep = audit.reported[cid]
    if rep.contest.reported.shape[1] <= rep.contest.seats:
        return 0.0
    every = [b for r in audit.rounds for b in r]
    asr = audit.assertions(cid)
    if audit.method == "hybrid":
        return max(_hybrid_risk(audit, rep, a) for a in asr)
    sample = audit.read_prefix(every)
    if audit.method in ROUND_BY_ROUND:
        return max(_round_risk(audit, rep, a, sample) for a in asr)
    keep = audit.relevant(cid)
    sample = [b for b in sample if batch_of(b) in keep]
    if not sample:
        return 1.0
    if audit.method == "ballot-comparison":
        terms = _comparison_terms(audit, rep, cid, asr, sample)
    else:
        terms = _polling_terms(audit, rep, cid, asr, sample)
    return max(float(sequential_pvalues(lt)[-1]) for lt in terms)


def _polling_terms(
    audit: BallotAudit, rep: Reported, cid: str, asr: list[Assertion], sample: list[str]
) -> list[FloatArray]:
    """BRAVO's log-factors 2s / 2(1−s), or ALPHA's on the polling (or supermajority)
    assorter."""
    mvr = audit.marks(rep, cid, sample)
    pop = None if audit.replacement else asr[0].ballots
    out: list[FloatArray] = []
    for a in asr:
        if isinstance(a, SupermajorityAssertion):
            x = a.values(mvr)
            out.append(alpha_log_terms(x, upper=a.upper, eta0=a.reported_mean, population=pop))
            continue
        w, lo = mvr[:, a.winner], mvr[:, a.loser]
        if audit.test == "bravo":
            s = a.winner_share
            zl = math.log(2 * (1 - s)) if s < 1 else -math.inf
            out.append(np.where(w > lo, math.log(2 * s), np.where(w < lo, zl, 0.0)))
        else:
            x = polling_assorter(w, lo)
            out.append(alpha_log_terms(x, upper=1.0, eta0=a.reported_mean, population=pop))
    return out


def _comparison_terms(
    audit: BallotAudit, rep: Reported, cid: str, asr: list[Assertion], sample: list[str]
) -> list[FloatArray]:
    """Kaplan–Markov's or ALPHA's log-factors of each drawn ballot's overstatement, a
    ballot without a CVR read as a CVR for the winner."""
    mvr = audit.marks(rep, cid, sample)
    cvr = audit.marks(rep, cid, sample, cvr=True)
    phantom = np.array([b not in audit.inputs.cvrs for b in sample], dtype=bool)
    pop = None if audit.replacement else asr[0].ballots
    out: list[FloatArray] = []
    for a in asr:
        c = cvr.copy()
        if isinstance(a, SupermajorityAssertion):
            c[phantom] = 0
            c[phantom, a.winner] = 1
            omega_s = supermajority_overstatements(a, c, mvr)
            out.append(comparison_log_terms(a, omega_s, a.upper, pop))
            continue
        c[phantom, a.winner] = 1
        c[phantom, a.loser] = 0
        omega = overstatements(a, c, mvr)
        v = a.diluted_margin
        if audit.test == "kaplan-markov":
            g = SUPER_SIMPLE_GAMMA
            out.append(np.log1p(-omega / g) - math.log(1 - v / (2 * g)))
        else:
            out.append(
                alpha_log_terms(
                    comparison_assorter(omega, v),
                    upper=2 / (2 - v),
                    eta0=comparison_eta0(1 / (2 - v), 2 / (2 - v)),
                    population=pop,
                    d=COMPARISON_D,
                )
            )
    return out


def _round_risk(audit: BallotAudit, rep: Reported, a: Assertion, sample: list[str]) -> float:
    """Minerva's or Providence's smallest P-value over the completed rounds of a pair."""
    if a.loser_votes >= a.winner_votes:
        return 1.0
    ends = np.cumsum([len(r) for r in audit.rounds])
    ends = ends[ends <= len(sample)]
    if not ends.size:
        return 1.0
    mvr = audit.marks(rep, a.contest, sample[: int(ends[-1])])
    w, lo = mvr[:, a.winner], mvr[:, a.loser]
    relevant = np.concatenate([[0], np.cumsum(w != lo)])
    winner = np.concatenate([[0], np.cumsum(w > lo)])
    rounds = [(int(relevant[e]), int(winner[e])) for e in ends]
    if audit.method == "minerva":
        pvals = minerva_pvalues(a.winner_share, audit.risk_limit, rounds)
    else:
        pvals = providence_pvalues(a.winner_share, rounds)
    return min([1.0, *pvals])


def _hybrid_risk(audit: BallotAudit, rep: Reported, a: Assertion) -> float:
    """SUITE's P-value of one assertion from each stratum's read prefix."""
    cvr_part, poll_part = strata(audit.inputs)
    every = [b for r in audit.rounds for b in r]
    s1 = audit.read_prefix([b for b in every if batch_of(b) in cvr_part])
    s2 = audit.read_prefix([b for b in every if batch_of(b) in poll_part])
    cvr_stratum = audit.cvr_stratum(a, cvr_part)
    mvr1 = audit.marks(rep, a.contest, s1)
    cvr1 = audit.marks(rep, a.contest, s1, cvr=True)
    phantom = np.array([b not in audit.inputs.cvrs for b in s1], dtype=bool)
    cvr1[phantom] = 0
    cvr1[phantom, a.winner] = 1
    omega = ballot_overstatement(
        cvr1[:, a.winner], cvr1[:, a.loser], mvr1[:, a.winner], mvr1[:, a.loser]
    )
    mvr2 = audit.marks(rep, a.contest, s2)
    values = polling_assorter(mvr2[:, a.winner], mvr2[:, a.loser])
    return stratified_pvalue(
        cvr_stratum,
        omega,
        Stratum(sum(poll_part.values())),
        values,
        a.reported_mean,
        replacement=audit.replacement,
    )
