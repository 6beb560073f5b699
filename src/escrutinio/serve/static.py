"""The ASGI app that serves the publication's files: content types, gzip, ETag and
``Last-Modified`` with 304 answers, and the cache rules of `escrutinio.serve.policy`."""

from __future__ import annotations

import asyncio
import os
from http import HTTPStatus

from escrutinio.serve.files import FileMeta, PathRefused, PublishedFiles, url_to_rel
from escrutinio.serve.policy import file_headers
from escrutinio.serve.problems import PROBLEM_TYPE, problem_body
from escrutinio.serve.ready import (
    Receive,
    Scope,
    Send,
    encode_headers,
    not_modified,
    send_ready,
)

CHUNK = 256 * 1024
"""Bytes per chunk when a large file is streamed from disk."""


async def send_problem(send: Send, status: int, detail: str, instance: str) -> None:
    """Answer with an RFC 9457 problem details document."""
    body = problem_body(status, HTTPStatus(status).phrase, detail, instance)
    pairs = [
        ("content-type", PROBLEM_TYPE),
        ("content-length", str(len(body))),
        ("cache-control", "no-store"),
    ]
    if status == 405:
        pairs.append(("allow", "GET, HEAD"))
    await send({"type": "http.response.start", "status": status, "headers": encode_headers(pairs)})
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
        entry = self.files.lookup(rel)
        if entry is not None:
            await send_ready(scope, send, entry.ready)
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
            entry = await asyncio.to_thread(self.files.load, meta)
            if entry is not None:
                self.files.keep(entry)
        if entry is None:
            await self._stream(scope, send, meta)
            return
        await send_ready(scope, send, entry.ready)

    async def _redirect(self, send: Send, scope: Scope, location: str) -> None:
        query = scope.get("query_string", b"")
        if query:
            location += "?" + query.decode("latin-1")
        pairs = [("location", location), ("content-length", "0"), ("cache-control", "no-cache")]
        await send({"type": "http.response.start", "status": 308, "headers": encode_headers(pairs)})
        await send({"type": "http.response.body", "body": b""})

    async def _stream(self, scope: Scope, send: Send, meta: FileMeta) -> None:
        """A large file: weak validators from its metadata, sent in chunks from disk."""
        etag = f'W/"{meta.size:x}-{meta.mtime_ns:x}-{meta.ino:x}"'
        pairs = [
            *file_headers(meta.media_type, meta.cache_control, meta.last_modified),
            ("etag", etag),
        ]
        if not_modified(scope, etag, meta.mtime_ns):
            await send(
                {"type": "http.response.start", "status": 304, "headers": encode_headers(pairs)}
            )
            await send({"type": "http.response.body", "body": b""})
            return
        try:
            fh = await asyncio.to_thread(open, meta.real, "rb")
        except OSError:
            await send_problem(send, 404, f"no published file at {scope['path']}", scope["path"])
            return
        try:
            size = os.fstat(fh.fileno()).st_size
            pairs += [("content-type", meta.media_type), ("content-length", str(size))]
            await send(
                {"type": "http.response.start", "status": 200, "headers": encode_headers(pairs)}
            )
            if scope["method"] == "HEAD":
                await send({"type": "http.response.body", "body": b""})
                return
            left = size
            while left > 0:
                chunk = await asyncio.to_thread(fh.read, min(CHUNK, left))
                if not chunk:
                    break
                left -= len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": left > 0})
            if left > 0:  # the file shrank while being sent: end the body
                await send({"type": "http.response.body", "body": b""})
        finally:
            fh.close()
