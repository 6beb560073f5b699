"""The acta open-data files and the definition files of a re-publication, built on the
previous publication's instead of rendered again from every acta version.

The previous publication counts only when the re-publication carries its acta versions
(`escrutinio.publish.carry`: its ``manifest.json`` is signed by the log key for the prefix
the last passing store check covered, and its ``actas.parquet`` has the listed SHA-256).
Those versions are the first rows of the current frame, in the same order; later leaves
only append versions and, through adjudications, change the ``counting`` flag of earlier
ones, and an envelope leaf may name the sender of an earlier version. So:

- ``actas.csv`` and ``actas_prep.csv`` are the previous file with the rows whose cells
  changed re-rendered in place (`escrutinio.publish.formats`, row by row) and the new
  versions' rows appended (`escrutinio.publish.columns`). The previous file is taken only
  when its bytes have the SHA-256 the signed manifest lists (hashed in the same pass as the
  new file's SHA-256 when nothing but rows are appended), starts with the expected header
  and, when a row is replaced, has one line per row (no line feed inside a field);
- when no version was added and no row changed, ``actas.csv``, ``actas_prep.csv`` and
  ``actas.parquet`` are left as they are (`Kept`), like the definition files always are: a
  file is kept when the signed manifest lists it with the hash the folder's manifest gives
  and it is unchanged by the size and modification time rule of an incremental
  re-publish (docs/security.md); the definition is stored once and never replaced
  (`escrutinio.store.definitions`). Otherwise ``actas.parquet`` is written again.

Anything else: the file is rendered from every acta version, as a full publication does.
The bytes are the same either way (tests/publish/test_opendata.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from escrutinio import reads
from escrutinio.ledger.merkle import MerkleTree
from escrutinio.model.canonical import canonical_json_fast
from escrutinio.model.definition import Definition
from escrutinio.publish import columns, formats
from escrutinio.publish.carry import ACTAS_PARQUET, Carried
from escrutinio.publish.outdir import read_regular
from escrutinio.publish.replay import ActaRecord, Replay, record_of
from escrutinio.publish.senders import SENDERS_FILE, senders_json
from escrutinio.store import audit_ballots
from escrutinio.store import definitions as store_definitions
from escrutinio.store.store import Store
from escrutinio.tally import ContestCounts

ACTAS_CSV = "actas.csv"
ACTAS_PREP_CSV = "actas_prep.csv"
DEFINITION_FILES = ("definition/election.json", "definition/regions.csv", "definition/units.csv")
SPLICE_LIMIT = 0.05
"""Above this share of replaced rows (and 1,000 more) a file is rendered whole instead of
spliced (the replaced rows are rendered one by one)."""


@dataclass(frozen=True)
class Pieces:
    """A file as consecutive parts (slices of the previous file and new rows), with the
    SHA-256 and size of their concatenation."""

    parts: tuple[bytes | memoryview, ...]
    digest: str
    size: int


@dataclass(frozen=True)
class Kept:
    """A file left as the previous publication wrote it, with the SHA-256 it listed."""

    digest: str


DataFile = bytes | Pieces | Kept


@dataclass(frozen=True)
class Earlier:
    """The previous publication as the re-publication of ``out`` may build on it: what it
    carried (`escrutinio.publish.carry.Carried`), the SHA-256 the folder's ``manifest.json``
    lists by path and whether a file is unchanged since (``kept``, `publish.previous`)."""

    out: Path
    carried: Carried
    listed: Mapping[str, str]
    kept: Callable[[str], bool]

    def digest(self, rel: str) -> str | None:
        """The SHA-256 of ``rel`` when the signed manifest lists it, the folder's manifest
        gives the same and the file is unchanged since (else None)."""
        signed = self.carried.files.get(rel)
        if not isinstance(signed, str) or not signed or self.listed.get(rel) != signed:
            return None
        return signed if self.kept(rel) else None


def splice(
    old: bytes, listed: str, header: bytes, rows: int, changed: Mapping[int, bytes], tail: bytes
) -> Pieces | None:
    """``old`` with the rows at the positions of ``changed`` (0-based, after ``header``)
    replaced by their new bytes and ``tail`` appended; None when ``old`` does not have the
    SHA-256 ``listed``, does not start with ``header`` or, with rows to replace, does not hold
    exactly ``rows`` lines after it."""
    if not old.startswith(header) or any(not 0 <= p < rows for p in changed):
        return None
    if not changed:
        hasher = hashlib.sha256(old)
        if hasher.hexdigest() != listed:
            return None
        hasher.update(tail)
        return Pieces((old, tail), hasher.hexdigest(), len(old) + len(tail))
    if hashlib.sha256(old).hexdigest() != listed:
        return None
    ends = np.flatnonzero(np.frombuffer(old, dtype=np.uint8) == 10) + 1
    if ends.size != rows + 1:  # one line per row after the header
        return None
    view = memoryview(old)
    parts: list[bytes | memoryview] = []
    at = 0
    for pos in sorted(changed):
        parts += [view[at : int(ends[pos])], changed[pos]]
        at = int(ends[pos + 1])
    parts += [view[at:], tail]
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part)
    return Pieces(tuple(parts), hasher.hexdigest(), sum(len(p) for p in parts))


def _header(names: list[str]) -> bytes:
    return (",".join(names) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Delta:
    """How the acta versions differ from the carried ones: the first ``height`` rows are
    the carried versions, the rows at ``flipped`` count or stop counting since, and the
    carried rows at ``sent`` got their sender from a later envelope leaf."""

    height: int
    flipped: np.ndarray
    sent: np.ndarray

    def unchanged(self, actas: pl.DataFrame) -> bool:
        """True when ``actas`` are exactly the carried versions."""
        return actas.height == self.height and not self.flipped.size


def delta(state: Replay, actas: pl.DataFrame, earlier: Earlier | None) -> Delta | None:
    """The `Delta` of ``actas`` (`Replay.acta_frame` of ``state``) from ``earlier``'s
    carried versions; None when they were not carried."""
    base = state.base
    if earlier is None or base is None or base is not earlier.carried.actas:
        return None
    height = base.height
    if state.base_size != earlier.carried.size or actas.height < height:
        return None
    if not actas["log_index"][:height].equals(base["log_index"]):
        return None
    flipped = np.flatnonzero(actas["counting"][:height].to_numpy() != base["counting"].to_numpy())
    recent = formats.prep_senders(e for e in state.envelopes if e[0] >= state.base_size)
    late = sorted(i for i in recent if i < state.base_size)  # senders of carried rows
    log_index = base["log_index"].to_numpy()
    at = np.searchsorted(log_index, late)
    sent = [int(p) for p, i in zip(at, late, strict=True) if p < height and log_index[p] == i]
    return Delta(height, flipped, np.asarray(sent, dtype=np.int64))


def _spliced(
    earlier: Earlier,
    rel: str,
    head: bytes,
    actas: pl.DataFrame,
    height: int,
    positions: np.ndarray,
    render: Callable[[list[ActaRecord]], bytes],
    new: Callable[[], bytes],
) -> Pieces | Kept | None:
    """``earlier``'s file ``rel`` (``head`` then one row per carried version) with the rows
    at ``positions`` of ``actas`` rendered again (``render``, row by row) and the rows of the
    later versions (``new``) appended; None when it cannot be taken."""
    digest = earlier.digest(rel)
    if digest is None or len(positions) > SPLICE_LIMIT * height + 1000:
        return None
    if actas.height == height and not len(positions):
        return Kept(digest)
    old = read_regular(earlier.out, rel)
    if old is None:
        return None
    picked = actas.with_row_index("_pos").filter(pl.col("_pos").is_in(positions.tolist()))
    changed = {}
    for row in picked.iter_rows(named=True):
        pos = int(row.pop("_pos"))
        changed[pos] = render([record_of(row)])[len(head) :]
    return splice(old, digest, head, height, changed, new()[len(head) :])


def acta_files(
    definition: Definition,
    actas: pl.DataFrame,
    leaf_hashes: bytes,
    senders: dict[int, str],
    earlier: Earlier | None,
    change: Delta | None,
) -> dict[str, DataFile]:
    """``actas.csv`` and ``actas_prep.csv`` of the acta versions ``actas``, spliced from
    ``earlier``'s when it can be (``change``: `delta`; see the module docstring)."""
    out: dict[str, DataFile] = {}
    if earlier is not None and change is not None:
        height = change.height
        tail = actas.slice(height)
        first = int(tail["log_index"][0]) if tail.height else -1
        csv = _spliced(
            earlier,
            ACTAS_CSV,
            _header(list(formats.ACTA_COLUMNS)),
            actas,
            height,
            change.flipped,
            formats.actas_csv,
            lambda: columns.actas_csv(tail),
        )
        tail_senders = {i: s for i, s in senders.items() if i >= first >= 0}
        prep = _spliced(
            earlier,
            ACTAS_PREP_CSV,
            _header([*formats.PREP_FIXED_COLUMNS, *formats.prep_option_columns(definition)]),
            actas,
            height,
            np.union1d(change.flipped, change.sent),
            lambda r: formats.actas_prep_csv(definition, r, leaf_hashes, senders),
            lambda: columns.actas_prep_csv(definition, tail, leaf_hashes, tail_senders),
        )
        out.update((rel, f) for rel, f in ((ACTAS_CSV, csv), (ACTAS_PREP_CSV, prep)) if f)
    if ACTAS_CSV not in out:
        out[ACTAS_CSV] = columns.actas_csv(actas)
    if ACTAS_PREP_CSV not in out:
        out[ACTAS_PREP_CSV] = columns.actas_prep_csv(definition, actas, leaf_hashes, senders)
    return out


def parquet_file(actas: pl.DataFrame, earlier: Earlier | None, change: Delta | None) -> DataFile:
    """``actas.parquet``: ``earlier``'s (the file its versions were carried from) when the
    versions are the same, else written."""
    if earlier is not None and change is not None and change.unchanged(actas):
        digest = earlier.digest(ACTAS_PARQUET)
        if digest is not None:
            return Kept(digest)
    return columns.actas_parquet(actas)


def definition_files(definition: Definition, earlier: Earlier | None) -> dict[str, DataFile]:
    """definition/election.json, regions.csv and units.csv: ``earlier``'s when it lists all
    three unchanged (the definition is never replaced), else rendered."""
    if earlier is not None:
        kept = {rel: earlier.digest(rel) for rel in DEFINITION_FILES}
        if all(kept.values()):
            return {rel: Kept(digest) for rel, digest in kept.items() if digest}
    return dict(formats.definition_files(definition))


AUDIT_BALLOT_DIR = "audits/ballots"
"""Ballot manifests and CVR sets of ballot-level audits, each named by its SHA-256 as the
audit's ``create`` leaf states it, so an observer re-derives the ballot draws."""


def data_files(
    store: Store,
    state: Replay,
    actas: pl.DataFrame,
    tree: MerkleTree,
    note: str,
    witness_keys: dict[str, str],
    earlier: Earlier | None = None,
) -> tuple[dict[str, DataFile], dict[str, ContestCounts]]:
    """The data files by path (built on ``earlier`` where it can be, see the module
    docstring), and the official counts its results were taken from."""
    files: dict[str, DataFile] = {"checkpoint": note.encode("utf-8")}
    definition = store_definitions.read_definition(store)
    files.update(definition_files(definition, earlier))
    leaf_hashes = tree.level_bytes(0, 0, state.size)
    senders = formats.prep_senders(state.envelopes)
    change = delta(state, actas, earlier)
    files.update(acta_files(definition, actas, leaf_hashes, senders, earlier, change))
    files[ACTAS_PARQUET] = parquet_file(actas, earlier, change)
    counts = columns.counting_counts(definition, actas, definition.info.official_source)
    snap = reads.snapshot_of(definition, counts, state.size)
    files["results/results.json"] = canonical_json_fast(snap)
    files["results/results.csv"] = formats.results_csv(dict(snap))
    for number, body in reads.bulletin_bodies(store, state.size):
        files[f"bulletins/{number}.json"] = body
        files[f"bulletins/{number}.csv"] = formats.results_csv(json.loads(body))
    files["bulletins/index.csv"] = formats.bulletin_index_csv(
        {**leaf, "log_index": idx} for idx, leaf in state.bulletins
    )
    files["fields.json"] = formats.fields_json()
    for digest, blob in sorted(audit_ballots.published_ballot_blobs(store, state.size).items()):
        files[f"{AUDIT_BALLOT_DIR}/{digest}.json"] = blob  # named by the leaf's SHA-256
    registry = senders_json(state)
    if registry is not None:
        files[SENDERS_FILE] = registry
    for name, vkey in sorted(witness_keys.items()):
        files[f"keys/witnesses/{name}.vkey"] = (vkey + "\n").encode("ascii")
    return files, counts
