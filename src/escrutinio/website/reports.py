"""Reports included in the results site: ``escrutinio publish OUT --reports DIR``.

A report folder is what ``escrutinio reconcile --out`` or ``escrutinio forensics --out``
writes: an ``index.html`` with its CSV, SVG and PNG files, or one such sub-folder per contest.
The publisher copies every regular file of each folder to ``reports/<folder name>/`` in the
publication, so that the manifest lists them and ``escrutinio verify`` checks them, and the
open-data page links each report page (an ``index.html`` at the top of the folder or in a
sub-folder) by its title. The reports carry the site's look themselves (their templates embed
a subset of the site's stylesheet), so they look the same inside the site and on their own.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from escrutinio.model.errors import EscrutinioError
from escrutinio.model.paths import path_problem

REPORTS = "reports"
"""The folder of the publication that holds the included reports."""

MAX_REPORT_BYTES = 256 * 1024 * 1024
"""The largest report folder (sum of its files) that is included, in bytes."""

_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


class ReportError(EscrutinioError, ValueError):
    """A report folder given to ``publish --reports`` cannot be included."""


@dataclass(frozen=True)
class Report:
    """A report folder to include: its name, its report pages (link text, path inside the
    folder) and its files (path inside the folder, bytes)."""

    name: str
    pages: tuple[tuple[str, str], ...]
    files: tuple[tuple[str, bytes], ...]

    def links(self) -> Iterator[tuple[str, str]]:
        """Each report page as (link text, path inside the publication)."""
        for text, rel in self.pages:
            yield text, f"{REPORTS}/{self.name}/{rel}"

    def site_files(self) -> Iterator[tuple[str, bytes]]:
        """The report's files as (path inside the publication, bytes)."""
        for rel, data in self.files:
            yield f"{REPORTS}/{self.name}/{rel}", data


def _page_title(index: bytes, rel: str) -> str:
    """The link text of a report page: its ``<title>``, with its sub-folder when it has one."""
    found = _TITLE.search(index.decode("utf-8", errors="replace"))
    title = " ".join(html.unescape(found.group(1)).split()) if found else ""
    folder = rel.rpartition("/")[0]
    if not folder:
        return title or rel
    return f"{title} ({folder})" if title else folder


def read_report(folder: Path) -> Report:
    """Read a report folder: every regular file under it (symbolic links are refused).

    Raises `ReportError` naming the folder or file when it is not a folder, has no
    ``index.html`` at its top or in a sub-folder, holds a symbolic link or a name that cannot
    be published, or is larger than `MAX_REPORT_BYTES`."""
    if not folder.is_dir() or folder.is_symlink():
        raise ReportError(f"{folder}: not a folder (expected a report folder with index.html)")
    name = folder.resolve().name
    problem = path_problem(name)
    if problem is not None:
        raise ReportError(f"{folder}: the folder name cannot be published: {problem}")
    if not any(p.is_file() for p in (folder / "index.html", *folder.glob("*/index.html"))):
        raise ReportError(
            f"{folder}: no index.html (expected a report folder: index.html at its top or in "
            "one sub-folder per contest)"
        )
    files: list[tuple[str, bytes]] = []
    total = 0
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            raise ReportError(f"{path}: a symbolic link; a report holds regular files only")
        if path.is_dir():
            continue
        if not path.is_file():
            raise ReportError(f"{path}: not a regular file")
        problem = path_problem(rel)
        if problem is not None:
            raise ReportError(f"{path}: the file name cannot be published: {problem}")
        data = path.read_bytes()
        total += len(data)
        if total > MAX_REPORT_BYTES:
            raise ReportError(f"{folder}: larger than {MAX_REPORT_BYTES} bytes")
        files.append((rel, data))
    pages = tuple(
        (_page_title(data, rel), rel)
        for rel, data in files
        if rel == "index.html" or (rel.endswith("/index.html") and rel.count("/") == 1)
    )
    return Report(name, pages, tuple(files))


def read_reports(folders: Sequence[Path]) -> tuple[Report, ...]:
    """Read the report folders given to ``publish --reports``; their names must differ."""
    reports = tuple(read_report(f) for f in folders)
    names = [r.name for r in reports]
    for name in names:
        if names.count(name) > 1:
            raise ReportError(f"two report folders are named {name!r}; rename one of them")
    return reports
