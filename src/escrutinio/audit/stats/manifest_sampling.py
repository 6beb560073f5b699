"""Fast consistent sampling of the ballots of a large manifest.

The draws are exactly those of Rivest's consistent sampler (arXiv:1808.10016; the
``consistent_sampler`` package) over the ids ``batch:position``: an id's first ticket is
``"0."`` followed by the decimal digits of ``SHA-256(sha256_hex(seed) + id)`` (padded to 64
digits) in reverse order, tickets compare as strings, and the sample takes tickets in
increasing order (with replacement, a drawn id gets a larger next-generation ticket).

Two facts make a fast exact path possible:

* The first ``m`` draws (with or without replacement) all belong to ids whose first ticket
  is among the ``m`` smallest first tickets: every later-generation ticket of an id is
  larger than its first, and at least ``m`` tickets are at most the ``m``-th smallest.
* Sampling a subset of the ids gives the full stream filtered to that subset.

So every ballot's digest is computed in C (``hashlib`` driven by ``map``, in chunks and
over several processes), ranked by a 9-digit prefix of its ticket (the first nine reversed
decimal digits, i.e. the digest modulo 10⁹ read backwards) with a partial selection
(``numpy.partition``), and the ids whose prefix is at most the ``m``-th smallest — ties
included — are handed to ``consistent_sampler`` itself, which orders them exactly.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import threading
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from itertools import islice, repeat

import numpy as np
from consistent_sampler import sampler
from numpy.typing import NDArray

CHUNK = 1 << 20  # ballots hashed before their ticket prefixes are computed
PARALLEL_FROM = 400_000  # ballots from which the work is split over processes
_BILLION = np.uint64(1_000_000_000)
_MILLION = np.uint64(1_000_000)
_THOUSAND = np.uint64(1_000)
_WEIGHTS = [np.uint64(pow(2, 32 * (7 - j), 10**9)) for j in range(8)]
_REVERSED = np.array([int(f"{i:03d}"[::-1]) for i in range(1000)], dtype=np.uint64)
_sha256 = hashlib.sha256
_digest = type(_sha256()).digest
_copy = type(_sha256()).copy
_update = type(_sha256()).update

Runs = Sequence[tuple[str, int, int]]  # (batch id, first position, ballots)


def seed_hex(seed: str) -> str:
    """The seed's hash as the package uses it (``sha256_hex(seed)``)."""
    return hashlib.sha256(str(seed).encode("utf-8")).hexdigest()


def ticket_prefixes(digests: bytes) -> NDArray[np.uint32]:
    """Per 32-byte SHA-256 digest, the first nine digits of its ticket as an integer
    (the digest as a big-endian integer modulo 10⁹, its nine decimal digits reversed)."""
    limbs = np.frombuffer(digests, dtype=">u4").reshape(-1, 8).astype(np.uint64)
    # x mod 10⁹ = Σ limb_j · (2^(32(7−j)) mod 10⁹); each product < 2⁶², two sum < 2⁶³.
    rem = np.zeros(limbs.shape[0], dtype=np.uint64)
    for j in range(0, 8, 2):
        pair = limbs[:, j] * _WEIGHTS[j] + limbs[:, j + 1] * _WEIGHTS[j + 1]
        rem += pair % _BILLION
    rem %= _BILLION
    low, mid, high = rem % _THOUSAND, (rem // _THOUSAND) % _THOUSAND, rem // _MILLION
    rev = _REVERSED[low] * _MILLION + _REVERSED[mid] * _THOUSAND + _REVERSED[high]
    out: NDArray[np.uint32] = rev.astype(np.uint32)
    return out


_POSITIONS_KEPT = 65_536


@cache
def _kept_positions() -> list[bytes]:
    """The decimal ASCII of ``0 .. _POSITIONS_KEPT-1``, built whole once (safe to share
    between threads: the list is complete before anyone sees it)."""
    return [b"%d" % i for i in range(_POSITIONS_KEPT)]


def _positions(start: int, stop: int) -> list[bytes]:
    """The decimal ASCII of ``start .. stop-1``."""
    if stop > _POSITIONS_KEPT:
        return [b"%d" % i for i in range(start, stop)]
    return _kept_positions()[start:stop]


def _digest_chunks(runs: Runs, hex_seed: str) -> Iterator[bytes]:
    """The concatenated digests of the runs' ballot ids, about CHUNK ballots at a time."""
    # The 64-byte hex seed is exactly one SHA-256 block: hash it once and start every
    # ballot's hash from a copy of that state (same digests, one compression fewer each).
    seeded = _sha256(hex_seed.encode("utf-8"))
    parts: list[bytes] = []
    pending = 0
    for batch, first, count in runs:
        # and from a copy of the state after ``batch:``, so only the position is hashed
        batched = seeded.copy()
        batched.update(f"{batch}:".encode())
        for start in range(first, first + count, CHUNK):
            stop = min(first + count, start + CHUNK)
            hashes = list(map(_copy, repeat(batched, stop - start)))
            deque(map(_update, hashes, _positions(start, stop)), maxlen=0)
            parts.append(b"".join(map(_digest, hashes)))
            pending += stop - start
            if pending >= CHUNK:
                yield b"".join(parts)
                parts, pending = [], 0
    if parts:
        yield b"".join(parts)


def smallest_tickets(runs: Runs, hex_seed: str, m: int) -> tuple[NDArray[np.uint32], list[str]]:
    """Ticket prefixes and ids of the ballots of ``runs`` whose prefix is at most the
    ``m``-th smallest (all of them when there are at most ``m``)."""
    chunks = [ticket_prefixes(d) for d in _digest_chunks(runs, hex_seed)]
    keys = np.concatenate(chunks) if chunks else np.empty(0, np.uint32)
    if keys.size > m:
        cutoff = np.partition(keys, m - 1)[m - 1]
        index = np.flatnonzero(keys <= cutoff)
    else:
        index = np.arange(keys.size)
    ends = np.cumsum([count for _, _, count in runs])
    where = np.searchsorted(ends, index, side="right")
    ids = []
    for r, i in zip(where.tolist(), index.tolist(), strict=True):
        batch, first, _ = runs[r]
        ids.append(f"{batch}:{first + i - (int(ends[r - 1]) if r else 0)}")
    return keys[index], ids


def split_runs(manifest: Mapping[str, int], parts: int) -> list[list[tuple[str, int, int]]]:
    """The manifest's ballots cut into at most ``parts`` runs of about equal size (a batch
    may be cut between two runs)."""
    total = sum(manifest.values())
    share = max(1, -(-total // parts))
    out: list[list[tuple[str, int, int]]] = [[]]
    room = share
    for batch, count in manifest.items():
        first = 1
        while count > 0:
            take = min(count, room)
            out[-1].append((batch, first, take))
            first, count, room = first + take, count - take, room - take
            if room == 0 and len(out) < parts:
                out.append([])
                room = share
    return [run for run in out if run]


def candidates(manifest: Mapping[str, int], seed: str, m: int, workers: int = 0) -> list[str]:
    """Ids of every ballot whose first ticket may be among the ``m`` smallest (a superset:
    ties of the 9-digit prefix are kept), computed over ``workers`` processes (0: one
    per CPU, at most 4; manifests below PARALLEL_FROM ballots use this process)."""
    hex_seed = seed_hex(seed)
    total = sum(manifest.values())
    workers = workers or _cpus()
    if total == 0:
        return []
    if workers == 1 or total < PARALLEL_FROM:
        return smallest_tickets(split_runs(manifest, 1)[0], hex_seed, m)[1]
    runs = split_runs(manifest, workers)
    with ProcessPoolExecutor(len(runs), mp_context=_context()) as pool:
        found = list(pool.map(smallest_tickets, runs, [hex_seed] * len(runs), [m] * len(runs)))
    keys = np.concatenate([k for k, _ in found])
    ids = [i for _, part in found for i in part]
    if keys.size <= m:
        return ids
    cutoff = np.partition(keys, m - 1)[m - 1]
    return [i for i, keep in zip(ids, (keys <= cutoff).tolist(), strict=True) if keep]


def sample_manifest(
    manifest: Mapping[str, int],
    seed: str,
    size: int,
    *,
    replacement: bool = False,
    skip: int = 0,
    workers: int = 0,
) -> list[str]:
    """Draws ``skip+1 .. skip+size`` of the consistent sample of the manifest's ballot ids
    ``batch:position`` (in draw order), identical to ``consistent_sampler.sampler``."""
    if size <= 0:
        return []
    pool = candidates(manifest, seed, skip + size, workers)
    gen = sampler(pool, seed=seed, with_replacement=replacement, output="id")
    return [str(x) for x in islice(gen, skip, skip + size)]


def _cpus() -> int:
    """CPUs of the machine (at most 4)."""
    return max(1, min(mp.cpu_count(), 4))


def _context() -> mp.context.BaseContext:
    """``fork`` when safe (no other threads), else ``spawn``."""
    if "fork" in mp.get_all_start_methods() and threading.active_count() == 1:
        return mp.get_context("fork")
    return mp.get_context("spawn")
