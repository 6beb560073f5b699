"""Reading a publication's files: the definition, the acta versions, the bulletin index and
the signed checkpoint, each checked, with a :class:`BundleError` naming the file and what was
expected (used by :class:`escrutinio.website.bundle.Bundle`)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from pydantic import ValidationError

from escrutinio.ledger.checkpoint import CheckpointError, parse_checkpoint
from escrutinio.ledger.note import NoteError, parse_note
from escrutinio.model.definition import (
    Definition,
    DefinitionMeta,
    RegionRow,
    UnitTable,
    build_definition,
)
from escrutinio.model.errors import DefinitionError
from escrutinio.tally import ContestCounts

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


def read_file(root: Path, rel: str, limit: int = MAX_JSON_BYTES) -> bytes:
    """The bytes of the publication file ``rel`` (a regular file, at most ``limit`` bytes)."""
    path = root / rel
    if path.is_symlink() or not path.is_file():
        raise BundleError(f"{rel}: missing from the publication folder {root}")
    if path.stat().st_size > limit:
        raise BundleError(f"{rel}: larger than {limit} bytes")
    return path.read_bytes()


def read_json(root: Path, rel: str) -> Any:
    """The parsed JSON of the publication file ``rel``."""
    try:
        return json.loads(read_file(root, rel))
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
        meta = DefinitionMeta.model_validate(read_json(root, ELECTION_JSON))
    except ValidationError as exc:
        raise BundleError(f"{ELECTION_JSON}: not an election definition ({exc})") from None
    rows = _csv_rows(read_file(root, REGIONS_CSV), REGIONS_CSV, ("id", "name", "level", "parent"))
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
    data = read_file(root, UNITS_CSV)
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
        return pl.read_parquet(io.BytesIO(read_file(root, ACTAS_PARQUET)))
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


def bulletin_rows(data: bytes | None) -> list[BulletinRow]:
    """The rows of ``bulletins/index.csv`` (none when the file is absent)."""
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


def loads_json(data: bytes, rel: str) -> Any:
    """``data`` parsed as JSON, a :class:`BundleError` naming ``rel`` when it is not."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise BundleError(f"{rel}: not valid JSON ({exc})") from None


def utf8_text(data: bytes, rel: str) -> str:
    """``data`` decoded as UTF-8, a :class:`BundleError` naming ``rel`` when it is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BundleError(f"{rel}: not UTF-8 text") from None
