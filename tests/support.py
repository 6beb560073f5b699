"""Helpers shared by tests: a small election definition and fresh databases of each kind."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from escrutinio.io.acta_chunks import FILE_CHUNK, file_chunks
from escrutinio.model import (
    Alliance,
    BallotOption,
    Candidate,
    Contest,
    Definition,
    DefinitionMeta,
    ElectionInfo,
    Party,
    RegionRow,
    UnitRow,
    build_definition,
)
from escrutinio.store import definitions as store_definitions
from escrutinio.store import intake as store_intake
from escrutinio.store import schema as t
from escrutinio.store.intake import IngestReport
from escrutinio.store.store import Store

PG_URL = os.environ.get("ESCRUTINIO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def ingest_file(
    store: Store,
    path: str | Path,
    *,
    source: str | None = None,
    received_at: str | None = None,
    encoding: str | None = None,
    chunk_size: int = FILE_CHUNK,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Read, check and store an acta file as ``escrutinio import`` does (io reads, the
    store takes the checked chunks)."""
    chunks = file_chunks(
        path,
        store_definitions.read_definition(store),
        source=source,
        received_at=received_at,
        encoding=encoding,
        chunk_size=chunk_size,
    )
    return store_intake.ingest_chunks(store, chunks, progress)


def small_definition(tolerance: int = 0) -> Definition:
    """Two states, three parishes, six units; a governor race per state and a national race."""
    meta = DefinitionMeta(
        election=ElectionInfo(
            id="test-2017",
            name="Test election",
            date="2017-10-15",
            registered_tolerance=tolerance,
        ),
        region_levels=["state", "parish"],
        alliances=[Alliance(id="GPP", name="Gran Polo"), Alliance(id="MUD", name="Unidad")],
        parties=[
            Party(id="PSUV", name="PSUV", alliance="GPP"),
            Party(id="PCV", name="PCV", alliance="GPP"),
            Party(id="MUDP", name="MUD", alliance="MUD"),
        ],
        contests=[
            Contest(
                id="gov-A",
                name="Governor A",
                scope="A",
                candidates=[
                    Candidate(id="a1", name="Ana"),
                    Candidate(id="a2", name="Beto"),
                    Candidate(id="a3", name="Otro"),
                ],
                options=[
                    BallotOption(id="a1-psuv", candidate="a1", party="PSUV"),
                    BallotOption(id="a1-pcv", candidate="a1", party="PCV"),
                    BallotOption(id="a2-mud", candidate="a2", party="MUDP"),
                    BallotOption(id="a3", candidate="a3"),
                ],
            ),
            Contest(
                id="gov-B",
                name="Governor B",
                scope="B",
                candidates=[
                    Candidate(id="b1", name="Carla", alliance="GPP"),
                    Candidate(id="b2", name="Dario", alliance="MUD"),
                ],
            ),
        ],
    )
    regions = [
        RegionRow("A", "State A", "state", None),
        RegionRow("B", "State B", "state", None),
        RegionRow("A1", "Parish A1", "parish", "A"),
        RegionRow("A2", "Parish A2", "parish", "A"),
        RegionRow("B1", "Parish B1", "parish", "B"),
    ]
    units = [
        UnitRow("u1", "A1", 500),
        UnitRow("u2", "A1", 400),
        UnitRow("u3", "A2", 300),
        UnitRow("u4", "A2", 200),
        UnitRow("u5", "B1", 600),
        UnitRow("u6", "B1", 100),
    ]
    return build_definition(meta, regions, units)


def _pg_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"), connect_timeout=3):
            return None
    except Exception as exc:  # any failure means: no usable server here
        return f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}: {exc}"


_PG_REASON = _pg_available()


@contextmanager
def fresh_db_url(kind: str, directory: Path) -> Iterator[str]:
    """A fresh empty database URL: a SQLite file, or a private PostgreSQL schema."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / f'test-{uuid.uuid4().hex[:8]}.db'}"
        return
    if _PG_REASON:
        pytest.skip(_PG_REASON)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = PG_URL.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        sep = "&" if "?" in PG_URL else "?"
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


DB_KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def table_counts(store: Store) -> tuple[int, int]:
    """Number of stored acta versions and of log entries."""
    with store.engine.connect() as conn:
        actas = conn.execute(select(func.count()).select_from(t.acta_versions)).scalar_one()
        logs = conn.execute(select(func.count()).select_from(t.log_entries)).scalar_one()
    return int(actas), int(logs)


ACTAS_HEADER = "unit,contest,source,received_at,voters,null,blank,a1-psuv,a1-pcv,a2-mud,a3,b1,b2\n"
REPORTED_ROWS = [
    "u1,gov-A,,2017-10-15T20:00:00Z,300,3,,100,20,150,5,,\n",
    "u2,gov-A,,2017-10-15T20:00:00Z,300,0,,160,10,120,0,,\n",
    "u3,gov-A,,2017-10-15T20:00:00Z,200,0,,90,10,90,0,,\n",
    "u4,gov-A,,2017-10-15T20:00:00Z,150,0,,70,5,60,5,,\n",
    "u5,gov-B,,2017-10-15T20:05:00Z,400,2,1,,,,,300,90\n",
    "u6,gov-B,,2017-10-15T20:05:00Z,90,0,0,,,,,60,30\n",
]
AUDIT_SEED = "12345678901234567890"


def reported_store(db_url: str, definition: Definition, directory: Path) -> Store:
    """A store with the small definition and one official acta per table (the audit
    tests' election)."""
    store = Store.open(db_url)
    store_definitions.load_definition(store, definition)
    path = directory / "actas.csv"
    path.write_text(ACTAS_HEADER + "".join(REPORTED_ROWS), encoding="utf-8")
    ingest_file(store, path)
    return store
