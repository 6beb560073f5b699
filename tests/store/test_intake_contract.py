"""Malformed acta files through the real store (SQLite and PostgreSQL): the bad row is
reported, nothing of it is stored, the valid rows are, and the log stays checkable."""

from __future__ import annotations

from pathlib import Path

import pytest

from acta_kit import GOOD_ROWS, HEADER, JSONL_ROWS
from escrutinio.model import InputError
from escrutinio.publish.integrity import check_store
from escrutinio.store import counting as store_counting
from escrutinio.store.store import Store
from support import ingest_file, table_counts


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


@pytest.mark.parametrize("name", ["w.csv", "w.jsonl"])
def test_a_source_ending_in_a_newline_is_refused_and_the_log_stays_checkable(
    store: Store, tmp_path: Path, name: str
) -> None:
    if name.endswith(".csv"):
        bad = GOOD_ROWS[0].replace("gov-A,,", 'gov-A,"witness\n",')
        data = HEADER + bad + GOOD_ROWS[1]
    else:
        bad = JSONL_ROWS[0].replace('"contest"', '"source":"witness\\n","contest"')
        data = bad + JSONL_ROWS[2]
    report = ingest_file(store, write(tmp_path, name, data))
    assert report.accepted == 1 and report.rejected_rows == 1
    assert report.issues[0].field == "source"
    assert "not a valid source name: 'witness\\n'" in report.issues[0].message
    assert table_counts(store) == (1, 2)  # one acta, its leaf and the definition's
    assert [s for s, _ in store_counting.sources(store)] == ["official"]
    assert check_store(store) == []


def test_a_latin1_file_keeps_its_valid_rows_or_is_read_with_its_encoding(
    store: Store, tmp_path: Path
) -> None:
    rows = [GOOD_ROWS[0], GOOD_ROWS[1].replace(",,,,,", ",Bolívar,,,,"), GOOD_ROWS[2]]
    path = write(tmp_path, "l.csv", (HEADER + "".join(rows)).encode("latin-1"))
    report = ingest_file(store, path)
    assert (report.accepted, report.rejected_rows) == (2, 1)
    assert report.issues[0].line == 3 and "not valid UTF-8 at byte offset" in str(report.issues[0])
    assert table_counts(store) == (2, 3)
    again = ingest_file(store, path, encoding="latin-1")
    assert again.duplicates == 2 and again.rejected_rows == 1
    assert again.issues[0].code == "unknown_option"  # decoded: its cell is now the problem


@pytest.mark.parametrize("name", ["t.csv", "t.jsonl"])
def test_a_cut_last_line_is_not_stored(store: Store, tmp_path: Path, name: str) -> None:
    if name.endswith(".csv"):
        data = HEADER + GOOD_ROWS[0] + GOOD_ROWS[2][:-12]
    else:
        data = JSONL_ROWS[0] + JSONL_ROWS[2][:-9]
    report = ingest_file(store, write(tmp_path, name, data))
    assert report.accepted == 1 and report.rejected_rows == 1
    assert "possibly truncated (no final newline)" in report.issues[0].message
    assert table_counts(store) == (1, 2)


def test_a_duplicated_column_stores_nothing(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", HEADER.replace(",b2\n", ",null\n") + GOOD_ROWS[0])
    with pytest.raises(InputError, match="column 'null' appears more than once"):
        ingest_file(store, path)
    assert table_counts(store) == (0, 1)


def test_huge_counts_are_rejected_rows_on_both_paths(store: Store, tmp_path: Path) -> None:
    big = "9" * 5000
    csv_rows = HEADER + GOOD_ROWS[0].replace(",100,", f",{big},") + GOOD_ROWS[1]
    quoted = HEADER + GOOD_ROWS[0].replace(",100,", f',"{big}",') + GOOD_ROWS[1]
    for name, data in (("plain.csv", csv_rows), ("quoted.csv", quoted)):
        report = ingest_file(store, write(tmp_path, name, data))
        assert report.rejected_rows == 1
        assert "count too large" in report.issues[0].message
    assert table_counts(store) == (1, 2)
