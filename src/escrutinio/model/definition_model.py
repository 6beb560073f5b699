"""The runtime election definition: regions and polling units column-wise (a national
register has a million units), contests with their ballot layouts, unit eligibility, and the
canonical document and fingerprint. Build one with
:func:`escrutinio.model.definition_build.build_definition`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from escrutinio.model.canonical import canonical_json_fast, sha256_hex
from escrutinio.model.definition_input import (
    Alliance,
    BallotOption,
    Contest,
    DefinitionMeta,
    ElectionInfo,
    Party,
)

IntArray = npt.NDArray[np.int64]
IdxArray = npt.NDArray[np.int32]


@dataclass
class RegionTable:
    """Regions column-wise; ``parent`` and ``level`` are indexes (-1 for no parent)."""

    ids: list[str]
    names: list[str]
    level: IdxArray
    parent: IdxArray
    index: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class UnitTable:
    """Polling units column-wise. ``explicit_contests`` holds only units that list contests."""

    ids: list[str]
    region: IdxArray
    registered: IntArray
    explicit_contests: dict[int, frozenset[str]]
    index: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class ContestLayout:
    """Index arrays that map a contest's ballot options to candidates, parties and alliances."""

    option_ids: tuple[str, ...]
    candidate_ids: tuple[str, ...]
    option_candidate: IdxArray
    party_ids: tuple[str, ...]
    option_party: IdxArray
    alliance_ids: tuple[str, ...]
    option_alliance: IdxArray
    candidate_alliance: tuple[str | None, ...]
    option_index: dict[str, int]


class Definition:
    """A validated election definition. Build it with :func:`build_definition`."""

    def __init__(self, meta: DefinitionMeta, regions: RegionTable, units: UnitTable) -> None:
        self.meta = meta
        self.regions = regions
        self.units = units
        self.contests: dict[str, Contest] = {c.id: c for c in meta.contests}
        self.parties: dict[str, Party] = {p.id: p for p in meta.parties}
        self.alliances: dict[str, Alliance] = {a.id: a for a in meta.alliances}
        self._eligible: dict[str, npt.NDArray[np.bool_]] = {}

    @property
    def info(self) -> ElectionInfo:
        """The election's metadata."""
        return self.meta.election

    @property
    def region_levels(self) -> list[str]:
        """Region level names from the broadest to the narrowest."""
        return list(self.meta.region_levels)

    def level_index(self, level: str) -> int:
        """Position of a region level; raises ``KeyError`` naming the known levels."""
        try:
            return self.meta.region_levels.index(level)
        except ValueError:
            known = ", ".join(self.meta.region_levels)
            raise KeyError(f"unknown region level '{level}' (known: {known})") from None

    @cached_property
    def _region_ancestors(self) -> npt.NDArray[np.int32]:
        """Matrix [region, level] -> ancestor region index at that level (or -1)."""
        n, levels = len(self.regions), len(self.meta.region_levels)
        out = np.full((n, levels), -1, dtype=np.int32)
        order = np.argsort(self.regions.level, kind="stable")
        for r in order:
            p = self.regions.parent[r]
            if p >= 0:
                out[r] = out[p]
            out[r, self.regions.level[r]] = r
        return out

    def unit_regions_at(self, level: str) -> IdxArray:
        """For each unit, the index of its region at ``level`` (-1 where it has none)."""
        return self._unit_ancestors[:, self.level_index(level)]

    @cached_property
    def _unit_ancestors(self) -> npt.NDArray[np.int32]:
        return self._region_ancestors[self.units.region]

    def region_contains(self, ancestor: int, region: int) -> bool:
        """True when ``region`` is ``ancestor`` or lies inside it."""
        level = self.regions.level[ancestor]
        return bool(self._region_ancestors[region, level] == ancestor)

    def eligible_mask(self, contest_id: str) -> npt.NDArray[np.bool_]:
        """Boolean mask over units: which units vote in the contest."""
        cached = self._eligible.get(contest_id)
        if cached is not None:
            return cached
        contest = self.contests[contest_id]
        if contest.scope is None:
            mask = np.ones(len(self.units), dtype=bool)
        else:
            scope = self.regions.index[contest.scope]
            level = self.regions.level[scope]
            mask = self._unit_ancestors[:, level] == scope
        if self.units.explicit_contests:
            for u, listed in self.units.explicit_contests.items():
                mask[u] = contest_id in listed
        self._eligible[contest_id] = mask
        return mask

    def contest_units(self, contest_id: str) -> IdxArray:
        """Indexes of the units that vote in the contest."""
        return np.flatnonzero(self.eligible_mask(contest_id)).astype(np.int32)

    def unit_votes_in(self, unit: int, contest_id: str) -> bool:
        """True when the unit votes in the contest."""
        return bool(self.eligible_mask(contest_id)[unit])

    def layout(self, contest_id: str) -> ContestLayout:
        """Option → candidate / party / alliance index arrays for a contest."""
        cached = self._layouts.get(contest_id)
        if cached is None:
            cached = _make_layout(self, self.contests[contest_id])
            self._layouts[contest_id] = cached
        return cached

    @cached_property
    def _layouts(self) -> dict[str, ContestLayout]:
        return {}

    def candidate_alliance(self, contest_id: str, candidate_id: str) -> str | None:
        """The alliance a candidate runs for (explicit, or shared by all their cards)."""
        lay = self.layout(contest_id)
        return lay.candidate_alliance[lay.candidate_ids.index(candidate_id)]

    def to_document(self) -> dict[str, Any]:
        """The whole definition as a JSON-ready document (metadata, regions, units)."""
        return self._document

    @cached_property
    def _document(self) -> dict[str, Any]:
        units = self.units
        region_ids = self.regions.ids
        explicit = units.explicit_contests
        return {
            **self.meta.model_dump(mode="json"),
            "regions": self.region_documents,
            "units": [
                {
                    "id": uid,
                    "region": region_ids[region],
                    "registered": registered,
                    "contests": sorted(explicit[i]) if i in explicit else [],
                }
                for i, (uid, region, registered) in enumerate(
                    zip(units.ids, units.region.tolist(), units.registered.tolist(), strict=True)
                )
            ],
        }

    @cached_property
    def region_documents(self) -> list[dict[str, Any]]:
        """The ``regions`` array of :meth:`to_document`: id, name, level name, parent id."""
        regions = self.regions
        levels = self.meta.region_levels
        parents = regions.parent.tolist()
        return [
            {
                "id": rid,
                "name": name,
                "level": levels[level],
                "parent": regions.ids[parents[i]] if parents[i] >= 0 else None,
            }
            for i, (rid, name, level) in enumerate(
                zip(regions.ids, regions.names, regions.level.tolist(), strict=True)
            )
        ]

    @cached_property
    def canonical_regions(self) -> bytes:
        """RFC 8785 bytes of the document's ``regions`` array."""
        return canonical_json_fast(self.region_documents)

    @cached_property
    def canonical_units(self) -> bytes:
        """RFC 8785 bytes of the document's ``units`` array, written row by row (a national
        list has a million units; identifiers never need escaping, see ``ID_PATTERN``).
        Equal to encoding ``to_document()["units"]``."""
        region_ids = self.regions.ids
        contests = [""] * len(self.units.ids)
        for i, explicit in self.units.explicit_contests.items():
            contests[i] = ",".join(f'"{c}"' for c in sorted(explicit))
        rows = [
            f'{{"contests":[{listed}],"id":"{uid}","region":"{region_ids[region]}",'
            f'"registered":{registered}}}'
            for listed, uid, region, registered in zip(
                contests,
                self.units.ids,
                self.units.region.tolist(),
                self.units.registered.tolist(),
                strict=True,
            )
        ]
        return ("[" + ",".join(rows) + "]").encode()

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON (RFC 8785) of :meth:`to_document`."""
        slots = {"regions": "\x00regions\x00", "units": "\x00units\x00"}
        head = canonical_json_fast({**self.meta.model_dump(mode="json"), **slots})
        parts = {"regions": self.canonical_regions, "units": self.canonical_units}
        for key, slot in slots.items():
            marker = canonical_json_fast(slot)
            if head.count(marker) != 1:  # cannot happen with a validated definition
                return sha256_hex(canonical_json_fast(self.to_document()))
            head = head.replace(marker, parts[key])
        return sha256_hex(head)


def _make_layout(definition: Definition, contest: Contest) -> ContestLayout:
    candidate_ids = tuple(c.id for c in contest.candidates)
    cand_index = {c: i for i, c in enumerate(candidate_ids)}
    option_ids = tuple(o.id for o in contest.options)
    party_ids = tuple(dict.fromkeys(o.party for o in contest.options if o.party))
    party_index = {p: i for i, p in enumerate(party_ids)}

    def option_alliance_of(opt: BallotOption) -> str | None:
        if opt.party and definition.parties[opt.party].alliance:
            return definition.parties[opt.party].alliance
        cand = next(c for c in contest.candidates if c.id == opt.candidate)
        return cand.alliance

    opt_alliances = [option_alliance_of(o) for o in contest.options]
    cand_alliances: list[str | None] = []
    for cand in contest.candidates:
        if cand.alliance:
            cand_alliances.append(cand.alliance)
            continue
        theirs = {
            a for o, a in zip(contest.options, opt_alliances, strict=True) if o.candidate == cand.id
        }
        cand_alliances.append(theirs.pop() if len(theirs) == 1 and None not in theirs else None)
    alliance_ids = tuple(dict.fromkeys(a for a in [*opt_alliances, *cand_alliances] if a))
    alliance_index = {a: i for i, a in enumerate(alliance_ids)}
    return ContestLayout(
        option_ids=option_ids,
        candidate_ids=candidate_ids,
        option_candidate=np.array([cand_index[o.candidate] for o in contest.options], np.int32),
        party_ids=party_ids,
        option_party=np.array(
            [party_index[o.party] if o.party else -1 for o in contest.options], np.int32
        ),
        alliance_ids=alliance_ids,
        option_alliance=np.array([alliance_index[a] if a else -1 for a in opt_alliances], np.int32),
        candidate_alliance=tuple(cand_alliances),
        option_index={o: i for i, o in enumerate(option_ids)},
    )
