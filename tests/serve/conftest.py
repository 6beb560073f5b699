"""Fixtures for the serve tests: a small real publication, a raw ASGI caller and a real
Uvicorn server on 127.0.0.1 (port 0) in a thread."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

sys.path.insert(0, str(Path(__file__).parents[1] / "verify"))

from ledger_pubkit import Pub, full, wave1

from escrutinio.model import Definition
from escrutinio.serve.app import Site, create_app


@pytest.fixture
def pub(tmp_path: Path, definition: Definition) -> Iterator[Pub]:
    """Both waves of the small election published and cosigned (SQLite store)."""
    p = full(f"sqlite:///{tmp_path / 'store.db'}", definition, tmp_path)
    yield p
    p.store.close()


@pytest.fixture
def pub1(tmp_path: Path, definition: Definition) -> Iterator[Pub]:
    """Only the first wave published (bulletin 1): the second can be published live."""
    p = wave1(f"sqlite:///{tmp_path / 'store.db'}", definition, tmp_path)
    yield p
    p.store.close()


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
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    asyncio.run(app(scope, receive, send))
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


CHROMIUM = os.environ.get("ESCRUTINIO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip this folder's browser tests, with the reason, when chromium is not installed."""
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"no chromium at {CHROMIUM} (make test installs Debian's)")
    for item in items:
        if "browser" in item.keywords and "tests/serve" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright launches Debian's chromium (as tests/website does)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder for screenshots (a test artefact, as in tests/website)."""
    folder = Path(os.environ.get("ESCRUTINIO_ARTIFACTS", "test-artifacts")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
