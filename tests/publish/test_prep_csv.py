"""actas_prep.csv: one row per acta version with its leaf, hashes, origin and counts."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_pubkit import Pub, wave1

from escrutinio.ledger.merkle import leaf_hash
from escrutinio.model import Definition
from escrutinio.publish import formats
from escrutinio.store import log as store_log


@pytest.fixture
def pub(tmp_path: Path, definition: Definition) -> Iterator[Pub]:
    p = wave1(f"sqlite:///{tmp_path / 'store.db'}", definition, tmp_path)
    yield p
    p.store.close()


def test_one_row_per_acta_version_with_its_leaf(pub: Pub, definition: Definition) -> None:
    text = (pub.out / "actas_prep.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    options = formats.prep_option_columns(definition)
    assert list(rows[0]) == [*formats.PREP_FIXED_COLUMNS, *options]
    actas = list(csv.DictReader(io.StringIO((pub.out / "actas.csv").read_text())))
    assert [r["leaf_index"] for r in rows] == [a["log_index"] for a in actas]
    entries = {e.idx: e.body for e in store_log.log_entries(pub.store)}
    for row, acta in zip(rows, actas, strict=True):
        assert row["leaf_hash"] == leaf_hash(entries[int(row["leaf_index"])]).hex()
        assert row["sender"] == ""
        for key in ("unit", "contest", "source", "content_hash", "null", "voters", "blank"):
            assert row[key] == acta[key]
        contest = definition.contests[row["contest"]]
        mine = {o.id for o in contest.options}
        assert all(row[o] == "" for o in options if o not in mine)
        assert sum(int(row[o]) for o in mine) + int(row["null"]) + int(row["blank"] or 0) <= int(
            row["voters"]
        )


def test_field_dictionary_describes_every_fixed_column() -> None:
    described = formats.FIELDS["actas_prep.csv"]
    assert set(formats.PREP_FIXED_COLUMNS) <= set(described)
    assert "<option id>" in described
