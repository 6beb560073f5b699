"""A units CSV read column-wise gives exactly the definition the row-by-row reader gives,
and any file the column-wise reader declines gets the row reader's messages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escrutinio.io import definition_files as files
from escrutinio.model import Definition, DefinitionError
from escrutinio.model.definition import DefinitionMeta, build_definition

DEF = """
election: {id: e1, name: Test, date: "2017-10-15"}
region_levels: [state, parish]
regions: regions.csv
units: units.csv
contests:
  - {id: gov-A, name: Governor A, scope: A, candidates: [{id: a1, name: Ana}]}
  - {id: nat, name: National, candidates: [{id: n1, name: Nora}]}
"""
REGIONS = (
    "id,name,level,parent\nA,State A,state,\nA1,P1,parish,A\nB,State B,state,\nB1,P2,parish,B\n"
)

unit_id = st.sampled_from(["u1", "u2", "u3", " u4 ", "u5", "bad id", "", "\u00a0u6"])
region = st.sampled_from(["A1", "A1", "B1", " B1", "Z9", ""])
registered = st.sampled_from(["0", "10", " 7 ", "250", "-1", "x", "", "1.5", "\u0663"])
contests = st.sampled_from(["", "", "gov-A", "nat", " gov-A ; nat ", "gov-A;", "gov-Z", ";"])
row = st.tuples(unit_id, region, registered, contests)


def meta_of(path: Path) -> DefinitionMeta:
    doc = files._read_document(path)
    doc.pop("regions")
    doc.pop("units")
    return DefinitionMeta.model_validate(doc)


def row_path(path: Path) -> Definition:
    """The definition as the row-by-row reader builds it (the reference)."""
    regions_file, regions = files._regions(path, "regions.csv")
    units_file, units = files._units(path, "units.csv")
    return build_definition(
        meta_of(path),
        regions,
        units,
        meta_file=str(path),
        regions_file=regions_file,
        units_file=units_file,
    )


def outcome(build: Callable[[], Definition]) -> tuple[str, object]:
    try:
        d = build()
    except DefinitionError as exc:
        return "error", [(i.file, i.line, i.field, i.message) for i in exc.issues]
    return "ok", (
        d.fingerprint,
        d.units.ids,
        d.units.region.tolist(),
        d.units.registered.tolist(),
        d.units.explicit_contests,
        d.units.index,
    )


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(row, max_size=8), quoted=st.booleans())
def test_column_wise_units_equal_the_row_reader(
    tmp_path: Path, rows: list[tuple[str, ...]], quoted: bool
) -> None:
    (tmp_path / "election.yaml").write_text(DEF)
    (tmp_path / "regions.csv").write_text(REGIONS)
    cells = ['"' + c + '"' if quoted else c for r in rows for c in r]
    lines = [",".join(cells[i : i + 4]) for i in range(0, len(cells), 4)]
    (tmp_path / "units.csv").write_text("\n".join(["id,region,registered,contests", *lines]) + "\n")
    path = tmp_path / "election.yaml"
    reference = outcome(lambda: row_path(path))
    assert outcome(lambda: files.load_definition(path)) == reference
    base = build_definition(meta_of(path), files._regions(path, "regions.csv")[1], [])
    fast = files._unit_columns(tmp_path / "units.csv", base)
    if reference[0] == "ok" and not any("\u00a0" in c or "\u0663" in c for c in cells):
        assert fast is not None  # valid files really take the column-wise path


def test_a_million_row_layout_is_read_column_wise(tmp_path: Path) -> None:
    (tmp_path / "election.yaml").write_text(DEF)
    (tmp_path / "regions.csv").write_text(REGIONS)
    body = "".join(
        f"t{i},{'A1' if i % 2 else 'B1'},{i % 700},{'nat' if i % 5 == 0 else ''}\n"
        for i in range(2_000)
    )
    (tmp_path / "units.csv").write_text("\ufeffid,region,registered,contests\r\n" + body)
    definition = files.load_definition(tmp_path / "election.yaml")
    assert len(definition.units) == 2_000
    assert definition.units.explicit_contests[5] == frozenset({"nat"})
    assert np.array_equal(definition.units.registered[:3], [0, 1, 2])
    assert definition.fingerprint == row_path(tmp_path / "election.yaml").fingerprint


@pytest.mark.parametrize(
    ("units", "message"),
    [
        ("id,region,registered\nu1,A1,5\nu1,B1,6\n", "duplicate polling unit id 'u1'"),
        ("id,region,registered,contests\nu1,B1,5,gov-A\n", "outside its scope 'A'"),
        ("id,region,registered\nu1,A1,-5\n", "non-negative integer"),
    ],
)
def test_declined_files_get_the_row_readers_messages(
    tmp_path: Path, units: str, message: str
) -> None:
    (tmp_path / "election.yaml").write_text(DEF)
    (tmp_path / "regions.csv").write_text(REGIONS)
    (tmp_path / "units.csv").write_text(units)
    with pytest.raises(DefinitionError, match=message):
        files.load_definition(tmp_path / "election.yaml")
