"""Place names for matching two collections: normalisation rules and crosswalk files.

Two collections spell places differently (``DISTRITO CAPITAL`` vs ``CAPITAL``, ``Mérida`` vs
``MERIDA``, ``EDO. ZULIA`` vs ``ZULIA``). Names match when their *match keys* are equal:

1. the name's key (:func:`escrutinio.model.names.name_key`: Unicode NFKC, case folding, Latin
   accents folded, punctuation and spacing collapsed; letters of every script kept);
2. each word that is a known abbreviation is expanded (:data:`ABBREVIATIONS`, e.g. ``edo`` →
   ``estado``, ``mun`` → ``municipio``, ``обл`` → ``область``);
3. words naming the *kind* of place (:data:`PLACE_KINDS`: ``estado``, ``municipio``,
   ``parroquia``, ``distrito``, ``область``, ``район``…) are dropped, unless nothing would be
   left: ``ESTADO ZULIA`` = ``ZULIA``, ``DISTRITO CAPITAL`` = ``CAPITAL``.

Names are compared level by level under the same parent (a municipality only matches a
municipality of the matched state). What the rules cannot see (renamed places, different
transliterations) a *crosswalk* file says: a CSV with the header ``column,a,b``, one row per
name of collection A (``a``) that is spelled ``b`` in collection B, for the region column
``column`` (or the unit id column, whose values are compared as written). Both names are
compared by their match keys; a name of A given two different B names is an error.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field

from escrutinio.model.names import name_key

ABBREVIATIONS: Mapping[str, str] = {
    "edo": "estado",
    "mun": "municipio",
    "mpio": "municipio",
    "mcpio": "municipio",
    "pq": "parroquia",
    "parr": "parroquia",
    "dtto": "distrito",
    "dto": "distrito",
    "gral": "general",
    "sta": "santa",
    "sto": "santo",
    "обл": "область",
    "респ": "республика",
    "г": "город",
}
"""Abbreviated words (as match-key words, without the dot) and what they stand for."""

PLACE_KINDS: frozenset[str] = frozenset(
    {
        "estado",
        "municipio",
        "parroquia",
        "distrito",
        "область",
        "республика",
        "край",
        "район",
        "округ",
        "город",
    }
)
"""Words that say what kind of place a name is; dropped when matching."""


@dataclass(frozen=True)
class NameRules:
    """How names are turned into match keys (see the module); ``exact`` compares the text
    as written."""

    exact: bool = False
    abbreviations: Mapping[str, str] = field(default_factory=lambda: dict(ABBREVIATIONS))
    place_kinds: frozenset[str] = PLACE_KINDS

    def key(self, name: str | None) -> str:
        """The match key of a name (empty for a missing name)."""
        if name is None:
            return ""
        if self.exact:
            return name
        words = [self.abbreviations.get(w, w) for w in name_key(name).split(" ") if w]
        kept = [w for w in words if w not in self.place_kinds]
        return " ".join(kept or words)


class CrosswalkError(ValueError):
    """A crosswalk file that cannot be used, with the file and line."""


@dataclass(frozen=True)
class Crosswalk:
    """Names of collection A and how collection B spells them, per column, by match key."""

    entries: Mapping[str, Mapping[str, str]]  # column → A's match key → B's match key
    rows: int = 0

    def columns(self) -> set[str]:
        """The columns the crosswalk has entries for."""
        return set(self.entries)


def parse_crosswalk(text: str, file: str, rules: NameRules, unit: str | None = None) -> Crosswalk:
    """Read a crosswalk (CSV text with the header ``column,a,b``); raises
    :class:`CrosswalkError` naming the file and line of the first problem."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [h.strip() for h in next(reader, [])]
    if header != ["column", "a", "b"]:
        raise CrosswalkError(f"{file}: line 1: expected the header column,a,b, got {header}")
    entries: dict[str, dict[str, str]] = {}
    seen: dict[tuple[str, str], tuple[int, str]] = {}
    rows = 0
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 3:
            raise CrosswalkError(f"{file}: line {line}: expected 3 fields, got {len(row)}")
        column, a, b = (cell.strip() for cell in row)
        if not column or not a or not b:
            empty = next(n for n, v in (("column", column), ("a", a), ("b", b)) if not v)
            raise CrosswalkError(f"{file}: line {line}: field {empty} is empty")
        exact = column == unit
        ka, kb = (a, b) if exact else (rules.key(a), rules.key(b))
        if not ka or not kb:
            raise CrosswalkError(f"{file}: line {line}: a name has no letter or digit")
        earlier = seen.get((column, ka))
        if earlier is not None and earlier[1] != kb:
            raise CrosswalkError(
                f"{file}: line {line}: {column} {a!r} is already mapped to "
                f"{earlier[1]!r} on line {earlier[0]}"
            )
        seen[(column, ka)] = (line, kb)
        entries.setdefault(column, {})[ka] = kb
        rows += 1
    return Crosswalk(entries, rows)
