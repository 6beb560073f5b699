"""Benchmark: the group-commit writer alone — `store_envelopes` on batches of a fixed size,
through one kept connection, as the server's writer thread calls it (no HTTP, no checks in
the timing: every envelope is checked before the clock starts).

Run: ``.venv/bin/python bench/writer_batch.py [--db sqlite|postgres] [--actas 2000]
[--batch 4 16 64]``. For each batch size: the writer thread's CPU per batch and per acta,
wall time per batch (on loopback PostgreSQL mostly round trips), PostgreSQL's CPU per acta,
and the same final check as ``bench/submit.py``. Each batch size gets a fresh store.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from escrutinio.receive.config import ReceiveConfig  # noqa: E402
from escrutinio.receive.receiver import Receiver  # noqa: E402
from escrutinio.store.envelopes import Pending, store_envelopes  # noqa: E402
from submit import (  # noqa: E402
    DEFAULT_PG,
    drop_schema,
    final_check,
    pg_url,
    postgres_cpu_seconds,
    prepare,
)


def run(db_kind: str, postgres: str, actas: int, size: int) -> None:
    """One batch size on a fresh store: print its figures."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-writer-"))
    schema = None
    if db_kind == "postgres":
        db, schema = pg_url(postgres)
    else:
        db = f"sqlite:///{tmp / 'bench.db'}"
    try:
        skey, requests, expected = prepare(tmp, db, 8, actas, 0)
        config = ReceiveConfig(
            db=db, receipt_key=str(skey), images=str(tmp / "images"), rate_per_second=0
        )
        receiver = Receiver.open(config)
        pendings = []
        for _, raw, _, _ in requests:
            checked = receiver.check(raw)
            assert isinstance(checked, Pending)
            pendings.append(checked)
        batches = [pendings[i : i + size] for i in range(0, len(pendings), size)]
        conn = receiver.store.engine.connect()
        cpu: list[float] = []
        wall: list[float] = []
        pg_before = postgres_cpu_seconds()
        for batch in batches:
            began, began_cpu = time.perf_counter(), time.thread_time()
            answers = store_envelopes(
                receiver.store, batch, receiver.signer, maximum_merge_delay=300, connection=conn
            )
            cpu.append(time.thread_time() - began_cpu)
            wall.append(time.perf_counter() - began)
            assert not any(isinstance(a, Exception) for a in answers)
        pg_cpu = postgres_cpu_seconds() - pg_before
        conn.close()
        receiver.store.close()
        problems = final_check(db, requests, expected)
        n = len(requests)
        print(
            f"db={db_kind} batch={size} actas={n}: writer CPU "
            f"{statistics.median(cpu) * 1000:.2f} ms per batch (median), "
            f"{sum(cpu) / n * 1000:.3f} ms per acta; wall {statistics.median(wall) * 1000:.2f} "
            f"ms per batch (median)"
            + (f"; PostgreSQL {pg_cpu / n * 1000:.3f} ms per acta" if db_kind == "postgres" else "")
            + f"; load {os.getloadavg()[0]:.1f}; check "
            + ("OK" if not problems else "; ".join(problems[:3]))
        )
    finally:
        if schema is not None:
            drop_schema(postgres, schema)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    """Parse the options and run each batch size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--actas", type=int, default=2000)
    parser.add_argument("--batch", type=int, nargs="+", default=[4, 16, 64])
    opts = parser.parse_args()
    for size in opts.batch:
        run(opts.db, opts.postgres, opts.actas, size)


if __name__ == "__main__":
    main()
