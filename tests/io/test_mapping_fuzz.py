"""Fuzzing column mappings (issue 9): mutated mapping files and foreign CSV files never give a
traceback, only an :class:`InputError` (or rejected rows) naming the file and line; whatever
``convert`` writes is a definition ``load_definition`` accepts.

The normal run tries a few hundred inputs per kind; the ``slow`` campaign 10,000 per kind."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from fuzzing import assert_explained, mutate, nudge
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escrutinio.io.definition_files import load_definition
from escrutinio.io.mapping import convert, load_mapping
from escrutinio.model.errors import InputError

MAPPING = """\
election:
  id: demo-2024
  name: "Elección de prueba"
  date: "2024-07-28"
  official_source: "citizen:demo"
  registered_known: false
region_levels: [state, parish]
contest:
  id: presidente
  name: Presidencia
  candidates: [{id: eg, name: "Edmundo"}, {id: nm, name: "Nicolás"}]
input: {encoding: utf-8, delimiter: ","}
regions:
  - {level: state, column: Estado}
  - {level: parish, column: Parroquia}
name_fixes: {"MONTA¿A": "MONTAÑA"}
units: {}
counts:
  options: {eg: egu, nm: nm}
  "null": nulos
  voters: {sum: [validos, nulos]}
checks:
  - {column: validos, equals_sum_of: [egu, nm]}
source: "citizen:demo"
received_at: "2024-08-02T00:00:00Z"
"""
SOURCE = (
    "Estado,Parroquia,validos,nulos,egu,nm\n"
    "Bolívar,Catedral,300,2,200,100\n"
    '"ZULIA","MONTA¿A",150,0,100,50\r\n'
    "Zulia,Montaña,10,1,4,6\n"
)
FAST, SLOW = 120, 10_000


def _check_convert(mapping: Path, source: Path, out: Path, seen: set[bytes] | None = None) -> None:
    """Convert; a refusal or rejected row must explain itself, and the files written must
    load as a definition (checked once per distinct output when ``seen`` is given)."""
    try:
        report = convert(mapping, source, out)
    except InputError as exc:
        assert_explained(exc)
        return
    for issue in report.rejected:
        assert issue.file == str(source) and issue.line is not None, issue
    if report.rejected:
        assert_explained(InputError(report.rejected))
    written = b"\x00".join(
        (out / name).read_bytes() for name in ("election.yaml", "regions.csv", "units.csv")
    )
    if seen is not None:
        if written in seen:
            return
        seen.add(written)
    definition = load_definition(out / "election.yaml")
    assert len(definition.units) == report.rows_converted


def _campaign(tmp: Path, kind: str, count: int) -> None:
    rng = random.Random(f"mapping-{kind}-{count}")
    mapping, source, out = tmp / "mapping.yaml", tmp / "source.csv", tmp / "out"
    mapping.write_text(MAPPING, encoding="utf-8")
    source.write_text(SOURCE, encoding="utf-8")
    seed = (MAPPING if kind == "mapping.yaml" else SOURCE).encode()
    target = mapping if kind == "mapping.yaml" else source
    seen: set[bytes] = set()
    for _ in range(count):
        target.write_bytes(nudge(seed, rng) if rng.random() < 0.25 else mutate(seed, rng))
        _check_convert(mapping, source, out, seen)


def test_seed_converts(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(MAPPING, encoding="utf-8")
    (tmp_path / "s.csv").write_text(SOURCE, encoding="utf-8")
    report = convert(tmp_path / "m.yaml", tmp_path / "s.csv", tmp_path / "out")
    assert report.rows_converted == 3 and report.rejected == []
    assert report.regions == 4  # MONTA¿A is fixed to MONTAÑA, the same parish as Montaña


@pytest.mark.parametrize("kind", ["mapping.yaml", "source.csv"])
def test_mutated_mappings_never_crash(tmp_path: Path, kind: str) -> None:
    _campaign(tmp_path, kind, FAST)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["mapping.yaml", "source.csv"])
def test_mapping_fuzz_campaign(tmp_path: Path, kind: str) -> None:
    _campaign(tmp_path, kind, SLOW)


cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["9" * 5_000, "x" * 140_000, "Bol\x00var", "Bol\u0085var", "-1", "١٢"]),
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(cell, min_size=5, max_size=7), max_size=4))
def test_hostile_cells(tmp_path: Path, rows: list[list[str]]) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Estado", "Parroquia", "validos", "nulos", "egu", "nm"])
    writer.writerows(rows)
    (tmp_path / "m.yaml").write_text(MAPPING, encoding="utf-8")
    (tmp_path / "s.csv").write_bytes(buffer.getvalue().encode("utf-8", "surrogatepass"))
    _check_convert(tmp_path / "m.yaml", tmp_path / "s.csv", tmp_path / "out")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("input: {encoding: utf-8,", "input: {encoding: klingon,"), "unknown encoding 'klingon'"),
        (("input: {encoding: utf-8,", "input: {encoding: base64,"), "unknown encoding 'base64'"),
        (('delimiter: ","', 'delimiter: "\\n"'), "cannot separate fields"),
        (('received_at: "2024-08-02T00:00:00Z"', "received_at: soon"), "ISO 8601"),
        (("region_levels: [state, parish]", "region_levels: [state, 'a b']"), "region_levels"),
        (('name: "Elección de prueba"', 'name: "Elec\\u0007"'), "control character U\\+0007"),
        (("[{id: eg, name:", "[{id: eg, party: X, name:"), "party"),
        (("units: {}", "units: &a {}\nx: *a"), "aliases"),
    ],
)
def test_bad_mapping_values_are_named(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    text = MAPPING.replace(*change)
    assert text != MAPPING
    (tmp_path / "m.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        load_mapping(tmp_path / "m.yaml")
    assert_explained(caught.value)


def test_latin1_source_names_line_and_byte(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(MAPPING, encoding="utf-8")
    (tmp_path / "s.csv").write_bytes(SOURCE.encode("latin-1"))
    with pytest.raises(InputError, match=r"byte 0xED at byte offset 41") as caught:
        convert(tmp_path / "m.yaml", tmp_path / "s.csv", tmp_path / "out")
    assert caught.value.issues[0].line == 2
    assert not (tmp_path / "out").exists()  # nothing written


def test_huge_count_and_long_cell_are_rejected_rows(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(MAPPING, encoding="utf-8")
    body = (
        "Estado,Parroquia,validos,nulos,egu,nm\n"
        f"Zulia,A,{'9' * 5_000},0,1,1\n"
        f"Zulia,{'B' * 140_000},3,0,1,2\n"
        "Zulia,C,3,0,1,2\n"
    )
    (tmp_path / "s.csv").write_text(body, encoding="utf-8")
    report = convert(tmp_path / "m.yaml", tmp_path / "s.csv", tmp_path / "out")
    assert report.rows_converted == 1
    messages = {(i.line, i.message.split(":")[0]) for i in report.rejected}
    assert (2, "expected a count of at most 18 digits, got 5,000 digits") in messages
    assert any(line == 3 for line, _ in messages)
