"""Every audit round's measured risk recomputed from the published log alone.

An audit's ``conclusion`` leaf states each contest's measured risk. An observer holding the
publication can recompute it: the reported results are the official acta leaves that
counted when the audit was created (the ``create`` leaf's log position), the draws are the
``draw`` leaves, the hand counts the ``record`` leaves (the latest version of each table's
count before the conclusion). This module replays the audit leaves in log order and, at each
conclusion, recomputes the risk of every contest with the risk measures of the pure
statistics package :mod:`escrutinio.audit.stats` (the same published tests the auditors'
software runs, never its workflow code):

* ``table-comparison``: the betting martingale over the PPEB draws with replacement (Stark
  2008; aGRAPA bets capped at (1 − δ)/μ, Waudby-Smith & Ramdas 2024) of every winner–loser
  pair, the draws of a full-hand-count round (every table left, in id order) not in the
  test; ``table-comparison-wor`` (and ``table-comparison`` recorded without ``draws``): the
  without-replacement betting martingale. Each table's overstatement
  ((r_w − r_l) − (a_w − a_l)) / V', a hand count with more ballots than its acta scored at
  the table's full error bound; ballots outside the tables reduce every margin (Bañuelos &
  Stark 2012); every table counted: the hand count decides (risk 0 or 1);
* ``table-comparison`` with a threshold: ALPHA on the supermajority batch comparison
  assorter (SHANGRLA, Stark, FC 2020, §2.3) of the uniformly drawn tables, ballots outside
  the tables as valid votes for other candidates; every table counted: the hand count decides;
* ``fixed-percentage``: the hypergeometric attained risk of the audited tables;
* ``full-hand-count``: 0 once every table of the contest has a hand count (the count is the
  outcome), 1 before;
* ``macro``: the joint Kaplan–Markov risk of the pooled PPEB draws
  (:mod:`escrutinio.verify.audit_macro`);
* ballot-level methods (polling, comparison, Minerva, Providence, hybrid) from the published
  manifest, CVRs and readings (:mod:`escrutinio.verify.audit_ballot_risks`).

Only the longest prefix of each contest's draws whose tables all have hand counts enters a
test, as in the auditors' workflow. A difference of more than rounding (risks are published
as six significant digits) fails naming the audit, round and contest. A method the verifier
does not know is listed as not recomputed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from escrutinio.audit.stats.hypergeometric import attained_risk
from escrutinio.audit.stats.macro import BatchContest, contest_error_bounds
from escrutinio.audit.stats.ppeb_betting import betting_pvalues
from escrutinio.audit.stats.ppeb_wr_betting import wr_pvalues
from escrutinio.audit.stats.reconcile import reconcile_contest
from escrutinio.audit.stats.supermajority import (
    batch_columns,
    supermajority_assertion,
    supermajority_batch_assorter,
)
from escrutinio.model.definition import Definition
from escrutinio.verify.audit_ballot_risks import BALLOT_RISKS, BallotAudit, ballot_risk
from escrutinio.verify.audit_ballots import published_inputs
from escrutinio.verify.audit_macro import Pooled, macro_risks, pooled_for
from escrutinio.verify.audit_reported import Reported, reported_contest
from escrutinio.verify.audits import POOLED, table_scheme
from escrutinio.verify.record import AuditStep, Record, RecordProblem

RECOMPUTED = (
    "table-comparison",
    "table-comparison-wor",
    "fixed-percentage",
    "macro",
    "full-hand-count",
    *BALLOT_RISKS,
)
"""Methods whose measured risk the verifier recomputes."""

RELATIVE_TOLERANCE = 1e-5
"""Published risks carry six significant digits."""


@dataclass
class RiskCheck:
    """What the risk recomputation found."""

    conclusions: int = 0
    contests: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One clause for the verifier's report."""
        text = f"{self.contests} contest risk(s) in {self.conclusions} conclusion(s) recomputed"
        if self.skipped:
            text += f"; risks not recomputed: {', '.join(self.skipped)}"
        return text


def _tied(c: BatchContest) -> bool:
    """A winner–loser margin at or below zero with the outside ballots at their worst."""
    pairs = c.all_pairs()
    return bool(pairs) and min(c.margin(w, lo) for w, lo in pairs) <= 0


def table_comparison_risk(
    rep: Reported, drawn: list[str], hand: dict[str, np.ndarray], risk_limit: float
) -> float:
    """The table-comparison audit's measured risk over its audited prefix."""
    c = rep.contest
    n_tab = len(rep.units)
    if c.reported.shape[1] <= c.seats:
        return 0.0
    if _tied(c):
        return 1.0
    sample = _prefix(drawn, hand)
    if not sample:
        return 1.0
    per_pair = contest_error_bounds(c)
    bounds = np.maximum(np.maximum.reduce(per_pair) if per_pair else np.zeros(n_tab), 0.0)
    pos = rep.position
    idx = np.array([pos[u] for u in sample], dtype=np.int64)
    actual = np.vstack([hand[u] for u in sample])
    total = float(bounds.sum())
    risk = 0.0
    for w, lo in c.pairs():
        v = c.margin(w, lo)
        r = c.reported[idx]
        e = ((r[:, w] - r[:, lo]) - (actual[:, w] - actual[:, lo])) / v
        over = actual.sum(axis=1) > c.ballots[idx]
        e = np.where(over, np.maximum(e, bounds[idx]), e)
        p = betting_pvalues(e, bounds[idx], total)
        risk = max(risk, float(p[-1]) if p.size else 1.0)
    if risk <= risk_limit or len(sample) < len(drawn) or len(sample) < n_tab:
        return risk
    return _fully_counted_risk(rep, hand)


def _bounds(c: BatchContest, n_tab: int) -> np.ndarray:
    """Every table's error bound, the largest over winner–loser pairs (at least 0)."""
    per_pair = contest_error_bounds(c)
    return np.maximum(np.maximum.reduce(per_pair) if per_pair else np.zeros(n_tab), 0.0)


def table_comparison_wr_risk(
    rep: Reported, rounds: list[list[str]], hand: dict[str, np.ndarray], risk_limit: float
) -> float:
    """The with-replacement table-comparison audit's measured risk: the betting P-value over
    the audited prefix of its PPEB draws (``rounds``: the contest's draws per round; a round
    after which every table is drawn is the full hand count, outside the test)."""
    c = rep.contest
    n_tab = len(rep.units)
    if c.reported.shape[1] <= c.seats:
        return 0.0
    if _tied(c):
        return 1.0
    drawn: set[str] = set()
    ppeb: list[str] = []
    for r in rounds:
        drawn.update(r)
        if r and len(drawn) >= n_tab:
            break
        ppeb.extend(r)
    drawn.update(u for r in rounds for u in r)
    sample = _prefix(ppeb, hand)
    risk = 1.0
    if sample:
        bounds = _bounds(c, n_tab)
        idx = np.array([rep.position[u] for u in sample], dtype=np.int64)
        actual = np.vstack([hand[u] for u in sample])
        u = bounds[idx]
        risk = 0.0
        for w, lo in c.pairs():
            rw = c.reported[idx]
            e = ((rw[:, w] - rw[:, lo]) - (actual[:, w] - actual[:, lo])) / c.margin(w, lo)
            e = np.where(actual.sum(axis=1) > c.ballots[idx], np.maximum(e, u), e)
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.where(u > 0, e / np.where(u > 0, u, 1.0), np.where(e > 0, 1.0, 0.0))
            risk = max(risk, float(wr_pvalues(t, float(bounds.sum()))[-1]))
    pending = any(x not in hand for x in drawn)
    if (sample and risk <= risk_limit) or not drawn or pending or len(drawn) < n_tab:
        return risk
    return _fully_counted_risk(rep, hand)


def _fully_counted_risk(rep: Reported, hand: dict[str, np.ndarray]) -> float:
    """Every table hand counted: 0 if the hand count (with the outside ballots at their
    worst) keeps the reported winners, else 1."""
    c = rep.contest
    pos = rep.position
    rec = reconcile_contest(c.reported, {pos[u]: h for u, h in hand.items() if u in pos}, c.seats)
    if rec.winners_changed or rec.corrected_totals is None:
        return 1.0
    corrected = np.asarray(rec.corrected_totals, dtype=np.int64)
    for w, lo in c.all_pairs():
        if int(corrected[w] - corrected[lo]) - c.outside_ballots <= 0:
            return 1.0
    return 0.0


def table_supermajority_risk(
    rep: Reported,
    drawn: list[str],
    hand: dict[str, np.ndarray],
    threshold: float,
    risk_limit: float,
) -> float:
    """The risk of a table-comparison audit with a threshold over its audited prefix."""
    c = rep.contest
    if c.reported.shape[1] <= c.seats:
        return 0.0
    totals = c.reported.sum(axis=0)
    ballots = max(int(c.ballots.sum()), int(totals.sum()), 1)
    a = supermajority_assertion(c.contest, totals, threshold, ballots)
    outside = max(c.outside_ballots, sum(c.outside_votes))
    if outside:
        a = replace(a, loser_votes=a.loser_votes + outside, ballots=a.ballots + outside)
    sample = _prefix(drawn, hand)
    if a.diluted_margin <= 0 or not sample:
        return 1.0
    b = supermajority_batch_assorter(a, c.reported, c.ballots)
    idx = np.array([rep.position[u] for u in sample], dtype=np.int64)
    rw, rl = batch_columns(a, c.reported[idx])
    aw, al = batch_columns(a, np.vstack([hand[u] for u in sample]))
    risk = float(b.pvalues(b.values(rw, rl, aw, al))[-1])
    if risk <= risk_limit or len(sample) < len(drawn) or len(sample) < len(rep.units):
        return risk
    counted = np.vstack([hand[u] for u in rep.units]).sum(axis=0)
    share = float(counted[a.winner]) / max(int(counted.sum()) + outside, 1)
    return 0.0 if share > a.threshold else 1.0


def fixed_percentage_risk(rep: Reported, drawn: list[str], hand: dict[str, np.ndarray]) -> float:
    """The hypergeometric risk a fixed-percentage audit attains over its audited prefix."""
    c = rep.contest
    if c.reported.shape[1] <= c.seats:
        return 0.0
    if not c.pairs():
        return 1.0
    sample = _prefix(drawn, hand)
    pos = rep.position
    idx = np.array([pos[u] for u in sample], dtype=np.int64)
    actual = np.vstack([hand[u] for u in sample]) if sample else np.zeros((0, c.reported.shape[1]))
    return float(attained_risk(c, idx, actual).risk)


def _prefix(drawn: list[str], hand: dict[str, np.ndarray]) -> list[str]:
    """Longest prefix of the draws whose tables all have hand counts."""
    out: list[str] = []
    for u in drawn:
        if u not in hand:
            break
        out.append(u)
    return out


@dataclass
class _Audit:
    create: AuditStep
    drawn: dict[str, list[str]] = field(default_factory=dict)
    counts: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    reported: dict[str, Reported] = field(default_factory=dict)
    pool: Pooled | None = None
    rounds: list[list[str]] = field(default_factory=list)
    ballots: BallotAudit | None = None
    contest_rounds: dict[str, list[list[str]]] = field(default_factory=dict)


def _candidates(definition: Definition, cid: str, votes: tuple[int, ...]) -> np.ndarray:
    """A hand count's option counts summed per candidate of the contest."""
    layout = definition.layout(cid)
    out = np.zeros(len(layout.candidate_ids), dtype=np.int64)
    for opt, v in enumerate(votes):
        out[int(layout.option_candidate[opt])] += int(v)
    return out


def _same(published: str, risk: float) -> bool:
    try:
        value = float(published)
    except ValueError:
        return False
    if f"{risk:.6g}" == published:
        return True
    return math.isclose(value, risk, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-9)


def check_audit_risks(
    definition: Definition, record: Record, read: Callable[[str], bytes] | None = None
) -> RiskCheck:
    """Recompute every conclusion's risks (see the module docstring; ballot-level audits
    from the manifests and CVRs ``read`` returns from the publication); raises
    :class:`RecordProblem` naming the audit, round and contest whose risk differs."""
    result = RiskCheck()
    audits: dict[str, _Audit] = {}
    skipped: set[str] = set()
    for step in record.audits:
        leaf = step.leaf
        name = str(leaf.get("audit"))
        kind = leaf.get("step")
        if kind == "create":
            audits[name] = _Audit(step)
            method = str(leaf.get("method"))
            if method not in RECOMPUTED or (method in BALLOT_RISKS and read is None):
                result.skipped.append(f"{name} ({method})")
                skipped.add(name)
            continue
        audit = audits.get(name)
        if audit is None:
            continue  # the draw check names an audit used before its creation
        if kind == "draw" and isinstance(leaf.get("draws"), dict):
            if leaf.get("part", 1) == 1:
                audit.rounds.append([])
            for cid, tables in leaf["draws"].items():
                audit.drawn.setdefault(str(cid), []).extend(str(t) for t in tables)
                per = audit.contest_rounds.setdefault(str(cid), [])
                per.extend([] for _ in range(len(audit.rounds) - len(per)))
                if per:
                    per[-1].extend(str(t) for t in tables)
                if cid == POOLED and audit.rounds:
                    audit.rounds[-1].extend(str(t) for t in tables)
        elif kind == "record" and isinstance(leaf.get("counts"), list):
            for row in leaf["counts"]:
                audit.counts[(str(row["unit"]), str(row["contest"]))] = tuple(row["votes"])
        elif kind == "conclusion" and name not in skipped:
            if str(audit.create.leaf.get("method")) in BALLOT_RISKS and audit.ballots is None:
                assert read is not None  # (skipped above without it)
                audit.ballots = _ballot_audit(definition, record, audit.create, read)
            result.contests += _check_conclusion(definition, record, audit, step)
            result.conclusions += 1
    return result


def _check_conclusion(
    definition: Definition, record: Record, audit: _Audit, step: AuditStep
) -> int:
    """Recompute one conclusion's risks; returns the contests checked."""
    leaf = step.leaf
    name = str(leaf.get("audit"))
    method = str(audit.create.leaf.get("method"))
    contests = leaf.get("contests")
    if not isinstance(contests, list):
        raise RecordProblem(f"log entry {step.index}: audit '{name}' conclusion has no contests")
    checked = 0
    macro: dict[str, float] = {}
    if method == "macro":
        audited = [str(c) for c in audit.create.leaf.get("contests") or []]
        if audit.pool is None:
            audit.pool = pooled_for(definition, record, audit.create, audited)
        hand_all = {
            (u, c): _candidates(definition, c, v)
            for (u, c), v in audit.counts.items()
            if c in audited
        }
        risks = macro_risks(audit.pool, audit.drawn.get(POOLED, []), hand_all)
        macro = dict(zip(audited, risks, strict=True))
    for doc in contests:
        cid = str(doc.get("contest"))
        if cid not in (audit.create.leaf.get("contests") or []):
            raise RecordProblem(
                f"log entry {step.index}: audit '{name}' concludes on '{cid}', a contest it "
                "does not audit"
            )
        if audit.ballots is not None:
            audit.ballots.rounds, audit.ballots.counts = audit.rounds, audit.counts
            risk = ballot_risk(audit.ballots, cid)
            inputs = "readings, CVRs, manifest and actas"
        else:
            if cid not in audit.reported:
                audit.reported[cid] = reported_contest(definition, record, audit.create, cid)
            risk = macro[cid] if method == "macro" else _table_risk(audit, cid)
            inputs = "hand counts and actas"
        published = str(doc.get("risk"))
        if not _same(published, risk):
            raise RecordProblem(
                f"log entry {step.index}: audit '{name}' round {leaf.get('round')}, {cid}: "
                f"the published risk is {published} but the published {inputs} give "
                f"{risk:.6g}"
            )
        checked += 1
    return checked


def _table_risk(audit: _Audit, cid: str) -> float:
    """A table audit's risk for one contest (not MACRO's joint one)."""
    rep = audit.reported[cid]
    hand = {u: rep.by_candidate([v])[0] for (u, c), v in audit.counts.items() if c == cid}
    drawn = audit.drawn.get(cid, [])
    leaf = audit.create.leaf
    method, threshold = str(leaf.get("method")), leaf.get("threshold")
    limit = float(str(leaf.get("risk_limit")))
    scheme = table_scheme(leaf)
    if method == "table-comparison" and threshold is not None:
        return table_supermajority_risk(rep, drawn, hand, float(threshold), limit)
    if scheme == "wr":
        return table_comparison_wr_risk(rep, audit.contest_rounds.get(cid, []), hand, limit)
    if scheme == "wor":
        return table_comparison_risk(rep, drawn, hand, limit)
    if method == "full-hand-count":
        return 0.0 if all(u in hand for u in rep.units) else 1.0
    return fixed_percentage_risk(rep, drawn, hand)


def _ballot_audit(
    definition: Definition, record: Record, create: AuditStep, read: Callable[[str], bytes]
) -> BallotAudit:
    """A ballot-level audit's parameters, published inputs and reported contests."""
    leaf = create.leaf
    name = str(leaf.get("audit"))
    contests = [str(c) for c in leaf.get("contests") or []]
    threshold = leaf.get("threshold")
    return BallotAudit(
        method=str(leaf.get("method")),
        test=str(leaf.get("test", "")),
        replacement=leaf.get("replacement", True) is not False,
        threshold=None if threshold is None else float(threshold),
        risk_limit=float(str(leaf.get("risk_limit"))),
        inputs=published_inputs(name, leaf, read),
        contests=contests,
        reported={c: reported_contest(definition, record, create, c) for c in contests},
    )
