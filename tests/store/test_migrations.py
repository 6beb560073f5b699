"""Alembic migrations on SQLite and PostgreSQL: from an empty database, and from each earlier
revision holding data, to head; the result is the schema of ``store/schema.py`` and nothing
stored before is lost or changed."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select

from escrutinio import reads
from escrutinio.model import Definition
from escrutinio.store import log as store_log
from escrutinio.store import schema as t
from escrutinio.store.database import MIGRATIONS, make_engine, migrate
from escrutinio.store.store import Store
from support import ACTAS_HEADER, ingest_file, reported_store


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


SCRIPTS = ScriptDirectory.from_config(_config())
HEAD = SCRIPTS.get_current_head()
# oldest first; every revision but the head is an "earlier revision"
REVISIONS = [r.revision for r in reversed(list(SCRIPTS.walk_revisions()))]
EARLIER = REVISIONS[:-1]


def _alembic(engine: Engine, verb: str, target: str) -> None:
    """Run ``alembic upgrade|downgrade target`` on the engine, as ``migrate`` does."""
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, verb)(cfg, target)


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _schema_differences(engine: Engine) -> list[Any]:
    """What autogenerate would change to make the database match ``schema.metadata``."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, t.metadata))


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def _contents(engine: Engine, tables: set[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the given tables, in primary-key order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name in sorted(tables):
            table = t.metadata.tables[name]
            order = list(table.primary_key.columns) or list(table.columns)
            out[name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    return out


def test_revisions_form_one_line() -> None:
    assert REVISIONS[0] == "0001" and REVISIONS[-1] == HEAD
    assert len(SCRIPTS.get_heads()) == 1
    for older, newer in itertools.pairwise(REVISIONS):
        assert SCRIPTS.get_revision(newer).down_revision == older


def test_upgrade_from_empty(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert _tables(engine) == set()
        migrate(engine)
        assert _revision(engine) == HEAD
        assert _tables(engine) == set(t.metadata.tables)
        assert _schema_differences(engine) == []
        migrate(engine)  # idempotent
        assert _revision(engine) == HEAD
    finally:
        engine.dispose()


@pytest.mark.parametrize("revision", EARLIER)
def test_upgrade_from_each_earlier_revision_keeps_the_data(
    db_url: str, revision: str, definition: Definition, tmp_path: Path
) -> None:
    # A database with a definition, actas of two sources and a bulletin...
    store = reported_store(db_url, definition, tmp_path)
    witness = tmp_path / "witness.csv"
    witness.write_text(
        ACTAS_HEADER + "u1,gov-A,witness:X,2017-10-15T21:00:00Z,300,3,,101,20,149,5,,\n",
        encoding="utf-8",
    )
    ingest_file(store, witness)
    reads.record_bulletin(store)
    store.close()
    engine = make_engine(db_url)
    try:
        # ...taken back to the earlier revision (tables added later are dropped, empty)...
        _alembic(engine, "downgrade", revision)
        assert _revision(engine) == revision
        kept = _tables(engine)
        assert kept <= set(t.metadata.tables)  # 0007 → 0008 adds only indexes
        assert _schema_differences(engine) != []  # the comparison sees what is missing
        before = _contents(engine, kept)
        assert before["acta_versions"] and before["log_entries"] and before["bulletins"]

        # ...is brought to head by opening it, as every command does.
        upgraded = Store.open(db_url)
        upgraded.close()
        assert _revision(engine) == HEAD
        assert _schema_differences(engine) == []
        assert _contents(engine, kept) == before
        added = set(t.metadata.tables) - kept
        assert all(rows == [] for rows in _contents(engine, added).values())
    finally:
        engine.dispose()

    # The upgraded store keeps working: the log grows from where it was.
    store = Store.open(db_url)
    try:
        size = store_log.log_size(store)
        assert size == len(before["log_entries"])
        number, _ = reads.record_bulletin(store)
        assert number == 2 and store_log.log_size(store) == size + 1
    finally:
        store.close()


def test_the_check_indexes_exist_after_upgrade(db_url: str) -> None:
    """0008's indexes: the incremental integrity check reads log entries by kind and acta
    rows by log index."""
    engine = make_engine(db_url)
    try:
        migrate(engine)
        found = {
            (table, ix["name"], tuple(ix["column_names"]))
            for table in ("log_entries", "acta_versions")
            for ix in inspect(engine).get_indexes(table)
        }
        assert ("log_entries", "ix_log_entries_kind_idx", ("kind", "idx")) in found
        assert (
            "acta_versions",
            "ix_acta_versions_log_idx_counting",
            ("log_idx", "counting"),
        ) in found
    finally:
        engine.dispose()
