"""Election definitions: regions, polling units, parties, alliances, contests and ballot options.

Metadata (a few hundred objects) is validated with Pydantic; regions and polling units
(up to millions of rows) are kept column-wise so a national register loads in seconds.
Everything here is pure: reading files is ``escrutinio.io.definition_files``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from escrutinio.model.canonical import canonical_json_fast, sha256_hex
from escrutinio.model.errors import DefinitionError, Issue
from escrutinio.model.text import ID_MAX_LENGTH, ID_PATTERN, is_identifier

Ident = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=ID_MAX_LENGTH)]

IntArray = npt.NDArray[np.int64]
IdxArray = npt.NDArray[np.int32]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ElectionInfo(_Strict):
    """Election metadata and the counting rules that apply to the whole election."""

    id: Ident
    name: str
    date: str = Field(description="Election day, ISO 8601 (YYYY-MM-DD).")
    description: str = ""
    official_source: Ident = Field(
        default="official", description="Source whose actas make the official totals."
    )
    registered_tolerance: int = Field(
        default=0,
        ge=0,
        description="How many voters an acta may report above the unit's registered electors.",
    )
    recount_threshold_pct: float = Field(
        default=0.5, ge=0, description="A final margin below this % of valid votes is flagged."
    )
    registered_known: bool = Field(
        default=True,
        description="False when units' registered electors are unknown (e.g. a citizen "
        "collection); then 'registered' holds the unit's voters and turnout is not reported.",
    )


class Alliance(_Strict):
    """A coalition of parties (e.g. GPP, MUD)."""

    id: Ident
    name: str


class Party(_Strict):
    """A party; its card (tarjeta) appears on ballots. It may belong to an alliance."""

    id: Ident
    name: str
    alliance: Ident | None = None


class Candidate(_Strict):
    """A person (or list) running in a contest."""

    id: Ident
    name: str
    alliance: Ident | None = Field(
        default=None,
        description="Bloc the candidate runs for; derived from the parties of their cards "
        "when all of them belong to one alliance.",
    )


class BallotOption(_Strict):
    """One box on the ballot: a candidate on one party's card."""

    id: Ident
    candidate: Ident
    party: Ident | None = None


class Contest(_Strict):
    """A race: who can vote in it (scope), how many win, and the ballot options."""

    id: Ident
    name: str
    scope: Ident | None = Field(
        default=None, description="Region whose units vote in this contest; none = all units."
    )
    seats: int = Field(default=1, ge=1)
    candidates: list[Candidate]
    options: list[BallotOption] = Field(default_factory=list)

    @model_validator(mode="after")
    def _default_options(self) -> Contest:
        if not self.options:
            object.__setattr__(
                self,
                "options",
                [BallotOption(id=c.id, candidate=c.id) for c in self.candidates],
            )
        return self


class DefinitionMeta(_Strict):
    """Everything in a definition except regions and units (which come as tables)."""

    election: ElectionInfo
    region_levels: list[Ident] = Field(min_length=1)
    alliances: list[Alliance] = Field(default_factory=list)
    parties: list[Party] = Field(default_factory=list)
    contests: list[Contest] = Field(min_length=1)


@dataclass(frozen=True)
class RegionRow:
    """One region as read from a file, with its line for error messages."""

    id: str
    name: str
    level: str
    parent: str | None
    line: int | None = None


@dataclass(frozen=True)
class UnitRow:
    """One polling unit as read from a file, with its line for error messages."""

    id: str
    region: str
    registered: int
    contests: tuple[str, ...] = ()
    line: int | None = None


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


def _check_id(
    value: str, what: str, file: str | None, line: int | None, issues: list[Issue]
) -> bool:
    if not is_identifier(value):
        issues.append(
            Issue(
                f"'{value}' is not a valid identifier (ASCII letters, digits and ._:+/- only, "
                "starting with a letter or digit)",
                field=what,
                file=file,
                line=line,
            )
        )
        return False
    return True


def build_definition(
    meta: DefinitionMeta,
    regions: Iterable[RegionRow],
    units: Iterable[UnitRow],
    *,
    meta_file: str | None = None,
    regions_file: str | None = None,
    units_file: str | None = None,
) -> Definition:
    """Check cross-references and build a :class:`Definition`.

    Raises :class:`DefinitionError` listing every problem with its file, line and field.
    """
    issues: list[Issue] = []
    _check_meta(meta, meta_file, issues)
    levels = {name: i for i, name in enumerate(meta.region_levels)}

    region_rows: list[RegionRow] = []
    r_index: dict[str, int] = {}
    for row in regions:
        if not _check_id(row.id, "id", regions_file, row.line, issues):
            continue
        if row.id in r_index:
            issues.append(Issue(f"duplicate region id '{row.id}'", "id", regions_file, row.line))
            continue
        r_index[row.id] = len(region_rows)
        region_rows.append(row)
    level_arr = np.zeros(len(r_index), dtype=np.int32)
    parent_arr = np.full(len(r_index), -1, dtype=np.int32)
    names = [""] * len(r_index)
    for i, row in enumerate(region_rows):
        names[i] = row.name
        if row.level not in levels:
            issues.append(
                Issue(
                    f"unknown region level '{row.level}' (expected one of: "
                    f"{', '.join(meta.region_levels)})",
                    "level",
                    regions_file,
                    row.line,
                )
            )
            continue
        level_arr[i] = levels[row.level]
        if row.parent:
            if row.parent not in r_index:
                issues.append(
                    Issue(
                        f"parent region '{row.parent}' is not defined",
                        "parent",
                        regions_file,
                        row.line,
                    )
                )
            else:
                parent_arr[i] = r_index[row.parent]
    for i, row in enumerate(region_rows):
        if row.level not in levels or parent_arr[i] < 0:
            continue
        parent_row = region_rows[parent_arr[i]]
        if parent_row.level in levels and levels[parent_row.level] >= levels[row.level]:
            issues.append(
                Issue(
                    f"parent '{parent_row.id}' is at level '{parent_row.level}', which is not "
                    f"above '{row.level}'",
                    "parent",
                    regions_file,
                    row.line,
                )
            )
    region_table = RegionTable(
        ids=list(r_index), names=names, level=level_arr, parent=parent_arr, index=r_index
    )

    contest_ids = {c.id for c in meta.contests}
    for c in meta.contests:
        if c.scope is not None and c.scope not in r_index:
            issues.append(
                Issue(
                    f"scope region '{c.scope}' of contest '{c.id}' is not defined",
                    f"contests.{c.id}.scope",
                    meta_file,
                )
            )

    u_ids: list[str] = []
    u_index: dict[str, int] = {}
    u_region: list[int] = []
    u_registered: list[int] = []
    explicit: dict[int, frozenset[str]] = {}
    for urow in units:
        ok = _check_id(urow.id, "id", units_file, urow.line, issues)
        if ok and urow.id in u_index:
            issues.append(
                Issue(f"duplicate polling unit id '{urow.id}'", "id", units_file, urow.line)
            )
            ok = False
        region = r_index.get(urow.region)
        if region is None:
            issues.append(
                Issue(f"region '{urow.region}' is not defined", "region", units_file, urow.line)
            )
            ok = False
        if urow.registered < 0:
            issues.append(
                Issue(
                    f"registered electors must be >= 0, got {urow.registered}",
                    "registered",
                    units_file,
                    urow.line,
                )
            )
            ok = False
        for cid in urow.contests:
            if cid not in contest_ids:
                issues.append(
                    Issue(f"contest '{cid}' is not defined", "contests", units_file, urow.line)
                )
                ok = False
        if not ok or region is None:
            continue
        u_index[urow.id] = len(u_ids)
        if urow.contests:
            explicit[len(u_ids)] = frozenset(urow.contests)
        u_ids.append(urow.id)
        u_region.append(region)
        u_registered.append(urow.registered)

    if issues:
        raise DefinitionError(issues)
    unit_table = UnitTable(
        ids=u_ids,
        region=np.array(u_region, dtype=np.int32),
        registered=np.array(u_registered, dtype=np.int64),
        explicit_contests=explicit,
        index=u_index,
    )
    return with_units(meta, region_table, unit_table, units_file)


def with_units(
    meta: DefinitionMeta, regions: RegionTable, units: UnitTable, units_file: str | None = None
) -> Definition:
    """The definition of these checked metadata, regions and polling units (identifiers,
    regions, electors and contest ids already checked), after checking that every contest a
    unit lists explicitly covers the unit's region. Raises :class:`DefinitionError`."""
    definition = Definition(meta, regions, units)
    issues: list[Issue] = []
    _check_explicit_scopes(definition, units_file, issues)
    if issues:
        raise DefinitionError(issues)
    return definition


def _check_explicit_scopes(
    definition: Definition, units_file: str | None, issues: list[Issue]
) -> None:
    for u, listed in definition.units.explicit_contests.items():
        for cid in sorted(listed):
            scope = definition.contests[cid].scope
            if scope is None:
                continue
            if not definition.region_contains(
                definition.regions.index[scope], int(definition.units.region[u])
            ):
                issues.append(
                    Issue(
                        f"unit '{definition.units.ids[u]}' lists contest '{cid}' but lies "
                        f"outside its scope '{scope}'",
                        "contests",
                        units_file,
                    )
                )


MAX_LEAF_BYTES = 0xFFFF  # C2SP tlog-tiles entry bundles give each leaf a 16-bit length
_COUNT_DIGITS = 19  # a 64-bit count
_ACTA_LEAF_FIXED = 512  # keys, punctuation, content hash, time, status and version


def largest_acta_leaf(contest: Contest) -> int:
    """An upper bound on the bytes of an acta leaf of ``contest``: identifiers at their
    longest (128 characters), every count at 19 digits."""
    ids = 3 * 128  # contest, unit and source
    per_option = sum(len(o.id) + 4 + _COUNT_DIGITS for o in contest.options)
    return _ACTA_LEAF_FIXED + ids + 3 * _COUNT_DIGITS + per_option


def _check_meta(meta: DefinitionMeta, file: str | None, issues: list[Issue]) -> None:
    def dupes(ids: Sequence[str], what: str) -> None:
        seen: set[str] = set()
        for i in ids:
            if i in seen:
                issues.append(Issue(f"duplicate {what} id '{i}'", what, file))
            seen.add(i)

    dupes([a.id for a in meta.alliances], "alliances")
    dupes([p.id for p in meta.parties], "parties")
    dupes([c.id for c in meta.contests], "contests")
    dupes(list(meta.region_levels), "region_levels")
    alliance_ids = {a.id for a in meta.alliances}
    party_ids = {p.id for p in meta.parties}
    for p in meta.parties:
        if p.alliance and p.alliance not in alliance_ids:
            issues.append(
                Issue(
                    f"party '{p.id}' names unknown alliance '{p.alliance}'",
                    f"parties.{p.id}.alliance",
                    file,
                )
            )
    for c in meta.contests:
        where = f"contests.{c.id}"
        if largest_acta_leaf(c) > MAX_LEAF_BYTES:
            issues.append(
                Issue(
                    f"contest '{c.id}' has {len(c.options)} ballot options: its actas could "
                    f"not be published as log entries (at most {MAX_LEAF_BYTES:,} bytes each)",
                    f"{where}.options",
                    file,
                )
            )
        dupes([x.id for x in c.candidates], f"{where}.candidates")
        dupes([o.id for o in c.options], f"{where}.options")
        cand_ids = {x.id for x in c.candidates}
        for x in c.candidates:
            if x.alliance and x.alliance not in alliance_ids:
                issues.append(
                    Issue(
                        f"candidate '{x.id}' names unknown alliance '{x.alliance}'",
                        f"{where}.candidates.{x.id}.alliance",
                        file,
                    )
                )
        for o in c.options:
            if o.candidate not in cand_ids:
                issues.append(
                    Issue(
                        f"option '{o.id}' names unknown candidate '{o.candidate}'",
                        f"{where}.options.{o.id}.candidate",
                        file,
                    )
                )
            if o.party and o.party not in party_ids:
                issues.append(
                    Issue(
                        f"option '{o.id}' names unknown party '{o.party}'",
                        f"{where}.options.{o.id}.party",
                        file,
                    )
                )
        if c.seats > len(c.candidates):
            issues.append(
                Issue(
                    f"contest '{c.id}' has {c.seats} seats but only {len(c.candidates)} candidates",
                    f"{where}.seats",
                    file,
                )
            )
        for reserved in ("unit", "contest", "source", "received_at", "voters", "null", "blank"):
            if reserved in {o.id for o in c.options}:
                issues.append(
                    Issue(
                        f"option id '{reserved}' is reserved for an acta column",
                        f"{where}.options",
                        file,
                    )
                )
