"""Tiles: path encoding, tile sets per size, content and rebuild-and-verify."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.ledger.merkle import MerkleTree, leaf_hash, mth
from escrutinio.ledger.tiles import (
    ENTRIES,
    TILE_WIDTH,
    Tile,
    TileError,
    changed_tiles,
    decode_entry_bundle,
    encode_entry_bundle,
    encode_index,
    parse_tile_path,
    read_log,
    render_tiles,
    tile_bytes,
    tiles_for_size,
)


@pytest.mark.parametrize(
    ("index", "text"),
    [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_encode_index(index: int, text: str) -> None:
    assert encode_index(index) == text


def test_paths() -> None:
    assert Tile(0, 1234067).path() == "tile/0/x001/x234/067"
    assert Tile(1, 3, 17).path() == "tile/1/003.p/17"
    assert Tile(ENTRIES, 5, 112).path() == "tile/entries/005.p/112"
    assert parse_tile_path("tile/entries/x001/000") == Tile(ENTRIES, 1000)
    assert parse_tile_path("tile/2/000.p/1") == Tile(2, 0, 1)


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",
        "tile/00/000",
        "tile/0/001/000",
        "tile/0/x000/001",
        "tile/0/000.p/256",
        "tile/0/000.p/0",
        "tile/0/000.p/07",
        "tile/64/000",
        "tiles/0/000",
        "tile/data/000",
        "tile/0",
    ],
)
def test_bad_paths(path: str) -> None:
    with pytest.raises(TileError):
        parse_tile_path(path)


@given(
    st.sampled_from([ENTRIES, 0, 1, 2, 63]),
    st.integers(0, 10**12),
    st.integers(1, TILE_WIDTH),
)
def test_path_round_trip(level: int, index: int, width: int) -> None:
    tile = Tile(level, index, width)
    assert parse_tile_path(tile.path()) == tile


def test_spec_example_size_70000() -> None:
    tiles = tiles_for_size(70000, entries=False)
    level0 = [t for t in tiles if t.level == 0]
    assert sum(not t.partial for t in level0) == 273
    assert [t for t in level0 if t.partial] == [Tile(0, 273, 112)]
    assert [t for t in tiles if t.level == 1] == [Tile(1, 0), Tile(1, 1, 17)]
    assert [t for t in tiles if t.level == 2] == [Tile(2, 0, 1)]
    assert len(tiles) == 273 + 1 + 2 + 1
    bundles = [t for t in tiles_for_size(70000) if t.level == ENTRIES]
    assert len(bundles) == 274 and bundles[-1] == Tile(ENTRIES, 273, 112)


def test_spec_example_size_256() -> None:
    assert tiles_for_size(256, entries=False) == [Tile(0, 0), Tile(1, 0, 1)]
    assert tiles_for_size(0) == []


@settings(max_examples=200)
@given(st.integers(0, 300_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_changed_tiles_are_exactly_the_new_ones(case: tuple[int, int]) -> None:
    old, new = case
    before, after = set(tiles_for_size(old)), set(tiles_for_size(new))
    changed = changed_tiles(old, new)
    assert set(changed) == after - before
    assert len(changed) == len(set(changed))


def test_entry_bundle_round_trip_and_limits() -> None:
    entries = [b"", b"a", bytes(300), b"\xff" * 65535]
    data = encode_entry_bundle(entries)
    assert data[:2] == b"\x00\x00" and data[2:5] == b"\x00\x01a"
    assert decode_entry_bundle(data, 4) == entries
    with pytest.raises(TileError):
        decode_entry_bundle(data, 3)
    with pytest.raises(TileError):
        decode_entry_bundle(data[:-1], 4)
    with pytest.raises(TileError):
        decode_entry_bundle(b"\x00", 1)
    with pytest.raises(TileError):
        encode_entry_bundle([bytes(65536)])


def make_log(n: int) -> tuple[list[bytes], MerkleTree]:
    entries = [b'{"i":%d}' % i for i in range(n)]
    return entries, MerkleTree.from_leaf_hashes(leaf_hash(e) for e in entries)


def test_tile_content_matches_definition() -> None:
    entries, tree = make_log(3 * 256 + 5)
    level1 = tile_bytes(tree, Tile(1, 0, 3))
    for i in range(3):
        chunk = entries[i * 256 : (i + 1) * 256]
        assert level1[i * 32 : (i + 1) * 32] == mth(chunk)
    assert tile_bytes(tree, Tile(0, 3, 5)) == b"".join(leaf_hash(e) for e in entries[768:])
    assert decode_entry_bundle(tile_bytes(tree, Tile(ENTRIES, 1), entries), 256) == entries[256:512]
    with pytest.raises(TileError):
        tile_bytes(tree, Tile(ENTRIES, 0))


def test_render_then_read_back() -> None:
    entries, tree = make_log(70000)
    files = render_tiles(tree, entries, 70000)
    assert set(files) == {t.path() for t in tiles_for_size(70000)}
    log = read_log(70000, files.__getitem__, root_hash=tree.root())
    assert log.entries == entries
    assert log.tree.root() == tree.root()


def test_incremental_publication_reuses_old_files() -> None:
    entries, tree = make_log(1000)
    files = render_tiles(tree, entries, 600)
    files.update(render_tiles(tree, entries, 1000, old_size=600))
    assert read_log(1000, files.__getitem__, root_hash=tree.root(1000)).entries == entries
    assert read_log(600, files.__getitem__, root_hash=tree.root(600)).entries == entries[:600]


def test_read_log_detects_tampering() -> None:
    entries, tree = make_log(600)
    files = render_tiles(tree, entries, 600)
    root = tree.root()

    bad_entry = dict(files)
    bad_entry["tile/entries/001"] = encode_entry_bundle([b"x", *entries[257:512]])
    with pytest.raises(TileError, match="entry 256"):
        read_log(600, bad_entry.__getitem__, root_hash=root)

    bad_upper = dict(files)
    bad_upper["tile/1/000.p/2"] = bytes(64)
    with pytest.raises(TileError, match=r"tile/1/000\.p/2"):
        read_log(600, bad_upper.__getitem__, root_hash=root)

    bad_size = dict(files)
    bad_size["tile/0/002.p/88"] = files["tile/0/002.p/88"][:-1]
    with pytest.raises(TileError):
        read_log(600, bad_size.__getitem__, root_hash=root)

    with pytest.raises(TileError, match="root"):
        read_log(600, files.__getitem__, root_hash=bytes(32))
    with pytest.raises(TileError):
        render_tiles(tree, entries, 601)


def test_read_log_without_entries() -> None:
    _, tree = make_log(300)
    files = render_tiles(tree, None, 300)
    assert not any(p.startswith("tile/entries") for p in files)
    log = read_log(300, files.__getitem__, root_hash=tree.root(), with_entries=False)
    assert log.entries is None
    assert log.tree.size == 300
