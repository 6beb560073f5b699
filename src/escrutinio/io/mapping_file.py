"""The column-mapping file: its schema (Pydantic models) and :func:`load_mapping`, which reads
it (bounded, UTF-8, YAML without aliases) and checks it whole: the definition's
cross-references, encoding, delimiter, region columns, counts, source and time stamp.
The file's keys are described in :mod:`escrutinio.io.mapping`."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from escrutinio.io.config_text import MAX_CONFIG_BYTES, parse_yaml, read_utf8
from escrutinio.io.definition_files import validation_issues
from escrutinio.model.acta import utc_timestamp
from escrutinio.model.definition import (
    Alliance,
    Contest,
    DefinitionMeta,
    ElectionInfo,
    Ident,
    Party,
)
from escrutinio.model.definition_checks import check_meta
from escrutinio.model.errors import DefinitionError, Issue
from escrutinio.model.text import is_identifier, shown, text_problem


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InputFormat(_Strict):
    """How to decode the foreign CSV."""

    encoding: str = "utf-8"
    delimiter: str = Field(default=",", min_length=1, max_length=1)


class RegionColumn(_Strict):
    """A column that names the row's region at one level."""

    level: str
    column: str


class UnitSpec(_Strict):
    """Where unit ids and registered electors come from."""

    id_column: str | None = None
    registered_column: str | None = None


class VotersSum(_Strict):
    """Voters computed as the sum of several columns."""

    sum: list[str] = Field(min_length=1)


class CountSpec(_Strict):
    """Which columns hold the counts."""

    options: dict[str, str] = Field(min_length=1)
    null: str
    blank: str | None = None
    voters: str | VotersSum


class SumCheck(_Strict):
    """A row check: ``column`` must equal the sum of ``equals_sum_of``."""

    column: str
    equals_sum_of: list[str] = Field(min_length=1)


class Mapping(_Strict):
    """A parsed mapping file."""

    election: ElectionInfo
    region_levels: list[Ident] = Field(min_length=1)
    alliances: list[Alliance] = Field(default_factory=list)
    parties: list[Party] = Field(default_factory=list)
    contest: Contest
    input: InputFormat = InputFormat()
    regions: list[RegionColumn] = Field(min_length=1)
    name_fixes: dict[str, str] = Field(default_factory=dict)
    units: UnitSpec = UnitSpec()
    counts: CountSpec
    checks: list[SumCheck] = Field(default_factory=list)
    source: str
    received_at: str

    def definition_meta(self) -> DefinitionMeta:
        """The election definition the mapping describes (its one contest)."""
        return DefinitionMeta(
            election=self.election,
            region_levels=self.region_levels,
            alliances=self.alliances,
            parties=self.parties,
            contests=[self.contest],
        )

    def numeric_columns(self) -> list[str]:
        """Every column read as a count, in a stable order without repeats."""
        cols = [*self.counts.options.values(), self.counts.null]
        if self.counts.blank:
            cols.append(self.counts.blank)
        if isinstance(self.counts.voters, str):
            cols.append(self.counts.voters)
        else:
            cols.extend(self.counts.voters.sum)
        if self.units.registered_column:
            cols.append(self.units.registered_column)
        for chk in self.checks:
            cols.append(chk.column)
            cols.extend(chk.equals_sum_of)
        return list(dict.fromkeys(cols))

    def text_columns(self) -> list[str]:
        """Columns read as text (region names and the unit id column)."""
        cols = [r.column for r in self.regions]
        if self.units.id_column:
            cols.append(self.units.id_column)
        return cols


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping file; raises :class:`DefinitionError` with the field at fault."""
    path = Path(path)
    doc = parse_yaml(read_utf8(path, MAX_CONFIG_BYTES, DefinitionError), str(path), DefinitionError)
    if not isinstance(doc, dict):
        raise DefinitionError([Issue("expected a mapping at the top level", file=str(path))])
    try:
        mapping = Mapping.model_validate(doc)
    except ValidationError as exc:
        raise DefinitionError(validation_issues(exc, str(path))) from None
    issues = _mapping_issues(mapping, str(path))
    if issues:
        raise DefinitionError(issues)
    return mapping


def _mapping_issues(mapping: Mapping, file: str) -> list[Issue]:
    """Every problem of a parsed mapping: its definition's cross-references, the input
    format, region columns, counts, source and time stamp."""
    issues: list[Issue] = []
    meta = mapping.definition_meta()
    check_meta(meta, file, issues)
    _check_input_format(mapping.input, file, issues)
    _check_texts(mapping, file, issues)
    try:
        utc_timestamp(mapping.received_at)
    except (ValueError, OverflowError):
        issues.append(
            Issue(
                f"expected an ISO 8601 time, got {shown(mapping.received_at)}",
                "received_at",
                file,
            )
        )
    path = Path(file)
    if [r.level for r in mapping.regions] != mapping.region_levels:
        issues.append(
            Issue("region columns must list every region level in order", "regions", str(path))
        )
    options = {o.id for o in mapping.contest.options}
    if set(mapping.counts.options) != options:
        issues.append(
            Issue(
                "counts.options must map exactly the contest's options "
                f"({', '.join(sorted(options))})",
                "counts.options",
                str(path),
            )
        )
    if not is_identifier(mapping.source):
        issues.append(
            Issue(f"{shown(mapping.source)} is not a valid source name", "source", str(path))
        )
    if mapping.election.registered_known and not mapping.units.registered_column:
        issues.append(
            Issue(
                "set units.registered_column, or election.registered_known: false",
                "units.registered_column",
                str(path),
            )
        )
    return issues


def _check_input_format(fmt: InputFormat, file: str, issues: list[Issue]) -> None:
    """The encoding is one Python knows and the delimiter one the CSV reader accepts."""
    try:
        b"x".decode(fmt.encoding)  # LookupError also for codecs that are not text (base64)
    except (LookupError, ValueError):
        issues.append(Issue(f"unknown encoding {shown(fmt.encoding)}", "input.encoding", file))
    if fmt.delimiter in '\r\n"' or (not fmt.delimiter.isprintable() and fmt.delimiter != "\t"):
        issues.append(
            Issue(f"{shown(fmt.delimiter)} cannot separate fields", "input.delimiter", file)
        )


def _check_texts(mapping: Mapping, file: str, issues: list[Issue]) -> None:
    """Corrected names are free text that can enter the log."""
    for wrong, right in mapping.name_fixes.items():
        problem = text_problem(right)
        if problem is not None:
            issues.append(Issue(problem, f"name_fixes.{shown(wrong)}", file))
