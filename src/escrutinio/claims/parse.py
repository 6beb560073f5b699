"""A sentence becomes assertions: each number it states (or a bare "X won Bolívar") with
the measure, subject, denominator, region, comparator and bulletin the words around it
give. Rule-based and deterministic: keyword tables from :mod:`escrutinio.claims.vocabulary`,
nearest keyword wins, the clause (between punctuation) is the context."""

from __future__ import annotations

import re
from dataclasses import dataclass

from escrutinio.claims.entities import Catalogue, Entity, Mention
from escrutinio.claims.numbers import Quantity, read_quantities, tokenize
from escrutinio.claims.record import SnapshotKey
from escrutinio.claims.vocabulary import (
    ABSTENTION_WORDS,
    ACTA_WORDS,
    BULLETIN_ORDINALS,
    BULLETIN_WORDS,
    COMPARATORS,
    DENOMINATOR_WORDS,
    ELECTORATE_WORDS,
    FINAL_WORDS,
    LEAD_WORDS,
    MARGIN_WORDS,
    MONTHS,
    NATIONAL_WORDS,
    NULL_WORDS,
    SEAT_WORDS,
    TURNOUT_WORDS,
    VOTE_WORDS,
    VOTER_WORDS,
    WIN_WORDS,
    Comparator,
    language,
)

_BOUNDARY = frozenset(',;:.—–()[]!?"“”«»')


@dataclass(frozen=True)
class Assertion:
    """One checkable statement inside a claim."""

    text: str
    measure: str
    quantity: Quantity | None
    comparator: Comparator
    subjects: tuple[Entity, ...]
    others: tuple[Entity, ...]
    denominator: str | None
    region: Entity | None
    national: bool
    bulletin: SnapshotKey | None
    leading: bool = False
    exact: bool = False
    """A structured claim: only the reading it states."""


@dataclass(frozen=True)
class Parsed:
    """A claim's language and assertions, or why none was found."""

    language: str
    assertions: tuple[Assertion, ...]
    problem: str | None


def _find(words: list[str], phrases: tuple[str, ...] | list[str], lo: int, hi: int) -> list[int]:
    """Start indexes in [lo, hi) where one of the phrases matches."""
    hits = []
    split = [p.split() for p in phrases]
    for i in range(lo, hi):
        if any(words[i : i + len(p)] == p and i + len(p) <= hi for p in split):
            hits.append(i)
    return hits


def _bulletin(words: list[str], skip: set[int]) -> SnapshotKey | None:
    """The bulletin the claim names ("boletín 1", "the first bulletin", "final results")."""
    for i, w in enumerate(words):
        if w not in BULLETIN_WORDS:
            continue
        skip.add(i)
        if i > 0 and words[i - 1] in BULLETIN_ORDINALS:
            skip.add(i - 1)
            return BULLETIN_ORDINALS[words[i - 1]]
        for j in range(i + 1, min(i + 4, len(words))):
            if words[j].isdigit():
                skip.update(range(i, j + 1))
                return int(words[j])
            if words[j] not in ("no", "n", "number", "numero", "#", ".", "º", "nº"):
                break
    if _find(words, FINAL_WORDS, 0, len(words)):
        return "final"
    return None


def _skip_dates(words: list[str], skip: set[int]) -> None:
    for i, w in enumerate(words):
        if re.fullmatch(r"(19|20)\d\d", w):
            skip.add(i)
        if w.isdigit() and (
            (i + 2 < len(words) and words[i + 1] == "de" and words[i + 2] in MONTHS)
            or (i > 0 and words[i - 1] in MONTHS)
        ):
            skip.add(i)


def _clause(words: list[str], i: int) -> tuple[int, int]:
    lo = i
    while lo > 0 and words[lo - 1] not in _BOUNDARY:
        lo -= 1
    hi = i
    while hi < len(words) and words[hi] not in _BOUNDARY:
        hi += 1
    return lo, hi


def _comparator(words: list[str], q: Quantity) -> Comparator:
    if q.kind == "majority":
        return "gt"
    for gap in (0, 1):
        end = q.first - gap
        for phrase in sorted(COMPARATORS, key=len, reverse=True):
            parts = phrase.split()
            start = end - len(parts)
            if start >= 0 and words[start:end] == parts:
                if gap and words[end] not in ("the", "el", "la", "los", "un", "una", "a"):
                    continue
                return COMPARATORS[phrase]
    return "eq"


def _near(words: list[str], phrases: tuple[str, ...], q: Quantity, lo: int, hi: int) -> int | None:
    """Distance from the quantity to the nearest phrase in the clause (None if none)."""
    hits = _find(words, phrases, lo, hi)
    if not hits:
        return None
    return min(h - q.last if h > q.last else (q.first - h) + 1 for h in hits)


def _measure(words: list[str], q: Quantity, lo: int, hi: int, has_subject: bool) -> str | None:
    """The measure the words around a quantity name."""
    near = {
        name: _near(words, phrases, q, lo, hi)
        for name, phrases in (
            ("seats", SEAT_WORDS),
            ("actas", ACTA_WORDS),
            ("turnout", TURNOUT_WORDS),
            ("abstention", ABSTENTION_WORDS),
            ("margin", MARGIN_WORDS),
            ("electorate", ELECTORATE_WORDS),
            ("voters", VOTER_WORDS),
            ("null", NULL_WORDS),
            ("votes", VOTE_WORDS),
        )
    }
    after = {k: v for k, v in near.items() if v is not None and v > 0}
    if q.kind == "count" and q.out_of is not None and near["votes"] is None:
        return "seats"
    before = words[max(lo, q.first - 3) : q.first]
    if ("by" in before or "por" in before) and _find(words, WIN_WORDS, lo, hi):
        return "margin"
    for name in ("turnout", "abstention", "actas", "null", "margin"):
        if near[name] is None:
            continue
        if name == "actas" and after.get("votes", 99) < (near["actas"] or 0):
            continue  # "the tally sheets hold 10,659,128 valid votes"
        return name
    if q.kind == "points":
        return "margin"
    if q.kind == "count":
        if after.get("electorate", 99) <= 4 and after.get("votes", 99) > after["electorate"]:
            return "electorate"
        if after.get("voters", 99) <= 4:
            return "voters"
        if near["votes"] is not None:
            return "votes"
        if near["seats"] is not None:
            return "seats"
        if near["electorate"] is not None:
            return "electorate"
        if near["voters"] is not None:
            return "voters"
        return None
    if near["seats"] is not None and (near["votes"] is None or near["seats"] < near["votes"]):
        return "seats"
    if not has_subject and (near["electorate"] is not None or near["voters"] is not None):
        return "turnout"
    return "share"


def _denominator(words: list[str], lo: int, hi: int) -> str | None:
    for phrase in sorted(DENOMINATOR_WORDS, key=len, reverse=True):
        if _find(words, (phrase,), lo, hi):
            return DENOMINATOR_WORDS[phrase]
    return None


def _pick(mentions: list[Mention], q_first: int, lo: int, hi: int) -> list[Mention]:
    """Mentions in the clause, nearest first (those before the number preferred)."""
    inside = [m for m in mentions if lo <= m.first < hi]
    return sorted(inside, key=lambda m: (m.first > q_first, abs(q_first - m.last)))


def parse_claim(text: str, catalogue: Catalogue) -> Parsed:
    """The assertions a sentence makes (``problem`` says why when there is none)."""
    words = [t.text for t in tokenize(text)]
    lang = language(words)
    skip: set[int] = set()
    bulletin = _bulletin(words, skip)
    _skip_dates(words, skip)
    mentions = catalogue.mentions(words)
    for m in mentions:
        skip.update(range(m.first, m.last + 1))
    regions = [m for m in mentions if m.entities[0].kind == "region"]
    actors = [m for m in mentions if m.entities[0].kind != "region"]
    national = bool(_find(words, NATIONAL_WORDS, 0, len(words)))
    quantities = read_quantities(words, skip, lang)
    out: list[Assertion] = []
    for q in quantities:
        lo, hi = _clause(words, q.first)
        own = _pick(actors, q.first, lo, hi) or _pick(actors, q.first, 0, len(words))
        measure = _measure(words, q, lo, hi, bool(own))
        if measure is None:
            continue
        if measure == "margin":
            own = sorted(own, key=lambda m: m.first)
        region = _pick(regions, q.first, lo, hi) or _pick(regions, q.first, 0, len(words))
        out.append(
            Assertion(
                text=" ".join(words[lo:hi]),
                measure=measure,
                quantity=q,
                comparator=_comparator(words, q),
                subjects=own[0].entities if own else (),
                others=tuple(e for m in own[1:] for e in m.entities if e not in own[0].entities)[
                    :1
                ],
                denominator=_denominator(words, lo, hi),
                region=region[0].entities[0] if region else None,
                national=national,
                bulletin=bulletin,
                leading=bool(_find(words, LEAD_WORDS, lo, hi)),
            )
        )
    single = [m for m in actors if m.entities[0].kind == "candidate"]
    if not quantities and actors and (regions or single):
        wins = _find(words, WIN_WORDS, 0, len(words))
        leads = _find(words, LEAD_WORDS, 0, len(words))
        if wins or leads:
            out.append(
                Assertion(
                    text=" ".join(words),
                    measure="winner",
                    quantity=None,
                    comparator="eq",
                    subjects=actors[0].entities,
                    others=(),
                    denominator=None,
                    region=regions[0].entities[0] if regions else None,
                    national=not regions,
                    bulletin=bulletin,
                    leading=bool(leads) and not wins,
                )
            )
    problem = None
    if not out:
        problem = (
            "no number with a measure was found (votes, shares, seats, turnout, voters, "
            "electorate, margins, actas)"
            if quantities or not regions
            else "no number, and no 'won'/'leads' with a candidate and a region"
        )
    return Parsed(lang, tuple(out), problem)
