"""Where a publication is read from: a local directory or an http(s) base URL."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path


class FetchError(OSError):
    """A published file could not be read."""


class Source:
    """Read files of a publication by relative path."""

    def __init__(self, location: str | Path) -> None:
        text = str(location)
        self.url = text.rstrip("/") if text.startswith(("http://", "https://")) else None
        self.path = None if self.url else Path(text)
        self.location = text

    def read(self, rel: str) -> bytes:
        """The bytes of ``rel``; raises `FetchError` when missing or unreadable."""
        if self.url is not None:
            try:
                with urllib.request.urlopen(f"{self.url}/{rel}", timeout=30) as resp:
                    data: bytes = resp.read()
                    return data
            except (urllib.error.URLError, OSError) as exc:
                raise FetchError(f"{rel}: cannot fetch ({exc})") from exc
        assert self.path is not None
        try:
            return (self.path / rel).read_bytes()
        except OSError as exc:
            raise FetchError(f"{rel}: cannot read ({exc.strerror or exc})") from exc

    def listdir(self, rel: str) -> list[str]:
        """Names in a local sub-directory (empty for URLs or when missing)."""
        if self.path is None or not (self.path / rel).is_dir():
            return []
        return sorted(p.name for p in (self.path / rel).iterdir() if p.is_file())
