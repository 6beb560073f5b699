"""From rows read out of an acta file to actas ready to store, on either import path.

The row validator decides every row: the column-wise screen only accepts rows it has fully
checked and hands every other row (and a last line without a final newline) back here, so
both paths accept the same actas and report the same issues.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from escrutinio.io.actas_files import ReadRow, row_from_values
from escrutinio.model.columnar import ColumnScreen
from escrutinio.model.errors import Issue
from escrutinio.model.prepared import ContentTemplate, PreparedActa, PreparedBatch, prepare
from escrutinio.model.validation import ActaValidator, unterminated_issue


def check_row(
    validator: ActaValidator, templates: dict[str, ContentTemplate], row: ReadRow
) -> PreparedActa | list[Issue]:
    """The row as an acta ready to store, or every issue that stops it (without location)."""
    if row.acta is None:
        return row.issues
    result = validator.validate(row.acta)
    if isinstance(result, list):
        return result
    if row.unterminated:
        issue = unterminated_issue(result)
        if issue is not None:
            return [issue]
    unit_idx = validator.definition.units.index[result.unit]
    return prepare(result, unit_idx, row.line, templates[result.contest])


@dataclass
class Checked:
    """The outcome of checking some rows: accepted actas in file order, rejected rows'
    issues (with file and line), and how many rows were read and rejected."""

    accepted: PreparedBatch = field(default_factory=PreparedBatch.empty)
    issues: list[Issue] = field(default_factory=list)
    read: int = 0
    rejected: int = 0

    def add(self, row: ReadRow, result: PreparedActa | list[Issue], file: str | None) -> None:
        """Count one checked row: keep its acta or its located issues."""
        self.read += 1
        if isinstance(result, list):
            self.rejected += 1
            self.issues.extend(i.located(file, row.line) for i in result)
        else:
            self.accepted.extend(PreparedBatch.of([result]))


def check_frame_slice(
    screen: ColumnScreen,
    templates: dict[str, ContentTemplate],
    part: pl.DataFrame,
    first_line: int,
    *,
    unterminated: bool,
    file: str | None,
) -> Checked:
    """Check a slice of a column-wise read CSV whose row ``i`` is line ``first_line + i``;
    ``unterminated``: its last row is the file's last line and no newline follows it."""
    height = part.height
    screened_rows = part.slice(0, height - 1) if unterminated and height else part
    screened = screen.screen(screened_rows, first_line=first_line)
    positions = screened.recheck.tolist()
    if unterminated and height:
        positions.append(height - 1)
    rechecked = Checked()
    for pos in positions:
        row = row_from_values(
            part.columns, part.row(pos), first_line + pos, unterminated and pos == height - 1
        )
        rechecked.add(row, check_row(screen.validator, templates, row), file)
    accepted = screened.accepted
    if len(rechecked.accepted):
        accepted.extend(rechecked.accepted)
        accepted = accepted.in_file_order()
    return Checked(accepted, rechecked.issues, height, rechecked.rejected)


def ends_in_newline(path: str | Path) -> bool:
    """True when the file's last byte is a newline (or the file is empty)."""
    with Path(path).open("rb") as fh:
        fh.seek(0, 2)
        if fh.tell() == 0:
            return True
        fh.seek(-1, 2)
        return fh.read(1) == b"\n"
