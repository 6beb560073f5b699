"""The fast manifest sampler draws exactly what Rivest's ``consistent_sampler`` draws."""

from __future__ import annotations

import hashlib
from itertools import islice

import numpy as np
import pytest
from consistent_sampler import sampler
from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.audit.stats import manifest_sampling
from escrutinio.audit.stats.manifest_sampling import (
    candidates,
    sample_manifest,
    split_runs,
    ticket_prefixes,
)
from escrutinio.audit.stats.sampling import manifest_ids


def reference(
    manifest: dict[str, int], seed: str, size: int, replacement: bool, skip: int = 0
) -> list[str]:
    gen = sampler(manifest_ids(manifest), seed=seed, with_replacement=replacement, output="id")
    return [str(x) for x in islice(gen, skip, skip + size)]


MANIFEST = {f"T{i:03d}": 37 + (i * 13) % 250 for i in range(60)} | {"odd%d:x": 5, "Ñandú": 9}


@pytest.mark.parametrize("seed", ["1", "314159", "01234567890123456789", "%s seed"])
@pytest.mark.parametrize("replacement", [False, True])
@pytest.mark.parametrize(("size", "skip"), [(1, 0), (40, 0), (25, 40), (600, 0)])
def test_identical_to_consistent_sampler(
    seed: str, replacement: bool, size: int, skip: int
) -> None:
    expected = reference(MANIFEST, seed, size, replacement, skip)
    assert sample_manifest(MANIFEST, seed, size, replacement=replacement, skip=skip) == expected


@pytest.mark.parametrize("replacement", [False, True])
def test_two_processes_give_the_same_draws(
    monkeypatch: pytest.MonkeyPatch, replacement: bool
) -> None:
    monkeypatch.setattr(manifest_sampling, "PARALLEL_FROM", 0)
    expected = reference(MANIFEST, "271828", 120, replacement)
    got = sample_manifest(MANIFEST, "271828", 120, replacement=replacement, workers=2)
    assert got == expected


def test_whole_manifest_without_replacement() -> None:
    small = {"A": 4, "B": 7}
    assert sample_manifest(small, "9", 100) == reference(small, "9", 11, False)
    assert sample_manifest(small, "9", 0) == []


def test_ticket_prefix_is_the_first_nine_ticket_digits() -> None:
    seed_hex = hashlib.sha256(b"42").hexdigest()
    digests = [hashlib.sha256(f"{seed_hex}B:{i}".encode()).digest() for i in range(1, 50)]
    got = ticket_prefixes(b"".join(digests)).tolist()
    for d, prefix in zip(digests, got, strict=True):
        ticket = "{:064d}".format(int.from_bytes(d, "big"))[::-1]
        assert prefix == int(ticket[:9])


def test_candidates_keep_every_tie_at_the_cutoff(monkeypatch: pytest.MonkeyPatch) -> None:
    # A 1-digit prefix makes ties certain: every id sharing the cutoff prefix is kept.
    real = ticket_prefixes
    monkeypatch.setattr(
        manifest_sampling, "ticket_prefixes", lambda d: (real(d) // 10**8).astype(np.uint32)
    )
    pool = candidates(MANIFEST, "5", 3, workers=1)
    assert len(pool) > 3
    expected = reference(MANIFEST, "5", 30, True)
    assert sample_manifest(MANIFEST, "5", 30, replacement=True) == expected


def test_split_runs_cover_every_ballot_once() -> None:
    runs = split_runs({"A": 5, "B": 1, "C": 8}, 3)
    ids = [f"{b}:{p}" for run in runs for b, first, n in run for p in range(first, first + n)]
    assert sorted(ids) == sorted(manifest_ids({"A": 5, "B": 1, "C": 8}))
    assert len(runs) == 3


@settings(max_examples=40, deadline=None)
@given(
    counts=st.lists(st.integers(0, 60), min_size=1, max_size=8),
    seed=st.text(min_size=1, max_size=12),
    size=st.integers(1, 80),
    skip=st.integers(0, 30),
    replacement=st.booleans(),
)
def test_matches_reference_on_any_manifest(
    counts: list[int], seed: str, size: int, skip: int, replacement: bool
) -> None:
    manifest = {f"b{i}": c for i, c in enumerate(counts)}
    expected = reference(manifest, seed, size, replacement, skip)
    got = sample_manifest(manifest, seed, size, replacement=replacement, skip=skip, workers=1)
    assert got == expected


def test_batches_longer_than_the_kept_positions_draw_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Positions past the kept ASCII list are formatted on the spot; a run that starts
    inside a batch (two processes) still hashes ``batch:position`` from the right state."""
    monkeypatch.setattr(manifest_sampling, "_POSITIONS_KEPT", 50)
    monkeypatch.setattr(manifest_sampling, "PARALLEL_FROM", 0)
    big = {"long": 180, "short": 20, "x%d": 61}
    for replacement in (False, True):
        expected = reference(big, "5", 90, replacement)
        assert sample_manifest(big, "5", 90, replacement=replacement) == expected
        assert sample_manifest(big, "5", 90, replacement=replacement, workers=2) == expected
