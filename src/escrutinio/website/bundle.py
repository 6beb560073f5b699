"""The publication reader: a published folder (or the publisher's in-memory state) as one
object the site generator and the read API share, so both show the same numbers.

A :class:`Bundle` holds the election definition (rebuilt from ``definition/*``), every acta
version of ``actas.parquet`` (all sources), the counting versions of the official source as
:class:`~escrutinio.tally.ContestCounts` per contest, ``results/results.json``, every
bulletin with its index row, the signed checkpoint and ``manifest.json``. Results overall
and by region level come from :mod:`escrutinio.tally`, never recomputed another way.
Adjudication reasons live only in the log: :meth:`Bundle.adjudications` reads them from the
entry bundles (``tile/entries/…``) the first time it is asked, or takes them from the
publisher. Bad input raises :class:`BundleError` naming the file and what was expected.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import numpy as np
import polars as pl

from escrutinio.ledger.tiles import ENTRIES, TileError, decode_entry_bundle, tiles_for_size
from escrutinio.model.definition import Definition
from escrutinio.reads.documents import ActaVersionDoc, BulletinDoc, SnapshotDoc
from escrutinio.tally import (
    ContestCounts,
    ContestResult,
    Summary,
    summarize,
    tally_contest,
    tally_regions,
)
from escrutinio.website.acta_versions import Adjudication, adjudication_of, versions_by_slot_of
from escrutinio.website.bundle_files import (
    BULLETIN_INDEX,
    CHECKPOINT,
    MANIFEST,
    RESULTS_JSON,
    BulletinRow,
    BundleError,
    CheckpointInfo,
    bulletin_rows,
    counting_counts,
    load_definition,
    loads_json,
    parse_checkpoint_note,
    read_actas,
    read_file,
    read_json,
    utf8_text,
)
from escrutinio.website.images import IMAGES_CSV, QR_CHECKS_CSV, ImageDoc, read_images

__all__ = [
    "OPTIONAL_FILES",
    "Adjudication",
    "BulletinRow",
    "Bundle",
    "BundleError",
    "CheckpointInfo",
    "counting_counts",
    "load_definition",
    "parse_checkpoint_note",
]

OPTIONAL_FILES = ("senders.json", IMAGES_CSV, QR_CHECKS_CSV)
"""Files a publication holds only when it has something to put in them."""


@dataclass
class Bundle:
    """One publication in memory (see the module docstring)."""

    definition: Definition
    actas: pl.DataFrame
    results: SnapshotDoc
    bulletins: list[BulletinDoc]
    bulletin_rows: list[BulletinRow]
    checkpoint: CheckpointInfo
    manifest: dict[str, Any] | None = None
    root: Path | None = None
    images: dict[tuple[str, str], list[ImageDoc]] = field(default_factory=dict)
    """Images of each (unit, contest) with their latest QR status (`read_images`)."""
    present: frozenset[str] = frozenset()
    """Which of the files a publication holds only sometimes (:data:`OPTIONAL_FILES`) it has."""
    _adjudications: list[Adjudication] | None = field(default=None, repr=False)
    _audits: list[tuple[int, dict[str, Any]]] | None = field(default=None, repr=False)

    @classmethod
    def load(cls, folder: str | Path) -> Bundle:
        """Read a publication folder written by ``escrutinio publish``."""
        root = Path(folder)
        if not root.is_dir():
            raise BundleError(f"{root}: not a folder")
        definition = load_definition(root)
        index = read_file(root, BULLETIN_INDEX) if (root / BULLETIN_INDEX).is_file() else None
        files = {
            RESULTS_JSON: read_file(root, RESULTS_JSON),
            CHECKPOINT: read_file(root, CHECKPOINT, 1 << 20),
        }
        for rel in (IMAGES_CSV, QR_CHECKS_CSV):
            if (root / rel).is_file():
                files[rel] = read_file(root, rel)
        for rel in OPTIONAL_FILES:
            if rel not in files and (root / rel).is_file():
                files[rel] = b""  # only its presence matters here
        if index is not None:
            files[BULLETIN_INDEX] = index
            for row in bulletin_rows(index):
                rel = f"bulletins/{row.number}.json"
                files[rel] = read_file(root, rel)
        bundle = cls.from_files(definition, files, read_actas(root), root)
        if (root / MANIFEST).is_file():
            manifest = read_json(root, MANIFEST)
            bundle.manifest = manifest if isinstance(manifest, dict) else None
        return bundle

    @classmethod
    def from_files(
        cls,
        definition: Definition,
        files: Mapping[str, bytes],
        actas: pl.DataFrame,
        root: Path | None = None,
    ) -> Bundle:
        """The bundle of a publication from its files by path (``results/results.json``,
        ``checkpoint``, ``bulletins/index.csv`` and each bulletin's JSON), the definition
        and the acta versions; ``root`` is where its tiles can be read."""
        for rel in (RESULTS_JSON, CHECKPOINT):
            if rel not in files:
                raise BundleError(f"{rel}: missing from the publication")
        rows = bulletin_rows(files.get(BULLETIN_INDEX))
        bulletins: list[BulletinDoc] = []
        for row in rows:
            rel = f"bulletins/{row.number}.json"
            if rel not in files:
                raise BundleError(f"{rel}: missing (listed in {BULLETIN_INDEX})")
            bulletins.append(cast(BulletinDoc, loads_json(files[rel], rel)))
        return cls(
            definition=definition,
            actas=actas,
            results=cast(SnapshotDoc, loads_json(files[RESULTS_JSON], RESULTS_JSON)),
            bulletins=bulletins,
            bulletin_rows=rows,
            checkpoint=parse_checkpoint_note(utf8_text(files[CHECKPOINT], CHECKPOINT)),
            root=root,
            images=read_images(files),
            present=frozenset(rel for rel in OPTIONAL_FILES if rel in files),
        )

    # ---- counts and results -------------------------------------------------------------

    @property
    def official_source(self) -> str:
        """The source whose counting actas make the official results."""
        return self.definition.info.official_source

    @cached_property
    def counts(self) -> dict[str, ContestCounts]:
        """Counting official actas as unit-level counts, per contest."""
        return counting_counts(self.definition, self.actas, self.official_source)

    def set_counts(self, counts: Mapping[str, ContestCounts]) -> None:
        """Use the official source's counts the publisher already took from ``actas``
        (the same as :attr:`counts` computes) instead of computing them again."""
        self.__dict__["counts"] = {cid: counts[cid] for cid in self.definition.contests}

    @cached_property
    def overall(self) -> dict[str, ContestResult]:
        """Whole-contest result (with race status) of every contest, definition order."""
        return {cid: tally_contest(self.definition, c) for cid, c in self.counts.items()}

    @cached_property
    def summary(self) -> Summary:
        """The election summary (seats, pending races, votes by alliance, turnout)."""
        return summarize(self.definition, self.overall.values(), self.counts)

    def by_level(self, contest_id: str, level: str) -> list[ContestResult]:
        """Results of a contest for every region at ``level`` with units voting in it."""
        key = (contest_id, level)
        cached = self._level_cache.get(key)
        if cached is None:
            cached = tally_regions(self.definition, self.counts[contest_id], level)
            self._level_cache[key] = cached
        return cached

    @cached_property
    def _level_cache(self) -> dict[tuple[str, str], list[ContestResult]]:
        return {}

    def region_result(self, contest_id: str, region_id: str) -> ContestResult | None:
        """The contest's result inside one region (None when no unit there votes in it)."""
        idx = self.definition.regions.index[region_id]
        level = self.definition.region_levels[int(self.definition.regions.level[idx])]
        key = (contest_id, level)
        found = self._region_index.get(key)
        if found is None:
            found = {str(r.region_id): r for r in self.by_level(contest_id, level)}
            self._region_index[key] = found
        return found.get(region_id)

    @cached_property
    def _region_index(self) -> dict[tuple[str, str], dict[str, ContestResult]]:
        return {}

    def contests_in_region(self, region_id: str) -> list[str]:
        """Contests with at least one eligible unit inside the region, definition order."""
        return list(self._region_contests.get(self.definition.regions.index[region_id], []))

    @cached_property
    def _region_contests(self) -> dict[int, list[str]]:
        d = self.definition
        out: dict[int, list[str]] = {}
        for cid in d.contests:
            mask = d.eligible_mask(cid)
            for level in d.region_levels:
                at = d.unit_regions_at(level)[mask]
                for r in np.unique(at[at >= 0]).tolist():
                    out.setdefault(int(r), []).append(cid)
        return out

    # ---- the acta versions ---------------------------------------------------------------

    @cached_property
    def versions_by_slot(self) -> dict[tuple[str, str], list[ActaVersionDoc]]:
        """Every stored acta version (all sources) by (unit, contest), in log order."""
        return versions_by_slot_of(self.actas)

    def versions_of_units(
        self, units: Sequence[str]
    ) -> Mapping[tuple[str, str], list[ActaVersionDoc]]:
        """Every stored version (all sources) of the given units, by (unit, contest), in log
        order (reads only their rows unless every version is already at hand)."""
        if "versions_by_slot" in self.__dict__:
            return self.versions_by_slot
        return versions_by_slot_of(self.actas.filter(pl.col("unit").is_in(list(units))))

    def slots(self) -> Iterator[tuple[str, str]]:
        """Every (unit, contest) with at least one stored acta version, in log order."""
        return iter(self.versions_by_slot)

    def versions(self, unit: str, contest: str) -> list[ActaVersionDoc]:
        """Every stored version of the acta of ``unit`` and ``contest`` across sources (the
        shape of ``escrutinio versions -f json``), in log order."""
        return list(self.versions_by_slot.get((unit, contest), []))

    def official_version(self, unit: str, contest: str) -> ActaVersionDoc | None:
        """The counting version of the official source, if any."""
        for v in self.versions(unit, contest):
            if v["counting"] and v["source"] == self.official_source:
                return v
        return None

    def units_in_region(self, region_id: str) -> list[int]:
        """Indexes of the polling units inside a region (any level), in definition order."""
        return list(self._region_units.get(self.definition.regions.index[region_id], []))

    @cached_property
    def _region_units(self) -> dict[int, list[int]]:
        d = self.definition
        out: dict[int, list[int]] = {}
        for level in d.region_levels:
            at = d.unit_regions_at(level)
            order = np.argsort(at, kind="stable")
            keys = at[order]
            bounds = np.flatnonzero(np.diff(keys)) + 1
            for group in np.split(order, bounds):
                if group.size and at[group[0]] >= 0:
                    out[int(at[group[0]])] = group.tolist()
        return out

    # ---- adjudications and audits from the log ------------------------------------------

    def set_log_leaves(
        self,
        adjudications: Sequence[tuple[int, Mapping[str, Any]]],
        audits: Sequence[tuple[int, Mapping[str, Any]]] | None = None,
    ) -> None:
        """Use leaves the publisher already holds (index, parsed leaf) instead of reading
        the entry bundles; ``audits`` None leaves the audit leaves to be read from disk."""
        self._adjudications = [adjudication_of(i, leaf) for i, leaf in adjudications]
        if audits is not None:
            self._audits = [(i, dict(leaf)) for i, leaf in audits]

    def adjudications(self) -> list[Adjudication]:
        """Every adjudication recorded in the published log, in log order."""
        if self._adjudications is None:
            self._scan_log()
        assert self._adjudications is not None
        return self._adjudications

    def audit_leaves(self) -> list[tuple[int, dict[str, Any]]]:
        """Every audit step leaf (kind ``audit``) of the published log: (index, leaf)."""
        if self._audits is None:
            self._scan_log()
        assert self._audits is not None
        return self._audits

    def adjudications_of(self, unit: str, contest: str) -> list[Adjudication]:
        """The adjudications of one acta slot (every source), in log order."""
        return list(self._adjudications_by_slot.get((unit, contest), []))

    @cached_property
    def _adjudications_by_slot(self) -> dict[tuple[str, str], list[Adjudication]]:
        out: dict[tuple[str, str], list[Adjudication]] = {}
        for a in self.adjudications():
            out.setdefault((a.unit, a.contest), []).append(a)
        return out

    def _scan_log(self) -> None:
        adjudications: list[Adjudication] = []
        audits: list[tuple[int, dict[str, Any]]] = []
        for index, body in self._entries():
            if b'"kind":"adjudication"' in body:
                adjudications.append(adjudication_of(index, json.loads(body)))
            elif b'"kind":"audit"' in body:
                audits.append((index, json.loads(body)))
        if self._adjudications is None:
            self._adjudications = adjudications
        if self._audits is None:
            self._audits = audits

    def _entries(self) -> Iterator[tuple[int, bytes]]:
        if self.root is None:
            return
        index = 0
        for tile in tiles_for_size(self.checkpoint.size):
            if tile.level != ENTRIES:
                continue
            data = read_file(self.root, tile.path(), 1 << 30)
            try:
                entries = decode_entry_bundle(data, tile.width)
            except TileError as exc:
                raise BundleError(f"{tile.path()}: {exc}") from None
            for body in entries:
                yield index, body
                index += 1
