"""Audit draws re-derived from their public seed.

An audit's value rests on a sample nobody chose: the tables come from Rivest's consistent
sampler (arXiv:1808.10016; the ``consistent_sampler`` package, as Arlo and Colorado use)
keyed by a seed announced before the draw. For every audit in the log that samples tables
(table comparison, fixed percentage, full hand count), this module rebuilds each contest's
population (the tables whose official acta counted when the audit was created, from the
acta leaves) and checks that every round's draws are exactly the next tables of the
consistent sample for the published seed, so a hand-picked table is caught. Fixed-percentage,
full-hand-count and supermajority (``threshold``) table audits draw uniformly (the
consistent sample's order); table-comparison audits draw with replacement proportionally to
each table's MACRO error bound (Stark 2008; the create leaf's ``"draws":
"ppeb-with-replacement"``), draw k the table whose cumulative-bound interval holds
SHA-256(``"SEED,k"``) as a uniform number, each round until its number of new tables (or,
for the full hand count, every table left in id order); ``table-comparison-wor`` audits, and
``table-comparison`` audits recorded without ``draws``, drew without replacement in
increasing order of −ln(τ)/u with τ the table's first consistent-sampler ticket
(Efraimidis & Spirakis 2006). The verifier recomputes the bounds from the acta leaves with
its own code. MACRO's pooled draws (with
replacement, :mod:`escrutinio.verify.audit_macro`) are re-derived too, and ballot-level
draws from the ballot manifest the publication holds (:mod:`escrutinio.verify.audit_ballots`),
hybrid (stratified) draws stratum by stratum from the manifest and the published CVRs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import numpy as np
from consistent_sampler import first_fraction, sampler, sha256_hex

from escrutinio.audit.stats.sampling import ppeb_round
from escrutinio.model.definition import Definition
from escrutinio.verify.audit_ballots import (
    BALLOT_DRAWS,
    HYBRID,
    BallotInputs,
    ballot_draws,
    hybrid_draws,
    published_inputs,
)
from escrutinio.verify.audit_macro import Pooled, macro_draws, pooled_for
from escrutinio.verify.audit_reported import pending_ballots, population_rows
from escrutinio.verify.record import AuditStep, Record, RecordProblem

TABLE_SAMPLES = (
    "table-comparison",
    "table-comparison-wor",
    "fixed-percentage",
    "full-hand-count",
    "macro",
)
WR_DRAWS = "ppeb-with-replacement"
"""The create leaf's ``draws`` of a table-comparison audit drawing with replacement."""
POOLED = "*"
"""The key of a MACRO audit's pooled draws (one sample for all its contests)."""


@dataclass
class AuditCheck:
    """What the audit check found: rounds re-derived and audits it could not re-derive."""

    audits: int = 0
    rounds: int = 0
    tables: int = 0
    ballots: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the verifier's report."""
        if not self.audits:
            return "no audit records"
        text = (
            f"{self.audits} audit(s): {self.rounds} round(s), {self.tables} table draws "
            "re-derived from their seeds"
        )
        if self.ballots:
            text += f", {self.ballots} ballot draws from their published manifests"
        if self.skipped:
            text += f"; not re-derived: {', '.join(self.skipped)}"
        return text


def consistent_sample(population: Sequence[str], seed: str, skip: int, size: int) -> list[str]:
    """Draws ``skip+1 .. skip+size`` of the consistent sample without replacement."""
    draws = sampler(list(population), seed=seed, with_replacement=False, output="id")
    return [str(x) for x in islice(draws, skip, skip + size)]


def _population(definition: Definition, record: Record, create: AuditStep, cid: str) -> list[str]:
    """Tables whose official acta for ``cid`` counted when the audit was created."""
    return population_rows(definition, record, create, cid)[0]


def _error_bounds(
    definition: Definition, record: Record, cid: str, rows: list[int], outside: int = 0
) -> Any:
    """MACRO error bound of every table (rows of the acta leaves) for the contest: max over
    reported winner w and loser l with V'_wl = V_wl − outside > 0 of (r_w − r_l + b) / V'_wl,
    b the ballots cast (voters, or votes + null + blank if larger), ``outside`` ballots in
    the totals but in no table (counted against the winner)."""
    layout = definition.layout(cid)
    n_opt, n_cand = len(layout.option_ids), len(layout.candidate_ids)
    actas = record.actas
    votes = np.zeros((len(rows), n_cand), dtype=np.int64)
    cast = np.zeros(len(rows), dtype=np.int64)
    for k, r in enumerate(rows):
        obj = json.loads(str(actas["votes"][r]))
        per_option = [int(obj.get(o, 0)) for o in layout.option_ids[:n_opt]]
        for opt, count in enumerate(per_option):
            votes[k, int(layout.option_candidate[opt])] += count
        null, blank = int(actas["null"][r] or 0), int(actas["blank"][r] or 0)
        cast[k] = max(int(actas["voters"][r] or 0), sum(per_option) + max(null, 0) + max(blank, 0))
    totals = votes.sum(axis=0)
    seats = definition.contests[cid].seats
    ranked = np.lexsort((np.arange(totals.size), -totals))
    winners = sorted(int(i) for i in ranked[:seats])
    bounds = np.zeros(len(rows))
    for w in winners:
        for lo in range(totals.size):
            margin = int(totals[w] - totals[lo]) - outside
            if lo in winners or margin <= 0:
                continue
            bound = ((votes[:, w] - votes[:, lo] + cast) / margin).astype(np.float64)
            bounds = np.maximum(bounds, bound)
    return np.maximum(bounds, 0.0)


def ppeb_sample(units: Sequence[str], bounds: Any, seed: str, skip: int, size: int) -> list[str]:
    """Draws ``skip+1 .. skip+size`` of successive sampling proportional to ``bounds``:
    tables in increasing −ln(ticket)/bound (zero bounds last), ticket the first
    consistent-sampler ticket of the table for the seed."""
    seed_hash = sha256_hex(seed)
    tickets = np.array([float(first_fraction(u, seed, seed_hash)) for u in units])
    u = np.asarray(bounds, dtype=np.float64)
    tk = np.clip(tickets, 1e-300, 1.0)
    with np.errstate(divide="ignore"):
        keys = np.where(u > 0, -np.log(tk) / np.where(u > 0, u, 1.0), np.inf)
    order = np.lexsort((tickets, keys))
    return [units[int(i)] for i in order[skip : skip + size]]


def table_scheme(leaf: dict[str, Any]) -> str:
    """How a table audit's create leaf says its tables were drawn: ``wr`` (PPEB with
    replacement: ``table-comparison`` with ``"draws": "ppeb-with-replacement"``), ``wor``
    (PPEB without replacement: ``table-comparison-wor``, or ``table-comparison`` recorded
    before it drew with replacement, without ``draws``) or ``uniform`` (the consistent
    sample: fixed percentage, full hand count, a threshold)."""
    method, draws = leaf.get("method"), leaf.get("draws")
    if leaf.get("threshold") is not None or method not in (
        "table-comparison",
        "table-comparison-wor",
    ):
        return "uniform"
    if method == "table-comparison-wor" or draws is None:
        return "wor"
    if draws != WR_DRAWS:
        raise RecordProblem(f"audit '{leaf.get('audit')}': unknown draw scheme {draws!r}")
    return "wr"


def contest_bounds(
    definition: Definition, record: Record, create: AuditStep, cid: str
) -> tuple[list[str], Any]:
    """A table-comparison contest's tables and their error bounds (ballots of tables
    without a counting acta against the winners in a ``pending`` audit)."""
    units, rows = population_rows(definition, record, create, cid)
    outside = 0
    if create.leaf.get("pending") is True and definition.info.registered_known:
        outside = pending_ballots(definition, cid, units)
    return units, _error_bounds(definition, record, cid, rows, outside)


def _compare(
    index: int, name: str, round_no: int, cid: str, skip: int, tables: list[str], want: list[str]
) -> None:
    """Raise naming the first draw that is not what the seed gives."""
    if tables == want:
        return
    first = next(
        (i for i, (a, b) in enumerate(zip(tables, want, strict=False)) if a != b),
        min(len(tables), len(want)),
    )
    raise RecordProblem(
        f"log entry {index}: audit '{name}' round {round_no}, {cid}: draw "
        f"{skip + first + 1} is {tables[first] if first < len(tables) else None!r} "
        f"but the seed gives {want[first] if first < len(want) else None!r}"
    )


def _text(leaf: dict[str, Any], key: str) -> str:
    value = leaf.get(key)
    if not isinstance(value, str):
        raise RecordProblem(f"audit leaf: '{key}' is not a string")
    return value


def _derivable(method: str, read: Callable[[str], bytes] | None) -> bool:
    """Whether the verifier re-derives the method's draws (ballot ones need the files)."""
    return method in TABLE_SAMPLES or (method in (*BALLOT_DRAWS, HYBRID) and read is not None)


def check_audit_draws(
    definition: Definition, record: Record, read: Callable[[str], bytes] | None = None
) -> AuditCheck:
    """Check every audit's draws against its seed (ballot-level ones against the manifest
    ``read`` returns from the publication); raises :class:`RecordProblem` naming the audit,
    round and contest that differ."""
    result = AuditCheck()
    created: dict[str, AuditStep] = {}
    drawn: dict[str, dict[str, int]] = {}
    rounds: dict[str, int] = {}
    parts_seen: dict[str, int] = {}
    pools: dict[str, Pooled] = {}
    manifests: dict[str, BallotInputs] = {}
    history: dict[str, list[str]] = {}
    rounds_wr: dict[str, list[tuple[int, int, str, list[str]]]] = {}
    wr_done: dict[tuple[str, str], list[str]] = {}
    for step in record.audits:
        leaf = step.leaf
        name = _text(leaf, "audit")
        kind = leaf.get("step")
        if kind == "create":
            if name in created:
                raise RecordProblem(f"log entry {step.index}: audit '{name}' created twice")
            created[name] = step
            drawn[name], rounds[name] = {}, 0
            result.audits += 1
            method = _text(leaf, "method")
            if not _derivable(method, read):
                result.skipped.append(f"{name} ({method})")
            continue
        if name not in created:
            raise RecordProblem(f"log entry {step.index}: audit '{name}' used before created")
        if kind != "draw":
            continue
        part = leaf.get("part", 1)  # a large round is split over consecutive leaves
        if part == 1:
            rounds[name] += 1
        elif part != parts_seen.get(name, 0) + 1:
            raise RecordProblem(
                f"log entry {step.index}: audit '{name}' draw part {part!r} out of sequence"
            )
        parts_seen[name] = part
        if part == 1 and rounds_wr.get(name):
            _check_wr_round(definition, record, created[name], rounds_wr.pop(name), wr_done)
        if leaf.get("round") != rounds[name]:
            raise RecordProblem(
                f"log entry {step.index}: audit '{name}' round {leaf.get('round')!r} out of "
                f"sequence (expected {rounds[name]})"
            )
        create = created[name]
        method = _text(create.leaf, "method")
        if not _derivable(method, read):
            continue
        result.rounds += part == 1
        draws = leaf.get("draws")
        if not isinstance(draws, dict):
            raise RecordProblem(f"log entry {step.index}: audit '{name}' draws are not a mapping")
        seed = _text(create.leaf, "seed")
        contests = create.leaf.get("contests")
        for cid, tables in draws.items():
            pooled_draw = method == "macro" or method in BALLOT_DRAWS or method == HYBRID
            if not isinstance(contests, list) or (
                cid != POOLED if pooled_draw else cid not in contests
            ):
                raise RecordProblem(
                    f"log entry {step.index}: audit '{name}' draws for '{cid}', "
                    "a contest it does not audit"
                )
            skip = drawn[name].get(cid, 0)
            if pooled_draw:
                if method == "macro":
                    if name not in pools:
                        pools[name] = pooled_for(definition, record, create, list(contests))
                    want = macro_draws(pools[name], seed, skip, len(tables))
                    result.tables += len(tables)
                else:
                    assert read is not None  # (audits without it were skipped above)
                    if name not in manifests:
                        manifests[name] = published_inputs(name, create.leaf, read)
                    replacement = create.leaf.get("replacement", True) is not False
                    done = history.setdefault(name, [])
                    if method == HYBRID:
                        drawn_now = [str(b) for b in tables]
                        want = hybrid_draws(manifests[name], seed, done, drawn_now, replacement)
                    else:
                        want = ballot_draws(
                            manifests[name].manifest, seed, skip, len(tables), replacement
                        )
                    done.extend(str(b) for b in tables)
                    result.ballots += len(tables)
                _compare(step.index, name, rounds[name], cid, skip, tables, want)
                drawn[name][cid] = skip + len(tables)
                continue
            scheme = table_scheme(create.leaf)
            if scheme == "wr":  # checked whole once the round is complete
                rounds_wr.setdefault(name, []).append((step.index, rounds[name], cid, tables))
                drawn[name][cid] = skip + len(tables)
                result.tables += len(tables)
                continue
            if scheme == "wor":
                units, bounds = contest_bounds(definition, record, create, cid)
                want = ppeb_sample(units, bounds, seed, skip, len(tables))
            else:
                units = population_rows(definition, record, create, cid)[0]
                want = consistent_sample(units, seed, skip, len(tables))
            _compare(step.index, name, rounds[name], cid, skip, tables, want)
            drawn[name][cid] = skip + len(tables)
            result.tables += len(tables)
    for name, parts in rounds_wr.items():
        if parts:
            _check_wr_round(definition, record, created[name], parts, wr_done)
    return result


def _check_wr_round(
    definition: Definition,
    record: Record,
    create: AuditStep,
    parts: list[tuple[int, int, str, list[str]]],
    done: dict[tuple[str, str], list[str]],
) -> None:
    """Check one complete round of a with-replacement table-comparison audit (its leaves'
    draws per contest, in order) against the seed: the round's draws are the next PPEB
    draws until as many new tables as it holds, or the full hand count (every table left,
    in id order); ``done`` holds each contest's earlier draws and is extended."""
    name = _text(create.leaf, "audit")
    seed = _text(create.leaf, "seed")
    per: dict[str, list[str]] = {}
    first: dict[str, tuple[int, int]] = {}
    for index, round_no, cid, tables in parts:
        per.setdefault(cid, []).extend(str(t) for t in tables)
        first.setdefault(cid, (index, round_no))
    for cid, tables in per.items():
        before = done.setdefault((name, cid), [])
        units, bounds = contest_bounds(definition, record, create, cid)
        new = len(set(tables) - set(before))
        want = ppeb_round(units, bounds, seed, before, new)
        index, round_no = first[cid]
        _compare(index, name, round_no, cid, len(before), tables, want)
        before.extend(tables)
