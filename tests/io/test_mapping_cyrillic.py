"""A definition and results file with Cyrillic place names convert and reconcile correctly."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from escrutinio.io.definition_files import load_definition
from escrutinio.io.mapping import convert
from escrutinio.model.text import is_identifier
from escrutinio.reconcile import NameRules, reconcile

DATA = Path(__file__).resolve().parent / "data"
COUNTS = ("ЕР", "КПРФ", "Другие")


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ru")
    report = convert(DATA / "russia_mapping.yaml", DATA / "russia_results.csv", out)
    assert report.rejected == []
    assert report.rows_converted == 7
    return out


def test_cyrillic_names_are_kept_and_ids_are_ascii(converted: Path) -> None:
    regions = pl.read_csv(converted / "regions.csv")
    names = regions.get_column("name").to_list()
    assert "Московская область" in names
    assert "Республика Марий Эл" in names
    assert all(is_identifier(i) for i in regions.get_column("id").to_list())
    # three oblasts, and six commissions: Орёл ≠ Орел and Йошкар ≠ Иошкар are different places
    assert regions.height == 3 + 6
    assert {"Орёл", "Орел", "Йошкар-Олинская", "Иошкар-Олинская"} <= set(names)


def test_converted_files_load_as_a_definition(converted: Path) -> None:
    definition = load_definition(converted / "election.yaml")
    assert len(definition.units) == 7
    actas = pl.read_csv(converted / "actas.csv")
    assert actas.get_column("er").sum() == 700 + 640 + 900 + 500 + 480 + 800 + 760


def test_cyrillic_collections_reconcile_by_name() -> None:
    official = pl.read_csv(DATA / "russia_results.csv")
    witness = pl.read_csv(DATA / "russia_witness.csv").rename(
        {"регион": "Регион", "тик": "ТИК", "уик": "УИК"}
    )
    rec = reconcile(official, witness, counts=COUNTS, regions=("Регион", "ТИК"), names=NameRules())
    assert rec.status_counts() == {"identical": 7, "differing": 0, "only_a": 0, "only_b": 0}
    assert rec.unmatched is not None and rec.unmatched.height == 0


def test_cyrillic_letters_are_never_folded_together() -> None:
    official = pl.read_csv(DATA / "russia_results.csv")
    witness = official.with_columns(
        pl.col("ТИК").str.replace("Орёл", "Орел").str.replace("Йошкар", "Иошкар")
    )
    rec = reconcile(official, witness, counts=COUNTS, regions=("Регион", "ТИК"), names=NameRules())
    assert rec.status_counts()["identical"] == 5
    assert rec.unmatched is not None
    only_a = rec.unmatched.filter(pl.col("side") == "A").get_column("name").to_list()
    assert sorted(only_a) == ["Йошкар-Олинская", "Орёл"]
    row = rec.unmatched.filter(pl.col("name") == "Орёл").row(0, named=True)
    assert row["candidates"].startswith("Орел (")
