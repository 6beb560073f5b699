"""The publication reader: a published folder read back gives the publisher's numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from site_kit import published

from escrutinio.model import Definition
from escrutinio.tally import tally_regions
from escrutinio.website.bundle import Bundle, BundleError, parse_checkpoint_note


@pytest.fixture(scope="module")
def pub_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("bundle")
    pub = published(tmp)
    pub.store.close()
    return Path(pub.out)


def test_results_match_the_published_results_json(pub_dir: Path) -> None:
    bundle = Bundle.load(pub_dir)
    published_doc = json.loads((pub_dir / "results/results.json").read_text("utf-8"))
    assert [r.to_dict() for r in bundle.overall.values()] == published_doc["contests"]
    assert bundle.summary.to_dict() == published_doc["summary"]


def test_definition_bulletins_and_checkpoint(pub_dir: Path, definition: Definition) -> None:
    bundle = Bundle.load(pub_dir)
    assert bundle.definition.fingerprint == definition.fingerprint
    assert [r.number for r in bundle.bulletin_rows] == [1, 2]
    assert [b["number"] for b in bundle.bulletins] == [1, 2]
    cp = bundle.checkpoint
    assert cp.origin == "escrutinio.example/test-2017"
    assert cp.size == bundle.manifest["size"] if bundle.manifest else False
    assert cp.log_signer == cp.origin
    assert cp.witnesses == ("witness.example/observer",)


def test_versions_across_sources_and_adjudication(pub_dir: Path) -> None:
    bundle = Bundle.load(pub_dir)
    u2 = bundle.versions("u2", "gov-A")
    assert [(v["version"], v["counting"]) for v in u2] == [(1, False), (2, True)]
    assert u2[1]["votes"]["a1-psuv"] == 121
    official = bundle.official_version("u2", "gov-A")
    assert official is not None and official["version"] == 2
    u1 = bundle.versions("u1", "gov-A")
    assert {v["source"] for v in u1} == {"official", "party-x"}
    adj = bundle.adjudications_of("u2", "gov-A")
    assert [(a.version, a.reason, a.decided_by) for a in adj] == [(2, "recount", "board")]
    assert bundle.versions("u9", "gov-A") == []


def test_region_results_and_contests_in_region(pub_dir: Path) -> None:
    bundle = Bundle.load(pub_dir)
    assert bundle.contests_in_region("A1") == ["gov-A"]
    a1 = bundle.region_result("gov-A", "A1")
    assert a1 is not None and a1.actas_counted == 2
    assert bundle.region_result("gov-B", "A1") is None
    assert bundle.units_in_region("B") == [4, 5]


def test_a_region_with_no_counted_acta_has_no_leader(definition: Definition) -> None:
    from escrutinio.tally import ContestCounts

    rows = tally_regions(definition, ContestCounts.empty(definition, "gov-A"), "parish")
    assert rows and all(r.winners == () and r.margin_votes is None for r in rows)


def test_missing_or_broken_files_are_named(tmp_path: Path, pub_dir: Path) -> None:
    with pytest.raises(BundleError, match="not a folder"):
        Bundle.load(tmp_path / "nowhere")
    with pytest.raises(BundleError, match=r"definition/election\.json: missing"):
        Bundle.load(tmp_path)
    with pytest.raises(BundleError, match="checkpoint: not a signed checkpoint"):
        parse_checkpoint_note("hello\n")


def test_actas_of_an_unknown_unit_are_named(tmp_path: Path, pub_dir: Path) -> None:
    import polars as pl

    from escrutinio.website.bundle import counting_counts, load_definition

    actas = pl.read_parquet(pub_dir / "actas.parquet")
    definition = load_definition(pub_dir)
    bad = actas.with_columns(pl.lit("u99").alias("unit"))
    with pytest.raises(BundleError, match=r"unit 'u99' is not in definition/units\.csv"):
        counting_counts(definition, bad, "official")
    stray = actas.with_columns(pl.lit("gov-Z").alias("contest"))
    with pytest.raises(BundleError, match="contest 'gov-Z' is not defined"):
        counting_counts(definition, stray, "official")
