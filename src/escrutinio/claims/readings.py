"""Readings: every reasonable way to check one assertion (subject as alliance or party,
share of valid votes, votes cast or the electorate, race or national, decided races or
races led), most plausible first.

Order of plausibility (docs/claims.md): the name as written before what it belongs to (a
party before its alliance, an alliance before its largest party); a stated denominator
before the others, otherwise valid, cast, registered; decided races before races led (the
other way round when the claim says "leads"); a role word the user did not resolve
("the ruling party" without ``--role``) tries every alliance, largest first.
"""

from __future__ import annotations

from dataclasses import dataclass

from escrutinio.claims.entities import Entity
from escrutinio.claims.parse import Assertion
from escrutinio.claims.record import Record, Snapshot

DENOMINATORS = ("valid", "cast", "registered")
_DENOM_WORDS = {"valid": "valid votes", "cast": "votes cast", "registered": "the electorate"}


@dataclass(frozen=True)
class ReadingSpec:
    """One reading of an assertion, before it meets a snapshot."""

    measure: str
    subject: Entity | None
    other: Entity | None
    denominator: str | None
    contest: str | None
    region: Entity | None
    decided: bool

    def words(self) -> str:
        """The reading in plain English."""
        who = ""
        if self.subject is not None:
            s = self.subject
            who = f"{s.name} (candidate)" if s.kind == "candidate" else f"{s.id} ({s.kind})"
        where = f" in {self.region.name}" if self.region else " nationally"
        text = {
            "seats": f"races {'won (decided)' if self.decided else 'led'} by {who}",
            "winner": f"{who} {'won (race decided)' if self.decided else 'leads'}",
            "votes": f"votes for {who}"
            if who
            else ("valid votes" if self.denominator == "valid" else "votes cast"),
            "share": f"{who}'s share of {_DENOM_WORDS.get(self.denominator or '', '')}",
            "turnout": "turnout (voters over the electorate of the units counted)"
            if self.decided
            else "voters over the whole electorate",
            "abstention": "abstention (100% minus turnout)",
            "voters": "people who voted",
            "electorate": "registered electors",
            "margin": f"margin of {who or 'the leader'} over "
            + (self.other.name if self.other else "the runner-up"),
            "actas": "actas counted",
            "null": "null votes",
        }[self.measure]
        return text + where


def competitors(record: Record, snapshot: Snapshot | None) -> list[Entity]:
    """Every alliance (or, without alliances, every candidate), most votes first."""
    cat = record.catalogue
    pool = cat.alliances or cat.candidates
    if snapshot is None:
        return pool
    votes = snapshot.summary["votes"]

    def size(e: Entity) -> int:
        if e.kind == "alliance":
            return votes.get(e.id, 0)
        doc = snapshot.contests.get(e.contest or "")
        if doc is None:
            return 0
        return next((c["votes"] for c in doc["candidates"] if c["candidate_id"] == e.id), 0)

    return sorted(pool, key=size, reverse=True)


def _largest_party(record: Record, alliance: Entity, snapshot: Snapshot | None) -> Entity | None:
    parties = [p for p in record.catalogue.parties if p.alliance == alliance.id]
    if not parties or snapshot is None:
        return parties[0] if parties else None
    totals = {p.id: 0 for p in parties}
    for doc in snapshot.contests.values():
        for p in doc["parties"]:
            if p["party_id"] in totals:
                totals[p["party_id"]] += p["votes"]
    return max(parties, key=lambda p: totals[p.id])


def subjects(a: Assertion, record: Record, snapshot: Snapshot | None) -> list[Entity | None]:
    """Who the assertion may be about, most plausible first."""
    named = list(a.subjects)
    out: list[Entity] = []
    for e in named:
        if e.kind == "role" and e.id == "others":
            out.append(e)
        elif e.kind == "role":
            resolved = record.role(e.id)
            if resolved:
                out.extend(resolved)
            else:
                ranked = competitors(record, snapshot)
                out.extend(ranked if e.id == "incumbent" else list(reversed(ranked)))
        else:
            out.append(e)
    extra: list[Entity] = []
    for e in out:
        if e.kind == "party" and e.alliance:
            extra += [x for x in record.catalogue.alliances if x.id == e.alliance]
        if e.kind == "alliance":
            party = _largest_party(record, e, snapshot)
            if party is not None and not any(p == party for p in named):
                extra.append(party)
    out += [e for e in extra if e not in out]
    if not out:
        if a.measure in ("share", "seats", "winner"):
            return list(competitors(record, snapshot))
        return [None]
    return list(out)


def _contest_of(record: Record, region: Entity | None, subject: Entity | None) -> str | None:
    """The race a reading is about: the contest scoped to the named region, else a named
    candidate's contest when no region is named (None: national, or a region of a wider
    race)."""
    if region is not None:
        for cid, contest in record.definition.contests.items():
            if contest.scope == region.id:
                return cid
        return None
    if subject is not None and subject.kind == "candidate":
        return subject.contest
    return None


def enumerate_readings(
    a: Assertion, record: Record, snapshot: Snapshot | None
) -> list[ReadingSpec]:
    """The readings of one assertion, most plausible first."""
    out: list[ReadingSpec] = []
    denominators: tuple[str | None, ...] = (a.denominator if a.measure == "votes" else None,)
    if a.measure == "share":
        stated = a.denominator
        denominators = (
            (stated, *[d for d in DENOMINATORS if d != stated]) if stated else DENOMINATORS
        )
    decided_order: tuple[bool, ...] = (False, True) if a.leading else (True, False)
    if a.measure not in ("seats", "winner", "turnout"):
        decided_order = (True,)
    region = None if a.national and a.measure == "seats" else a.region
    others = [e for e in a.others if e.kind != "role"] or [
        x for o in a.others if o.kind == "role" for x in record.role(o.id)
    ]
    if a.exact:
        subject = a.subjects[0] if a.subjects else None
        contest = _contest_of(record, region, subject)
        decided = not a.leading
        return [
            ReadingSpec(
                a.measure,
                subject,
                others[0] if others else None,
                a.denominator,
                contest,
                region,
                decided,
            )
        ]
    who: list[Entity | None] = [None]
    if a.measure in ("seats", "winner", "votes", "share", "margin"):
        who = subjects(a, record, snapshot)
    for subject in who:
        contest = _contest_of(record, region, subject)
        where = region
        scope = record.definition.contests[contest].scope if contest else None
        if where is None and scope is not None:
            where = next((r for r in record.catalogue.regions if r.id == scope), None)
        for denominator in denominators:
            for decided in decided_order:
                out.append(
                    ReadingSpec(
                        measure=a.measure,
                        subject=subject,
                        other=others[0] if others else None,
                        denominator=denominator,
                        contest=contest,
                        region=where,
                        decided=decided,
                    )
                )
    return out
