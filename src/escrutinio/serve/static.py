"""The ASGI app that serves the publication's files: content types, gzip, ETag and
``Last-Modified`` with 304 answers, and the cache rules of `escrutinio.serve.policy`."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from email.utils import parsedate_to_datetime
from typing import Any

import anyio

from escrutinio.serve.files import (
    CachedFile,
    FileMeta,
    PathRefused,
    PublishedFiles,
    url_to_rel,
)
from escrutinio.serve.problems import PROBLEM_TYPE, problem_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

CHUNK = 256 * 1024
"""Bytes per chunk when a large file is streamed from disk."""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
"""Pages may load nothing from anywhere else (the issue forbids third-party requests)."""


def _headers(pairs: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs]


def _accepts_gzip(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            for part in value.decode("latin-1").split(","):
                coding, _, params = part.strip().partition(";")
                if coding.strip().lower() in ("gzip", "x-gzip"):
                    return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope["headers"]:
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


def etag_matches(header: str, etag: str) -> bool:
    """Weak comparison of an ``If-None-Match`` list with our tag (also its gzip variant)."""
    if header.strip() == "*":
        return True
    bare = etag.strip('"')
    for tag in header.split(","):
        tag = tag.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tag = tag.strip('"')
        if tag in (bare, bare + "-gz"):
            return True
    return False


def not_modified(scope: Scope, etag: str | None, mtime_ns: int) -> bool:
    """Whether the request's validators say the client already has this version."""
    inm = _header(scope, b"if-none-match")
    if inm is not None:
        return etag is not None and etag_matches(inm, etag)
    ims = _header(scope, b"if-modified-since")
    if ims is None:
        return False
    try:
        since = parsedate_to_datetime(ims).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
    return int(mtime_ns // 1_000_000_000) <= since


async def send_problem(send: Send, status: int, detail: str, instance: str) -> None:
    """Answer with an RFC 9457 problem details document."""
    from http import HTTPStatus

    body = problem_body(status, HTTPStatus(status).phrase, detail, instance)
    pairs = [
        ("content-type", PROBLEM_TYPE),
        ("content-length", str(len(body))),
        ("cache-control", "no-store"),
    ]
    if status == 405:
        pairs.append(("allow", "GET, HEAD"))
    await send({"type": "http.response.start", "status": status, "headers": _headers(pairs)})
    await send({"type": "http.response.body", "body": body})


class StaticFiles:
    """Serve the regular files of a publication folder (GET and HEAD only)."""

    def __init__(self, files: PublishedFiles) -> None:
        self.files = files

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        path = scope["path"]
        if scope["method"] not in ("GET", "HEAD"):
            await send_problem(send, 405, f"{scope['method']} is not allowed here", path)
            return
        try:
            rel = url_to_rel(path)
        except PathRefused as exc:
            await send_problem(send, 400, f"refused path: {exc}", path)
            return
        meta = self.files.meta(rel)
        if meta is None:
            if not path.endswith("/") and self.files.is_folder(rel):
                await self._redirect(send, scope, path + "/")
                return
            await send_problem(send, 404, f"no published file at {path}", path)
            return
        entry = self.files.cached(meta)
        if entry is None:
            entry = await anyio.to_thread.run_sync(self.files.load, meta)
            if entry is not None:
                self.files.keep(entry)
        if entry is None:
            await self._stream(scope, send, meta)
            return
        await self._send_cached(scope, send, entry)

    async def _redirect(self, send: Send, scope: Scope, location: str) -> None:
        query = scope.get("query_string", b"")
        if query:
            location += "?" + query.decode("latin-1")
        pairs = [("location", location), ("content-length", "0"), ("cache-control", "no-cache")]
        await send({"type": "http.response.start", "status": 308, "headers": _headers(pairs)})
        await send({"type": "http.response.body", "body": b""})

    def _common(self, meta: FileMeta, etag: str | None) -> list[tuple[str, str]]:
        pairs = [
            ("cache-control", meta.cache_control),
            ("last-modified", meta.last_modified),
            ("x-content-type-options", "nosniff"),
        ]
        if etag is not None:
            pairs.append(("etag", etag))
        if meta.media_type.startswith("text/html"):
            pairs.append(("content-security-policy", CSP))
            pairs.append(("referrer-policy", "no-referrer"))
        return pairs

    async def _send_cached(self, scope: Scope, send: Send, entry: CachedFile) -> None:
        meta = entry.meta
        gz = entry.gzipped is not None and _accepts_gzip(scope)
        etag = entry.etag[:-1] + '-gz"' if gz else entry.etag
        pairs = self._common(meta, etag)
        if entry.gzipped is not None:
            pairs.append(("vary", "Accept-Encoding"))
        if not_modified(scope, entry.etag, meta.mtime_ns):
            await send({"type": "http.response.start", "status": 304, "headers": _headers(pairs)})
            await send({"type": "http.response.body", "body": b""})
            return
        body = entry.gzipped if gz and entry.gzipped is not None else entry.body
        pairs.append(("content-type", meta.media_type))
        pairs.append(("content-length", str(len(body))))
        if gz:
            pairs.append(("content-encoding", "gzip"))
        await send({"type": "http.response.start", "status": 200, "headers": _headers(pairs)})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )

    async def _stream(self, scope: Scope, send: Send, meta: FileMeta) -> None:
        """A large file: weak validators from its metadata, sent in chunks from disk."""
        etag = f'W/"{meta.size:x}-{meta.mtime_ns:x}-{meta.ino:x}"'
        pairs = self._common(meta, etag)
        if not_modified(scope, etag[2:], meta.mtime_ns):
            await send({"type": "http.response.start", "status": 304, "headers": _headers(pairs)})
            await send({"type": "http.response.body", "body": b""})
            return
        try:
            fh = await anyio.to_thread.run_sync(open, meta.real, "rb")
        except OSError:
            await send_problem(send, 404, f"no published file at {scope['path']}", scope["path"])
            return
        try:
            st = os.fstat(fh.fileno())
            pairs += [("content-type", meta.media_type), ("content-length", str(st.st_size))]
            await send({"type": "http.response.start", "status": 200, "headers": _headers(pairs)})
            if scope["method"] == "HEAD":
                await send({"type": "http.response.body", "body": b""})
                return
            left = st.st_size
            while left > 0:
                chunk = await anyio.to_thread.run_sync(fh.read, min(CHUNK, left))
                if not chunk:
                    break
                left -= len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": left > 0})
            if left > 0:  # the file shrank while sent: end the (now short) body
                await send({"type": "http.response.body", "body": b""})
        finally:
            fh.close()
