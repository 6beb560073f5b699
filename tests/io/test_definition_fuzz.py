"""Fuzzing the definition loader (issue 9): mutated YAML, TOML, regions and units files never
give a traceback, only a :class:`DefinitionError` naming the file; the column-wise and row
readers of units.csv agree exactly; ``init`` stores nothing from a rejected definition.

The normal run tries a few hundred inputs per kind; the ``slow`` campaign 10,000 per kind."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from fuzzing import assert_explained, mutate, nudge
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from escrutinio.cli.main import app
from escrutinio.io import definition_files as files
from escrutinio.model import Definition, DefinitionError
from escrutinio.model.definition import DefinitionMeta, build_definition, with_units
from escrutinio.store.definitions import read_definition
from escrutinio.store.log import log_size
from escrutinio.store.store import Store, StoreError

YAML = """\
election: {id: e1, name: "Elección de prueba", date: "2017-10-15", registered_tolerance: 2}
region_levels: [state, parish]
regions: regions.csv
units: units.csv
alliances: [{id: GPP, name: Gran Polo}]
parties:
  - {id: PSUV, name: PSUV, alliance: GPP}
contests:
  - id: gov-A
    name: Governor A
    scope: A
    seats: 1
    candidates: [{id: a1, name: Ana}, {id: a2, name: Beto, alliance: GPP}]
    options:
      - {id: a1-psuv, candidate: a1, party: PSUV}
      - {id: a2, candidate: a2}
  - {id: nat, name: National, candidates: [{id: n1, name: Nora}]}
"""
YAML_INLINE = YAML.replace(
    "regions: regions.csv",
    "regions:\n  - {id: A, name: Bolívar, level: state}\n"
    "  - {id: A1, name: P1, level: parish, parent: A}",
).replace(
    "units: units.csv",
    "units:\n  - {id: u1, region: A1, registered: 500}\n"
    '  - {id: u2, region: A1, registered: "400", contests: [gov-A, nat]}\n'
    "  - {id: u3, region: A1, registered: 0, contests: nat}",
)
"""The YAML seed with regions and units inline: the campaign reads no CSV file."""
TOML = """\
region_levels = ["state", "parish"]
regions = "regions.csv"
units = "units.csv"

[election]
id = "e1"
name = "Elección de prueba"
date = "2017-10-15"

[[parties]]
id = "PSUV"
name = "PSUV"

[[contests]]
id = "gov-A"
name = "Governor A"
scope = "A"
candidates = [{id = "a1", name = "Ana"}, {id = "a2", name = "Beto"}]
options = [{id = "a1-psuv", candidate = "a1", party = "PSUV"}, {id = "a2", candidate = "a2"}]

[[contests]]
id = "nat"
name = "National"
candidates = [{id = "n1", name = "Nora"}]
"""
REGIONS = (
    "id,name,level,parent\nA,Bolívar,state,\nA1,Parroquia 1,parish,A\n"
    'B,"State, B",state,\nB1,P2,parish,B\n'
)
UNITS = (
    "id,region,registered,contests\n"
    'u1,A1,500,\nu2,A1,400,gov-A\n"u3",B1,300,nat\nu4,B1,0,\r\nu5,A1,250,gov-A;nat\n'
)

FAST, SLOW = 150, 10_000


def _files(tmp: Path, **texts: bytes) -> Path:
    contents = {
        "election.yaml": YAML.encode(),
        "regions.csv": REGIONS.encode(),
        "units.csv": UNITS.encode(),
        **{k.replace("_", "."): v for k, v in texts.items()},
    }
    for name, data in contents.items():
        (tmp / name).write_bytes(data)
    return tmp / ("election.toml" if "election.toml" in contents else "election.yaml")


def _load(path: Path) -> Definition | None:
    """The definition, or None after checking the error explains itself."""
    try:
        return files.load_definition(path)
    except DefinitionError as exc:
        assert_explained(exc)
        return None


def _campaign(
    tmp: Path, kind: str, seed: bytes, count: int, check: Callable[[Path], object]
) -> None:
    """``count`` seeded mutations of ``seed`` written to ``tmp/kind``, each checked; a
    quarter of them gentle (one CSV-syntax byte), so many stay valid."""
    rng = random.Random(f"{kind}-{count}")
    target = tmp / kind
    for _ in range(count):
        target.write_bytes(nudge(seed, rng) if rng.random() < 0.25 else mutate(seed, rng))
        check(target)


def _meta(path: Path) -> DefinitionMeta:
    doc = files._read_document(path)
    doc.pop("regions")
    doc.pop("units")
    return DefinitionMeta.model_validate(doc)


def _outcome(build: Callable[[], Definition]) -> tuple[str, object]:
    try:
        d = build()
    except DefinitionError as exc:
        assert_explained(exc)
        return "error", [(i.file, i.line, i.field, i.message) for i in exc.issues]
    return "ok", (
        d.fingerprint,
        d.units.ids,
        d.units.region.tolist(),
        d.units.registered.tolist(),
        d.units.explicit_contests,
        d.units.index,
    )


def _units_checker(path: Path, taken: list[int]) -> Callable[[Path], None]:
    """Checks a units.csv against the row reader: the column-wise reader, whenever it
    accepts the file, builds exactly the row reader's definition."""
    meta = _meta(path)
    region_rows = files._regions(path, "regions.csv")[1]
    base = build_definition(meta, region_rows, [])

    def row_reader() -> Definition:
        units_file, units = files._units(path, "units.csv")
        return build_definition(
            meta, region_rows, units, meta_file=str(path), units_file=units_file
        )

    def check(units_path: Path) -> None:
        reference = _outcome(row_reader)
        table = files._unit_columns(units_path, base)
        if table is not None:
            taken.append(1)
            fast = _outcome(lambda: with_units(meta, base.regions, table, str(units_path)))
            if fast[0] == "ok" or reference[0] == "ok":
                assert fast == reference

    return check


def _regions_checker(path: Path) -> Callable[[Path], None]:
    meta = _meta(path)

    def check(regions_path: Path) -> None:
        def build() -> Definition:
            regions_file, rows = files._regions(path, regions_path.name)
            return build_definition(meta, rows, [], meta_file=str(path), regions_file=regions_file)

        _outcome(build)

    return check


def _run_kind(tmp: Path, kind: str, count: int) -> None:
    if kind == "election.yaml":
        path = _files(tmp)
        _campaign(tmp, kind, YAML_INLINE.encode(), count, _load)
    elif kind == "election.toml":
        path = _files(tmp, election_toml=TOML.encode())
        _campaign(tmp, kind, TOML.encode(), count, _load)
    elif kind == "regions.csv":
        path = _files(tmp)
        _campaign(tmp, kind, REGIONS.encode(), count, _regions_checker(path))
    else:
        path = _files(tmp)
        taken: list[int] = []
        _campaign(tmp, kind, UNITS.encode(), count, _units_checker(path, taken))
        assert len(taken) > count // 20  # the column-wise reader really was compared


KINDS = ["election.yaml", "election.toml", "regions.csv", "units.csv"]


def test_seed_files_load(tmp_path: Path) -> None:
    assert len(files.load_definition(_files(tmp_path)).units) == 5
    inline = files.load_definition(_files(tmp_path, election_yaml=YAML_INLINE.encode()))
    assert inline.units.explicit_contests[1] == frozenset({"gov-A", "nat"})
    assert files.load_definition(_files(tmp_path, election_toml=TOML.encode())).info.id == "e1"


@pytest.mark.parametrize("kind", KINDS)
def test_mutated_files_never_crash(tmp_path: Path, kind: str) -> None:
    _run_kind(tmp_path, kind, FAST)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_fuzz_campaign(tmp_path: Path, kind: str) -> None:
    _run_kind(tmp_path, kind, SLOW)


hostile = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.integers(min_value=2**62, max_value=2**80),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.sampled_from(["", "..", "../x.csv", "/etc/passwd", "a\nb", "\x00", "9" * 400]),
)
FIELDS = [
    ("election", "name"),
    ("election", "date"),
    ("election", "id"),
    ("election", "registered_tolerance"),
    ("", "regions"),
    ("", "units"),
    ("", "region_levels"),
    ("", "parties"),
    ("", "contests"),
]


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(field=st.sampled_from(FIELDS), value=hostile)
def test_hostile_values_in_a_definition(
    tmp_path: Path, field: tuple[str, str], value: object
) -> None:
    import json

    import yaml

    doc = yaml.safe_load(YAML)
    table, key = field
    (doc[table] if table else doc)[key] = value
    # JSON is YAML: every value (even a huge integer) is written exactly
    try:
        text = json.dumps(doc, ensure_ascii=False)
    except ValueError:
        return
    _load(_files(tmp_path, election_yaml=text.encode()))


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    unit=st.dictionaries(
        st.sampled_from(["id", "region", "registered", "contests", "extra"]), hostile, max_size=5
    )
)
def test_hostile_inline_units(tmp_path: Path, unit: dict[str, object]) -> None:
    import json

    import yaml

    doc = yaml.safe_load(YAML)
    doc["units"] = [unit]
    try:
        text = json.dumps(doc, ensure_ascii=False)
    except ValueError:
        return
    _load(_files(tmp_path, election_yaml=text.encode()))


def _stored(url: str) -> tuple[str | None, int]:
    store = Store.open(url)
    try:
        try:
            fingerprint: str | None = read_definition(store).fingerprint
        except StoreError:
            fingerprint = None
        return fingerprint, log_size(store)
    finally:
        store.close()


def test_init_stores_nothing_from_a_rejected_definition(tmp_path: Path, db_url: str) -> None:
    rng = random.Random("init")
    env = {"ESCRUTINIO_DB": db_url, "COLUMNS": "160"}
    path = _files(tmp_path)
    before = _stored(db_url)
    assert before == (None, 0)
    rejected = 0
    for i in range(40):
        name = ["election.yaml", "regions.csv", "units.csv"][i % 3]
        seed = {"election.yaml": YAML, "regions.csv": REGIONS, "units.csv": UNITS}[name]
        _files(tmp_path)
        (tmp_path / name).write_bytes(mutate(seed.encode(), rng))
        result = CliRunner().invoke(app, ["init", str(path)], env=env)
        assert result.exit_code in (0, 2), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        after = _stored(db_url)
        if result.exit_code == 2:
            rejected += 1
            assert after == before, result.output
        before = after
    assert rejected > 10
