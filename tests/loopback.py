"""Loopback servers for the tests that talk HTTP: a static folder served on 127.0.0.1 (a
free port), and a real ``escrutinio serve --accept-actas`` process."""

from __future__ import annotations

import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging every request to the test output."""

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port, loopback only); yield the base URL."""
    handler = partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


ESCRUTINIO = Path(sys.executable).parent / "escrutinio"
"""The installed CLI of the running interpreter's environment."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_receive_server(
    db: str,
    log_skey: Path,
    port: int,
    log: Path,
    *options: str,
    wait_seconds: float = 120,
) -> subprocess.Popen[bytes]:
    """Start ``escrutinio serve --accept-actas`` on 127.0.0.1:``port`` in a session of its
    own (so `os.killpg` reaches every worker), its output in ``log``; return once it answers
    HTTP. ``options`` are further ``serve`` options (``--workers 2``, ``--rate 0``, …)."""
    args = [str(ESCRUTINIO), "serve", "--accept-actas", "--db", db]
    args += ["--receipt-key", str(log_skey), "--port", str(port), *options]
    with log.open("ab") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + wait_seconds  # workers start slowly on a busy machine
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/nothing", timeout=5)
            return proc
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_server(proc, signal.SIGKILL)
                tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
                raise AssertionError(f"the server did not start:\n{tail}") from None
            time.sleep(0.1)


def stop_server(proc: subprocess.Popen[bytes], sig: int = signal.SIGINT) -> None:
    """Send ``sig`` to the server's whole session and wait for it (SIGKILL after 20 s)."""
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
