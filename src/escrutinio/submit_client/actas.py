"""The actas to send: read from CSV or JSON Lines by the import's readers (same row checks,
same messages) and turned into envelope acta objects, each with its image files.

Image naming rule: in the image folder, ``<unit>_<contest>.<ext>`` and
``<unit>_<contest>_<n>.<ext>`` (``n`` digits) are the images of that unit's acta for that
contest, in name order; ``ext`` is ``jpg``, ``jpeg``, ``png`` or ``pdf`` (any case).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from escrutinio.io.actas_files import read_actas
from escrutinio.model.errors import Issue
from escrutinio.model.validation import RawActa, parse_count

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".pdf")
_NUMBERED = re.compile(r"(.+)_(\d+)")


@dataclass(frozen=True)
class Outgoing:
    """One acta to send: where it was read, its envelope acta object and its image files."""

    file: str
    line: int
    acta: dict[str, Any]
    images: tuple[Path, ...]

    @property
    def label(self) -> str:
        """``unit/contest`` for messages."""
        return f"{self.acta['unit']}/{self.acta['contest']}"


@dataclass(frozen=True)
class LocalReject:
    """A row the reader refused before anything was sent (the import's message)."""

    file: str
    line: int
    issues: tuple[Issue, ...]


def image_index(folder: Path | None) -> dict[str, list[Path]]:
    """The image files of ``folder`` by ``<unit>_<contest>`` (see the module docstring)."""
    if folder is None:
        return {}
    out: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        out.setdefault(path.stem, []).append(path)
        numbered = _NUMBERED.fullmatch(path.stem)
        if numbered is not None:
            out.setdefault(numbered.group(1), []).append(path)
    return out


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def acta_object(raw: RawActa) -> dict[str, Any] | list[Issue]:
    """The envelope acta object of a row as read (no ``received_at``: the server records
    it); counts parsed as the import parses them; empty option cells left out (another
    contest's columns), an empty ``blank`` or ``source`` omitted. Issues when a count is
    not a count."""
    issues: list[Issue] = []
    votes: dict[str, int] = {}
    for option, value in raw.votes.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        count = parse_count(value, option, issues)
        if count is not None:
            votes[option] = count
    voters = parse_count(raw.voters, "voters", issues)
    null = parse_count(raw.null, "null", issues)
    blank_raw = raw.blank
    blank = None
    if not (blank_raw is None or (isinstance(blank_raw, str) and not blank_raw.strip())):
        blank = parse_count(blank_raw, "blank", issues)
    unit, contest = _text(raw.unit), _text(raw.contest)
    if unit is None:
        issues.append(Issue("missing unit", "unit", code="missing"))
    if contest is None:
        issues.append(Issue("missing contest", "contest", code="missing"))
    if issues:
        return issues
    doc: dict[str, Any] = {
        "unit": unit,
        "contest": contest,
        "voters": voters,
        "null": null,
        "votes": votes,
    }
    if blank is not None:
        doc["blank"] = blank
    source = _text(raw.source)
    if source is not None:
        doc["source"] = source
    return doc


def read_outgoing(
    paths: list[Path], images: dict[str, list[Path]]
) -> Iterator[Outgoing | LocalReject]:
    """Every row of every file, as an acta to send or a local rejection. A file that cannot
    be read at all raises the import's `InputError`."""
    for path in paths:
        for row in read_actas(path):
            if row.acta is None:
                yield LocalReject(str(path), row.line, tuple(row.issues))
                continue
            doc = acta_object(row.acta)
            if isinstance(doc, list):
                yield LocalReject(str(path), row.line, tuple(doc))
                continue
            files = images.get(f"{doc['unit']}_{doc['contest']}", [])
            yield Outgoing(str(path), row.line, doc, tuple(files))
