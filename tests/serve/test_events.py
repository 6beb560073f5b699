"""Server-sent events on a real Uvicorn server: a new publication is announced to every
connected client within 5 s."""

from __future__ import annotations

import json
import queue
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from ledger_pubkit import Pub, wave2
from serve_kit import running

from escrutinio.serve.files import PublishedFiles
from escrutinio.serve.hub import Hub


def listen(url: str, got: queue.Queue[dict[str, Any]], stop: threading.Event) -> None:
    """Collect the ``publication`` events of one client until ``stop`` is set."""
    with (
        httpx.Client(timeout=httpx.Timeout(10, read=30)) as client,
        client.stream("GET", url) as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in response.iter_lines():
            if stop.is_set():
                return
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event == "publication":
                got.put(json.loads(line.split(":", 1)[1]))


def next_event(got: queue.Queue[dict[str, Any]], seconds: float) -> dict[str, Any]:
    return got.get(timeout=seconds)


def test_a_new_publication_is_announced(pub1: Pub, tmp_path: Path) -> None:
    with running(pub1.out) as base:
        clients = []
        threads = []
        stop = threading.Event()
        for _ in range(3):
            got: queue.Queue[dict[str, Any]] = queue.Queue()
            thread = threading.Thread(
                target=listen, args=(f"{base}/api/v1/events", got, stop), daemon=True
            )
            thread.start()
            clients.append(got)
            threads.append(thread)
        for got in clients:
            hello = next_event(got, 10)
            assert hello["bulletin"] == 1
        size1 = hello["tree_size"]
        started = time.monotonic()
        wave2(pub1, tmp_path)
        published = time.monotonic()
        for got in clients:
            event = next_event(got, 5)
            while event["bulletin"] != 2:  # the intermediate publish of wave2 may show first
                event = next_event(got, 5)
            assert event["tree_size"] > size1
            assert event["races_changed"] == ["gov-A", "gov-B"]
        assert time.monotonic() - published < 5, time.monotonic() - started
        latest = httpx.get(f"{base}/api/v1/latest").json()
        assert latest["bulletin"] == 2
        assert httpx.get(f"{base}/api/v1/bulletins/2").status_code == 200
        stop.set()
    for thread in threads:  # the server closed their streams
        thread.join(timeout=10)
        assert not thread.is_alive()


def test_a_half_written_publication_is_not_announced(pub1: Pub) -> None:
    files = PublishedFiles(pub1.out)
    hub = Hub(files)
    assert hub.current is not None and hub.current.bulletin == 1
    checkpoint = pub1.out / "checkpoint"
    text = checkpoint.read_text(encoding="utf-8")
    lines = text.split("\n")
    lines[1] = str(int(lines[1]) + 1)  # a checkpoint the manifest does not (yet) match
    checkpoint.write_text("\n".join(lines), encoding="utf-8")
    assert hub.poll() is None
    assert hub.current.bulletin == 1
