"""A publication held in memory, read through the verifier's own confinement and limits.

Fuzz tests mutate a dict of ``{path: bytes}`` instead of copying folders; reads still go
through `Source.read` (path rule, per-file limit), only the final byte access differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from escrutinio.verify.source import FetchError, Source


def load_folder(folder: Path) -> dict[str, bytes]:
    """Every regular file of ``folder`` by relative POSIX path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


class MemorySource(Source):
    """A `Source` whose files are a dict (listable like a local folder)."""

    def __init__(self, files: dict[str, bytes], max_file_bytes: int) -> None:
        super().__init__("memory:/publication", max_file_bytes)
        self.files = files

    def check_reachable(self) -> None:
        """An in-memory publication is always reachable."""

    def _read_local(self, rel: str, limit: int) -> bytes:
        data = self.files.get(rel)
        if data is None:
            raise FetchError(f"{rel}: cannot read (No such file or directory)")
        if len(data) > limit:
            raise FetchError(f"{rel}: larger than the limit of {limit:,} bytes")
        return data

    def walk(self) -> Iterator[str]:
        """Every path held."""
        yield from sorted(self.files)
