"""``escrutinio convert --from nist``: an ERR v2 report (XML or JSON) as the native files
``escrutinio init`` and ``escrutinio import`` read (election.yaml, regions.csv, units.csv,
actas.csv). The definition is built and checked before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from escrutinio.interop.nist.parse import ReportError, parse_report
from escrutinio.interop.nist.to_native import Converted, convert_report
from escrutinio.io.actas_files import write_actas_csv
from escrutinio.io.definition_files import write_regions_csv, write_units_csv
from escrutinio.model.definition_build import build_definition
from escrutinio.model.errors import InputError, Issue

MAX_REPORT_BYTES = 4 << 30
"""The largest report read (4 GiB)."""


@dataclass(frozen=True)
class ConvertSummary:
    """What a conversion wrote."""

    out: Path
    contests: int
    regions: int
    units: int
    actas: int


def read_report(path: Path) -> Converted:
    """Read and convert the report at ``path`` (``InputError`` naming the file and element)."""
    try:
        size = path.stat().st_size
        if size > MAX_REPORT_BYTES:
            raise InputError([Issue(f"larger than {MAX_REPORT_BYTES} bytes", file=str(path))])
        data = path.read_bytes()
    except OSError as exc:
        raise InputError([Issue(f"cannot read: {exc.strerror or exc}", file=str(path))]) from None
    try:
        report = parse_report(data, str(path))
    except ReportError as exc:
        raise InputError([Issue(str(exc).removeprefix(f"{path}: "), file=str(path))]) from None
    converted = convert_report(report, str(path))
    build_definition(converted.meta, converted.regions, converted.units, meta_file=str(path))
    return converted


def convert_nist(path: Path, out: Path) -> ConvertSummary:
    """Convert the report at ``path`` into native files in ``out`` (created if needed)."""
    converted = read_report(path)
    out.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = converted.meta.model_dump(mode="json")
    doc["regions"] = "regions.csv"
    doc["units"] = "units.csv"
    (out / "election.yaml").write_text(
        yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    write_regions_csv(out / "regions.csv", converted.regions)
    write_units_csv(out / "units.csv", converted.units)
    write_actas_csv(out / "actas.csv", converted.option_ids, converted.actas)
    return ConvertSummary(
        out,
        len(converted.meta.contests),
        len(converted.regions),
        len(converted.units),
        len(converted.actas),
    )
