"""``escrutinio export nist`` and ``convert --from nist`` through the CLI on a store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from escrutinio.cli.main import app
from escrutinio.interop.nist.google import stable_id
from escrutinio.store.store import Store
from nist_kit import EXPECTED_WARNINGS, civics_validator, json_errors, ocd_ids, xsd_errors
from support import reported_store, small_definition

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    store: Store = reported_store(url, small_definition(), tmp_path)
    store.close()
    yield url


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_export_xml_and_json_validate(db: str, tmp_path: Path) -> None:
    xml, js = tmp_path / "r.xml", tmp_path / "r.json"
    assert _run("export", "nist", "--out", str(xml), "--db", db)[0] == 0
    assert _run("export", "nist", "-f", "json", "--out", str(js), "--db", db)[0] == 0
    assert xsd_errors(xml) == []
    assert json_errors(js) == []
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert doc["Status"] == "unofficial-complete"
    contests = {c["@id"]: c for c in doc["Election"][0]["Contest"]}
    gov_a = contests["cc-gov-A"]
    assert (gov_a["SubUnitsReported"], gov_a["TotalSubUnits"]) == (4, 4)
    statuses = {e["OtherType"]: e["Value"] for e in gov_a["ExternalIdentifier"]}
    assert statuses["escrutinio-race-status"] == "final"
    a1_psuv = next(s for s in gov_a["ContestSelection"] if s["@id"] == "cs-gov-A__a1-psuv")
    district = next(v for v in a1_psuv["VoteCounts"] if v["GpUnitId"] == "ru-A")
    assert district["Count"] == 100 + 160 + 90 + 70
    assert a1_psuv["EndorsementPartyIds"] == ["par-PSUV"]


def _google(db: str, out: Path, *args: str) -> Path:
    code, text = _run(
        "export",
        "nist",
        "--flavor",
        "google",
        "--country",
        "ve",
        "--out",
        str(out),
        "--db",
        db,
        *args,
    )
    assert code == 0, text
    return out


def test_civics_cdf_validator_finds_no_error_with_no_rule_excluded(db: str, tmp_path: Path) -> None:
    for name, args in (("t.xml", ()), ("s.xml", ("--level", "state"))):
        xml = _google(db, tmp_path / name, *args)
        run = civics_validator(xml, tmp_path)
        assert run.errors == 0, run.output[-3000:]
        assert set(run.warnings) <= EXPECTED_WARNINGS, run.warnings
        # the candidate without a party (a3) is the only one missing party data
        assert run.warnings.get("PersonsMissingPartyData") == 1


def test_google_flavor_content(db: str, tmp_path: Path) -> None:
    xml = _google(db, tmp_path / "g.xml")
    tree = etree.parse(str(xml))
    root = tree.getroot()
    assert root.tag == "ElectionReport" and root.nsmap.get(None) is None
    objects = tree.xpath("//*[@objectId][not(self::BallotSelection)]")
    for element in objects:
        stable = element.xpath("ExternalIdentifiers/ExternalIdentifier[OtherType='stable']/Value")
        assert [v.text for v in stable] == [stable_id(element.get("objectId") or "")]
    country = tree.xpath("//GpUnit[@objectId='ru-election']")[0]
    assert country.findtext("Type") == "country"
    assert ocd_ids(xml)[0] == "ocd-division/country:ve"
    assert "ocd-division/country:ve/state:a/parish:a1/precinct:u1" in ocd_ids(xml)
    # one selection per candidate: both of Ana's cards (PSUV 100+160+90+70, PCV) summed
    ana = tree.xpath("//BallotSelection[@objectId='cs-gov-A__a1']")[0]
    assert ana.findtext("EndorsementPartyIds") == "par-PSUV par-PCV"
    district = ana.xpath("VoteCountsCollection/VoteCounts[GpUnitId='ru-A']/Count")[0]
    nist_xml = tmp_path / "n.json"
    assert _run("export", "nist", "-f", "json", "--out", str(nist_xml), "--db", db)[0] == 0
    doc = json.loads(nist_xml.read_text(encoding="utf-8"))
    gov_a = next(c for c in doc["Election"][0]["Contest"] if c["@id"] == "cc-gov-A")
    cards = [
        v["Count"]
        for s in gov_a["ContestSelection"]
        if s["CandidateIds"] == ["can-gov-A__a1"]
        for v in s["VoteCounts"]
        if v["GpUnitId"] == "ru-A"
    ]
    assert len(cards) == 2 and int(district.text or "") == sum(cards)
    coalition = tree.xpath("//Party[@objectId='coa-GPP']")[0]
    assert coalition.findtext("PartyIds") == "par-PSUV par-PCV"
    summary = tree.xpath("//Contest[@objectId='cc-gov-A']/SummaryCounts[GpUnitId='ru-A']")[0]
    assert summary.findtext("BallotsCast") is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--flavor", "google"), "--country"),
        (("--flavor", "google", "--country", "ve", "-f", "json"), "XML only"),
        (("--flavor", "other"), "--flavor"),
        (("--flavor", "google", "--country", "venezuela"), "two-letter"),
    ],
)
def test_google_flavor_refusals(
    db: str, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    out = tmp_path / "x.xml"
    code, text = _run("export", "nist", "--out", str(out), "--db", db, *args)
    assert code == 2 and message in text, text
    assert not out.exists()


def test_level_and_bulletin_and_status(db: str, tmp_path: Path) -> None:
    assert _run("bulletin", "--db", db)[0] == 0
    out = tmp_path / "b.xml"
    code, text = _run(
        "export",
        "nist",
        "--bulletin",
        "1",
        "--level",
        "state",
        "--status",
        "certified",
        "--out",
        str(out),
        "--db",
        db,
    )
    assert code == 0, text
    assert xsd_errors(out) == []
    body = out.read_text(encoding="utf-8")
    assert "<Format>summary-contest</Format>" in body and "<Status>certified</Status>" in body
    assert "pu-u1" not in body and "ru-A1" not in body
    assert "<Value>1</Value>" in body  # escrutinio-bulletin


def test_export_refuses_bad_options(db: str, tmp_path: Path) -> None:
    out = tmp_path / "x.xml"
    assert _run("export", "nist", "--level", "county", "--out", str(out), "--db", db)[0] == 2
    assert _run("export", "nist", "--status", "final", "--out", str(out), "--db", db)[0] == 2
    assert _run("export", "nist", "-f", "csv", "--out", str(out), "--db", db)[0] == 2
    assert _run("export", "nist", "--bulletin", "9", "--out", str(out), "--db", db)[0] == 2
    assert not out.exists()


def test_convert_round_trip_through_the_cli(db: str, tmp_path: Path) -> None:
    xml = tmp_path / "r.xml"
    assert _run("export", "nist", "--out", str(xml), "--db", db)[0] == 0
    folder = tmp_path / "conv"
    code, text = _run("convert", "--from", "nist", str(xml), "--out", str(folder))
    assert code == 0, text
    db2 = f"sqlite:///{tmp_path / 'again.db'}"
    assert _run("init", str(folder / "election.yaml"), "--db", db2)[0] == 0
    assert _run("import", str(folder / "actas.csv"), "--db", db2)[0] == 0
    first = json.loads(_run("results", "-f", "json", "--db", db)[1])
    again = json.loads(_run("results", "-f", "json", "--db", db2)[1])
    assert [(c["contest_id"], c["candidates"], c["null"], c["voters"]) for c in first] == [
        (c["contest_id"], c["candidates"], c["null"], c["voters"]) for c in again
    ]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("<Format>precinct-level</Format>", "<Format>summary-contest</Format>"),
            "summary results only",
        ),
        (
            ("<GpUnitId>pu-u1</GpUnitId>", "<GpUnitId>pu-nowhere</GpUnitId>"),
            "unknown GpUnit 'pu-nowhere'",
        ),
        (
            ("<CandidateIds>can-gov-A__a1</CandidateIds>", "<CandidateIds>can-x</CandidateIds>"),
            "unknown Candidate",
        ),
        (("<ElectionReport ", "<Report "), "not well-formed"),
    ],
)
def test_convert_explains_reports_it_cannot_use(
    db: str, tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    xml = tmp_path / "r.xml"
    assert _run("export", "nist", "--out", str(xml), "--db", db)[0] == 0
    text = xml.read_text(encoding="utf-8")
    assert edit[0] in text
    xml.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    folder = tmp_path / "conv"
    code, output = _run("convert", "--from", "nist", str(xml), "--out", str(folder))
    assert code == 2
    assert message in " ".join(output.split())
    assert not folder.exists()


def test_convert_refuses_a_missing_file_and_wrong_arguments(tmp_path: Path) -> None:
    assert (
        _run("convert", "--from", "nist", str(tmp_path / "no.xml"), "--out", str(tmp_path / "o"))[0]
        == 2
    )
    assert _run("convert", "--from", "nist", "a", "b", "--out", str(tmp_path / "o"))[0] == 2
    assert _run("convert", "--from", "pdf", "a", "--out", str(tmp_path / "o"))[0] == 2
