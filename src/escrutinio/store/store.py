"""The store: an election's definition, every acta version, every decision and bulletin,
and the append-only log entry that records each of them, written in one transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import chain, repeat
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.engine import Connection

from escrutinio.io.acta_intake import check_frame_slice, check_row, ends_in_newline
from escrutinio.io.actas_files import (
    ReadRow,
    check_csv_header,
    read_actas,
    read_frame,
    use_columnar,
)
from escrutinio.model import leaves
from escrutinio.model.acta import Acta, utc_timestamp
from escrutinio.model.canonical import canonical_json_fast
from escrutinio.model.columnar import ColumnScreen
from escrutinio.model.definition import (
    Definition,
    DefinitionMeta,
    RegionTable,
    UnitTable,
)
from escrutinio.model.errors import EscrutinioError, Issue
from escrutinio.model.leaves import MAX_LEAF_BYTES, leaf_hash
from escrutinio.model.packed_counts import unpack_counts, unpack_matrix
from escrutinio.model.prepared import (
    PreparedActa,
    PreparedBatch,
    content_templates,
)
from escrutinio.model.validation import ActaValidator
from escrutinio.store import schema as t
from escrutinio.store.database import (
    background_checkpoints,
    lock_for_append,
    make_engine,
    migrate,
    resolve_url,
)

LEAF_BYTES = MAX_LEAF_BYTES


class StoreError(EscrutinioError):
    """A request the store cannot carry out (no definition loaded, unknown acta, ...)."""


def check_leaf_sizes(bodies: Iterable[bytes], what: Callable[[int], str]) -> None:
    """Refuse leaves the published log could not carry (more than 65,535 bytes), before
    anything is written: an append-only log cannot drop them afterwards. ``what(i)`` names
    the record behind the ``i``-th body in the error."""
    for i, body in enumerate(bodies):
        if len(body) > LEAF_BYTES:
            raise StoreError(
                f"{what(i)}: its log leaf would be {len(body):,} bytes; a published log "
                f"entry holds at most {LEAF_BYTES:,} (C2SP tlog-tiles)"
            )


@dataclass
class IngestReport:
    """What an import did: counts by outcome and every rejected row's issues."""

    file: str | None = None
    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected_rows: int = 0
    issues: list[Issue] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary of the import."""
        return {
            "file": self.file,
            "read": self.read,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "rejected": self.rejected_rows,
            "issues": [
                {
                    "file": i.file,
                    "line": i.line,
                    "field": i.field,
                    "code": i.code,
                    "message": i.message,
                }
                for i in self.issues
            ],
        }


@dataclass(frozen=True)
class ActaVersion:
    """One stored version of an acta with its status and log position."""

    acta: Acta
    version: int
    status: str
    counting: bool
    content_hash: str
    log_idx: int


@dataclass(frozen=True)
class LogEntry:
    """One leaf of the transparency log: its position, kind and canonical bytes."""

    idx: int
    kind: str
    body: bytes
    leaf_hash: bytes


ACTA_COLUMNS = (
    "unit",
    "unit_idx",
    "contest",
    "source",
    "version",
    "content_hash",
    "counts",
    "has_blank",
    "received_at",
    "status",
    "counting",
    "log_idx",
)


ROWS_PER_STATEMENT = 50


def insert_many(
    conn: Connection, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert many rows through the driver directly (several times faster than Core);
    PostgreSQL uses COPY."""
    if not rows:
        return
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()
        return
    width = len(columns)
    row_marks = "(" + ", ".join(["?"] * width) + ")"
    per_statement = max(1, min(ROWS_PER_STATEMENT, len(rows)))
    whole = len(rows) - len(rows) % per_statement
    if whole:
        # many rows per INSERT: SQLite runs one statement instead of one per row
        flat = list(chain.from_iterable(rows[:whole]))
        step = width * per_statement
        marks = ", ".join([row_marks] * per_statement)
        conn.exec_driver_sql(
            f"INSERT INTO {table} ({names}) VALUES {marks}",
            [tuple(flat[i : i + step]) for i in range(0, len(flat), step)],
        )
    if whole < len(rows):
        conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES {row_marks}", rows[whole:])


def fetch_raw(conn: Connection, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run a query on the driver's own cursor and return plain tuples (no Row objects),
    which is several times faster for million-row reads. ``{}`` marks a parameter."""
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql.format(*([mark] * len(params))), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _all_new_rows(
    batch: PreparedBatch, next_idx: int
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Rows for a batch of actas whose slots hold nothing yet: every one is version 1,
    accepted and counting, and its leaf was prepared while screening."""
    idx = range(next_idx, next_idx + len(batch))
    log_rows = list(zip(idx, repeat(leaves.ACTA), batch.first_event, batch.first_leaf))
    acta_rows = list(
        zip(
            batch.unit,
            batch.unit_idx,
            batch.contest,
            batch.source,
            repeat(1),
            batch.content_hash,
            batch.blob,
            batch.has_blank,
            batch.received_at,
            repeat("accepted"),
            repeat(True),
            idx,
        )
    )
    return log_rows, acta_rows


def _mixed_rows(
    batch: PreparedBatch,
    keys: list[tuple[str, str, str]],
    next_idx: int,
    cache: VersionCache,
    report: IngestReport,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Rows for a batch with re-submissions or new versions: identical content is skipped,
    a different one becomes the next, conflicting, version of its slot."""
    log_rows: list[tuple[Any, ...]] = []
    acta_rows: list[tuple[Any, ...]] = []
    seen = cache.hashes
    added: set[str] = set()
    for i, (key, chash) in enumerate(zip(keys, batch.content_hash, strict=True)):
        if chash in seen or chash in added:
            report.duplicates += 1
            continue
        added.add(chash)
        version = cache.top.get(key, 0) + 1
        first = version == 1
        status = "accepted" if first else "conflicting"
        if first:
            body, leaf = batch.first_event[i], batch.first_leaf[i]
        else:
            body = leaves.acta_leaf(batch.content[i], chash, batch.received_at[i], version, status)
            leaf = leaf_hash(body)
        idx = next_idx + len(log_rows)
        log_rows.append((idx, leaves.ACTA, body, leaf))
        acta_rows.append(
            (
                batch.unit[i],
                batch.unit_idx[i],
                batch.contest[i],
                batch.source[i],
                version,
                chash,
                batch.blob[i],
                batch.has_blank[i],
                batch.received_at[i],
                status,
                first,
                idx,
            )
        )
        cache.top[key] = version
        if first:
            report.accepted += 1
        else:
            report.conflicts += 1
    return log_rows, acta_rows


@dataclass
class VersionCache:
    """Versions already stored, kept across the chunks of one import: the newest version per
    acta slot (unit, contest, source) and every content hash (a hash covers the slot too, so
    one set tells an identical re-submission apart).

    ``complete`` means everything stored is here (true for an import into an empty table
    while no other writer appends), so chunks need not query the table.
    """

    top: dict[tuple[str, str, str], int] = field(default_factory=dict)
    hashes: set[str] = field(default_factory=set)
    log_end: int | None = None
    complete: bool = False

    def load(self, conn: Connection, units: list[int]) -> None:
        """Read the stored versions of these units' actas (by unit index)."""
        av = t.acta_versions.c
        for lo in range(0, len(units), 2_000):
            for unit, contest, src, version, chash in conn.execute(
                select(av.unit, av.contest, av.source, av.version, av.content_hash).where(
                    av.unit_idx.in_(units[lo : lo + 2_000])
                )
            ):
                key = (unit, contest, src)
                self.top[key] = max(self.top.get(key, 0), version)
                self.hashes.add(chash)


class Store:
    """An election's store on SQLite or PostgreSQL (see :func:`Store.open`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._definition: Definition | None = None

    @classmethod
    def open(cls, db: str | None = None) -> Store:
        """Open (and create or migrate) the store at ``db`` (URL or SQLite file path)."""
        engine = make_engine(resolve_url(db))
        migrate(engine)
        return cls(engine)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    # ----------------------------------------------------------------- log
    def append_log(self, conn: Connection, entries: list[tuple[str, bytes]]) -> int:
        """Append (kind, canonical JSON body) log entries inside the caller's transaction
        (``with store.engine.begin() as conn``), so a record and its leaf commit together.
        Returns the index of the first entry."""
        check_leaf_sizes((body for _, body in entries), lambda i: f"{entries[i][0]} record")
        lock_for_append(conn)
        start = conn.execute(
            select(func.coalesce(func.max(t.log_entries.c.idx) + 1, 0))
        ).scalar_one()
        if entries:
            conn.execute(
                insert(t.log_entries),
                [
                    {"idx": start + i, "kind": kind, "body": body, "leaf_hash": leaf_hash(body)}
                    for i, (kind, body) in enumerate(entries)
                ],
            )
        return int(start)

    def log_size(self) -> int:
        """Number of entries in the log."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.log_entries)).scalar_one())

    def log_entries(
        self, start: int = 0, stop: int | None = None, batch: int = 50_000
    ) -> Iterator[LogEntry]:
        """Yield log entries with ``start <= idx < stop`` in order."""
        with self.engine.connect() as conn:
            pos = start
            while stop is None or pos < stop:
                end = pos + batch if stop is None else min(pos + batch, stop)
                rows = conn.execute(
                    select(
                        t.log_entries.c.idx,
                        t.log_entries.c.kind,
                        t.log_entries.c.body,
                        t.log_entries.c.leaf_hash,
                    )
                    .where(t.log_entries.c.idx >= pos, t.log_entries.c.idx < end)
                    .order_by(t.log_entries.c.idx)
                ).all()
                if not rows:
                    return
                for r in rows:
                    yield LogEntry(int(r[0]), r[1], bytes(r[2]), bytes(r[3]))
                pos = end

    # ----------------------------------------------------------- definition
    def load_definition(self, definition: Definition) -> str:
        """Store a definition once. Returns ``"loaded"`` or ``"unchanged"``.

        A definition cannot be replaced: loading a different one raises :class:`StoreError`.
        """
        fingerprint = definition.fingerprint
        with self.engine.begin() as conn:
            current = conn.execute(
                select(t.meta.c.value).where(t.meta.c.key == "definition_fingerprint")
            ).scalar_one_or_none()
            if current == fingerprint:
                return "unchanged"
            if current is not None:
                raise StoreError(
                    f"this store already holds a different definition ({current[:12]}…); "
                    "definitions are immutable once loaded — use a new database"
                )
            regions_bytes = definition.canonical_regions
            units_bytes = definition.canonical_units
            meta_doc = definition.meta.model_dump(mode="json")
            event = leaves.definition_leaf(
                fingerprint,
                meta_doc,
                len(definition.regions),
                hashlib.sha256(regions_bytes).hexdigest(),
                len(definition.units),
                hashlib.sha256(units_bytes).hexdigest(),
            )
            self.append_log(conn, [(leaves.DEFINITION, event)])
            conn.execute(
                insert(t.meta),
                [
                    {"key": "definition_fingerprint", "value": fingerprint},
                    {"key": "definition_meta", "value": json.dumps(meta_doc, ensure_ascii=False)},
                ],
            )
            r = definition.regions
            parents = r.parent.tolist()
            insert_many(
                conn,
                "regions",
                ("idx", "id", "name", "level", "parent"),
                [
                    (i, r.ids[i], r.names[i], level, parents[i] if parents[i] >= 0 else None)
                    for i, level in enumerate(r.level.tolist())
                ],
            )
            u = definition.units
            contests = [""] * len(u.ids)  # most units vote in their regions' contests
            for i, explicit in u.explicit_contests.items():
                contests[i] = ";".join(sorted(explicit))
            insert_many(
                conn,
                "units",
                ("idx", "id", "region", "registered", "contests"),
                list(
                    zip(
                        range(len(u.ids)),
                        u.ids,
                        u.region.tolist(),
                        u.registered.tolist(),
                        contests,
                        strict=True,
                    )
                ),
            )
        self._definition = definition
        return "loaded"

    def has_definition(self) -> bool:
        """True once a definition has been loaded."""
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    select(t.meta.c.value).where(t.meta.c.key == "definition_fingerprint")
                ).scalar_one_or_none()
                is not None
            )

    def definition(self) -> Definition:
        """The stored definition (read once, then cached)."""
        if self._definition is not None:
            return self._definition
        with self.engine.connect() as conn:
            meta_text = conn.execute(
                select(t.meta.c.value).where(t.meta.c.key == "definition_meta")
            ).scalar_one_or_none()
            if meta_text is None:
                raise StoreError("no election definition loaded: run `escrutinio init FILE` first")
            meta = DefinitionMeta.model_validate(json.loads(meta_text))
            regs = fetch_raw(conn, "SELECT id, name, level, parent FROM regions ORDER BY idx")
            units = fetch_raw(
                conn, "SELECT id, region, registered, contests FROM units ORDER BY idx"
            )
        region_ids = [r[0] for r in regs]
        regions = RegionTable(
            ids=region_ids,
            names=[r[1] for r in regs],
            level=np.array([r[2] for r in regs], dtype=np.int32),
            parent=np.array([-1 if r[3] is None else r[3] for r in regs], dtype=np.int32),
            index={rid: i for i, rid in enumerate(region_ids)},
        )
        unit_ids = [u[0] for u in units]
        unit_table = UnitTable(
            ids=unit_ids,
            region=np.array([u[1] for u in units], dtype=np.int32),
            registered=np.array([u[2] for u in units], dtype=np.int64),
            explicit_contests={i: frozenset(u[3].split(";")) for i, u in enumerate(units) if u[3]},
            index={uid: i for i, uid in enumerate(unit_ids)},
        )
        self._definition = Definition(meta, regions, unit_table)
        return self._definition

    # ---------------------------------------------------------------- actas
    def ingest(
        self,
        rows: Iterable[ReadRow],
        *,
        file: str | None = None,
        source: str | None = None,
        received_at: str | None = None,
        chunk_size: int = 5_000,
        progress: Callable[[int], None] | None = None,
    ) -> IngestReport:
        """Validate and store actas row by row (any reader: CSV, JSON Lines, in memory).

        Each chunk is one transaction (actas + their log entries), so an interruption
        never leaves a partial acta and re-running is safe: identical re-submissions are
        no-ops, different ones become conflicting versions.
        """
        definition = self.definition()
        validator = ActaValidator(
            definition, default_source=source, default_received_at=received_at or utc_timestamp()
        )
        templates = content_templates(self.definition())
        report = IngestReport(file=file)
        cache = VersionCache()
        chunk: list[PreparedActa] = []
        with self.engine.connect() as conn:
            for row in rows:
                report.read += 1
                result = check_row(validator, templates, row)
                if isinstance(result, list):
                    report.rejected_rows += 1
                    report.issues.extend(i.located(file, row.line) for i in result)
                else:
                    chunk.append(result)
                if len(chunk) >= chunk_size:
                    self._store_chunk(conn, PreparedBatch.of(chunk), report, cache)
                    if progress:
                        progress(len(chunk))
                    chunk = []
            if chunk:
                self._store_chunk(conn, PreparedBatch.of(chunk), report, cache)
                if progress:
                    progress(len(chunk))
        return report

    def ingest_file(
        self,
        path: str | Path,
        *,
        source: str | None = None,
        received_at: str | None = None,
        encoding: str | None = None,
        chunk_size: int = 25_000,
        progress: Callable[[int], None] | None = None,
    ) -> IngestReport:
        """Import an acta file (CSV or JSON Lines; UTF-8 unless ``encoding`` is given) with
        the same outcome as :meth:`ingest`.

        Plain CSV files (no quoted fields) are screened column-wise; every row that fails a
        check, and every other file, goes through the row validator, so accepted rows and
        error messages are the same either way.
        """
        path = Path(path)
        if not use_columnar(path, encoding):
            return self.ingest(
                read_actas(path, encoding),
                file=str(path),
                source=source,
                received_at=received_at,
                progress=progress,
            )
        check_csv_header(path)
        definition = self.definition()
        validator = ActaValidator(
            definition, default_source=source, default_received_at=received_at or utc_timestamp()
        )
        templates = content_templates(definition)
        screen = ColumnScreen(validator)
        frame = read_frame(path)
        terminated = ends_in_newline(path)
        report = IngestReport(file=str(path))
        cache = VersionCache()

        def check(lo: int) -> tuple[PreparedBatch, IngestReport, int]:
            """Screen one slice (runs on a worker thread while the previous one is written)."""
            part = frame.slice(lo, chunk_size)
            last = lo + part.height >= frame.height
            checked = check_frame_slice(
                screen,
                templates,
                part,
                lo + 2,
                unterminated=last and not terminated,
                file=str(path),
            )
            partial = IngestReport(
                file=str(path),
                read=checked.read,
                rejected_rows=checked.rejected,
                issues=checked.issues,
            )
            return checked.accepted, partial, part.height

        starts = list(range(0, frame.height, chunk_size))
        with (
            ThreadPoolExecutor(max_workers=1) as pool,
            self.engine.connect() as conn,
            background_checkpoints(self.engine, conn),
        ):
            pending = pool.submit(check, starts[0]) if starts else None
            for i in range(len(starts)):
                assert pending is not None
                accepted, partial, height = pending.result()
                pending = pool.submit(check, starts[i + 1]) if i + 1 < len(starts) else None
                report.read += partial.read
                report.rejected_rows += partial.rejected_rows
                report.issues.extend(partial.issues)
                self._store_chunk(conn, accepted, report, cache)
                if progress:
                    progress(height)
        report.issues.sort(key=lambda i: i.line or 0)
        return report

    def _store_chunk(
        self, conn: Connection, batch: PreparedBatch, report: IngestReport, cache: VersionCache
    ) -> None:
        """Store one batch of actas and their log leaves in one transaction on ``conn``."""
        with conn.begin():
            lock_for_append(conn)
            next_idx = int(
                conn.execute(
                    select(func.coalesce(func.max(t.log_entries.c.idx) + 1, 0))
                ).scalar_one()
            )
            if cache.log_end is None:
                cache.complete = not conn.execute(select(t.acta_versions.c.id).limit(1)).first()
            elif cache.log_end != next_idx:
                cache.complete = False  # another writer appended since our last chunk
            if not cache.complete:
                cache.load(conn, sorted(set(batch.unit_idx)))
            keys = list(zip(batch.unit, batch.contest, batch.source, strict=True))
            hashes = batch.content_hash
            new_slots = dict.fromkeys(keys, 1)
            if (
                len(new_slots) == len(keys)
                and cache.top.keys().isdisjoint(new_slots)
                and cache.hashes.isdisjoint(hashes)
            ):
                log_rows, acta_rows = _all_new_rows(batch, next_idx)
                cache.top.update(new_slots)
                report.accepted += len(batch)
            else:
                log_rows, acta_rows = _mixed_rows(batch, keys, next_idx, cache, report)
            check_leaf_sizes(
                (row[2] for row in log_rows),
                lambda i: f"acta of unit {acta_rows[i][0]}, contest {acta_rows[i][2]}",
            )
            cache.hashes.update(hashes)
            if log_rows:
                insert_many(conn, "log_entries", ("idx", "kind", "body", "leaf_hash"), log_rows)
                insert_many(conn, "acta_versions", ACTA_COLUMNS, acta_rows)
            cache.log_end = next_idx + len(log_rows)

    def record_import(self, report: IngestReport, sha256: str) -> None:
        """Keep a record of a finished import (file, hash and outcome counts)."""
        with self.engine.begin() as conn:
            conn.execute(
                insert(t.imports).values(
                    file=report.file or "",
                    sha256=sha256,
                    finished_at=utc_timestamp(),
                    accepted=report.accepted,
                    duplicates=report.duplicates,
                    conflicts=report.conflicts,
                    rejected=report.rejected_rows,
                )
            )

    def versions(self, unit: str, contest: str, source: str | None = None) -> list[ActaVersion]:
        """Every stored version of the acta for (unit, contest[, source]), oldest first."""
        definition = self.definition()
        av = t.acta_versions.c
        query = select(
            av.source,
            av.version,
            av.counts,
            av.has_blank,
            av.received_at,
            av.status,
            av.counting,
            av.content_hash,
            av.log_idx,
        ).where(av.unit_idx == self._unit_index(unit), av.contest == contest)
        if source is not None:
            query = query.where(av.source == source)
        options = (
            tuple(o.id for o in definition.contests[contest].options)
            if contest in definition.contests
            else ()
        )
        out = []
        with self.engine.connect() as conn:
            for (
                src,
                version,
                counts,
                has_blank,
                received,
                status,
                counting,
                chash,
                log_idx,
            ) in conn.execute(query.order_by(av.source, av.version)):
                row = unpack_counts(counts)
                k = len(options)
                acta = Acta(
                    unit=unit,
                    contest=contest,
                    source=src,
                    option_ids=options,
                    votes=tuple(row[:k]),
                    null=row[k],
                    blank=row[k + 1] if has_blank else None,
                    voters=row[k + 2],
                    received_at=received,
                )
                out.append(ActaVersion(acta, version, status, bool(counting), chash, int(log_idx)))
        return out

    def _unit_index(self, unit: str) -> int:
        """The unit's index in the definition (-1 for an unknown unit: matches nothing)."""
        return self.definition().units.index.get(unit, -1)

    def conflicts(self, source: str | None = None) -> list[tuple[str, str, str, int]]:
        """Acta slots with several versions and no decision taken since the newest one:
        (unit, contest, source, number of versions)."""
        av = t.acta_versions.c
        adj = t.adjudications.c
        query = (
            select(av.unit, av.contest, av.source, func.count(), func.max(av.log_idx))
            .group_by(av.unit, av.contest, av.source)
            .having(func.count() > 1)
        )
        if source is not None:
            query = query.where(av.source == source)
        with self.engine.connect() as conn:
            several = {(r[0], r[1], r[2]): (int(r[3]), int(r[4])) for r in conn.execute(query)}
            decided = {
                (r[0], r[1], r[2]): int(r[3])
                for r in conn.execute(
                    select(adj.unit, adj.contest, adj.source, func.max(adj.log_idx)).group_by(
                        adj.unit, adj.contest, adj.source
                    )
                )
            }
        return [
            (*key, n)
            for key, (n, newest) in sorted(several.items())
            if decided.get(key, -1) < newest
        ]

    def adjudicate(
        self,
        unit: str,
        contest: str,
        source: str,
        version: int | None,
        reason: str,
        decided_by: str,
    ) -> int:
        """Record which version of an acta counts (``None``: none). Returns its log index."""
        if not reason.strip():
            raise StoreError("an adjudication needs a reason")
        versions = {v.version for v in self.versions(unit, contest, source)}
        if not versions:
            raise StoreError(
                f"no acta stored for unit '{unit}', contest '{contest}', source '{source}'"
            )
        if version is not None and version not in versions:
            raise StoreError(
                f"version {version} does not exist (stored: "
                f"{', '.join(map(str, sorted(versions)))})"
            )
        decided_at = utc_timestamp()
        body = leaves.adjudication_leaf(
            unit, contest, source, version, reason, decided_by, decided_at
        )
        av = t.acta_versions.c
        with self.engine.begin() as conn:
            idx = self.append_log(conn, [(leaves.ADJUDICATION, body)])
            conn.execute(
                insert(t.adjudications).values(
                    unit=unit,
                    contest=contest,
                    source=source,
                    version=version,
                    reason=reason,
                    decided_by=decided_by,
                    decided_at=decided_at,
                    log_idx=idx,
                )
            )
            key = (
                av.unit_idx == self._unit_index(unit),
                av.contest == contest,
                av.source == source,
            )
            conn.execute(update(t.acta_versions).where(*key).values(counting=False))
            if version is not None:
                conn.execute(
                    update(t.acta_versions).where(*key, av.version == version).values(counting=True)
                )
        return idx

    def counting_arrays(
        self, source: str | None = None
    ) -> dict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]]:
        """Per contest: unit indexes and the count matrix (options, null, blank, voters)
        of the versions that count for ``source`` (default: the official source)."""
        definition = self.definition()
        source = source or definition.info.official_source
        out: dict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]] = {}
        with self.engine.connect() as conn:
            for cid, contest in definition.contests.items():
                width = len(contest.options) + 3
                rows = fetch_raw(
                    conn,
                    "SELECT unit_idx, counts FROM acta_versions "
                    "WHERE source = {} AND counting AND contest = {}",
                    (source, cid),
                )
                units = np.fromiter((r[0] for r in rows), dtype=np.int32, count=len(rows))
                counts = unpack_matrix([r[1] for r in rows], width)
                out[cid] = (units, counts)
        return out

    def counting_details(
        self, contest: str, source: str | None = None
    ) -> list[tuple[int, bytes, str, int]]:
        """The counting versions of one contest for ``source``: (unit index, packed counts,
        received time, log index), in log order (the order they were reported)."""
        definition = self.definition()
        source = source or definition.info.official_source
        with self.engine.connect() as conn:
            return fetch_raw(
                conn,
                "SELECT unit_idx, counts, received_at, log_idx FROM acta_versions "
                "WHERE source = {} AND counting AND contest = {} ORDER BY log_idx",
                (source, contest),
            )

    def sources(self) -> list[tuple[str, int]]:
        """Sources with their number of counting actas."""
        av = t.acta_versions.c
        with self.engine.connect() as conn:
            return [
                (r[0], int(r[1]))
                for r in conn.execute(
                    select(av.source, func.count())
                    .where(av.counting)
                    .group_by(av.source)
                    .order_by(av.source)
                )
            ]

    # ------------------------------------------------------------ bulletins
    def record_bulletin(self, snapshot: dict[str, Any], source: str) -> int:
        """Store a numbered, timestamped snapshot forever; returns its number."""
        created_at = utc_timestamp()
        with self.engine.begin() as conn:
            lock_for_append(conn)
            number = int(
                conn.execute(
                    select(func.coalesce(func.max(t.bulletins.c.number) + 1, 1))
                ).scalar_one()
            )
            doc = {**snapshot, "number": number, "created_at": created_at, "source": source}
            body = canonical_json_fast(doc)
            digest = hashlib.sha256(body).hexdigest()
            event = leaves.bulletin_leaf(number, created_at, source, digest)
            idx = self.append_log(conn, [(leaves.BULLETIN, event)])
            conn.execute(
                insert(t.bulletins).values(
                    number=number,
                    created_at=created_at,
                    source=source,
                    body=body,
                    sha256=digest,
                    log_idx=idx,
                )
            )
        return number

    def bulletins(self) -> list[dict[str, Any]]:
        """Every bulletin's number, time, source, hash and log index."""
        b = t.bulletins.c
        with self.engine.connect() as conn:
            return [
                {
                    "number": r[0],
                    "created_at": r[1],
                    "source": r[2],
                    "sha256": r[3],
                    "log_idx": r[4],
                }
                for r in conn.execute(
                    select(b.number, b.created_at, b.source, b.sha256, b.log_idx).order_by(b.number)
                )
            ]

    def bulletin(self, number: int) -> dict[str, Any]:
        """The full snapshot of bulletin ``number``."""
        with self.engine.connect() as conn:
            body = conn.execute(
                select(t.bulletins.c.body).where(t.bulletins.c.number == number)
            ).scalar_one_or_none()
        if body is None:
            raise StoreError(f"no bulletin number {number}")
        doc: dict[str, Any] = json.loads(bytes(body))
        return doc
