"""Reproducible sampling from a public seed.

Rivest, "Consistent Sampling with Replacement", arXiv:1808.10016, 2018, via the
``consistent_sampler`` package (SHA-256 tickets from the seed), for tables/batches and for
ballots of a ballot manifest (ids ``batch:position``, positions 1-based; drawn by the fast
exact path of :mod:`escrutinio.audit.stats.manifest_sampling`). Sampling with
probability proportional to error bounds (PPEB; Stark 2008/2009) with replacement uses the
SHA-256 of ``seed,counter`` as a uniform number in [0, 1) and the cumulative bounds (MACRO's
pooled draws; ``table-comparison``'s rounds of new tables, :func:`ppeb_round`); without
replacement (successive sampling) it orders the tables by the exponential keys
−ln(ticket)/bound of Efraimidis & Spirakis (Inf. Process. Lett. 97(5), 2006), the ticket
being the table's first consistent-sampler ticket.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from itertools import islice

import numpy as np
from consistent_sampler import first_fraction, sampler, sha256_hex
from numpy.typing import ArrayLike

from escrutinio.audit.stats.manifest_sampling import sample_manifest
from escrutinio.audit.stats.ppeb_betting import ppeb_order


def sample_ids(
    ids: Sequence[str], seed: str, size: int, *, replacement: bool = False, skip: int = 0
) -> list[str]:
    """Draws ``skip+1 .. skip+size`` of the consistent sample of ``ids`` (in draw order)."""
    gen = sampler(list(ids), seed=seed, with_replacement=replacement, output="id")
    return [str(x) for x in islice(gen, skip, skip + size)]


def manifest_ids(manifest: Mapping[str, int]) -> list[str]:
    """Ballot ids ``batch:position`` for a manifest mapping batch id → ballot count."""
    return [f"{batch}:{i}" for batch, count in manifest.items() for i in range(1, count + 1)]


def sample_ballots(
    manifest: Mapping[str, int], seed: str, size: int, *, replacement: bool = False
) -> list[tuple[str, int]]:
    """Sample ballots from a manifest; returns (batch id, 1-based position) in draw order."""
    out: list[tuple[str, int]] = []
    for ballot_id in sample_manifest(manifest, seed, size, replacement=replacement):
        batch, _, pos = ballot_id.rpartition(":")
        out.append((batch, int(pos)))
    return out


def _uniform(seed: str, counter: int) -> float:
    digest = hashlib.sha256(f"{seed},{counter}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def ppeb_sample(bounds: ArrayLike, seed: str, size: int, *, skip: int = 0) -> list[int]:
    """Indices drawn with replacement with probability bound_p / Σ bounds (draws skip+1…)."""
    cum = np.cumsum(np.asarray(bounds, dtype=np.float64))
    if cum.size == 0 or cum[-1] <= 0:
        raise ValueError("error bounds must have a positive sum")
    u = np.array([_uniform(seed, k) for k in range(skip + 1, skip + size + 1)]) * cum[-1]
    return [int(i) for i in np.searchsorted(cum, u, side="right")]


def ppeb_round(
    ids: Sequence[str], bounds: ArrayLike, seed: str, drawn: Sequence[str], new: int
) -> list[str]:
    """The next round of a contest's PPEB sample with replacement (``table-comparison``):
    continuing draw ``len(drawn) + 1`` of :func:`ppeb_sample` over ``ids`` sorted (bounds
    following them), every draw until ``new`` tables not in ``drawn`` have come up; the
    round ends at the ``new``-th of them (repeats in between count again as evidence and
    cost no hand count). A round that would take every table still undrawn with a positive
    bound, or that has not found its ``new`` tables in 20 draws per table, is the full hand
    count: every undrawn table, sorted."""
    order = sorted(range(len(ids)), key=lambda i: ids[i])
    units = [ids[i] for i in order]
    u = np.asarray(bounds, dtype=np.float64)[order] if len(ids) else np.zeros(0)
    have = set(drawn)
    left = [x for x in units if x not in have]
    if new <= 0:
        return []
    if new >= sum(1 for x, b in zip(units, u, strict=True) if b > 0 and x not in have):
        return left
    cum = np.cumsum(u)
    out: list[str] = []
    found, k, limit = 0, len(drawn), len(drawn) + 20 * len(units)
    while k < limit:
        step = min(1024, limit - k)
        w = np.array([_uniform(seed, c) for c in range(k + 1, k + step + 1)]) * cum[-1]
        for i in np.searchsorted(cum, w, side="right"):
            x = units[int(i)]
            out.append(x)
            if x not in have:
                have.add(x)
                found += 1
                if found == new:
                    return out
        k += step
    return left


def in_manifest(manifest: Mapping[str, int], ballot_id: str) -> bool:
    """True when ``ballot_id`` is ``batch:position`` with 1 ≤ position ≤ the batch's ballots
    (position in ASCII digits, no sign)."""
    batch, sep, pos = ballot_id.rpartition(":")
    if not (sep and pos.isascii() and pos.isdigit() and len(pos) <= 18):
        return False
    return 1 <= int(pos) <= manifest.get(batch, 0)


def first_tickets(ids: Sequence[str], seed: str) -> list[float]:
    """Each id's first consistent-sampler ticket (Rivest 2018) as a float in (0, 1)."""
    seed_hash = sha256_hex(seed)
    return [float(first_fraction(i, seed, seed_hash)) for i in ids]


def ppeb_order_ids(ids: Sequence[str], bounds: ArrayLike, seed: str) -> list[str]:
    """``ids`` in the draw order of successive sampling proportional to ``bounds`` (without
    replacement) from the public seed; ids with a zero bound come last."""
    order = ppeb_order(first_tickets(ids, seed), bounds)
    return [ids[int(i)] for i in order]
