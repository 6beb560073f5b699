"""Rows rejected at intake, kept with their text for forensics.

Actas rejected at intake (unreadable cells, counts that do not add up, unknown units) are the
most interesting units for a forensic look, so an import keeps them: for each rejected line,
its issues and the line's text as it was in the file (decoded with the file's encoding). The
text is that one physical line (a quoted CSV record spanning several lines keeps its first
line), cut at :data:`MAX_RAW_CHARS` characters; at most :data:`MAX_STORED_PER_FILE` rows of one
file are kept (the import's record still counts all of them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from escrutinio.io.decoding import decode_file
from escrutinio.model.errors import Issue

MAX_RAW_CHARS = 2_000
"""The most characters of a rejected line's text that are kept."""

MAX_STORED_PER_FILE = 10_000
"""The most rejected rows of one file that are kept."""


@dataclass(frozen=True)
class RejectedRow:
    """One rejected line: the file, the line number, why, and its text."""

    file: str
    line: int
    issues: tuple[Issue, ...]
    raw: str


def rejected_rows(
    path: str | Path,
    issues: Iterable[Issue],
    encoding: str | None = None,
    limit: int = MAX_STORED_PER_FILE,
) -> list[RejectedRow]:
    """The rejected lines of an imported file, from the intake's located issues, in line
    order (issues without a line are about the whole file and are left out)."""
    by_line: dict[int, list[Issue]] = {}
    for issue in issues:
        if issue.line is not None:
            by_line.setdefault(issue.line, []).append(issue)
    if not by_line:
        return []
    lines = decode_file(path, encoding).lines
    out = []
    for line in sorted(by_line)[:limit]:
        text = lines[line - 1].rstrip("\r\n") if 0 < line <= len(lines) else ""
        if len(text) > MAX_RAW_CHARS:
            text = text[:MAX_RAW_CHARS] + "…"
        out.append(RejectedRow(str(path), line, tuple(by_line[line]), text))
    return out
