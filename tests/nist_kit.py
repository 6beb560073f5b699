"""Helpers of the NIST interop tests: schema validation and civics-cdf-validator runs."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
from lxml import etree

DATA = Path(__file__).resolve().parents[1] / "src" / "escrutinio" / "data" / "nist"
XSD = DATA / "NIST_V2_election_results_reporting.xsd"
JSON_SCHEMA = DATA / "NIST_V2_election_results_reporting.json"

# Rules of civics-cdf-validator that look for Google's spelling of the format (an
# `objectId` attribute, an `ExternalIdentifiers` wrapper, elements without a namespace),
# which NIST's v2 schema does not allow, so no document valid against NIST's XSD passes
# them; docs/interop.md explains each.
EXCLUDED_RULES = ("MissingStableIds", "GpUnitsHaveSingleRoot", "CoalitionParties")


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


def civics_validator(path: Path, tmp: Path) -> tuple[int, str]:
    """Run civics-cdf-validator (offline: a local OCD-ID list) on the XML; its error count
    and output."""
    ocd = tmp / "ocd-ids.csv"
    ocd.write_text("id,name\nocd-division/country:ve,Venezuela\n", encoding="utf-8")
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "civics_cdf_validator"),
            "validate",
            str(path),
            "--xsd",
            str(XSD),
            "--rule_set",
            "election_results",
            "--ocdid_file",
            str(ocd),
            "-c",
            "ve",
            "--exclude",
            ",".join(EXCLUDED_RULES),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out = proc.stdout + proc.stderr
    errors = 0
    for line in out.splitlines():
        words = line.split()
        if words[1:3] == ["Error", "messages"] or words[1:3] == ["Error", "message"]:
            errors = int(words[0])
        if words[1:3] == ["Fatal", "message"] and words[0] != "0":
            errors += int(words[0])
    if "Results after validating" not in out:
        errors = -1
    return errors, out
