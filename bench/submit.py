"""Benchmark: N concurrent sender clients, each with its own key, against a real
``escrutinio serve --accept-actas`` on loopback (SQLite or PostgreSQL, --workers 1 or 2).

Run: ``.venv/bin/python bench/submit.py [--db sqlite|postgres] [--workers 1] [--senders 8]
[--actas 2000] [--image-bytes 0] [--in-flight 4]``. Every body is signed before the clock
starts; the clock covers sending (``PUT`` of the image when there is one, then ``POST``) until
the last receipt. Prints actas/s, p50/p99 receipt latency (image upload included), and a final
check from the database: every acta stored once, by its own sender, with exactly the counts
sent (content hashes), and ``log check``'s integrity check clean.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _synthetic import OPTIONS, write_synthetic  # noqa: E402
from escrutinio.io.acta_intake import check_row  # noqa: E402
from escrutinio.io.actas_jsonl import acta_row  # noqa: E402
from escrutinio.io.definition_files import load_definition  # noqa: E402
from escrutinio.ledger.keys import write_signer_key  # noqa: E402
from escrutinio.ledger.note import Ed25519Signer  # noqa: E402
from escrutinio.model.prepared import PreparedActa, content_templates  # noqa: E402
from escrutinio.model.validation import ActaValidator  # noqa: E402
from escrutinio.publish.integrity import check_store  # noqa: E402
from escrutinio.store import definitions as store_definitions  # noqa: E402
from escrutinio.store import schema as t  # noqa: E402
from escrutinio.store.senders import register_sender  # noqa: E402
from escrutinio.store.store import Store  # noqa: E402
from escrutinio.submission import ImageRef, build_envelope, envelope_hash, request_body  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STATES = 24
PNG = b"\x89PNG\r\n\x1a\n"


def pg_url(base: str) -> tuple[str, str]:
    """A private schema in the PostgreSQL test database (created here)."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        c.execute(f'CREATE SCHEMA "{schema}"')
    return f"{base}?options=-csearch_path%3D{schema}", schema


def drop_schema(base: str, schema: str) -> None:
    """Remove the benchmark schema."""
    import psycopg

    with psycopg.connect(base.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        c.execute(f'DROP SCHEMA "{schema}" CASCADE')


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def read_actas(path: Path, count: int) -> list[dict[str, Any]]:
    """The first ``count`` actas of the synthetic CSV as envelope acta objects."""
    rows = path.read_text(encoding="utf-8").splitlines()[1 : count + 1]
    out = []
    for line in rows:
        unit, contest, voters, null, *votes = line.split(",")
        out.append(
            {
                "unit": unit,
                "contest": contest,
                "voters": int(voters),
                "null": int(null),
                "votes": {o: int(v) for o, v in zip(OPTIONS, votes, strict=True)},
            }
        )
    return out


def state_of(unit: str) -> str:
    """The synthetic unit's state (units → municipality u % 240 → state m % 24)."""
    return f"S{int(unit[1:]) % 240 % STATES:02d}"


def prepare(
    tmp: Path, db: str, senders: int, actas: int, image_bytes: int
) -> tuple[Path, list[tuple[int, bytes, bytes | None, str]], dict[str, PreparedActa]]:
    """Definition loaded, senders registered, every body signed: (log key path, requests
    as (sender index, body, image or None, envelope hash), expected acta by unit)."""
    election, csv_path = write_synthetic(tmp / "data", actas)
    definition = load_definition(election)
    store = Store.open(db)
    store_definitions.load_definition(store, definition)
    signers = [Ed25519Signer.generate(f"centre-{i}") for i in range(senders)]
    for i, signer in enumerate(signers):
        states = [f"S{s:02d}" for s in range(STATES) if s % senders == i]
        register_sender(
            store, signer.name, signer.verifier().verifier_key(), "official", regions=states
        )
    store.close()
    log = Ed25519Signer.generate("bench.example/log")
    skey = tmp / "log.skey"
    write_signer_key(skey, log)
    validator = ActaValidator(definition, default_source="official")
    templates = content_templates(definition)
    requests = []
    expected: dict[str, PreparedActa] = {}
    rng = random.Random(1)
    for doc in read_actas(csv_path, actas):
        owner = int(state_of(doc["unit"])[1:]) % senders
        signer = signers[owner]
        image = None
        refs = []
        if image_bytes:
            image = PNG + rng.randbytes(image_bytes - len(PNG))
            refs = [ImageRef.of(image, "image/png")]
        envelope = build_envelope(doc, signer.name, signer.key_id, refs, "2026-01-01T00:00:00Z")
        requests.append((owner, request_body(envelope, signer), image, envelope_hash(envelope)))
        prepared = check_row(validator, templates, acta_row(doc))
        assert not isinstance(prepared, list), prepared
        expected[doc["unit"]] = prepared
    return skey, requests, expected


def http_request(method: str, path: str, port: int, media_type: str, length: int) -> bytes:
    """The head of an HTTP/1.1 keep-alive request with a body of ``length`` bytes."""
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: {media_type}\r\nContent-Length: {length}\r\n\r\n"
    ).encode("ascii")


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One HTTP/1.1 response with a Content-Length body: (status, body)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def send_all(
    port: int, requests: list[tuple[int, bytes, bytes | None, str]], senders: int, in_flight: int
) -> tuple[float, list[float], list[str]]:
    """Send every request, ``in_flight`` at a time per sender, each over its own keep-alive
    connection with the request bytes built before the clock starts (a client this cheap
    measures the server, not an HTTP library); (seconds, latencies, errors)."""
    queues: list[list[tuple[bytes | None, bytes, str]]] = [[] for _ in range(senders)]
    for owner, body, image, sha in requests:
        put = None
        if image is not None:
            digest = hashlib.sha256(image).hexdigest()
            put = http_request("PUT", f"/api/v1/images/{digest}", port, "image/png", len(image))
        post = http_request("POST", "/api/v1/actas", port, "application/json", len(body))
        queues[owner].append((put, post + body, sha))
    images = {sha: image for _, _, image, sha in requests}
    latencies: list[float] = []
    errors: list[str] = []

    async def worker(queue: list[tuple[bytes | None, bytes, str]]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                put, post, sha = queue.pop()
                start = time.perf_counter()
                if put is not None:
                    writer.writelines((put, images[sha] or b""))
                    status, answer = await read_response(reader)
                    if status >= 300:
                        errors.append(f"PUT {status} {answer[:200]!r}")
                        continue
                writer.write(post)
                status, answer = await read_response(reader)
                latencies.append(time.perf_counter() - start)
                if status != 201 or sha.encode() not in answer:
                    errors.append(f"POST {status} {answer[:200]!r}")
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker(q) for q in queues for _ in range(in_flight)))
    return time.perf_counter() - start, latencies, errors


def cpu_seconds(group: int) -> float:
    """User + system CPU seconds used so far by the processes of process group ``group``
    (the server and its workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / tick


def thread_cpu_seconds(group: int) -> dict[int, float]:
    """CPU seconds so far of every thread of the processes of ``group``, by thread id (a
    process's main thread, the one running its event loop, has the process's id)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2]) != group:
                continue
            for task in (entry / "task").iterdir():
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                out[int(task.name)] = (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            continue
    return out


def postgres_cpu_seconds() -> float:
    """User + system CPU seconds used so far by the PostgreSQL processes (0 without)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() not in ("postgres", "postmaster"):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def final_check(
    db: str, requests: list[tuple[int, bytes, bytes | None, str]], expected: dict[str, PreparedActa]
) -> list[str]:
    """Problems found in the stored record (empty: none lost, duplicated or mis-attributed)."""
    problems: list[str] = []
    store = Store.open(db)
    try:
        with store.engine.connect() as conn:
            av = t.acta_versions.c
            versions = conn.execute(select(av.unit, av.version, av.content_hash, av.log_idx)).all()
            envelopes = conn.execute(
                select(t.envelopes.c.sha256, t.envelopes.c.sender, t.envelopes.c.acta_log_idx)
            ).all()
        by_idx = {int(v.log_idx): v for v in versions}
        if len(versions) != len(expected):
            problems.append(f"{len(versions)} acta versions stored, {len(expected)} sent")
        for v in versions:
            want = expected.get(v.unit)
            if want is None or v.version != 1 or v.content_hash != want.content_hash:
                problems.append(f"unit {v.unit}: version {v.version} differs from what was sent")
        sent = {sha for _, _, _, sha in requests}
        if {str(e.sha256) for e in envelopes} != sent or len(envelopes) != len(sent):
            problems.append(f"{len(envelopes)} envelopes stored, {len(sent)} sent")
        for e in envelopes:
            unit = by_idx[int(e.acta_log_idx)].unit
            owner = f"centre-{int(state_of(unit)[1:]) % len({r[0] for r in requests})}"
            if e.sender != owner:
                problems.append(f"unit {unit} attributed to {e.sender}, sent by {owner}")
        problems += check_store(store)
    finally:
        store.close()
    return problems


def main() -> None:
    """Parse the options, run one configuration, print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--actas", type=int, default=2000)
    parser.add_argument("--image-bytes", type=int, default=0)
    parser.add_argument("--in-flight", type=int, default=4, help="requests at once per sender")
    parser.add_argument(
        "--no-qr-decode",
        action="store_true",
        help="start the server with --no-qr-decode (no QR decoding after the receipt)",
    )
    parser.add_argument(
        "--py-spy", metavar="OUT", help="profile the server with py-spy (collapsed stacks to OUT)"
    )
    opts = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-submit-"))
    schema = None
    if opts.db == "postgres":
        db, schema = pg_url(opts.postgres)
    else:
        db = f"sqlite:///{tmp / 'bench.db'}"
    server = None
    try:
        skey, requests, expected = prepare(tmp, db, opts.senders, opts.actas, opts.image_bytes)
        port = free_port()
        wrap = []
        if opts.py_spy:
            spy = str(Path(sys.executable).parent / "py-spy")
            wrap = [
                spy,
                "record",
                "--gil",
                "--subprocesses",
                "--format",
                "raw",
                "-o",
                opts.py_spy,
                "--",
            ]
        server = subprocess.Popen(
            [
                *wrap,
                str(Path(sys.executable).parent / "escrutinio"),
                "serve",
                "--accept-actas",
                "--db",
                db,
                "--receipt-key",
                str(skey),
                "--images",
                str(tmp / "images"),
                "--port",
                str(port),
                "--workers",
                str(opts.workers),
                "--rate",
                "0",
                *(["--no-qr-decode"] if opts.no_qr_decode else []),
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{url}/api/v1/nothing", timeout=5)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit("the server did not start")
                time.sleep(0.2)
        server_cpu, pg_cpu = cpu_seconds(server.pid), postgres_cpu_seconds()
        threads = thread_cpu_seconds(server.pid)
        client_cpu = time.process_time()
        seconds, latencies, errors = asyncio.run(
            send_all(port, requests, opts.senders, opts.in_flight)
        )
        client_cpu = time.process_time() - client_cpu
        server_cpu = cpu_seconds(server.pid) - server_cpu
        threads_after = thread_cpu_seconds(server.pid)
        pids = {int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()}
        loop_cpu = sum(v - threads.get(k, 0.0) for k, v in threads_after.items() if k in pids)
        pg_cpu = postgres_cpu_seconds() - pg_cpu
        problems = final_check(db, requests, expected) + errors[:5]
        q = statistics.quantiles(latencies, n=100)
        print(
            f"db={opts.db} workers={opts.workers} senders={opts.senders} "
            f"in_flight={opts.in_flight} actas={len(requests)} image_bytes={opts.image_bytes}"
        )
        print(
            f"  {len(requests) / seconds:,.0f} actas/s ({seconds:.1f} s); receipt latency "
            f"p50 {q[49] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms"
        )
        per = 1000 / len(requests)
        print(
            f"  CPU per acta: server {server_cpu * per:.2f} ms (event loops {loop_cpu * per:.2f}"
            f" ms, other threads {(server_cpu - loop_cpu) * per:.2f} ms), "
            f"client {client_cpu * per:.2f} ms"
            + (f", PostgreSQL {pg_cpu * per:.2f} ms" if opts.db == "postgres" else "")
            + f"; load average {os.getloadavg()[0]:.1f}"
        )
        print(
            "  final check: "
            + (
                "OK (none lost, duplicated or mis-attributed; integrity clean)"
                if not problems
                else "; ".join(problems[:5])
            )
        )
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        if schema is not None:
            drop_schema(opts.postgres, schema)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
