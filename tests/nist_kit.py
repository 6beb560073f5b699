"""Helpers of the NIST interop tests: schema validation and civics-cdf-validator runs."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
from lxml import etree

DATA = Path(__file__).resolve().parents[1] / "src" / "escrutinio" / "data" / "nist"
XSD = DATA / "NIST_V2_election_results_reporting.xsd"
JSON_SCHEMA = DATA / "NIST_V2_election_results_reporting.json"

GOOGLE_XSD = DATA / "escrutinio_google_cdf.xsd"

# Warnings civics-cdf-validator may give on escrutinio's google flavour; docs/interop.md
# explains each (no offices in the definition, a past election, independent candidates).
EXPECTED_WARNINGS = frozenset(
    (
        "ContestHasMultipleOffices",
        "ElectionEndDatesInThePast",
        "ElectionStartDates",
        "MissingFieldsWarning",
        "PersonsMissingPartyData",
    )
)


@functools.cache
def xml_schema() -> etree.XMLSchema:
    """NIST's XSD, parsed once (libxml2 through lxml)."""
    return etree.XMLSchema(etree.parse(str(XSD)))


def xsd_errors(path: Path) -> list[str]:
    """Every XSD validation error of the XML file (first 20)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    schema = xml_schema()
    if schema.validate(etree.parse(str(path), parser)):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log][:20]


def json_errors(path: Path) -> list[str]:
    """Every JSON Schema validation error of the JSON file (first 20)."""
    schema = json.loads(JSON_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema)
    doc: Any = json.loads(path.read_text(encoding="utf-8"))
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)][:20]


@dataclass(frozen=True)
class ValidatorRun:
    """What civics-cdf-validator said about one file."""

    errors: int
    warnings: dict[str, int]
    output: str


def ocd_ids(path: Path) -> list[str]:
    """Every OCD-ID the google-flavour XML gives its GpUnits."""
    tree = etree.parse(str(path), etree.XMLParser(huge_tree=True, resolve_entities=False))
    found = tree.xpath("//ExternalIdentifier[Type='ocd-id']/Value/text()")
    return sorted({str(v) for v in found})


def civics_validator(path: Path, tmp: Path, country: str = "ve") -> ValidatorRun:
    """Run civics-cdf-validator on a google-flavour XML with every rule of the
    ``election_results`` set (none excluded), offline: its OCD-ID list is the ids the file
    itself gives (the validator checks them against such a list; escrutinio's are made by
    the export, not registered ones)."""
    ocd = tmp / "ocd-ids.csv"
    rows = [f"{i},{i.rsplit(':', 1)[-1]}" for i in ocd_ids(path)]
    ocd.write_text("id,name\n" + "\n".join(rows) + "\n", encoding="utf-8")
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "civics_cdf_validator"),
            "validate",
            str(path),
            "--xsd",
            str(GOOGLE_XSD),
            "--rule_set",
            "election_results",
            "--ocdid_file",
            str(ocd),
            "-c",
            country,
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    out = proc.stdout + proc.stderr
    errors = 0
    warnings: dict[str, int] = {}
    for line in out.splitlines():
        words = line.split()
        if words[1:3] in (["Error", "messages"], ["Error", "message"]):
            errors = int(words[0])
        if words[1:3] == ["Fatal", "message"] and words[0] != "0":
            errors += int(words[0])
        if len(words) == 4 and words[2] == "Warning" and words[3] in ("message", "messages"):
            warnings[words[1]] = int(words[0])
    if "Results after validating" not in out or "Traceback" in out:
        errors = -1
    return ValidatorRun(errors, warnings, out)
