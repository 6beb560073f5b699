"""Entity recognition from the election definition: alliances, parties, candidates (by full
name and by a surname or given name no other candidate shares), top-level regions, and the
role words of the vocabulary ("the ruling party", "la oposición")."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from escrutinio.claims.numbers import tokenize
from escrutinio.claims.vocabulary import ROLE_WORDS
from escrutinio.model.definition import Definition

EntityKind = Literal["alliance", "party", "candidate", "region", "role"]

_NOT_NAMES = frozenset(
    [
        "de",
        "del",
        "la",
        "las",
        "los",
        "el",
        "y",
        "e",
        "san",
        "santa",
        "otros",
        "otras",
        "candidatos",
        "candidato",
        "agregado",
        "generado",
        "en",
        "fuente",
        "gran",
        "mesa",
        "unidad",
        "partido",
        "movimiento",
        "por",
        "para",
        "todos",
    ]
)


@dataclass(frozen=True)
class Entity:
    """Something a claim can name: its kind, id, display name, and for a candidate the
    contest; for a party or candidate, its alliance."""

    kind: EntityKind
    id: str
    name: str
    contest: str | None = None
    alliance: str | None = None


@dataclass(frozen=True)
class Mention:
    """Entities named by the tokens ``first``..``last`` (several when a name is shared,
    e.g. "MUD" is both an alliance and a party)."""

    entities: tuple[Entity, ...]
    first: int
    last: int


class Catalogue:
    """Every name of every entity of one definition, folded, for longest-match lookup."""

    def __init__(self, definition: Definition) -> None:
        self.by_phrase: dict[tuple[str, ...], list[Entity]] = defaultdict(list)
        self.alliances = [Entity("alliance", a.id, a.name) for a in definition.alliances.values()]
        self.parties = [
            Entity("party", p.id, p.name, alliance=p.alliance) for p in definition.parties.values()
        ]
        for e in [*self.alliances, *self.parties]:
            self._add(e.id, e)
            self._add(e.name, e)
        self.candidates: list[Entity] = []
        for contest in definition.contests.values():
            for c in contest.candidates:
                alliance = definition.candidate_alliance(contest.id, c.id)
                self.candidates.append(Entity("candidate", c.id, c.name, contest.id, alliance))
        self._add_candidates()
        top = definition.region_levels[0]
        self.regions = [
            Entity("region", rid, name)
            for rid, name, level in zip(
                definition.regions.ids,
                definition.regions.names,
                definition.regions.level.tolist(),
                strict=True,
            )
            if definition.region_levels[level] == top
        ]
        for r in self.regions:
            self._add(r.name, r)
        for phrase, role in ROLE_WORDS.items():
            self._add(phrase, Entity("role", role, phrase))
        self.longest = max((len(k) for k in self.by_phrase), default=1)

    def _add(self, text: str, entity: Entity) -> None:
        words = tuple(t.text for t in tokenize(text) if t.text[0].isalnum())
        if words and entity not in self.by_phrase[words]:
            self.by_phrase[words].append(entity)

    def _add_candidates(self) -> None:
        """Full names, and single name words that point at one person only."""
        owners: dict[str, set[str]] = defaultdict(set)
        for c in self.candidates:
            self._add(c.name, c)
            for w in tokenize(c.name):
                if w.text.isalpha() and len(w.text) >= 4 and w.text not in _NOT_NAMES:
                    owners[w.text].add(c.name)
        for c in self.candidates:
            for w in tokenize(c.name):
                if len(owners.get(w.text, ())) == 1:
                    self._add(w.text, c)

    def mentions(self, words: list[str]) -> list[Mention]:
        """Non-overlapping entity mentions in folded words, longest match first."""
        out: list[Mention] = []
        i = 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                found = self.by_phrase.get(tuple(words[i : i + n]))
                if found:
                    if out and out[-1].last == i - 1 and out[-1].entities == tuple(found):
                        out[-1] = Mention(out[-1].entities, out[-1].first, i + n - 1)
                    else:
                        out.append(Mention(tuple(found), i, i + n - 1))
                    i += n
                    break
            else:
                i += 1
        return out

    def find(self, key: str) -> list[Entity]:
        """Entities named exactly ``key`` (an id or a name), for structured claims."""
        words = tuple(t.text for t in tokenize(key) if t.text[0].isalnum())
        return list(self.by_phrase.get(words, []))
