"""Definition checks: every cross-reference error names its file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from escrutinio.io.definition_files import load_definition
from escrutinio.model import DefinitionError

DEF = """
election: {id: e1, name: Test, date: "2017-10-15"}
region_levels: [state, parish]
regions: regions.csv
units: units.csv
alliances: [{id: GPP, name: Gran Polo}]
parties:
  - {id: PSUV, name: PSUV, alliance: GPP}
  - {id: PCV, name: PCV, alliance: GPP}
contests:
  - id: gov-A
    name: Governor A
    scope: A
    candidates: [{id: a1, name: Ana}, {id: a2, name: Beto}]
    options:
      - {id: a1-psuv, candidate: a1, party: PSUV}
      - {id: a1-pcv, candidate: a1, party: PCV}
      - {id: a2, candidate: a2}
"""
REGIONS = "id,name,level,parent\nA,State A,state,\nA1,Parish,parish,A\n"
UNITS = "id,region,registered,contests\nu1,A1,500,\nu2,A1,300,gov-A\n"


def make(tmp_path: Path, definition: str = DEF, regions: str = REGIONS, units: str = UNITS) -> Path:
    (tmp_path / "regions.csv").write_text(regions)
    (tmp_path / "units.csv").write_text(units)
    path = tmp_path / "election.yaml"
    path.write_text(definition)
    return path


def test_loads_and_derives_candidate_alliance(tmp_path: Path) -> None:
    d = load_definition(make(tmp_path))
    assert len(d.units) == 2 and int(d.units.registered.sum()) == 800
    assert d.candidate_alliance("gov-A", "a1") == "GPP"
    assert d.candidate_alliance("gov-A", "a2") is None
    assert d.contest_units("gov-A").tolist() == [0, 1]
    lay = d.layout("gov-A")
    assert lay.option_candidate.tolist() == [0, 0, 1]


def test_toml_is_accepted(tmp_path: Path) -> None:
    make(tmp_path)
    toml = tmp_path / "e.toml"
    toml.write_text(
        'region_levels = ["state", "parish"]\nregions = "regions.csv"\nunits = "units.csv"\n'
        '[election]\nid = "e1"\nname = "T"\ndate = "2017-10-15"\n'
        '[[contests]]\nid = "gov-A"\nname = "G"\nscope = "A"\n'
        '[[contests.candidates]]\nid = "a1"\nname = "Ana"\n'
    )
    assert load_definition(toml).contests["gov-A"].options[0].id == "a1"


@pytest.mark.parametrize(
    ("kind", "old", "new", "file", "line", "field", "message"),
    [
        ("units", "u2,A1,300", "u2,ZZ,300", "units.csv", 3, "region", "region 'ZZ' is not defined"),
        ("units", "u2,A1,300", "u1,A1,300", "units.csv", 3, "id", "duplicate polling unit id"),
        ("units", "u2,A1,300", "u2,A1,-3", "units.csv", 3, "registered", "non-negative integer"),
        (
            "units",
            "gov-A\n",
            "gov-X\n",
            "units.csv",
            3,
            "contests",
            "contest 'gov-X' is not defined",
        ),
        ("units", "u2,A1", "u 2,A1", "units.csv", 3, "id", "not a valid identifier"),
        (
            "regions",
            "A1,Parish,parish,A",
            "A1,Parish,parish,Q",
            "regions.csv",
            3,
            "parent",
            "parent region 'Q' is not defined",
        ),
        (
            "regions",
            "A1,Parish,parish",
            "A1,Parish,county",
            "regions.csv",
            3,
            "level",
            "unknown region level 'county'",
        ),
        (
            "definition",
            "scope: A",
            "scope: Q",
            "election.yaml",
            None,
            "contests.gov-A.scope",
            "scope region 'Q'",
        ),
        (
            "definition",
            "candidate: a2}",
            "candidate: a9}",
            "election.yaml",
            None,
            "contests.gov-A.options.a2.candidate",
            "unknown candidate 'a9'",
        ),
        (
            "definition",
            "alliance: GPP}\n  - {id: PCV",
            "alliance: XXX}\n  - {id: PCV",
            "election.yaml",
            None,
            "parties.PSUV.alliance",
            "unknown alliance 'XXX'",
        ),
        (
            "definition",
            'date: "2017-10-15"',
            "",
            "election.yaml",
            None,
            "election.date",
            "required field is missing",
        ),
    ],
)
def test_errors_name_file_line_and_field(
    tmp_path: Path,
    kind: str,
    old: str,
    new: str,
    file: str,
    line: int | None,
    field: str,
    message: str,
) -> None:
    texts = {"definition": DEF, "regions": REGIONS, "units": UNITS}
    assert old in texts[kind]
    texts[kind] = texts[kind].replace(old, new, 1)
    with pytest.raises(DefinitionError) as info:
        load_definition(make(tmp_path, texts["definition"], texts["regions"], texts["units"]))
    issue = info.value.issues[0]
    assert issue.file is not None and issue.file.endswith(file)
    assert issue.line == line
    assert issue.field == field
    assert message in issue.message


def test_unit_outside_listed_contest_scope(tmp_path: Path) -> None:
    regions = REGIONS + "B,State B,state,\n"
    units = UNITS + "u3,B,100,gov-A\n"
    with pytest.raises(DefinitionError, match="outside its scope 'A'"):
        load_definition(make(tmp_path, regions=regions, units=units))


def test_fingerprint_and_canonical_parts_equal_the_reference_encoder(tmp_path: Path) -> None:
    import hashlib

    from escrutinio.model.canonical import canonical_json

    (tmp_path / "election.yaml").write_text(DEF.replace("name: Test", 'name: "Elección «Sur»"'))
    (tmp_path / "regions.csv").write_text(
        'id,name,level,parent\nA,"Bolívar ""Sur""",state,\nA1,Parroquia Ñ,parish,A\n'
    )
    (tmp_path / "units.csv").write_text(
        "id,region,registered,contests\nu1,A1,500,\nu2,A1,40,gov-A\nu3,A1,0,\n"
    )
    definition = load_definition(tmp_path / "election.yaml")
    doc = definition.to_document()
    assert definition.canonical_units == canonical_json(doc["units"])
    assert definition.canonical_regions == canonical_json(doc["regions"])
    assert definition.fingerprint == hashlib.sha256(canonical_json(doc)).hexdigest()


def test_a_contest_whose_actas_could_not_be_published_is_refused(tmp_path: Path) -> None:
    options = "".join(f"      - {{id: option-{i:04d}, candidate: a2}}\n" for i in range(2_000))
    with pytest.raises(DefinitionError, match="has 2003 ballot options: its actas could not"):
        load_definition(make(tmp_path, definition=DEF + options))
