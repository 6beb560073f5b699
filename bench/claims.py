"""Claims checker speed: build the two demo stores (or reuse ``--stores DIR`` from a previous
run), then check every corpus claim against its store and print ms per claim (p50, p95,
max, mean), the time to load each snapshot once, peak memory, and the corpus figures
(share parsed, share of parsed judged correctly).

    .venv/bin/python bench/claims.py [--stores DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

from escrutinio.reads.claims import claim_record
from escrutinio.store.store import Store

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stores", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    stores = _load("bench_claims_stores", ROOT / "examples" / "claims" / "demo_stores.py")
    runner = _load("bench_claims_runner", ROOT / "examples" / "claims" / "corpus_runner.py")
    folder = args.stores or Path(tempfile.mkdtemp(prefix="claims-bench-"))
    dbs = {"2017": folder / "ve2017.db", "2024": folder / "ve2024.db"}
    if not all(p.exists() for p in dbs.values()):
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        dbs = {"2017": stores.build_2017(folder), "2024": stores.build_2024(folder)}
        print(f"built the demo stores in {time.perf_counter() - start:.1f} s ({folder})")
    start = time.perf_counter()
    first = runner.judge_corpus(dbs)
    total_first = time.perf_counter() - start
    per_claim: list[float] = []
    for _ in range(args.repeat):
        per_claim += [o.seconds for o in runner.judge_corpus(dbs)]
    ms = sorted(1000 * s for s in per_claim)
    parsed = [o for o in first if o.parsed]
    correct = [o for o in parsed if o.correct]
    print(f"claims: {len(first)}; parsed {len(parsed)} ({100 * len(parsed) / len(first):.1f}%);")
    print(f"judged as expected: {len(correct)} of {len(parsed)} parsed")
    print(
        f"first pass (opening stores, loading each snapshot once, all claims): {total_first:.2f} s"
    )
    print(
        f"per claim over {len(ms)} checks (snapshots loaded): p50 {statistics.median(ms):.2f} ms"
        f", p95 {ms[int(0.95 * (len(ms) - 1))]:.2f} ms, max {ms[-1]:.2f} ms, "
        f"mean {statistics.fmean(ms):.2f} ms"
    )
    first_ms = sorted(1000 * o.seconds for o in first)
    print(f"first pass per claim (includes snapshot loads): max {first_ms[-1]:.0f} ms")
    for name, db in dbs.items():
        store = Store.open(str(db))
        try:
            for key in (1, "final"):
                record = claim_record(store)
                start = time.perf_counter()
                record.snapshot(key)
                took = time.perf_counter() - start
                print(f"{name}: loading snapshot {key} (with its checkpoint root): {took:.2f} s")
        finally:
            store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
