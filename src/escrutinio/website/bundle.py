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

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import numpy as np
import polars as pl
from pydantic import ValidationError

from escrutinio.ledger.checkpoint import CheckpointError, parse_checkpoint
from escrutinio.ledger.note import NoteError, parse_note
from escrutinio.ledger.tiles import ENTRIES, TileError, decode_entry_bundle, tiles_for_size
from escrutinio.model.definition import (
    Definition,
    DefinitionMeta,
    RegionRow,
    UnitTable,
    build_definition,
)
from escrutinio.model.errors import DefinitionError
from escrutinio.reads.documents import ActaVersionDoc, BulletinDoc, SnapshotDoc
from escrutinio.tally import (
    ContestCounts,
    ContestResult,
    Summary,
    summarize,
    tally_contest,
    tally_regions,
)
from escrutinio.website.images import IMAGES_CSV, QR_CHECKS_CSV, ImageDoc, read_images

ACTAS_PARQUET = "actas.parquet"
ELECTION_JSON = "definition/election.json"
REGIONS_CSV = "definition/regions.csv"
UNITS_CSV = "definition/units.csv"
RESULTS_JSON = "results/results.json"
BULLETIN_INDEX = "bulletins/index.csv"
CHECKPOINT = "checkpoint"
MANIFEST = "manifest.json"
MAX_JSON_BYTES = 512 * 1024 * 1024


class BundleError(ValueError):
    """A publication folder that cannot be read: names the file and what was expected."""


@dataclass(frozen=True)
class BulletinRow:
    """One row of ``bulletins/index.csv``."""

    number: int
    created_at: str
    source: str
    sha256: str
    log_index: int


@dataclass(frozen=True)
class CheckpointInfo:
    """The signed checkpoint: origin, tree size, root (base64), who signed and its text."""

    origin: str
    size: int
    root_b64: str
    signers: tuple[str, ...]
    text: str

    @property
    def log_signer(self) -> str | None:
        """The log's own key name (the signature named like the origin), if present."""
        return self.origin if self.origin in self.signers else None

    @property
    def witnesses(self) -> tuple[str, ...]:
        """The names of the cosigners other than the log key."""
        return tuple(s for s in self.signers if s != self.origin)


@dataclass(frozen=True)
class Adjudication:
    """A recorded decision about which version of an acta counts, with its reason."""

    log_index: int
    unit: str
    contest: str
    source: str
    version: int | None
    reason: str
    decided_by: str
    decided_at: str


def parse_checkpoint_note(text: str) -> CheckpointInfo:
    """Origin, size, root and signer names of a signed checkpoint note (syntax only; the
    signatures are checked by ``escrutinio verify`` and the browser)."""
    try:
        note = parse_note(text)
        cp = parse_checkpoint(note.text)
    except (NoteError, CheckpointError) as exc:
        raise BundleError(f"{CHECKPOINT}: not a signed checkpoint note: {exc}") from None
    root = note.text.split("\n")[2]
    return CheckpointInfo(cp.origin, cp.size, root, tuple(s.name for s in note.signatures), text)


def _read(root: Path, rel: str, limit: int = MAX_JSON_BYTES) -> bytes:
    path = root / rel
    if path.is_symlink() or not path.is_file():
        raise BundleError(f"{rel}: missing from the publication folder {root}")
    if path.stat().st_size > limit:
        raise BundleError(f"{rel}: larger than {limit} bytes")
    return path.read_bytes()


def _json(root: Path, rel: str) -> Any:
    try:
        return json.loads(_read(root, rel))
    except (ValueError, RecursionError) as exc:
        raise BundleError(f"{rel}: not valid JSON ({exc})") from None


def _csv_rows(data: bytes, rel: str, header: Sequence[str]) -> list[dict[str, str]]:
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
        rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BundleError(f"{rel}: not a UTF-8 CSV file ({exc})") from None
    if tuple(reader.fieldnames or ())[: len(header)] != tuple(header):
        raise BundleError(f"{rel}: header must start with {','.join(header)}")
    return rows


def load_definition(root: Path) -> Definition:
    """The definition rebuilt from ``definition/election.json``, ``regions.csv`` and
    ``units.csv`` (units read column-wise, so a million of them load in seconds)."""
    try:
        meta = DefinitionMeta.model_validate(_json(root, ELECTION_JSON))
    except ValidationError as exc:
        raise BundleError(f"{ELECTION_JSON}: not an election definition ({exc})") from None
    rows = _csv_rows(_read(root, REGIONS_CSV), REGIONS_CSV, ("id", "name", "level", "parent"))
    regions = [
        RegionRow(r["id"], r["name"], r["level"], r["parent"] or None, line=i + 2)
        for i, r in enumerate(rows)
    ]
    try:
        base = build_definition(
            meta, regions, [], meta_file=ELECTION_JSON, regions_file=REGIONS_CSV
        )
    except DefinitionError as exc:
        raise BundleError(str(exc)) from None
    return Definition(meta, base.regions, _units(root, base))


def _units(root: Path, base: Definition) -> UnitTable:
    data = _read(root, UNITS_CSV)
    try:
        frame = pl.read_csv(io.BytesIO(data), infer_schema=False).fill_null("")
    except pl.exceptions.PolarsError as exc:
        raise BundleError(f"{UNITS_CSV}: not a CSV file ({exc})") from None
    if tuple(frame.columns) != ("id", "region", "registered", "contests"):
        raise BundleError(f"{UNITS_CSV}: header must be id,region,registered,contests")
    region = frame["region"].replace_strict(base.regions.index, default=-1, return_dtype=pl.Int32)
    bad = (region < 0).arg_true()
    if bad.len():
        row = int(bad[0])
        raise BundleError(f"{UNITS_CSV} line {row + 2}: unknown region '{frame['region'][row]}'")
    registered = frame["registered"].cast(pl.Int64, strict=False)
    bad = (registered.is_null() | (registered < 0)).arg_true()
    if bad.len():
        raise BundleError(f"{UNITS_CSV} line {int(bad[0]) + 2}: registered must be an integer >= 0")
    contests = frame["contests"].to_list()
    explicit = {
        i: frozenset(c for c in text.split(";") if c) for i, text in enumerate(contests) if text
    }
    ids: list[str] = frame["id"].to_list()
    table = UnitTable(
        ids=ids,
        region=region.to_numpy().astype(np.int32),
        registered=registered.to_numpy().astype(np.int64),
        explicit_contests=explicit,
    )
    table.index = dict(zip(ids, range(len(ids)), strict=True))
    if len(table.index) != len(ids):
        raise BundleError(f"{UNITS_CSV}: a polling unit id appears twice")
    return table


def read_actas(root: Path) -> pl.DataFrame:
    """``actas.parquet``: every acta version (all sources) in log order."""
    try:
        return pl.read_parquet(io.BytesIO(_read(root, ACTAS_PARQUET)))
    except pl.exceptions.PolarsError as exc:
        raise BundleError(f"{ACTAS_PARQUET}: not a Parquet file ({exc})") from None


def counting_counts(
    definition: Definition, actas: pl.DataFrame, source: str
) -> dict[str, ContestCounts]:
    """Unit-level counts of the counting versions of ``source``, one entry per contest of
    the definition (contest option order, then null, blank, voters)."""
    counting = actas.filter(pl.col("counting") & (pl.col("source") == source))
    stray = counting.filter(~pl.col("contest").is_in(list(definition.contests)))
    if stray.height:
        raise BundleError(f"{ACTAS_PARQUET}: contest '{stray['contest'][0]}' is not defined")
    out: dict[str, ContestCounts] = {}
    parts = {
        str(key[0]): frame for key, frame in counting.partition_by("contest", as_dict=True).items()
    }
    for cid, contest in definition.contests.items():
        frame = parts.get(cid)
        if frame is None or frame.height == 0:
            out[cid] = ContestCounts.empty(definition, cid)
            continue
        index = definition.units.index
        names = frame["unit"].to_list()
        unknown = next((u for u in names if u not in index), None)
        if unknown is not None:
            raise BundleError(f"{ACTAS_PARQUET}: unit '{unknown}' is not in {UNITS_CSV}")
        units = np.array([index[u] for u in names], np.int32)
        option_ids = [o.id for o in contest.options]
        votes = _votes_columns(frame["votes"], option_ids)
        matrix = np.zeros((frame.height, len(option_ids) + 3), dtype=np.int64)
        for j, oid in enumerate(option_ids):
            matrix[:, j] = votes[oid].to_numpy()
        matrix[:, -3] = frame["null"].to_numpy()
        matrix[:, -2] = frame["blank"].fill_null(0).to_numpy()
        matrix[:, -1] = frame["voters"].to_numpy()
        out[cid] = ContestCounts(cid, units, matrix)
    return out


def _votes_columns(votes: pl.Series, option_ids: list[str]) -> pl.DataFrame:
    """One Int64 column per option id from the ``votes`` JSON objects (0 where absent)."""
    try:
        decoded = votes.str.json_decode(pl.Struct({o: pl.Int64 for o in option_ids}))
        return decoded.struct.unnest().fill_null(0)
    except pl.exceptions.PolarsError as exc:
        raise BundleError(
            f"{ACTAS_PARQUET}: votes must be JSON objects of integers ({exc})"
        ) from None


def _bulletin_rows(data: bytes | None) -> list[BulletinRow]:
    if data is None:
        return []
    rows = _csv_rows(
        data, BULLETIN_INDEX, ("number", "created_at", "source", "sha256", "log_index")
    )
    try:
        return [
            BulletinRow(
                int(r["number"]), r["created_at"], r["source"], r["sha256"], int(r["log_index"])
            )
            for r in rows
        ]
    except ValueError:
        raise BundleError(f"{BULLETIN_INDEX}: number and log_index must be integers") from None


def _loads(data: bytes, rel: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise BundleError(f"{rel}: not valid JSON ({exc})") from None


def _text(data: bytes, rel: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BundleError(f"{rel}: not UTF-8 text") from None


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
        index = _read(root, BULLETIN_INDEX) if (root / BULLETIN_INDEX).is_file() else None
        files = {
            RESULTS_JSON: _read(root, RESULTS_JSON),
            CHECKPOINT: _read(root, CHECKPOINT, 1 << 20),
        }
        for rel in (IMAGES_CSV, QR_CHECKS_CSV):
            if (root / rel).is_file():
                files[rel] = _read(root, rel)
        for rel in OPTIONAL_FILES:
            if rel not in files and (root / rel).is_file():
                files[rel] = b""  # only its presence matters here
        if index is not None:
            files[BULLETIN_INDEX] = index
            for row in _bulletin_rows(index):
                rel = f"bulletins/{row.number}.json"
                files[rel] = _read(root, rel)
        bundle = cls.from_files(definition, files, read_actas(root), root)
        if (root / MANIFEST).is_file():
            manifest = _json(root, MANIFEST)
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
        rows = _bulletin_rows(files.get(BULLETIN_INDEX))
        bulletins: list[BulletinDoc] = []
        for row in rows:
            rel = f"bulletins/{row.number}.json"
            if rel not in files:
                raise BundleError(f"{rel}: missing (listed in {BULLETIN_INDEX})")
            bulletins.append(cast(BulletinDoc, _loads(files[rel], rel)))
        return cls(
            definition=definition,
            actas=actas,
            results=cast(SnapshotDoc, _loads(files[RESULTS_JSON], RESULTS_JSON)),
            bulletins=bulletins,
            bulletin_rows=rows,
            checkpoint=parse_checkpoint_note(_text(files[CHECKPOINT], CHECKPOINT)),
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
        return _versions_by_slot(self.actas)

    def versions_of_units(
        self, units: Sequence[str]
    ) -> Mapping[tuple[str, str], list[ActaVersionDoc]]:
        """Every stored version (all sources) of the given units, by (unit, contest), in log
        order (reads only their rows unless every version is already at hand)."""
        if "versions_by_slot" in self.__dict__:
            return self.versions_by_slot
        return _versions_by_slot(self.actas.filter(pl.col("unit").is_in(list(units))))

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
        self._adjudications = [_adjudication(i, leaf) for i, leaf in adjudications]
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
                adjudications.append(_adjudication(index, json.loads(body)))
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
            data = _read(self.root, tile.path(), 1 << 30)
            try:
                entries = decode_entry_bundle(data, tile.width)
            except TileError as exc:
                raise BundleError(f"{tile.path()}: {exc}") from None
            for body in entries:
                yield index, body
                index += 1


def _adjudication(index: int, leaf: Mapping[str, Any]) -> Adjudication:
    version = leaf.get("version")
    return Adjudication(
        index,
        str(leaf["unit"]),
        str(leaf["contest"]),
        str(leaf["source"]),
        None if version is None else int(version),
        str(leaf.get("reason", "")),
        str(leaf.get("decided_by", "")),
        str(leaf.get("decided_at", "")),
    )


def _versions_by_slot(actas: pl.DataFrame) -> dict[tuple[str, str], list[ActaVersionDoc]]:
    out: dict[tuple[str, str], list[ActaVersionDoc]] = {}
    columns = actas.select(VERSION_COLUMNS).get_columns()
    for row in zip(*(c.to_list() for c in columns), strict=True):
        doc = _version_doc(dict(zip(VERSION_COLUMNS, row, strict=True)))
        out.setdefault((doc["unit"], doc["contest"]), []).append(doc)
    return out


VERSION_COLUMNS = (
    "unit",
    "contest",
    "source",
    "votes",
    "null",
    "blank",
    "voters",
    "version",
    "status",
    "counting",
    "received_at",
    "content_hash",
    "log_index",
)


def _whole(text: str) -> int:
    """A JSON number with a fraction or exponent, as the integer ``int(float)`` gives."""
    return int(float(text))


def _no_constant(text: str) -> int:
    raise BundleError(f"{ACTAS_PARQUET}: votes must be integers, not {text}")


def _version_doc(row: Mapping[str, Any]) -> ActaVersionDoc:
    return {
        "unit": row["unit"],
        "contest": row["contest"],
        "source": row["source"],
        "votes": json.loads(row["votes"], parse_float=_whole, parse_constant=_no_constant),
        "null": int(row["null"]),
        "blank": None if row["blank"] is None else int(row["blank"]),
        "voters": int(row["voters"]),
        "version": int(row["version"]),
        "status": row["status"],
        "counting": bool(row["counting"]),
        "received_at": row["received_at"],
        "content_hash": row["content_hash"],
        "log_index": int(row["log_index"]),
    }
