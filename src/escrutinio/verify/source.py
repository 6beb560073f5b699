"""Where a publication is read from: a local directory or an http(s) base URL.

Every path is checked with `escrutinio.model.paths.confined` before anything is opened, and
every read is bounded: a local file must be a regular file whose real path stays inside the
bundle (a symbolic link that escapes it, a device or a pipe is refused) and no file may exceed
its size limit (`limit_for`); over http(s) the body is read in chunks up to the same limit,
with a socket timeout and an overall deadline per file.
"""

from __future__ import annotations

import os
import stat
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from escrutinio.model.paths import path_problem

MAX_FILE_BYTES = 2 * 1024**3
"""Default limit for a published data file (actas.csv, actas.parquet, …): 2 GiB."""

MAX_MANIFEST_BYTES = 64 * 1024**2
"""Limit for ``manifest.json`` (a 1M-leaf publication's is under 1 MiB)."""

MAX_NOTE_BYTES = 1024**2
"""Limit for the checkpoint, signed notes, cosignatures and keys."""

MAX_ENTRY_BUNDLE_BYTES = 256 * (2 + 65535)
"""The largest valid tlog-tiles entry bundle: 256 entries of at most 65,535 bytes."""

MAX_HASH_TILE_BYTES = 256 * 32
"""The largest valid hash tile."""

MAX_LISTED_FILES = 1_000_000
"""At most this many paths are looked at when listing a bundle's folder."""

TIMEOUT_SECONDS = 30.0
"""Socket timeout of one http(s) operation."""

DEADLINE_SECONDS = 600.0
"""Longest time one http(s) file may take to arrive."""

_CHUNK = 1024 * 1024


class FetchError(OSError):
    """A published file could not be read (missing, refused or over its limit)."""


class Unreachable(FetchError):
    """The publication itself cannot be reached (no such folder, no connection)."""


def limit_for(rel: str, max_file_bytes: int = MAX_FILE_BYTES) -> int:
    """The most bytes read for the published file ``rel``."""
    if rel.startswith("tile/entries/"):
        return MAX_ENTRY_BUNDLE_BYTES
    if rel.startswith("tile/"):
        return MAX_HASH_TILE_BYTES
    if rel == "manifest.json":
        return min(MAX_MANIFEST_BYTES, max_file_bytes)
    if rel in ("checkpoint", "manifest.note") or rel.startswith(("keys/", "cosignatures/")):
        return MAX_NOTE_BYTES
    return max_file_bytes


def _too_big(rel: str, limit: int) -> FetchError:
    return FetchError(f"{rel}: larger than the limit of {limit:,} bytes")


class Source:
    """Read files of a publication by relative path, confined and bounded."""

    def __init__(self, location: str | Path, max_file_bytes: int = MAX_FILE_BYTES) -> None:
        text = str(location)
        self.url = text.rstrip("/") if text.startswith(("http://", "https://")) else None
        self.path = None if self.url else Path(text)
        self.location = text
        self.max_file_bytes = max_file_bytes

    def check_reachable(self) -> None:
        """Raise `Unreachable` when a local publication folder does not exist."""
        if self.path is not None and not self.path.is_dir():
            raise Unreachable(f"{self.location}: no such folder")

    def read(self, rel: str) -> bytes:
        """The bytes of ``rel``; raises `FetchError` when refused, missing or too large."""
        problem = path_problem(rel)
        if problem is not None:
            raise FetchError(f"refused path: {problem}")
        limit = limit_for(rel, self.max_file_bytes)
        if self.url is not None:
            return self._read_url(rel, limit)
        return self._read_local(rel, limit)

    def _read_local(self, rel: str, limit: int) -> bytes:
        assert self.path is not None
        root = os.path.realpath(self.path)
        target = os.path.join(root, *rel.split("/"))
        real = os.path.realpath(target)
        if os.path.commonpath([root, real]) != root:
            raise FetchError(f"{rel}: a symbolic link that leads outside the publication")
        try:
            fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            raise FetchError(f"{rel}: cannot read ({exc.strerror or exc})") from exc
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise FetchError(f"{rel}: not a regular file")
            # never ask for more than the file holds (+1 to see growth): reading the 2 GiB
            # limit reserves 2 GiB each time and fails after tens of thousands of files
            data = fh.read(min(limit, info.st_size) + 1)
        if len(data) > limit:
            raise _too_big(rel, limit)
        return data

    def _read_url(self, rel: str, limit: int) -> bytes:
        assert self.url is not None
        url = f"{self.url}/{urllib.parse.quote(rel)}"
        deadline = time.monotonic() + DEADLINE_SECONDS
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as resp:
                declared = resp.headers.get("Content-Length")
                if declared is not None and declared.isdigit() and int(declared) > limit:
                    raise _too_big(rel, limit)
                chunks: list[bytes] = []
                total = 0
                while True:
                    chunk = resp.read(min(_CHUNK, limit + 1 - total))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    total += len(chunk)
                    if total > limit:
                        raise _too_big(rel, limit)
                    if time.monotonic() > deadline:
                        raise FetchError(f"{rel}: took longer than {DEADLINE_SECONDS:.0f} s")
                return b"".join(chunks)
        except FetchError:
            raise
        except urllib.error.HTTPError as exc:
            raise FetchError(f"{rel}: cannot fetch (HTTP {exc.code})") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise Unreachable(f"{rel}: cannot fetch ({exc})") from exc

    def listdir(self, rel: str) -> list[str]:
        """Names of regular files in a local sub-directory (empty for URLs or when missing)."""
        if self.path is None or path_problem(rel) is not None:
            return []
        folder = self.path / rel
        if folder.is_symlink() or not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.is_symlink())

    def walk(self) -> Iterator[str]:
        """Every file, link or other non-folder entry of a local publication, as a relative
        path (nothing for URLs); links to folders are listed, not followed."""
        if self.path is None or not self.path.is_dir():
            return
        seen = 0
        for folder, dirs, files in os.walk(self.path, followlinks=False):
            base = Path(folder).relative_to(self.path).as_posix()
            prefix = "" if base == "." else base + "/"
            links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
            for name in sorted(files + links):
                seen += 1
                if seen > MAX_LISTED_FILES:
                    return
                yield prefix + name
            dirs.sort()
