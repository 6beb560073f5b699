"""Database connection: SQLite (WAL) by default, PostgreSQL through a ``postgresql+psycopg`` URL."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection

DEFAULT_DB = "escrutinio.db"
WAL_AUTOCHECKPOINT = 1000  # SQLite's default, in pages
ENV_VAR = "ESCRUTINIO_DB"
MIGRATIONS = Path(__file__).parent / "migrations"


def resolve_url(db: str | None = None) -> str:
    """Turn ``--db`` / ``ESCRUTINIO_DB`` (a URL or a file path) into a SQLAlchemy URL."""
    value = db or os.environ.get(ENV_VAR) or DEFAULT_DB
    if "://" in value:
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and an immediate-lock write mode."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA page_size=16384")  # takes effect when the file is created
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA cache_size=-131072")  # 128 MiB of page cache
            cur.execute("PRAGMA temp_store=MEMORY")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(727001)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def lock_for_append(conn: Connection) -> None:
    """Serialise writers so log indexes are assigned without gaps in commit order.

    SQLite already holds its write lock (``BEGIN IMMEDIATE``); PostgreSQL takes a
    transaction-scoped advisory lock.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text(APPEND_LOCK_SQL))


APPEND_LOCK_SQL = "SELECT pg_advisory_xact_lock(727002)"
"""PostgreSQL's append lock (`lock_for_append`), for callers sending it with other
statements in one round trip."""


@contextmanager
def background_checkpoints(engine: Engine, writer: Connection) -> Iterator[None]:
    """While a long import writes through ``writer``, copy SQLite's write-ahead log into
    the database file from a second connection on another thread, so that I/O overlaps
    the import instead of stalling its commits. A final checkpoint runs before returning.
    Durability is unchanged (the same WAL checkpoints, only elsewhere); other databases
    are left alone.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    raw_writer = writer.connection.dbapi_connection
    assert raw_writer is not None
    raw_writer.execute("PRAGMA wal_autocheckpoint=0")
    stop = threading.Event()
    failures: list[BaseException] = []

    def checkpoint_until_stopped() -> None:
        try:
            with closing(engine.raw_connection()) as reader:
                while not stop.wait(0.05):
                    with suppress(sqlite3.OperationalError):  # busy: the next round catches up
                        reader.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except BaseException as exc:  # reported to the importing thread below
            failures.append(exc)

    thread = threading.Thread(target=checkpoint_until_stopped, name="escrutinio-checkpoint")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        raw_writer.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT}")
        with suppress(sqlite3.OperationalError):  # busy: a later commit checkpoints instead
            raw_writer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    if failures:
        raise failures[0]
