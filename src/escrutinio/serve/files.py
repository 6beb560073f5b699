"""Read published files safely and keep the small ones ready to send.

A URL path names a file only when it is a confined relative path (`escrutinio.model.paths`)
with no segment starting with a dot, and when the real path of the file (symbolic links
followed) is a regular file inside the publication folder. Files up to `MAX_CACHED_FILE`
bytes are kept in memory with their gzip form, SHA-256 ETag and ``Last-Modified``; an entry
is dropped as soon as the file's modification time, size or inode change. Nothing is ever
written.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import stat
from collections import OrderedDict
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

from escrutinio.model.paths import path_problem
from escrutinio.serve.policy import cache_control, compressible, content_type, file_headers
from escrutinio.serve.ready import Ready

MAX_CACHED_FILE = 16 * 1024 * 1024
"""Files larger than this are streamed from disk, uncompressed, instead of kept in memory."""

MAX_CACHE_BYTES = 256 * 1024 * 1024
"""The most bytes (plain + gzip) the cache keeps; least recently used files go first."""

MIN_GZIP = 256
"""Files smaller than this are not worth compressing."""


class PathRefused(ValueError):
    """A URL path that cannot name a published file (traversal, hidden file, bad text)."""


@dataclass(frozen=True)
class FileMeta:
    """What the headers of a published file need, whether or not its bytes are cached."""

    rel: str
    real: str
    size: int
    mtime_ns: int
    ino: int
    media_type: str
    cache_control: str

    @property
    def key(self) -> tuple[int, int, int]:
        """Changes whenever the file is replaced or rewritten."""
        return (self.mtime_ns, self.size, self.ino)

    @property
    def last_modified(self) -> str:
        """The HTTP date of the file's modification time."""
        return formatdate(self.mtime_ns / 1e9, usegmt=True)


@dataclass(frozen=True)
class CachedFile:
    """A small published file: its metadata and its prepared answer."""

    meta: FileMeta
    ready: Ready

    @property
    def body(self) -> bytes:
        """The file's bytes."""
        return self.ready.body

    @property
    def etag(self) -> str:
        """Its strong ETag."""
        return self.ready.etag

    @property
    def weight(self) -> int:
        """Bytes of memory it holds."""
        return self.ready.weight


_RELS: dict[str, str | PathRefused] = {}
_RELS_MAX = 65536


def url_to_rel(path: str) -> str:
    """The relative file path a decoded URL path asks for (``/`` and ``…/`` mean
    ``index.html``); raises `PathRefused` when it could reach outside the folder."""
    known = _RELS.get(path)
    if known is None:
        try:
            known = _url_to_rel(path)
        except PathRefused as exc:
            known = exc
        if len(_RELS) >= _RELS_MAX:
            _RELS.clear()
        _RELS[path] = known
    if isinstance(known, PathRefused):
        raise known
    return known


def _url_to_rel(path: str) -> str:
    if not path.startswith("/"):
        raise PathRefused("a URL path starts with /")
    rel = path[1:]
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    problem = path_problem(rel)
    if problem is not None:
        raise PathRefused(problem)
    if any(segment.startswith(".") for segment in rel.split("/")):
        raise PathRefused("hidden files are not published")
    return rel


def etag_of(data: bytes) -> str:
    """A strong entity tag: the first 128 bits of the SHA-256 of the bytes."""
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


class PublishedFiles:
    """The regular files inside one publication folder, read-only, with an LRU byte cache."""

    def __init__(self, root: str | Path, max_bytes: int = MAX_CACHE_BYTES) -> None:
        self.root = os.path.realpath(root)
        self._prefix = self.root.rstrip(os.sep) + os.sep
        self._max_bytes = max_bytes
        self._bytes = 0
        self._cache: OrderedDict[str, CachedFile] = OrderedDict()

    def meta(self, rel: str) -> FileMeta | None:
        """The metadata of the regular file ``rel`` inside the folder, or None when there is
        none (missing, a folder, or a link that leads outside)."""
        real = os.path.realpath(os.path.join(self.root, rel))
        if not real.startswith(self._prefix):
            return None
        try:
            st = os.stat(real)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        return FileMeta(
            rel,
            real,
            st.st_size,
            st.st_mtime_ns,
            st.st_ino,
            content_type(rel),
            cache_control(rel),
        )

    def is_folder(self, rel: str) -> bool:
        """Whether ``rel`` is a folder inside the publication (for the trailing-slash redirect)."""
        real = os.path.realpath(os.path.join(self.root, rel))
        return real.startswith(self._prefix) and os.path.isdir(real)

    def lookup(self, rel: str) -> CachedFile | None:
        """The cached file at ``rel`` when it is still the very file that was checked and
        read (same inode, size and modification time): one ``stat`` per request."""
        hit = self._cache.get(rel)
        if hit is None:
            return None
        try:
            st = os.stat(hit.meta.real)
        except OSError:
            return None
        if (st.st_mtime_ns, st.st_size, st.st_ino) != hit.meta.key:
            return None
        self._cache.move_to_end(rel)
        return hit

    def cached(self, meta: FileMeta) -> CachedFile | None:
        """The cached form of the file when it is in the cache and unchanged."""
        hit = self._cache.get(meta.rel)
        if hit is None or hit.meta.key != meta.key:
            return None
        self._cache.move_to_end(meta.rel)
        return hit

    def load(self, meta: FileMeta) -> CachedFile | None:
        """Read a small file (blocking, touches no shared state: fine in a worker thread) and
        compute its gzip form and ETag; None when it is too large or changed while read."""
        if meta.size > MAX_CACHED_FILE:
            return None
        try:
            with open(meta.real, "rb") as fh:
                body = fh.read(MAX_CACHED_FILE + 1)
                st = os.fstat(fh.fileno())
        except OSError:
            return None
        if (st.st_mtime_ns, st.st_size, st.st_ino) != meta.key or len(body) != meta.size:
            return None
        gzipped = None
        if compressible(meta.media_type) and len(body) >= MIN_GZIP:
            packed = gzip.compress(body, compresslevel=6, mtime=0)
            gzipped = packed if len(packed) < len(body) else None
        headers = file_headers(meta.media_type, meta.cache_control, meta.last_modified)
        ready = Ready(body, gzipped, etag_of(body), meta.media_type, headers, meta.mtime_ns)
        return CachedFile(meta, ready)

    def keep(self, entry: CachedFile) -> None:
        """Put a loaded file in the cache (from the event loop's thread only)."""
        old = self._cache.pop(entry.meta.rel, None)
        if old is not None:
            self._bytes -= old.weight
        self._cache[entry.meta.rel] = entry
        self._bytes += entry.weight
        while self._bytes > self._max_bytes and len(self._cache) > 1:
            _, dropped = self._cache.popitem(last=False)
            self._bytes -= dropped.weight

    def read(self, rel: str, limit: int = MAX_CACHED_FILE) -> bytes | None:
        """The bytes of a published file of at most ``limit`` bytes, or None (blocking; from
        the event loop's thread only)."""
        meta = self.meta(rel)
        if meta is None or meta.size > limit:
            return None
        hit = self.cached(meta)
        if hit is None:
            hit = self.load(meta)
            if hit is None:
                return None
            self.keep(hit)
        return hit.body
