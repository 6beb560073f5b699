"""The log as static files: hash tiles and entry bundles.

Implements C2SP tlog-tiles (https://c2sp.org/tlog-tiles).  A tile at level L and index N holds
up to 256 consecutive hashes MTH(D[(N·256 + i)·256^L : (N·256 + i + 1)·256^L]), i.e. row 8·L
of the RFC 9162 Merkle tree; it is served at ``tile/<L>/<N>`` (``.p/<W>`` when only W < 256
hashes exist).  ``<N>`` is written in zero-padded 3-digit groups, all but the last prefixed
with ``x`` (1234067 -> ``x001/x234/067``).  Entry bundles ``tile/entries/<N>[.p/<W>]`` hold the
matching leaves, each prefixed by its length as a big-endian uint16.

An independent verifier rebuilds the whole tree from the level-0 tiles and the bundles,
checks every entry against its leaf hash and every higher tile against the rebuilt tree, and
compares the root with a signed checkpoint (`read_log`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from escrutinio.ledger.merkle import HASH_SIZE, MerkleTree, leaf_hash
from escrutinio.model.leaves import MAX_LEAF_BYTES

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
ENTRIES = -1  # the "level" of entry bundles
MAX_ENTRY_SIZE = MAX_LEAF_BYTES  # the leaf-size bound, defined with the leaves


class TileError(ValueError):
    """A tile path, tile content or entry bundle is malformed or does not match the log."""


def encode_index(index: int) -> str:
    """Encode a tile index as 3-digit path elements: 1234067 -> ``x001/x234/067``."""
    if index < 0:
        raise TileError(f"tile index {index} is negative")
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(groups))


def _decode_index(parts: Sequence[str]) -> int:
    value = 0
    for i, part in enumerate(parts):
        digits = part if i == len(parts) - 1 else part[1:]
        if i != len(parts) - 1 and not part.startswith("x"):
            raise TileError(f"tile index element {part!r} must start with 'x'")
        if len(digits) != 3 or not digits.isascii() or not digits.isdigit():
            raise TileError(f"tile index element {part!r} must be 3 decimal digits")
        value = value * 1000 + int(digits)
    if len(parts) > 1 and parts[0] == "x000":
        raise TileError("tile index has a redundant leading x000 element")
    return value


@dataclass(frozen=True, order=True)
class Tile:
    """One tile: hash level (or `ENTRIES` for an entry bundle), index and width (1..256)."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if not (self.level == ENTRIES or 0 <= self.level <= 63):
            raise TileError(f"tile level {self.level} is outside 0..63")
        if self.index < 0:
            raise TileError(f"tile index {self.index} is negative")
        if not 1 <= self.width <= TILE_WIDTH:
            raise TileError(f"tile width {self.width} is outside 1..256")

    @property
    def partial(self) -> bool:
        """Whether the tile holds fewer than 256 hashes or entries."""
        return self.width < TILE_WIDTH

    def path(self) -> str:
        """Return the tile's path relative to the log prefix."""
        level = "entries" if self.level == ENTRIES else str(self.level)
        suffix = f".p/{self.width}" if self.partial else ""
        return f"tile/{level}/{encode_index(self.index)}{suffix}"

    def first_leaf(self) -> int:
        """Index of the first log entry the tile covers."""
        span = 1 if self.level == ENTRIES else TILE_WIDTH**self.level
        return self.index * TILE_WIDTH * span


def parse_tile_path(path: str) -> Tile:
    """Parse ``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]`` strictly."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise TileError(f"{path!r} is not a tile path")
    width = TILE_WIDTH
    if len(parts) >= 4 and parts[-2].endswith(".p"):
        width_text = parts[-1]
        if (
            not width_text.isascii()
            or not width_text.isdigit()
            or width_text != str(int(width_text))
        ):
            raise TileError(f"{path!r} has an invalid partial width")
        width = int(width_text)
        if width >= TILE_WIDTH:
            raise TileError(f"{path!r}: a partial tile must be narrower than 256")
        parts = [*parts[:-2], parts[-2][:-2]]
    level_text = parts[1]
    if level_text == "entries":
        level = ENTRIES
    elif level_text.isascii() and level_text.isdigit() and level_text == str(int(level_text)):
        level = int(level_text)
    else:
        raise TileError(f"{path!r} has an invalid level")
    return Tile(level, _decode_index(parts[2:]), width)


def _level_tiles(level: int, old_count: int, new_count: int) -> Iterator[Tile]:
    """Tiles of a row that exist at ``new_count`` hashes but not at ``old_count``."""
    for index in range(old_count // TILE_WIDTH, new_count // TILE_WIDTH):
        yield Tile(level, index)
    rem = new_count % TILE_WIDTH
    if rem and new_count != old_count:
        yield Tile(level, new_count // TILE_WIDTH, rem)


def changed_tiles(old_size: int, new_size: int, *, entries: bool = True) -> list[Tile]:
    """Tiles (and entry bundles) a tree of ``new_size`` has that one of ``old_size`` lacks.

    Re-publishing after growing from ``old_size`` only needs to write these files.
    """
    if not 0 <= old_size <= new_size:
        raise TileError(f"sizes must satisfy 0 <= {old_size} <= {new_size}")
    out: list[Tile] = []
    if entries:
        out.extend(_level_tiles(ENTRIES, old_size, new_size))
    level = 0
    while new_size >> (TILE_HEIGHT * level):
        shift = TILE_HEIGHT * level
        out.extend(_level_tiles(level, old_size >> shift, new_size >> shift))
        level += 1
    return out


def tiles_for_size(size: int, *, entries: bool = True) -> list[Tile]:
    """Every tile (full and partial) and entry bundle of a tree of ``size`` leaves."""
    return changed_tiles(0, size, entries=entries)


def encode_entry_bundle(entries: Iterable[bytes]) -> bytes:
    """Concatenate entries, each prefixed by its big-endian uint16 length."""
    out = bytearray()
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise TileError(f"entry of {len(entry)} bytes exceeds the 65535-byte bundle limit")
        out += len(entry).to_bytes(2, "big")
        out += entry
    return bytes(out)


def decode_entry_bundle(data: bytes, width: int) -> list[bytes]:
    """Split an entry bundle into exactly ``width`` entries."""
    entries: list[bytes] = []
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise TileError("entry bundle ends inside a length prefix")
        length = int.from_bytes(data[pos : pos + 2], "big")
        pos += 2
        if pos + length > len(data):
            raise TileError("entry bundle ends inside an entry")
        entries.append(bytes(data[pos : pos + length]))
        pos += length
    if len(entries) != width:
        raise TileError(f"entry bundle has {len(entries)} entries, expected {width}")
    return entries


def tile_bytes(tree: MerkleTree, tile: Tile, entries: Sequence[bytes] | None = None) -> bytes:
    """Return the content of ``tile`` from ``tree`` (and ``entries`` for an entry bundle)."""
    start = tile.index * TILE_WIDTH
    if tile.level == ENTRIES:
        if entries is None:
            raise TileError("entry bundles need the log entries")
        return encode_entry_bundle(entries[start : start + tile.width])
    return tree.level_bytes(TILE_HEIGHT * tile.level, start, start + tile.width)


def render_tiles(
    tree: MerkleTree,
    entries: Sequence[bytes] | None,
    new_size: int,
    old_size: int = 0,
) -> dict[str, bytes]:
    """Return ``{path: bytes}`` for every tile a tree of ``new_size`` adds over ``old_size``.

    ``entries`` may be None to skip entry bundles.  ``tree`` must hold at least ``new_size``
    leaves; hashes of a larger tree are fine because tiles only use complete subtrees.
    """
    if new_size > tree.size:
        raise TileError(f"tree has {tree.size} leaves, fewer than {new_size}")
    tiles = changed_tiles(old_size, new_size, entries=entries is not None)
    return {t.path(): tile_bytes(tree, t, entries) for t in tiles}


@dataclass(frozen=True)
class LogContents:
    """A log rebuilt from its tiles: the tree and, if requested, the entries."""

    tree: MerkleTree
    entries: list[bytes] | None


def read_log(
    size: int,
    fetch: Callable[[str], bytes],
    *,
    root_hash: bytes | None = None,
    with_entries: bool = True,
) -> LogContents:
    """Rebuild and check a log of ``size`` leaves from its tiles, as an independent verifier.

    ``fetch(path)`` returns a tile's bytes.  Entry bundles (when ``with_entries``) must hash
    to the level-0 tiles; every higher tile must equal the rebuilt tree; and the root must equal
    ``root_hash`` when given (the root of a verified checkpoint).  Raises `TileError`.
    """
    tree = MerkleTree()
    entries: list[bytes] | None = [] if with_entries else None
    zero_rows = [t for t in tiles_for_size(size, entries=False) if t.level == 0]
    for tile in zero_rows:
        data = fetch(tile.path())
        if len(data) != tile.width * HASH_SIZE:
            raise TileError(f"{tile.path()} has {len(data)} bytes, expected {tile.width * 32}")
        hashes = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
        if entries is not None:
            bundle = Tile(ENTRIES, tile.index, tile.width)
            items = decode_entry_bundle(fetch(bundle.path()), tile.width)
            for offset, (item, expected) in enumerate(zip(items, hashes, strict=True)):
                if leaf_hash(item) != expected:
                    leaf = tile.first_leaf() + offset
                    raise TileError(f"entry {leaf} does not match its leaf hash in {tile.path()}")
            entries.extend(items)
        tree.extend(hashes)
    for tile in tiles_for_size(size, entries=False):
        if tile.level == 0:
            continue
        expected = tile_bytes(tree, tile)
        if fetch(tile.path()) != expected:
            raise TileError(f"{tile.path()} does not match the tree rebuilt from level 0")
    if root_hash is not None and tree.root(size) != root_hash:
        raise TileError(f"the tiles give a root that differs from the checkpoint at size {size}")
    return LogContents(tree, entries)
