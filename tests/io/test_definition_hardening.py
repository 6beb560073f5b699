"""Regression tests (issue 9, item 8): each input that crashed the definition loader or ran
for minutes now gets one specific error naming file, line and field, quickly, and ``init``
stores nothing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fuzzing import assert_explained
from typer.testing import CliRunner

from escrutinio.cli.main import app
from escrutinio.io import definition_files as files
from escrutinio.io import definition_rows
from escrutinio.model.errors import DefinitionError, Issue
from escrutinio.store.definitions import read_definition
from escrutinio.store.log import log_size
from escrutinio.store.store import Store, StoreError

DEF = """\
election: {id: e1, name: Test, date: "2017-10-15"}
region_levels: [state, parish]
regions: regions.csv
units: units.csv
contests:
  - {id: c1, name: Contest, candidates: [{id: a, name: Ana}]}
"""
REGIONS = "id,name,level,parent\nA,State A,state,\nA1,Parish,parish,A\n"
UNITS = "id,region,registered\nu1,A1,5\n"


def _write(
    tmp: Path,
    definition: str = DEF,
    regions: bytes | None = None,
    units: bytes | None = None,
    name: str = "election.yaml",
) -> Path:
    (tmp / "regions.csv").write_bytes(REGIONS.encode() if regions is None else regions)
    (tmp / "units.csv").write_bytes(UNITS.encode() if units is None else units)
    path = tmp / name
    path.write_text(definition, encoding="utf-8")
    return path


def _refused(path: Path, seconds: float = 2.0) -> list[Issue]:
    start = time.monotonic()
    with pytest.raises(DefinitionError) as caught:
        files.load_definition(path)
    assert time.monotonic() - start < seconds
    assert_explained(caught.value)
    return caught.value.issues


def _only(issues: list[Issue]) -> Issue:
    assert len(issues) == 1, issues
    return issues[0]


def test_latin1_regions_name_line_and_byte_offset(tmp_path: Path) -> None:
    regions = "id,name,level,parent\nA,Bolívar,state,\n".encode("latin-1")
    issue = _only(_refused(_write(tmp_path, regions=regions)))
    assert issue.file == str(tmp_path / "regions.csv") and issue.line == 2
    assert issue.message.startswith("not UTF-8: byte 0xED at byte offset 26")


def test_utf8_with_bom_is_fine(tmp_path: Path) -> None:
    path = _write(tmp_path, regions=b"\xef\xbb\xbf" + REGIONS.encode())
    assert files.load_definition(path).regions.ids == ["A", "A1"]


def test_oversized_table_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(definition_rows, "MAX_TABLE_BYTES", 40)
    issue = _only(_refused(_write(tmp_path)))
    assert issue.file == str(tmp_path / "regions.csv")
    assert issue.message == f"the file has {len(REGIONS):,} bytes; at most 40 are read"


def test_cell_over_the_csv_limit(tmp_path: Path) -> None:
    regions = REGIONS + "B," + "x" * 140_000 + ",state,\n"
    issue = _only(_refused(_write(tmp_path, regions=regions.encode())))
    assert (issue.line, issue.message) == (4, "a cell is longer than 131,072 characters")


def test_units_cell_over_the_limit_is_refused_by_both_readers(tmp_path: Path) -> None:
    units = UNITS + "u2,A1,5," + "c1;" * 50_000 + "\n"
    issue = _only(
        _refused(
            _write(
                tmp_path, units=units.replace("registered\n", "registered,contests\n", 1).encode()
            )
        )
    )
    assert (issue.line, issue.message) == (3, "a cell is longer than 131,072 characters")


def test_yaml_nested_five_thousand_deep(tmp_path: Path) -> None:
    issue = _only(_refused(_write(tmp_path, DEF + "x: " + "[" * 5_000 + "]" * 5_000 + "\n")))
    assert issue.line == 7 and "nest" in issue.message


def test_yaml_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    bomb = DEF + "".join(
        f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9 if i else ['lol'] * 9)}]\n" for i in range(10)
    )
    issue = _only(_refused(_write(tmp_path, bomb), seconds=0.5))
    assert issue.message == "cannot parse YAML: aliases (*l0) are not accepted; write the value out"
    assert issue.line == 8


@pytest.mark.parametrize("spec", ['""', '"  "'])
def test_empty_regions_path(tmp_path: Path, spec: str) -> None:
    issue = _only(_refused(_write(tmp_path, DEF.replace("regions.csv", spec))))
    assert (issue.field, issue.message) == (
        "regions",
        "expected a list of regions or the path of a CSV file",
    )


@pytest.mark.parametrize("spec", ["../regions.csv", "/etc/passwd", "sub/../../x.csv"])
def test_table_outside_the_definition_folder(tmp_path: Path, spec: str) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    issue = _only(_refused(_write(inner, DEF.replace("units.csv", spec))))
    assert issue.field == "units" and "lies outside the definition's folder" in issue.message


@pytest.mark.parametrize("registered", [str(2**63), str(2**64 + 5), "9" * 5_000, "1000000000001"])
def test_registered_beyond_what_the_store_holds(tmp_path: Path, registered: str) -> None:
    units = f"id,region,registered\nu1,A1,{registered}\n".encode()
    issue = _only(_refused(_write(tmp_path, units=units)))
    assert (issue.line, issue.field) == (2, "registered")
    assert issue.message.startswith("registered electors must be at most 1,000,000,000,000")


def test_registered_at_the_bound_loads(tmp_path: Path) -> None:
    units = b"id,region,registered\nu1,A1,1000000000000\n"
    assert files.load_definition(_write(tmp_path, units=units)).units.registered[0] == 10**12


@pytest.mark.parametrize("registered", ["\u00b2", "\u0663", "1_000", "+5", "0x10"])
def test_registered_must_be_ascii_digits(tmp_path: Path, registered: str) -> None:
    units = f"id,region,registered\nu1,A1,{registered}\n".encode()
    issue = _only(_refused(_write(tmp_path, units=units)))
    assert issue.message == f"expected a non-negative integer, got {registered!r}"


def test_yaml_integer_of_thousands_of_digits(tmp_path: Path) -> None:
    inline = DEF.replace(
        "units: units.csv", f"units: [{{id: u1, region: A1, registered: {'9' * 5000}}}]"
    )
    issue = _only(_refused(_write(tmp_path, inline)))
    assert issue.line == 4 and "an integer of 5,000 characters" in issue.message


def test_yaml_registered_2_pow_63_inline(tmp_path: Path) -> None:
    inline = DEF.replace(
        "units: units.csv", f"units: [{{id: u1, region: A1, registered: {2**63}}}]"
    )
    issue = _only(_refused(_write(tmp_path, inline)))
    assert issue.field == "registered" and "at most 1,000,000,000,000" in issue.message


TOML = """\
region_levels = ["state", "parish"]
regions = "regions.csv"
units = "units.csv"
[election]
id = "e1"
name = "Test"
date = "2017-10-15"
[[contests]]
id = "c1"
name = "Contest"
candidates = [{id = "a", name = "Ana"}]
"""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("x = " + "[" * 5_000 + "]" * 5_000, "cannot parse TOML: nested too deeply"),
        ("x = " + "[" * 100 + "]" * 100, "nested more than 64 levels deep"),
        ("x = " + "9" * 5_000, "cannot parse TOML: Exceeds the limit"),
        ("x = = 1", "cannot parse TOML: Invalid value"),
    ],
)
def test_toml_equivalents(tmp_path: Path, extra: str, message: str) -> None:
    text = extra + "\n" + TOML
    issue = _only(_refused(_write(tmp_path, text, name="election.toml")))
    assert issue.message.startswith(message), issue.message


def test_toml_seed_loads(tmp_path: Path) -> None:
    assert files.load_definition(_write(tmp_path, TOML, name="election.toml")).info.id == "e1"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("name: Test", 'name: "Te\\u0000st"', "election.name"),
        ("name: Contest", 'name: "Con\\ntest"', "contests.0.name"),
        ("name: Ana", 'name: "A\\u202Ena"', None),
        ('date: "2017-10-15"', 'date: "2017-10-15\\n"', "election.date"),
    ],
)
def test_names_go_through_the_text_rule(
    tmp_path: Path, old: str, new: str, field: str | None
) -> None:
    text = DEF.replace(old, new)
    if field is None:  # a right-to-left override is printable: it stays allowed
        assert files.load_definition(_write(tmp_path, text)).contests["c1"].candidates[0].name
        return
    issue = _only(_refused(_write(tmp_path, text)))
    assert issue.field == field and "contains the control character" in issue.message


def test_region_name_with_a_control_character(tmp_path: Path) -> None:
    regions = REGIONS.replace("State A", '"State\x1bA"').encode()
    issue = _only(_refused(_write(tmp_path, regions=regions)))
    assert (issue.line, issue.field) == (2, "name")
    assert "U+001B" in issue.message and "\x1b" not in str(issue)


def test_unit_id_with_a_newline(tmp_path: Path) -> None:
    issue = _only(_refused(_write(tmp_path, units=b'id,region,registered\n"u\n1",A1,5\n')))
    assert issue.field == "id" and issue.message.startswith("'u\\n1' is not a valid identifier")


def test_surrounding_whitespace_of_a_cell_is_trimmed(tmp_path: Path) -> None:
    path = _write(tmp_path, units=b'id,region,registered\n"u1\n",A1, 5\n')
    assert files.load_definition(path).units.ids == ["u1"]


def test_duplicated_header_column(tmp_path: Path) -> None:
    units = b"id,region,registered,registered\nu1,A1,5,6\n"
    issue = _only(_refused(_write(tmp_path, units=units)))
    assert (issue.line, issue.message) == (1, "duplicated column(s) 'registered'")


def test_record_with_more_fields_than_the_header(tmp_path: Path) -> None:
    issue = _only(_refused(_write(tmp_path, units=UNITS.encode() + b"u2,A1,5,x\n")))
    assert (issue.line, issue.message) == (3, "expected at most 3 fields as in the header, got 4")


@pytest.mark.parametrize(
    ("units", "field", "message"),
    [
        ("units: [7]", "units.0", "expected a mapping of id, region, registered, contests"),
        (
            "units: [{id: u1, region: A1, registered: 5, colour: red}]",
            "units.0",
            "unknown key 'colour'",
        ),
        (
            "units: [{id: u1, region: [A1], registered: 5}]",
            "units.0.region",
            "expected text or a number",
        ),
        ("units: {u1: 5}", "units", "expected a list of units or a CSV path"),
    ],
)
def test_inline_units_of_the_wrong_shape(
    tmp_path: Path, units: str, field: str, message: str
) -> None:
    issue = _only(_refused(_write(tmp_path, DEF.replace("units: units.csv", units))))
    assert issue.field == field and issue.message.startswith(message)


def test_init_refuses_and_stores_nothing(tmp_path: Path, db_url: str) -> None:
    path = _write(tmp_path, regions="id,name,level,parent\nA,Bolívar,state,\n".encode("latin-1"))
    result = CliRunner().invoke(app, ["init", str(path)], env={"ESCRUTINIO_DB": db_url})
    assert result.exit_code == 2
    assert "not UTF-8: byte 0xED" in result.output and "Traceback" not in result.output
    store = Store.open(db_url)
    try:
        with pytest.raises(StoreError):
            read_definition(store)
        assert log_size(store) == 0
    finally:
        store.close()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("recount_threshold_pct: .inf", "Input should be a finite number"),
        ("recount_threshold_pct: .nan", "Input should be a finite number"),
        ("recount_threshold_pct: 1e308", "Input should be less than or equal to 100"),
        (f"registered_tolerance: {2**80}", "less than or equal to 1000000000000"),
    ],
)
def test_election_numbers_the_log_cannot_hold(tmp_path: Path, setting: str, message: str) -> None:
    text = DEF.replace('date: "2017-10-15"}', f'date: "2017-10-15", {setting}}}')
    issue = _only(_refused(_write(tmp_path, text)))
    assert issue.field is not None and issue.field.startswith("election.")
    assert message in issue.message


def test_inline_contest_id_read_as_a_number(tmp_path: Path) -> None:
    text = DEF.replace("id: c1,", "id: '2024',").replace(
        "units: units.csv", "units: [{id: u1, region: A1, registered: 5, contests: 2024}]"
    )
    definition = files.load_definition(_write(tmp_path, text))
    assert definition.units.explicit_contests == {0: frozenset({"2024"})}
