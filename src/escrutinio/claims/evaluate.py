"""The figure a reading gives in one snapshot: votes, shares over valid votes, votes cast
or the electorate, races won or led, turnout, voters, electorate, margins, actas, null
votes, or who won a race; or the reason it cannot be computed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from escrutinio.claims.entities import Entity
from escrutinio.claims.readings import ReadingSpec, competitors
from escrutinio.claims.record import Record, Snapshot
from escrutinio.tally.results import ContestResultDoc

PERCENT_MEASURES = frozenset({"share", "turnout", "abstention"})


@dataclass(frozen=True)
class Actual:
    """A reading's figure (``value``; percentages 0–100), how it prints, the number of races
    behind a seats figure, or why there is none (``reason``)."""

    value: float | None
    text: str
    total: int | None = None
    reason: str | None = None


def _missing(reason: str) -> Actual:
    return Actual(None, "", None, reason)


def _scope(spec: ReadingSpec, snap: Snapshot, record: Record) -> list[ContestResultDoc] | str:
    """The contest results the reading covers, or why they are not in the snapshot."""
    contests = record.definition.contests
    if spec.contest is not None and (contests[spec.contest].scope is not None or not spec.region):
        doc = snap.contests.get(spec.contest)
        return [doc] if doc else f"{spec.contest} is not in {snap.label}"
    if spec.region is not None:
        if snap.regions is None:
            return f"{snap.label} holds results by race only, not by region"
        by_contest = snap.regions.get(spec.region.id, {})
        wanted = [spec.contest] if spec.contest else list(by_contest)
        docs = [by_contest[c] for c in wanted if c in by_contest]
        return docs or f"no results for {spec.region.name} in {snap.label}"
    return list(snap.contests.values())


def _votes(subject: Entity, docs: Sequence[ContestResultDoc]) -> int:
    if subject.kind == "role":  # "the other candidates": all but the two largest
        total = 0
        for d in docs:
            ranked = sorted((c["votes"] for c in d["candidates"]), reverse=True)
            total += sum(ranked[2:])
        return total
    total = 0
    for d in docs:
        if subject.kind == "alliance":
            total += sum(a["votes"] for a in d["alliances"] if a["alliance_id"] == subject.id)
        elif subject.kind == "party":
            total += sum(p["votes"] for p in d["parties"] if p["party_id"] == subject.id)
        elif subject.kind == "candidate" and d["contest_id"] == subject.contest:
            total += sum(c["votes"] for c in d["candidates"] if c["candidate_id"] == subject.id)
    return total


def _holds(record: Record, subject: Entity, contest: str, candidate: str) -> bool:
    if subject.kind == "candidate":
        return subject.contest == contest and subject.id == candidate
    alliance = record.definition.candidate_alliance(contest, candidate)
    wanted = subject.id if subject.kind == "alliance" else subject.alliance
    return wanted is not None and alliance == wanted


def _pct(x: float) -> str:
    return f"{x:.2f}%"


def _seats(spec: ReadingSpec, docs: list[ContestResultDoc], record: Record, pct: bool) -> Actual:
    if spec.subject is None:
        return _missing("no party, alliance or candidate named")
    won = 0
    for d in docs:
        status = d["status"]
        if status is None or (spec.decided and status["state"] == "counting"):
            continue
        leaders = status["leaders"]
        won += sum(_holds(record, spec.subject, d["contest_id"], c) for c in leaders)
    total = len(docs)
    pending = sum(1 for d in docs if d["status"] and d["status"]["state"] == "counting")
    note = f" ({pending} undecided)" if pending else ""
    if pct:
        return Actual(
            100.0 * won / total, f"{won} of {total} = {_pct(100 * won / total)}{note}", total
        )
    return Actual(float(won), f"{won} of {total}{note}", total)


def _winner(
    spec: ReadingSpec, docs: list[ContestResultDoc], record: Record, snap: Snapshot
) -> Actual:
    if len(docs) != 1 or spec.subject is None:
        return _missing("a winner is checked in one race")
    d = docs[0]
    status = d["status"]
    if status is not None:
        leaders, state, margin = status["leaders"], status["state"], status["margin_votes"]
    else:  # a region of a wider race: most votes there, settled once all its actas are in
        leaders, margin = d["winners"], d["margin_votes"]
        state = "final" if d["actas_counted"] == d["actas_expected"] else "counting"
    if not leaders:
        return _missing(f"no votes counted in {d['contest_name']} at {snap.label}")
    names = {c["candidate_id"]: c["name"] for c in d["candidates"]}
    leader = leaders[0]
    where = d["region_name"] or d["contest_name"]
    lead = f"{names[leader]} leads by {margin or 0:,} votes"
    if spec.decided and state == "counting":
        return _missing(f"{where} still undecided at {snap.label}: {lead}")
    ok = _holds(record, spec.subject, d["contest_id"], leader)
    verb = "won" if state != "counting" else "leads"
    return Actual(1.0 if ok else 0.0, f"{names[leader]} {verb} {where} by {margin or 0:,} votes")


def _registered(spec: ReadingSpec, docs: list[ContestResultDoc], record: Record) -> int | None:
    if not record.definition.info.registered_known:
        return None
    if spec.contest is None and spec.region is None:
        return record.electorate
    return sum(d["registered"] for d in docs)


def _rivals(
    subject: Entity | None, docs: list[ContestResultDoc], record: Record, snap: Snapshot, race: bool
) -> list[Entity]:
    """Who a margin can be measured against, most votes first: the race's candidates when
    the subject is one of them, else the alliances (or candidates) of the election."""
    if race and (subject is None or subject.kind == "candidate"):
        doc = docs[0]
        ranked = sorted(doc["candidates"], key=lambda c: c["votes"], reverse=True)
        return [
            Entity("candidate", c["candidate_id"], c["name"], doc["contest_id"], c["alliance"])
            for c in ranked
        ]
    return competitors(record, snap)


def _margin(
    spec: ReadingSpec, docs: list[ContestResultDoc], record: Record, snap: Snapshot, points: bool
) -> Actual:
    race = len(docs) == 1 and spec.contest is not None
    pool = _rivals(spec.subject, docs, record, snap, race)
    subject = spec.subject or (pool[0] if pool else None)
    other = spec.other or next((e for e in pool if e != subject), None)
    if subject is None or other is None:
        return _missing("no two competitors to compare")
    m = float(_votes(subject, docs) - _votes(other, docs))
    valid = sum(d["valid"] for d in docs)
    if points:
        if not valid:
            return _missing("no valid votes")
        return Actual(100.0 * m / valid, f"{100.0 * m / valid:.2f} points over {other.name}")
    return Actual(m, f"{int(m):,} votes over {other.name}")


def actual_value(spec: ReadingSpec, snap: Snapshot, record: Record, kind: str) -> Actual:
    """The figure of ``spec`` in ``snap``; ``kind`` is the claimed quantity's kind (a
    percentage of races instead of a count, points instead of votes)."""
    docs = _scope(spec, snap, record)
    if isinstance(docs, str):
        return _missing(docs)
    pct = kind in ("percent", "fraction", "majority")
    m = spec.measure
    if m == "seats":
        return _seats(spec, docs, record, pct)
    if m == "winner":
        return _winner(spec, docs, record, snap)
    if m == "margin":
        return _margin(spec, docs, record, snap, kind in ("percent", "points"))
    national = spec.contest is None and spec.region is None
    voters = snap.summary["turnout"]["voters"] if national else sum(d["voters"] for d in docs)
    registered = _registered(spec, docs, record)
    if m in ("votes", "share"):
        if spec.subject is None and m == "votes" and spec.denominator == "valid":
            valid = sum(d["valid"] for d in docs)
            return Actual(float(valid), f"{valid:,} valid votes")
        if spec.subject is None:
            return (
                Actual(float(voters), f"{voters:,} votes cast")
                if m == "votes"
                else _missing("no one named")
            )
        votes = _votes(spec.subject, docs)
        if m == "votes" and not pct:
            return Actual(float(votes), f"{votes:,} votes")
        base = {
            "valid": sum(d["valid"] for d in docs),
            "cast": sum(d["voters"] for d in docs),
            "registered": registered,
        }[spec.denominator or "valid"]
        if not base:
            return _missing("registered electors are unknown in this election")
        share = 100.0 * votes / base
        return Actual(share, f"{_pct(share)} ({votes:,} of {base:,})")
    if m in ("turnout", "abstention"):
        if registered is None:
            return _missing("registered electors are unknown in this election")
        if spec.decided:
            counted = (
                snap.summary["turnout"]["registered"]
                if national
                else sum(d["registered_counted"] for d in docs)
            )
            base = counted
        else:
            base = registered
        t = 100.0 * voters / base if base else 0.0
        if m == "abstention":
            return Actual(
                100.0 - t, f"{_pct(100.0 - t)} ({base - voters:,} of {base:,} did not vote)"
            )
        return Actual(t, f"{_pct(t)} ({voters:,} of {base:,})")
    if m == "voters":
        return Actual(float(voters), f"{voters:,} voters")
    if m == "electorate":
        if registered is None:
            return _missing("registered electors are unknown in this election")
        return Actual(float(registered), f"{registered:,} registered electors")
    if m == "actas":
        counted = sum(d["actas_counted"] for d in docs)
        expected = sum(d["actas_expected"] for d in docs)
        if pct:
            share = 100.0 * counted / expected if expected else 0.0
            return Actual(share, f"{_pct(share)} ({counted:,} of {expected:,} actas)")
        return Actual(float(counted), f"{counted:,} of {expected:,} actas")
    if m == "null":
        null = sum(d["null"] for d in docs)
        if pct:
            valid = sum(d["voters"] for d in docs)
            return Actual(100.0 * null / valid, _pct(100.0 * null / valid))
        return Actual(float(null), f"{null:,} null votes")
    return _missing(f"unknown measure {m}")
