"""Column-mapping import: turn a foreign results CSV into escrutinio's native files.

Many published results are a spreadsheet with one row per tally sheet and columns named by
whoever made it (e.g. the citizen collection ``resultadosconvzla`` of Venezuela 2024:
``Estado, Municipio, Parroquia, validos, nulos, egu, nm, otros``). A *mapping file* (YAML)
says what each column means; :func:`convert` then writes ``election.yaml``, ``regions.csv``,
``units.csv`` and ``actas.csv`` in the formats read by :mod:`escrutinio.io.definition_files`
and :mod:`escrutinio.io.actas_files`.

Mapping file keys (see ``examples/venezuela-2024/mapping.yaml``):

``election``, ``region_levels``, ``alliances``, ``parties``, ``contest``
    The definition, as in a native ``election.yaml`` but with exactly one contest.
``input``
    ``encoding`` (default ``utf-8``; a UTF-8/UTF-16 byte-order mark overrides it) and
    ``delimiter`` (default ``,``). Quoted fields and CRLF line ends are handled.
``regions``
    List of ``{level, column}`` from the broadest level down; each row's cells name its
    region at each level. Names are kept as written (Unicode NFC, any script). Ids are
    the names' ids joined by ``/`` (:func:`escrutinio.model.names.name_id`): for a name
    whose Latin accents fold to ASCII, upper case, accents removed, ``Ñ`` folded to ``N``,
    runs of other characters replaced by ``-``; for any other name (Cyrillic, Greek, CJK…)
    its transliteration plus ``+h`` and a 10-hex-digit hash of the name's key, so two names
    that differ in any letter never share an id. Cells with the same id (differing only in
    case or Latin accents) name one region, under the first spelling met.
``name_fixes``
    Exact cell text → corrected text, applied before normalising (mis-encodings).
``units``
    ``id_column`` (optional): the column holding unit ids. Without it, the unit id is the
    parish id plus ``/<n>``, ``n`` the row's ordinal among rows of that region (1-based,
    in file order, counting rejected rows so ids do not shift when a row is repaired).
    ``registered_column`` (optional): registered electors; without it and with
    ``election.registered_known: false`` a unit's registered electors are its voters.
``counts``
    ``options`` (option id → column), ``null`` (column), ``blank`` (column, optional) and
    ``voters``: a column name, or ``{sum: [columns]}`` when the file has no voters column.
``checks``
    List of ``{column, equals_sum_of: [columns]}``; a row that fails is rejected.
``source``, ``received_at``
    The source name written on every acta and the time stamped on them.

Rows are never merged: identical rows become separate actas, since without ids there is no
way to tell a double entry from two sheets with the same numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from escrutinio.io.actas_files import write_actas_csv
from escrutinio.io.config_text import (
    MAX_TABLE_BYTES,
    decode_text,
    read_bounded,
)
from escrutinio.io.definition_files import write_regions_csv, write_units_csv
from escrutinio.io.mapping_file import (
    CountSpec,
    InputFormat,
    Mapping,
    RegionColumn,
    SumCheck,
    UnitSpec,
    VotersSum,
    load_mapping,
)
from escrutinio.model.acta import utc_timestamp
from escrutinio.model.definition import (
    RegionRow,
    UnitRow,
)
from escrutinio.model.errors import InputError, Issue
from escrutinio.model.names import name_id
from escrutinio.model.text import identifier_problem, is_identifier, shown, text_problem

__all__ = [
    "ConversionReport",
    "CountSpec",
    "InputFormat",
    "Mapping",
    "RegionColumn",
    "SumCheck",
    "UnitSpec",
    "VotersSum",
    "convert",
    "load_mapping",
    "normalise_name",
]

MAX_COUNT_DIGITS = 18
"""The most digits a count cell may have (every such number fits a 64-bit integer)."""


@dataclass
class ConversionReport:
    """What :func:`convert` read, wrote and rejected."""

    rows_read: int = 0
    rows_converted: int = 0
    rejected: list[Issue] = field(default_factory=list)
    column_sums: dict[str, int] = field(default_factory=dict)
    option_totals: dict[str, int] = field(default_factory=dict)
    regions: int = 0
    units: int = 0
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def rows_rejected(self) -> int:
        """Number of distinct rejected lines."""
        return len({i.line for i in self.rejected})


def normalise_name(name: str) -> str:
    """Name → id fragment (see :func:`escrutinio.model.names.name_id`); empty when the name
    has no letter or digit."""
    return name_id(name)


def _cell_name(mapping: Mapping, cell: str) -> str:
    """A region cell's name: name fixes applied, stripped, Unicode NFC."""
    return unicodedata.normalize("NFC", mapping.name_fixes.get(cell.strip(), cell.strip()))


def _read_text(path: Path, encoding: str) -> str:
    """The foreign CSV's text (at most :data:`MAX_TABLE_BYTES`); a byte-order mark overrides
    the mapping's encoding. Raises :class:`InputError` naming the line and byte offset of
    the first byte that cannot be decoded."""
    data = read_bounded(path, MAX_TABLE_BYTES)
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    return decode_text(data, encoding, str(path))


def _rows(path: Path, fmt: InputFormat) -> Iterator[tuple[int, list[str] | Issue]]:
    """Yield (first line of the record, fields), the header included; a record the CSV
    reader cannot read (e.g. a cell longer than 131,072 characters) comes as an issue."""
    reader = csv.reader(
        io.StringIO(_read_text(path, fmt.encoding), newline=""), delimiter=fmt.delimiter
    )
    previous_end = 0
    while True:
        try:
            row: list[str] | Issue = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if reader.line_num == previous_end:
                return  # no progress: nothing more can be read
            row = Issue(f"not a valid CSV record: {exc}")
        start = previous_end + 1
        previous_end = reader.line_num
        yield start, row


@dataclass
class _Builder:
    mapping: Mapping
    regions: dict[str, RegionRow] = field(default_factory=dict)
    ordinals: dict[str, int] = field(default_factory=dict)
    units: list[UnitRow] = field(default_factory=list)
    actas: list[dict[str, object]] = field(default_factory=list)

    def region_path(self, cells: list[str]) -> str:
        parent: str | None = None
        for spec, cell in zip(self.mapping.regions, cells, strict=True):
            name = _cell_name(self.mapping, cell)
            part = normalise_name(name)
            rid = part if parent is None else f"{parent}/{part}"
            if rid not in self.regions:
                self.regions[rid] = RegionRow(rid, name, spec.level, parent)
            parent = rid
        assert parent is not None
        return parent


def convert(
    mapping_path: str | Path, csv_path: str | Path, out_dir: str | Path
) -> ConversionReport:
    """Convert a foreign CSV to native files in ``out_dir`` as the mapping file says.

    Rows that fail (non-integer count, failed check, wrong number of fields, empty region
    name or a unit id that is not valid) are skipped and listed in the report with their
    file, line and field. A header without a mapped column raises :class:`InputError`.
    """
    mapping = load_mapping(mapping_path)
    csv_path = Path(csv_path)
    out = Path(out_dir)
    report = ConversionReport()
    received_at = utc_timestamp(mapping.received_at)
    rows = _rows(csv_path, mapping.input)
    try:
        _, first = next(rows)
    except StopIteration:
        raise InputError([Issue("empty file: expected a header row", file=str(csv_path))]) from None
    if isinstance(first, Issue):
        raise InputError([first.located(str(csv_path), 1)])
    header = [h.strip() for h in first]
    repeated = sorted(shown(h) for h, n in Counter(header).items() if n > 1)
    if repeated:
        raise InputError(
            [Issue(f"duplicated column(s) {', '.join(repeated[:5])}", file=str(csv_path), line=1)]
        )
    pos = {name: i for i, name in enumerate(header)}
    numeric = mapping.numeric_columns()
    missing = [c for c in [*mapping.text_columns(), *numeric] if c not in pos]
    if missing:
        raise InputError(
            [
                Issue(
                    f"missing column(s) {', '.join(missing)} named in the mapping",
                    file=str(csv_path),
                    line=1,
                    code="missing",
                )
            ]
        )
    builder = _Builder(mapping)
    sums = dict.fromkeys(numeric, 0)
    for line, row in rows:
        if isinstance(row, Issue):
            report.rows_read += 1
            report.rejected.append(row.located(str(csv_path), line))
            continue
        if not any(cell.strip() for cell in row):
            continue
        report.rows_read += 1
        issues = _convert_row(builder, row, header, pos, numeric, sums, received_at)
        report.rejected.extend(i.located(str(csv_path), line) for i in issues)
        if not issues:
            report.rows_converted += 1
    report.column_sums = sums
    report.option_totals = {o: sums[c] for o, c in mapping.counts.options.items()}
    report.regions = len(builder.regions)
    report.units = len(builder.units)
    report.files = _write(mapping, builder, out)
    return report


def _convert_row(
    builder: _Builder,
    row: list[str],
    header: list[str],
    pos: dict[str, int],
    numeric: list[str],
    sums: dict[str, int],
    received_at: str,
) -> list[Issue]:
    mapping = builder.mapping
    if len(row) != len(header):
        return [Issue(f"expected {len(header)} fields as in the header, got {len(row)}")]
    issues: list[Issue] = []
    names = [row[pos[r.column]] for r in mapping.regions]
    for spec, cell in zip(mapping.regions, names, strict=True):
        issues.extend(_region_name_issues(mapping, spec, cell))
    if not issues:
        issues.extend(_region_id_issues(mapping, names))
    if issues:
        return issues
    region = builder.region_path(names)
    builder.ordinals[region] = builder.ordinals.get(region, 0) + 1
    if mapping.units.id_column:
        unit_id = row[pos[mapping.units.id_column]].strip()
        if not is_identifier(unit_id):
            issues.append(
                Issue(f"{shown(unit_id)} is not a valid unit id", mapping.units.id_column)
            )
    else:
        unit_id = f"{region}/{builder.ordinals[region]}"
        problem = identifier_problem(unit_id)
        if problem is not None:
            issues.append(Issue(f"unit id {problem}", mapping.regions[-1].column))
    values: dict[str, int] = {}
    for col in numeric:
        value = _count(row[pos[col]], col)
        if isinstance(value, Issue):
            issues.append(value)
        else:
            values[col] = value
    if issues:
        return issues
    for chk in mapping.checks:
        total = sum(values[c] for c in chk.equals_sum_of)
        if values[chk.column] != total:
            issues.append(
                Issue(
                    f"{chk.column} ({values[chk.column]}) != {' + '.join(chk.equals_sum_of)} "
                    f"({total})",
                    chk.column,
                    code="check_failed",
                )
            )
    if issues:
        return issues
    counts = mapping.counts
    voters = (
        values[counts.voters]
        if isinstance(counts.voters, str)
        else sum(values[c] for c in counts.voters.sum)
    )
    registered = (
        values[mapping.units.registered_column] if mapping.units.registered_column else voters
    )
    for col in numeric:
        sums[col] += values[col]
    builder.units.append(UnitRow(unit_id, region, registered))
    builder.actas.append(
        {
            "unit": unit_id,
            "contest": mapping.contest.id,
            "source": mapping.source,
            "received_at": received_at,
            "voters": voters,
            "null": values[counts.null],
            "blank": values[counts.blank] if counts.blank else None,
            **{opt: values[col] for opt, col in counts.options.items()},
        }
    )
    return []


def _count(cell: str, column: str) -> int | Issue:
    """A count cell as a number, or the issue saying why it is not one."""
    text = cell.strip()
    if not (text.isascii() and text.isdigit()):
        return Issue(
            f"expected a non-negative integer, got {shown(text)}", column, code="not_integer"
        )
    if len(text.lstrip("0")) > MAX_COUNT_DIGITS:
        return Issue(
            f"expected a count of at most {MAX_COUNT_DIGITS} digits, got {len(text):,} digits",
            column,
            code="not_integer",
        )
    return int(text)


def _region_name_issues(mapping: Mapping, spec: RegionColumn, cell: str) -> list[Issue]:
    """A region cell (after name fixes) names a region and is text that can enter the log."""
    name = _cell_name(mapping, cell)
    if not normalise_name(name):
        return [Issue(f"empty {spec.level} name", spec.column, code="missing")]
    problem = text_problem(name)
    return [] if problem is None else [Issue(problem, spec.column)]


def _region_id_issues(mapping: Mapping, names: list[str]) -> list[Issue]:
    """The region ids made of the row's names are identifiers (not too long)."""
    parts = [normalise_name(_cell_name(mapping, c)) for c in names]
    for depth, spec in enumerate(mapping.regions):
        problem = identifier_problem("/".join(parts[: depth + 1]))
        if problem is not None:
            return [Issue(f"region id {problem}", spec.column)]
    return []


def _write(mapping: Mapping, builder: _Builder, out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    meta = mapping.definition_meta()
    doc: dict[str, Any] = meta.model_dump(mode="json")
    doc["regions"] = "regions.csv"
    doc["units"] = "units.csv"
    files = {
        "election": out / "election.yaml",
        "regions": out / "regions.csv",
        "units": out / "units.csv",
        "actas": out / "actas.csv",
    }
    files["election"].write_text(
        yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    write_regions_csv(files["regions"], list(builder.regions.values()))
    write_units_csv(files["units"], builder.units)
    write_actas_csv(files["actas"], [o.id for o in mapping.contest.options], builder.actas)
    return files
