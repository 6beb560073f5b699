"""Column-mapping import: the 2024 citizen collection, and bad rows reported by line."""

from __future__ import annotations

import codecs
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from escrutinio.io.actas_files import read_actas
from escrutinio.io.definition_files import load_definition
from escrutinio.io.mapping import ConversionReport, convert, load_mapping, normalise_name
from escrutinio.model.acta import Acta
from escrutinio.model.errors import DefinitionError, InputError
from escrutinio.model.validation import ActaValidator

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "venezuela-2024"
MAPPING = EXAMPLE / "mapping.yaml"
SOURCE = EXAMPLE / "source" / "actas_resultadosconvzla_v1.csv"
HEADER = "Estado,Municipio,Parroquia,validos,nulos,egu,nm,otros"


def _validated(out: Path) -> list[Acta]:
    definition = load_definition(out / "election.yaml")
    validator = ActaValidator(definition)
    actas = []
    for row in read_actas(out / "actas.csv"):
        assert row.acta is not None, row.issue
        result = validator.validate(row.acta)
        assert isinstance(result, Acta), (row.line, result)
        actas.append(result)
    return actas


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ConversionReport]:
    out = tmp_path_factory.mktemp("ve2024")
    return out, convert(MAPPING, SOURCE, out)


def test_real_file_sums(converted: tuple[Path, ConversionReport]) -> None:
    out, report = converted
    assert report.rows_read == report.rows_converted == 24_532
    assert report.rejected == []
    assert report.column_sums == {
        "egu": 7_156_462,
        "nm": 3_241_461,
        "otros": 261_205,
        "nulos": 1_139,
        "validos": 10_659_128,
    }
    actas = _validated(out)
    assert len(actas) == 24_532
    totals = Counter[str]()
    for a in actas:
        totals.update(dict(zip(a.option_ids, a.votes, strict=True)))
        totals["valid"] += a.valid
        totals["null"] += a.null
    assert totals == {
        "gonzalez": 7_156_462,
        "maduro": 3_241_461,
        "otros": 261_205,
        "valid": 10_659_128,
        "null": 1_139,
    }
    assert totals == {**report.option_totals, "valid": 10_659_128, "null": 1_139}
    assert all(a.source == "citizen:resultadosconvzla" for a in actas)


def test_real_file_definition(converted: tuple[Path, ConversionReport]) -> None:
    out, report = converted
    definition = load_definition(out / "election.yaml")
    assert not definition.info.registered_known
    assert len(definition.units) == 24_532 == report.units
    levels = Counter(definition.region_levels[lv] for lv in definition.regions.level)
    assert levels == {"state": 24, "municipality": 327, "parish": 1_073}
    parish = definition.regions.index["LARA/TORRES/MONTANA-VERDE"]
    assert definition.regions.names[parish] == "MONTAÑA VERDE"
    assert not any("¿" in name for name in definition.regions.names)
    # The file's two identical pairs stay four separate actas (no ids to tell them apart).
    actas = (out / "actas.csv").read_text(encoding="utf-8").splitlines()[1:]
    same = [
        line
        for line in actas
        if line.startswith("FALCON/CARIRUBANA/CARIRUBANA/") and line.endswith(",383,0,,277,98,8")
    ]
    assert len(same) == 2
    assert "AMAZONAS/ATURES/FERNANDO-GIRON-TOVAR/1" in definition.units.index


def _write(path: Path, lines: list[str], encoding: str = "utf-8-sig") -> Path:
    path.write_bytes("\r\n".join(lines).encode(encoding))
    return path


def test_bad_rows_reported_and_skipped(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "bad.csv",
        [
            HEADER,
            "ZULIA,MARACAIBO,CHIQUINQUIRA,10,1,5,4,1",
            'ZULIA,MARACAIBO,"CHIQUINQUIRA",12,0,x,4,1',
            "ZULIA,MARACAIBO,CHIQUINQUIRA,10,0,5,4,2",
            "ZULIA,MARACAIBO,CHIQUINQUIRA,10,0,5,4",
            '"DELTA AMACURO","TUCUPITA","SAN JOSE, SUR",20,2,10,9,1',
        ],
    )
    report = convert(MAPPING, src, tmp_path / "out")
    assert report.rows_read == 5
    assert report.rows_converted == 2
    where = sorted((i.line, i.field, i.code) for i in report.rejected)
    assert where == [
        (3, "egu", "not_integer"),
        (4, "validos", "check_failed"),
        (5, None, "invalid"),
    ]
    assert all(i.file == str(src) for i in report.rejected)
    assert "validos (10) != egu + nm + otros (11)" in str(report.rejected[1])
    assert report.rows_rejected == 3
    assert report.option_totals == {"gonzalez": 15, "maduro": 13, "otros": 2}
    actas = _validated(tmp_path / "out")
    assert [a.unit for a in actas] == [
        "ZULIA/MARACAIBO/CHIQUINQUIRA/1",
        "DELTA-AMACURO/TUCUPITA/SAN-JOSE-SUR/1",
    ]
    assert [a.voters for a in actas] == [11, 22]


def test_missing_column_in_header(tmp_path: Path) -> None:
    src = _write(tmp_path / "short.csv", ["Estado,Municipio,Parroquia,validos,egu,nm,otros"])
    with pytest.raises(InputError) as exc:
        convert(MAPPING, src, tmp_path / "out")
    assert exc.value.issues[0].line == 1
    assert "nulos" in exc.value.issues[0].message


def test_utf16_with_bom(tmp_path: Path) -> None:
    src = tmp_path / "utf16.csv"
    text = "\r\n".join([HEADER, "TÁCHIRA,TORBES,SAN JOSECITO,437,0,355,73,9"])
    src.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    report = convert(MAPPING, src, tmp_path / "out")
    assert report.rows_converted == 1
    assert _validated(tmp_path / "out")[0].unit == "TACHIRA/TORBES/SAN-JOSECITO/1"


def test_mapping_must_cover_contest_options(tmp_path: Path) -> None:
    doc = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    del doc["counts"]["options"]["otros"]
    bad = tmp_path / "mapping.yaml"
    bad.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"counts\.options"):
        load_mapping(bad)


@given(st.text(max_size=40))
def test_normalised_names_are_id_fragments(name: str) -> None:
    out = normalise_name(name)
    assert out == "" or re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.:+\-]*", out)
    assert not out.endswith("-")


def test_normalise_folds_accents_and_enye() -> None:
    assert normalise_name("Peña") == normalise_name("PENA") == "PENA"
    assert normalise_name(" Mérida / Libertador ") == "MERIDA-LIBERTADOR"
    assert normalise_name("PQ.SAN JOSÉ") == "PQ.SAN-JOSE"
