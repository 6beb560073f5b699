"""Load benchmark of ``escrutinio serve`` on loopback (issue 11, item 6).

Copies a publication folder to a temporary folder (the bench never writes the one it is
given), starts ``escrutinio serve`` on it on 127.0.0.1, then for a bounded time and number
of concurrent connections measures requests/s and p50/p99 latency of the home page, a race
page, a table page, ``latest.json``, an API answer and an inclusion proof (gzip accepted, as
a browser does), then proofs of random leaves (each computed from the tiles, with wrk). It
uses Debian's ``wrk`` (installed with apt-get when missing and possible) or else a small
asyncio HTTP/1.1 keep-alive client. Then it holds N server-sent-event clients on
``/api/v1/events``, makes a new publication appear in the copy (a new checkpoint note: one
more cosignature line, written atomically, as ``escrutinio publish`` does) and measures how
long each client took to hear of it.

    .venv/bin/python bench/site.py [--dir demo-output/published-2017] [--seconds 5]
        [--connections 64] [--sse 1000] [--workers 1]

Goals (2-core VM): ≥ 5,000 requests/s for cached pages and JSON with p99 < 50 ms; 1,000
concurrent SSE clients notified within 5 s. The load generator runs on the same two cores as
the server, so it takes part of the CPU the server could use."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def raise_file_limit(wanted: int) -> int:
    """Raise the open-file limit (inherited by the server) towards ``wanted``."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(max(soft, wanted), hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def find_wrk() -> str | None:
    """Debian's wrk, installed with apt-get when missing and this runs as root."""
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("installing Debian's wrk (apt-get) ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"], check=False, env=env, capture_output=True
    )
    return shutil.which("wrk")


def _ms(text: str) -> float:
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text.strip())
    if m is None:
        return float("nan")
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


RANDOM_PROOF = """
math.randomseed(os.time())
request = function()
  local path = "/api/v1/proof/inclusion?index=" .. math.random(0, %d)
  return wrk.format("GET", path, {["Accept-Encoding"] = "gzip"})
end
"""
"""A wrk script asking for the inclusion proof of a random leaf each time (uncached)."""


def run_wrk(
    wrk: str, url: str, seconds: int, connections: int, script: Path | None = None
) -> tuple[float, float, float]:
    """requests/s, p50 ms, p99 ms measured by wrk."""
    extra = ["-s", str(script)] if script is not None else []
    out = subprocess.run(
        [
            wrk,
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            "Accept-Encoding: gzip",
            *extra,
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    if "Non-2xx" in out:
        raise RuntimeError(f"{url}: non-2xx answers\n{out}")
    return rps, p50, p99


async def _client(port: int, path: str, deadline: float, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    request = (f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAccept-Encoding: gzip\r\n\r\n").encode()
    try:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"{path}: {head.splitlines()[0]!r}")
            m = re.search(rb"(?i)content-length:\s*(\d+)", head)
            await reader.readexactly(int(m.group(1)) if m else 0)
            latencies.append(time.perf_counter() - start)
    finally:
        writer.close()


def run_python(port: int, path: str, seconds: int, connections: int) -> tuple[float, float, float]:
    """requests/s, p50 ms, p99 ms with an asyncio keep-alive client."""
    latencies: list[float] = []

    async def main() -> None:
        deadline = time.perf_counter() + seconds
        await asyncio.gather(
            *(_client(port, path, deadline, latencies) for _ in range(connections))
        )

    start = time.perf_counter()
    asyncio.run(main())
    took = time.perf_counter() - start
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1e3
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1e3
    return len(latencies) / took, p50, p99


def first_file(folder: Path, pattern: str) -> str | None:
    """The URL path of the first file matching ``pattern`` (sorted), or None."""
    for path in sorted(folder.glob(pattern)):
        if path.is_file():
            return "/" + path.relative_to(folder).as_posix()
    return None


async def _sse_client(
    port: int, ready: asyncio.Event, hello: list[float], heard: list[float], timeout: float
) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(
        f"GET /api/v1/events HTTP/1.1\r\nHost: {HOST}\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    events = 0
    try:
        while events < 2:
            line = await asyncio.wait_for(reader.readline(), timeout)
            if not line:
                return
            if line.startswith(b"event: publication"):
                events += 1
                if events == 1:
                    hello.append(time.perf_counter())
                    await ready.wait()
                else:
                    heard.append(time.perf_counter())
    except TimeoutError:
        return
    finally:
        writer.close()


def new_publication(folder: Path) -> float:
    """Make the copy show a new checkpoint (one more cosignature line); when it was written."""
    note = (folder / "checkpoint").read_text(encoding="utf-8")
    extra = "— bench.example/witness AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n"
    tmp = folder / "checkpoint.bench-tmp"
    tmp.write_text(note + extra, encoding="utf-8")
    os.replace(tmp, folder / "checkpoint")
    return time.perf_counter()


def run_sse(port: int, folder: Path, clients: int, timeout: float) -> dict[str, float]:
    """Hold ``clients`` event streams, publish, and time how long each took to hear of it."""
    hello: list[float] = []
    heard: list[float] = []

    async def main() -> float:
        ready = asyncio.Event()
        tasks = []
        start = time.perf_counter()
        for i in range(clients):
            tasks.append(asyncio.create_task(_sse_client(port, ready, hello, heard, timeout + 30)))
            if i % 100 == 99:
                await asyncio.sleep(0.05)
        while len(hello) < clients and time.perf_counter() - start < 60:
            await asyncio.sleep(0.05)
        connected = time.perf_counter() - start
        await asyncio.sleep(1.0)
        ready.set()
        published = await asyncio.to_thread(new_publication, folder)
        hold["published"] = published
        hold["connect_s"] = connected
        await asyncio.wait(tasks, timeout=timeout)
        for t in tasks:
            t.cancel()
        return published

    hold: dict[str, float] = {}
    asyncio.run(main())
    delays = sorted(t - hold["published"] for t in heard)
    return {
        "clients": clients,
        "connected": len(hello),
        "connect_s": hold["connect_s"],
        "notified": len(delays),
        "p50_s": statistics.median(delays) if delays else float("nan"),
        "max_s": delays[-1] if delays else float("nan"),
    }


def wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    """Wait until the server answers (fails when it exits)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("escrutinio serve exited")
        try:
            with urllib.request.urlopen(f"{base}/api/v1/summary", timeout=30) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("escrutinio serve did not answer within 120 s")


def main() -> None:
    """Run the benchmark and print one row per URL and the SSE figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("demo-output/published-2017"))
    parser.add_argument("--seconds", type=int, default=5, help="per URL (bounded)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--sse", type=int, default=1000, help="event-stream clients")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-wrk", action="store_true", help="use the asyncio client")
    args = parser.parse_args()
    if not (args.dir / "checkpoint").is_file():
        sys.exit(f"{args.dir}: no publication there (run `make demo` first)")
    args.seconds = max(1, min(args.seconds, 60))
    args.connections = max(1, min(args.connections, 1024))
    args.sse = max(0, min(args.sse, 5000))
    raise_file_limit(args.sse + args.connections + 1024)
    work = Path(tempfile.mkdtemp(prefix="escrutinio-serve-bench-"))
    folder = work / "pub"
    shutil.copytree(args.dir, folder)
    wrk = None if args.no_wrk else find_wrk()
    port = free_port()
    base = f"http://{HOST}:{port}"
    exe = Path(sys.executable).parent / "escrutinio"
    cmd = [str(exe), "serve", str(folder), "--port", str(port), "--workers", str(args.workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(base, proc)
        urls = {
            "home page": "/" if (folder / "index.html").is_file() else None,
            "race page": first_file(folder, "race/*.html"),
            "table page": first_file(folder, "table/*/*.html") or first_file(folder, "table/*"),
            "latest.json": "/latest.json" if (folder / "latest.json").is_file() else None,
            "checkpoint": "/checkpoint",
            "API summary": "/api/v1/summary",
            "inclusion proof": "/api/v1/proof/inclusion?index=12345",
        }
        tool = "wrk" if wrk else "asyncio client"
        print(
            f"escrutinio serve {args.dir} — {args.workers} worker(s), {tool}, "
            f"{args.connections} connections, {args.seconds} s per URL, {os.cpu_count()} CPUs"
        )
        print(f"{'what':<16} {'URL':<44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
        for name, path in urls.items():
            if path is None:
                print(f"{name:<16} {'(not in this publication)':<44}")
                continue
            urllib.request.urlopen(base + path, timeout=30).read()
            if wrk:
                rps, p50, p99 = run_wrk(wrk, base + path, args.seconds, args.connections)
            else:
                rps, p50, p99 = run_python(port, path, args.seconds, args.connections)
            print(f"{name:<16} {path[:44]:<44} {rps:>9,.0f} {p50:>8.2f} {p99:>8.2f}", flush=True)
        if wrk:
            size = int(json.loads((folder / "manifest.json").read_bytes())["size"])
            script = work / "random-proof.lua"
            script.write_text(RANDOM_PROOF % (size - 1), encoding="utf-8")
            rps, p50, p99 = run_wrk(wrk, base + "/", args.seconds, args.connections, script)
            name, path = "proof, random", "/api/v1/proof/inclusion?index=<random>"
            print(f"{name:<16} {path:<44} {rps:>9,.0f} {p50:>8.2f} {p99:>8.2f}", flush=True)
        if args.sse:
            sse = run_sse(port, folder, args.sse, timeout=15)
            print(
                f"SSE: {sse['connected']:,.0f} of {sse['clients']:,.0f} clients connected in "
                f"{sse['connect_s']:.1f} s; after a new publication {sse['notified']:,.0f} "
                f"notified, p50 {sse['p50_s']:.2f} s, last {sse['max_s']:.2f} s "
                "(includes the ≤ 0.5 s folder poll)"
            )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
