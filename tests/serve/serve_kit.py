"""Helpers for the serve tests: a raw ASGI caller, a fingerprint of a folder and a real
Uvicorn server on 127.0.0.1 (port 0) in a thread."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from escrutinio.serve.app import Site, create_app


@dataclass
class Answer:
    """A raw ASGI answer."""

    status: int
    headers: dict[str, str]
    body: bytes


def call(
    app: Site, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> Answer:
    """Send one request straight to the ASGI app, the path exactly as given (no client-side
    normalisation of ``..``)."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape"),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    messages: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        messages.append(message)

    # a thread of its own: Playwright's sync API keeps an event loop running in this one
    worker = threading.Thread(target=asyncio.run, args=(app(scope, receive, send),))
    worker.start()
    worker.join()
    start = messages[0]
    got = {k.decode(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return Answer(start["status"], got, body)


def tree_fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    """SHA-256 and modification time of every file under ``folder`` (to show nothing was
    written)."""
    return {
        str(p.relative_to(folder)): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@contextmanager
def running(folder: Path, poll_seconds: float = 0.1) -> Iterator[str]:
    """A real Uvicorn server for ``folder`` on 127.0.0.1, a free port; yields its base URL."""
    config = uvicorn.Config(
        create_app(folder, poll_seconds=poll_seconds),  # type: ignore[arg-type]
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
