"""Exit status of the CLI: 0 done, 1 some rows rejected, 2 could not run (never a traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from acta_kit import GOOD_ROWS, HEADER, JSONL_ROWS
from escrutinio.cli.main import app
from escrutinio.store import definitions as store_definitions
from escrutinio.store import intake as store_intake
from escrutinio.store.store import Store
from support import small_definition, table_counts


@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    store = Store.open(db_url)
    store_definitions.load_definition(store, small_definition())
    store.close()
    return {"ESCRUTINIO_DB": db_url, "COLUMNS": "200"}


def run(env: dict[str, str], *args: str, code: int) -> str:
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return " ".join(result.output.split())


def counts(env: dict[str, str]) -> tuple[int, int]:
    store = Store.open(env["ESCRUTINIO_DB"])
    try:
        return table_counts(store)
    finally:
        store.close()


def write(tmp_path: Path, name: str, data: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def test_zero_when_every_row_is_stored(env: dict[str, str], tmp_path: Path) -> None:
    out = run(env, "import", write(tmp_path, "a.csv", HEADER + GOOD_ROWS[0]), code=0)
    assert "1 accepted" in out


def test_one_when_some_rows_are_rejected_and_the_others_are_stored(
    env: dict[str, str], tmp_path: Path
) -> None:
    data = HEADER + GOOD_ROWS[0] + GOOD_ROWS[1].replace("u5", "u99")
    out = run(env, "import", write(tmp_path, "a.csv", data), code=1)
    assert "line 3, field 'unit': unknown polling unit 'u99'" in out
    assert counts(env) == (1, 2)


def test_two_for_a_missing_file_before_anything_is_stored(
    env: dict[str, str], tmp_path: Path
) -> None:
    good = write(tmp_path, "a.csv", HEADER + GOOD_ROWS[0])
    out = run(env, "import", good, str(tmp_path / "missing.csv"), code=2)
    assert "missing.csv: file not found" in out
    assert counts(env) == (0, 1)


def test_two_for_a_bad_header(env: dict[str, str], tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", HEADER.replace(",b2\n", ",b1\n") + GOOD_ROWS[0])
    out = run(env, "import", path, code=2)
    assert "line 1: column 'b1' appears more than once in the header (columns 12 and 13)" in out


def test_two_for_an_unknown_encoding(env: dict[str, str], tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", HEADER + GOOD_ROWS[0])
    assert "unknown encoding 'klingon'" in run(env, "import", "--encoding", "klingon", path, code=2)


def test_an_explicit_encoding_reads_a_latin1_file(env: dict[str, str], tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", (HEADER + GOOD_ROWS[0] + "é\n").encode("latin-1"))
    out = run(env, "import", path, code=1)
    assert "line 3: not valid UTF-8 at byte offset" in out
    out = run(env, "import", "--encoding", "latin-1", path, code=1)
    assert "line 3: expected 13 fields as in the header, got 1" in out


def test_two_without_a_definition(db_url: str, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", HEADER + GOOD_ROWS[0])
    out = run({"ESCRUTINIO_DB": db_url, "COLUMNS": "200"}, "import", path, code=2)
    assert "error:" in out


def test_two_and_no_traceback_for_an_unexpected_error(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(store_intake, "ingest_chunks", broken)
    out = run(env, "import", write(tmp_path, "a.csv", HEADER + GOOD_ROWS[0]), code=2)
    assert "unexpected error (RuntimeError: boom)" in out


def test_log_check_passes_after_a_source_with_a_newline_was_refused(
    env: dict[str, str], tmp_path: Path
) -> None:
    bad = JSONL_ROWS[0].replace('"contest"', '"source":"witness\\n","contest"')
    out = run(env, "import", write(tmp_path, "a.jsonl", bad + JSONL_ROWS[2]), code=1)
    assert "field 'source': not a valid source name: 'witness\\n'" in out
    run(env, "log", "check", code=0)
    keys = tmp_path / "keys"
    run(env, "keys", "generate", "--name", "escrutinio.example/t", "--out", str(keys), code=0)
    skey = str(keys / "escrutinio.example_t.skey")
    out = run(env, "publish", str(tmp_path / "pub"), "--key", skey, code=0)
    assert (tmp_path / "pub" / "manifest.json").is_file()
    assert "store check: full" in out and not (tmp_path / "pub" / "archive").exists()
    out = run(env, "publish", str(tmp_path / "pub"), "--key", skey, code=0)
    assert "store check: incremental from log size" in out
    out = run(env, "publish", str(tmp_path / "pub"), "--key", skey, "--final", code=0)
    assert "store check: full" in out and "archive/publication.tar sha256" in out
    assert (tmp_path / "pub" / "archive" / "publication.tar").is_file()
