"""Benchmark of the ballot sampler: round 1 from a 1M- and a 10M-ballot manifest.

Prints wall time, CPU time (this process and its worker processes) and peak memory of
``sample_manifest`` (the fast exact consistent sampler) at each size; with ``--reference``
also times the ``consistent_sampler`` package on the 1M manifest, and checks both agree.

Run: .venv/bin/python bench/sampler.py [--sizes 1000000 10000000] [--draw 1000] [--reference]
"""

from __future__ import annotations

import argparse
import resource
import time
from itertools import islice

from consistent_sampler import sampler

from escrutinio.audit.stats.manifest_sampling import sample_manifest
from escrutinio.audit.stats.sampling import manifest_ids

SEED = "20261130184530917264"
BALLOTS_PER_BATCH = 400


def manifest(ballots: int) -> dict[str, int]:
    """Batches of BALLOTS_PER_BATCH ballots (the last one smaller) totalling ``ballots``."""
    full, rest = divmod(ballots, BALLOTS_PER_BATCH)
    out = {f"M{i:06d}": BALLOTS_PER_BATCH for i in range(full)}
    if rest:
        out[f"M{full:06d}"] = rest
    return out


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def peak_mib() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest child, MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def main() -> None:
    """Time the sampler at each size and print one line per run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--draw", type=int, default=1000, help="ballots in round 1")
    parser.add_argument("--reference", action="store_true", help="also time consistent_sampler")
    args = parser.parse_args()
    print(f"{'ballots':>11} {'draw':>6} {'repl':>5} {'wall s':>8} {'cpu s':>8} {'Mballots/s':>11}")
    for n in args.sizes:
        m = manifest(n)
        for replacement in (False, True):
            cpu0, t0 = cpu_seconds(), time.perf_counter()
            got = sample_manifest(m, SEED, args.draw, replacement=replacement)
            wall, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
            assert len(got) == args.draw
            rate = n / wall / 1e6
            print(f"{n:>11,} {args.draw:>6} {replacement!s:>5} {wall:8.2f} {cpu:8.2f} {rate:11.2f}")
    own, kids = peak_mib()
    print(f"peak memory: {own:.0f} MiB (parent), {kids:.0f} MiB (largest worker)")
    if args.reference:
        n = min(args.sizes)
        m = manifest(n)
        t0 = time.perf_counter()
        gen = sampler(manifest_ids(m), seed=SEED, with_replacement=False, output="id")
        ref = [str(x) for x in islice(gen, args.draw)]
        wall = time.perf_counter() - t0
        same = ref == sample_manifest(m, SEED, args.draw)
        print(f"consistent_sampler on {n:,} ballots: {wall:.2f} s; identical draws: {same}")


if __name__ == "__main__":
    main()
