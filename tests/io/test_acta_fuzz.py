"""Fuzzing the acta readers: damaged CSV and JSON Lines files never crash intake, every
problem gets a specific located message, the column-wise and row paths agree exactly, and a
rejected row stores nothing.

A fast campaign runs in every test run; the ``slow`` one feeds 10,000 inputs per kind."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acta_kit import CELLS, GOOD_ROWS, HEADER, JSONL_ROWS, Outcome, column_path, mutate, row_path
from escrutinio.io.actas_files import use_columnar
from escrutinio.model import Definition, InputError
from escrutinio.publish.integrity import check_store
from escrutinio.store import definitions as store_definitions
from escrutinio.store.store import Store
from support import ingest_file, small_definition, table_counts

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CSV_BASE = (HEADER + "".join(GOOD_ROWS)).encode()
JSONL_BASE = "".join(JSONL_ROWS).encode()


def assert_specific(outcome: Outcome, path: Path) -> None:
    """Every issue names the file and a line, and no message carries a raw control byte."""
    if outcome.error is not None:
        assert outcome.error.issues, "a file error without issues"
        for issue in outcome.error.issues:
            assert issue.file == str(path) and issue.message
            assert not CONTROL.search(str(issue)), str(issue)
        return
    for issue in outcome.issues:
        assert issue.file == str(path) and issue.line is not None and issue.line >= 1
        assert issue.message and not CONTROL.search(str(issue)), str(issue)


def assert_same(a: Outcome, b: Outcome) -> None:
    assert a.accepted == b.accepted
    assert [str(i) for i in a.issues] == [str(i) for i in b.issues]
    assert str(a.error) == str(b.error)


def fuzz_one(path: Path, data: bytes, definition: Definition) -> Outcome:
    """Feed one input to both paths; only InputError (a file error) may come out."""
    path.write_bytes(data)
    rows = row_path(path, definition)
    assert_specific(rows, path)
    if use_columnar(path):  # otherwise the file importer takes the row path too
        assert_same(column_path(path, definition), rows)
    return rows


def campaign(tmp_path: Path, seed: int, count: int, suffix: str) -> dict[str, int]:
    definition = small_definition()
    rng = random.Random(seed)
    base = CSV_BASE if suffix == ".csv" else JSONL_BASE
    path = tmp_path / f"fuzz{suffix}"
    tally = {"file_errors": 0, "rows_rejected": 0, "accepted": 0}
    for _ in range(count):
        data = mutate(base, rng)
        try:
            out = fuzz_one(path, data, definition)
        except AssertionError as exc:
            raise AssertionError(f"input {data!r}") from exc
        tally["file_errors"] += out.error is not None
        tally["rows_rejected"] += len({i.line for i in out.issues})
        tally["accepted"] += len(out.accepted)
    return tally


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_seeded_mutations_never_crash_and_both_paths_agree(tmp_path: Path, suffix: str) -> None:
    tally = campaign(tmp_path, seed=9, count=300, suffix=suffix)
    assert tally["rows_rejected"] > 0 and tally["accepted"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_ten_thousand_mutations_per_kind(tmp_path: Path, suffix: str) -> None:
    tally = campaign(tmp_path, seed=2026, count=10_000, suffix=suffix)
    assert tally["rows_rejected"] > 0 and tally["accepted"] > 0


token = st.sampled_from([*CELLS, "u1", "u2", "u5", "gov-A", "gov-B", "100", "20", "300", "3"])
csv_row = st.lists(token, min_size=11, max_size=15).map(",".join)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(csv_row, min_size=1, max_size=12),
    newline=st.sampled_from(["\n", "\r\n"]),
    final=st.booleans(),
    noise=st.binary(max_size=6),
    at=st.integers(min_value=0),
)
def test_generated_csv_files_agree_on_both_paths(
    definition: Definition,
    tmp_path: Path,
    rows: list[str],
    newline: str,
    final: bool,
    noise: bytes,
    at: int,
) -> None:
    text = HEADER.replace("\n", newline) + newline.join(rows) + (newline if final else "")
    data = text.encode()
    cut = len(HEADER) + at % (len(data) - len(HEADER) + 1)
    fuzz_one(tmp_path / "gen.csv", data, definition)
    fuzz_one(tmp_path / "noisy.csv", data[:cut] + noise + data[cut:], definition)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_rejected_rows_store_nothing_on_sqlite(tmp_path: Path, suffix: str) -> None:
    """A smaller campaign through the real store: what is stored is exactly what the
    reader-level check accepted, and the log still checks."""
    definition = small_definition()
    rng = random.Random(31)
    base = CSV_BASE if suffix == ".csv" else JSONL_BASE
    for n in range(25):
        store = Store.open(f"sqlite:///{tmp_path / f'{n}.db'}")
        store_definitions.load_definition(store, definition)
        path = tmp_path / f"f{n}{suffix}"
        data = mutate(base, rng)
        path.write_bytes(data)
        expected = column_path(path, definition)
        try:
            report = ingest_file(store, path, received_at="2017-10-15T23:00:00Z")
        except InputError as exc:
            assert str(exc) == str(expected.error)
            assert table_counts(store) == (0, 1)
        else:
            assert expected.error is None
            assert [str(i) for i in report.issues] == [str(i) for i in expected.issues], data
            assert report.accepted + report.duplicates + report.conflicts == len(expected.accepted)
            stored = report.accepted + report.conflicts
            assert table_counts(store) == (stored, stored + 1)
            assert check_store(store) == []
        store.close()
