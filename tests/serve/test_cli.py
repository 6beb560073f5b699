"""``escrutinio serve`` on the command line: a clear error for a wrong folder, and a real
server process that answers and stops."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from ledger_pubkit import Pub
from typer.testing import CliRunner

from escrutinio.cli.main import app

runner = CliRunner()


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "not a folder" in result.output


def test_a_bad_port_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", str(tmp_path), "--port", "70000"])
    assert result.exit_code == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_command_serves_the_folder(pub: Pub) -> None:
    port = _free_port()
    exe = Path(sys.executable).parent / "escrutinio"
    proc = subprocess.Popen(
        [str(exe), "serve", str(pub.out), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                got = httpx.get(f"http://127.0.0.1:{port}/api/v1/latest", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert got.json()["bulletin"] == 2
        page = httpx.get(f"http://127.0.0.1:{port}/checkpoint")
        assert page.text == (pub.out / "checkpoint").read_text(encoding="utf-8")
    finally:
        os.kill(proc.pid, signal.SIGINT)
        proc.wait(timeout=15)
