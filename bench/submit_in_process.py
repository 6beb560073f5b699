"""Benchmark: the submission pipeline without HTTP — `Receiver.submit` (every check, then
the group committer's transaction and receipt) called from many threads at once, as the
server's request threads do, on SQLite or PostgreSQL.

Run: ``.venv/bin/python bench/submit_in_process.py [--db sqlite|postgres] [--actas 2000]
[--threads 32]``. Bodies are signed before the clock starts (the same synthetic election and
8 senders as ``bench/submit.py``). Prints envelopes/s, p50/p99 latency of one ``submit``
call, and the same final check as ``bench/submit.py``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from escrutinio.receive.config import ReceiveConfig  # noqa: E402
from escrutinio.receive.receiver import Receiver  # noqa: E402
from submit import DEFAULT_PG, drop_schema, final_check, pg_url, prepare  # noqa: E402


def main() -> None:
    """Parse the options, run once, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--actas", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=32)
    opts = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-submit-inproc-"))
    schema = None
    if opts.db == "postgres":
        db, schema = pg_url(opts.postgres)
    else:
        db = f"sqlite:///{tmp / 'bench.db'}"
    try:
        skey, requests, expected = prepare(tmp, db, 8, opts.actas, 0)
        config = ReceiveConfig(
            db=db, receipt_key=str(skey), images=str(tmp / "images"), rate_per_second=0
        )
        receiver = Receiver.open(config)

        def one(raw: bytes) -> float:
            began = time.perf_counter()
            receiver.submit(raw)
            return time.perf_counter() - began

        began = time.perf_counter()
        with ThreadPoolExecutor(opts.threads) as pool:
            latencies = list(pool.map(one, [r[1] for r in requests]))
        seconds = time.perf_counter() - began
        receiver.committer.close()
        receiver.store.close()
        problems = final_check(db, requests, expected)
        q = statistics.quantiles(latencies, n=100)
        print(f"db={opts.db} threads={opts.threads} actas={len(requests)} (no HTTP)")
        print(
            f"  {len(requests) / seconds:,.0f} actas/s ({seconds:.1f} s); submit latency "
            f"p50 {q[49] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms"
        )
        print("  final check: " + ("OK" if not problems else "; ".join(problems[:5])))
    finally:
        if schema is not None:
            drop_schema(opts.postgres, schema)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
