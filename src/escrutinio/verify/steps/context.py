"""What every verification step shares: the failure types, the context earlier steps fill in,
the manifest-checked file reader and the comparison helpers.

A step is a module-level function ``(Context) -> str`` returning its detail line; it raises
`Failed` (or `CouldNotRun` when the publication cannot be reached) naming what failed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from escrutinio.tally import diff
from escrutinio.verify.merkle import Tree
from escrutinio.verify.notes import CheckpointBody, Note, PublicKey
from escrutinio.verify.record import Record
from escrutinio.verify.snapshots import Snapshots
from escrutinio.verify.source import FetchError, Source, Unreachable


class Failed(Exception):
    """A check failed; its message names what failed."""


class CouldNotRun(Failed):
    """The publication could not be reached, so nothing could be checked."""


class Files:
    """Published files checked against the manifest on first read."""

    def __init__(self, source: Source, manifest: dict[str, str]) -> None:
        self.source = source
        self.manifest = manifest
        self.cache: dict[str, bytes] = {}

    def get(self, rel: str) -> bytes:
        """The bytes of ``rel``; `Failed` when unlisted, unreadable or not the listed SHA-256."""
        if rel in self.cache:
            return self.cache[rel]
        want = self.manifest.get(rel)
        if want is None:
            raise Failed(f"{rel}: not listed in manifest.json")
        try:
            data = self.source.read(rel)
        except Unreachable as exc:
            raise CouldNotRun(str(exc)) from exc
        except FetchError as exc:
            raise Failed(str(exc)) from exc
        if hashlib.sha256(data).hexdigest() != want:
            raise Failed(f"{rel}: SHA-256 does not match manifest.json")
        if not rel.startswith(("tile/", "images/")):  # tiles and images are many or large
            self.cache[rel] = data
        return data


@dataclass
class Context:
    """The verifier's inputs and what the steps run so far have established."""

    source: Source
    log_key: PublicKey
    witnesses: Sequence[PublicKey] = ()
    min_witnesses: int = 0
    state_dir: Path | None = None
    # established by the steps, in order
    files: Files | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    manifest_raw: bytes = b""
    note: Note | None = None
    covered: set[str] = field(default_factory=set)
    older: list[tuple[str, CheckpointBody]] = field(default_factory=list)
    body: CheckpointBody | None = None
    cosigned: list[str] = field(default_factory=list)
    size: int | None = None
    tree: Tree | None = None
    entries: list[bytes] | None = None
    record: Record | None = None
    acta_leaf_hashes: list[str] | None = None  # RFC 9162 leaf hash of each acta row, hex
    snapshots: Snapshots | None = None
    uncovered: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    """One named check; when a ``fatal`` step fails, the steps after it cannot run."""

    name: str
    run: Callable[[Context], str]
    fatal: bool


T = TypeVar("T")


def need(value: T | None, what: str) -> T:
    """``value``, which an earlier step must have established (``what`` names it)."""
    if value is None:
        raise RuntimeError(f"step run out of order: no {what} yet")
    return value


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, at most 200 characters."""
    text = str(exc).strip().split("\n", 1)[0]
    return text[:200] or type(exc).__name__


def parse_json(rel: str, data: bytes) -> Any:
    """``data`` parsed as JSON; `Failed` naming ``rel`` when it is not JSON."""
    try:
        return json.loads(data)
    except RecursionError as exc:
        raise Failed(f"{rel}: nested too deep") from exc
    except ValueError as exc:  # includes UnicodeDecodeError
        raise Failed(f"{rel}: not valid JSON ({first_line(exc)})") from exc


def compare_bytes(name: str, actual: bytes, want: bytes) -> None:
    """`Failed` naming the first differing line when ``actual`` is not ``want``."""
    if actual == want:
        return
    a_lines, w_lines = actual.split(b"\n"), want.split(b"\n")
    for i, (a, w) in enumerate(zip(a_lines, w_lines, strict=False)):
        if a != w:
            raise Failed(f"{name}: line {i + 1} differs from the value recomputed from the log")
    raise Failed(f"{name}: has {len(a_lines)} lines, expected {len(w_lines)}")


def compare_doc(name: str, want: Any, actual: Any) -> None:
    """`Failed` naming the first field where the JSON document ``actual`` differs."""
    problems = diff(want, actual, rel_tol=0.0)
    if problems:
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        raise Failed(f"{name}: {problems[0]}{more}")
