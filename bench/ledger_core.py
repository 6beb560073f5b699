"""Benchmark of the transparency-log core at election scale.

Builds a log of N acta-like canonical-JSON entries (default 1,000,000), then measures:
leaf hashing + tree append throughput, rendering every C2SP tile and entry bundle, median
inclusion and consistency proof times (generation and verification), and rebuilding and
verifying the whole log from its tiles.  Prints peak resident memory (getrusage).

Run: ``.venv/bin/python bench/ledger_core.py [N]``
"""

from __future__ import annotations

import random
import resource
import statistics
import sys
import time
from collections.abc import Callable

from escrutinio.ledger.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion
from escrutinio.ledger.tiled import TiledTree
from escrutinio.ledger.tiles import read_log, render_tiles
from escrutinio.model.canonical import canonical_json_fast


def peak_mb() -> float:
    """Peak resident set size of this process in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, count: int, fn: Callable[[], object]) -> object:
    """Run ``fn`` once, print its time and throughput for ``count`` items, return its value."""
    start = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - start
    print(f"{label:<38} {elapsed:8.2f} s  {count / elapsed:12,.0f} /s  peak {peak_mb():7.0f} MiB")
    return value


def median_us(samples: list[float]) -> float:
    """Median of durations in seconds, as microseconds."""
    return statistics.median(samples) * 1e6


def main(n: int) -> None:
    """Run the benchmark on a log of ``n`` entries."""
    rng = random.Random(2024)
    bodies = [
        canonical_json_fast(
            {
                "unit": f"U{i:07d}",
                "contest": "gobernador",
                "votes": [rng.randrange(400), rng.randrange(400), rng.randrange(50)],
                "null": rng.randrange(10),
                "voters": 900,
            }
        )
        for i in range(n)
    ]
    print(f"log of {n:,} entries, {sum(map(len, bodies)) / n:.0f} bytes each on average")

    hashes = timed("hash bodies (SHA-256 0x00||body)", n, lambda: [leaf_hash(b) for b in bodies])
    assert isinstance(hashes, list)
    tree = MerkleTree()
    timed("append leaf hashes to MerkleTree", n, lambda: tree.extend(hashes))
    root = tree.root()

    files = timed("render all tiles + entry bundles", n, lambda: render_tiles(tree, bodies, n))
    assert isinstance(files, dict)
    print(f"  {len(files):,} files, {sum(map(len, files.values())) / 2**20:.1f} MiB")

    inc_gen: list[float] = []
    inc_ver: list[float] = []
    con_gen: list[float] = []
    con_ver: list[float] = []
    for _ in range(2000):
        size = rng.randrange(1, n + 1)
        index = rng.randrange(size)
        t0 = time.perf_counter()
        proof = tree.inclusion_proof(index, size)
        t1 = time.perf_counter()
        verify_inclusion(index, size, hashes[index], proof, tree.root(size))
        t2 = time.perf_counter()
        inc_gen.append(t1 - t0)
        inc_ver.append(t2 - t1)
        old = rng.randrange(1, size + 1)
        old_root, new_root = tree.root(old), tree.root(size)
        t0 = time.perf_counter()
        cproof = tree.consistency_proof(old, size)
        t1 = time.perf_counter()
        verify_consistency(old, size, cproof, old_root, new_root)
        t2 = time.perf_counter()
        con_gen.append(t1 - t0)
        con_ver.append(t2 - t1)
    print(
        f"inclusion proof   median: generate {median_us(inc_gen):6.1f} us, "
        f"verify {median_us(inc_ver):6.1f} us (includes root())"
    )
    print(
        f"consistency proof median: generate {median_us(con_gen):6.1f} us, "
        f"verify {median_us(con_ver):6.1f} us"
    )
    sizes = range(1, n + 1, max(1, n // 1000))
    t0 = time.perf_counter()
    for size in sizes:
        tree.root(size)
    per_root = (time.perf_counter() - t0) / len(sizes)
    print(f"root(size) for {len(sizes)} past sizes: {per_root * 1e6:.1f} us average")

    tiled_times: list[float] = []
    tiled_fetches: list[int] = []
    for _ in range(300):
        index = rng.randrange(n)
        t0 = time.perf_counter()
        tiled = TiledTree(n, files.__getitem__)
        verify_inclusion(index, n, hashes[index], tiled.inclusion_proof(index, n), root)
        tiled_times.append(time.perf_counter() - t0)
        tiled_fetches.append(tiled.fetched)
    print(
        f"inclusion proof from tiles + verify median: {median_us(tiled_times):6.1f} us, "
        f"{statistics.median(tiled_fetches):.0f} tiles fetched"
    )

    log = timed(
        "rebuild + verify from tiles",
        n,
        lambda: read_log(n, files.__getitem__, root_hash=root),
    )
    assert log is not None
    print(f"peak memory: {peak_mb():.0f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
