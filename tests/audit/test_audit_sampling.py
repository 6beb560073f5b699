from collections import Counter

from escrutinio.audit.stats.sampling import manifest_ids, ppeb_sample, sample_ballots, sample_ids


def test_consistent_sampler_published_example() -> None:
    # Example from the consistent_sampler documentation (Rivest 2018).
    ids = ["A#2", "B#7", "C#1", "D#4"]
    got = sample_ids(ids, "314159", 8, replacement=True)
    assert got == ["D#4", "C#1", "C#1", "B#7", "A#2", "C#1", "D#4", "B#7"]


def test_rounds_extend_the_same_sequence() -> None:
    ids = [f"T{i}" for i in range(200)]
    first = sample_ids(ids, "01234567890123456789", 30)
    assert first == sample_ids(ids, "01234567890123456789", 30)
    nxt = sample_ids(ids, "01234567890123456789", 20, skip=30)
    assert sample_ids(ids, "01234567890123456789", 50) == first + nxt
    assert len(set(first + nxt)) == 50


def test_ballot_manifest() -> None:
    manifest = {"M1": 3, "M2": 2}
    assert manifest_ids(manifest) == ["M1:1", "M1:2", "M1:3", "M2:1", "M2:2"]
    drawn = sample_ballots(manifest, "42", 5)
    assert sorted(drawn) == [("M1", 1), ("M1", 2), ("M1", 3), ("M2", 1), ("M2", 2)]


def test_ppeb_proportional_and_reproducible() -> None:
    bounds = [1.0, 0.0, 3.0]
    draws = ppeb_sample(bounds, "seed", 4000)
    assert draws == ppeb_sample(bounds, "seed", 4000)
    counts = Counter(draws)
    assert counts[1] == 0
    assert 0.7 < counts[2] / 4000 < 0.8
    assert ppeb_sample(bounds, "seed", 10, skip=5) == draws[5:15]
