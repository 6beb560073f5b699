"""The verifier's own reader of C2SP tlog-tiles (https://c2sp.org/tlog-tiles).

Hash tiles ``tile/<L>/<N>[.p/<W>]`` hold up to 256 hashes of tree row 8·L; entry bundles
``tile/entries/<N>[.p/<W>]`` hold the entries, each prefixed by a big-endian uint16 length.
The index N is written in 3-digit groups, all but the last prefixed with ``x``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from escrutinio.verify.merkle import Tree

WIDTH = 256


class TileProblem(ValueError):
    """A tile or entry bundle is missing, malformed or does not match the tree."""


def tile_path(level: str, index: int, width: int) -> str:
    """The path of a tile (``level`` is a number or ``entries``)."""
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    suffix = f".p/{width}" if width < WIDTH else ""
    return f"tile/{level}/{'/'.join(reversed(groups))}{suffix}"


def _bundle(data: bytes, width: int, path: str) -> list[bytes]:
    out: list[bytes] = []
    pos, end = 0, len(data)
    append = out.append
    while pos < end:
        if pos + 2 > end:
            raise TileProblem(f"{path}: ends inside a length prefix")
        start = pos + 2
        pos = start + ((data[pos] << 8) | data[pos + 1])
        if pos > end:
            raise TileProblem(f"{path}: ends inside an entry")
        append(data[start:pos])
    if len(out) != width:
        raise TileProblem(f"{path}: has {len(out)} entries, expected {width}")
    return out


def read_entries(size: int, fetch: Callable[[str], bytes]) -> tuple[Tree, list[bytes]]:
    """Read every entry of a log of ``size`` leaves and rebuild its tree, checking every tile."""
    tree = Tree()
    entries: list[bytes] = []
    sha = hashlib.sha256
    for index in range((size + WIDTH - 1) // WIDTH):
        width = min(WIDTH, size - index * WIDTH)
        bundle_path = tile_path("entries", index, width)
        items = _bundle(fetch(bundle_path), width, bundle_path)
        hashes_path = tile_path("0", index, width)
        hashes = fetch(hashes_path)
        if len(hashes) != 32 * width:
            raise TileProblem(f"{hashes_path}: has {len(hashes)} bytes, expected {32 * width}")
        leaves = [sha(b"\x00" + item).digest() for item in items]
        if b"".join(leaves) != hashes:
            offset = next(
                i for i, leaf in enumerate(leaves) if hashes[32 * i : 32 * i + 32] != leaf
            )
            raise TileProblem(
                f"{hashes_path}: hash {offset} does not match entry "
                f"{index * WIDTH + offset} of {bundle_path}"
            )
        tree.extend(leaves)
        entries.extend(items)
    level = 1
    while size >> (8 * level):
        row = tree.levels[8 * level]
        count = size >> (8 * level)
        for index in range((count + WIDTH - 1) // WIDTH):
            width = min(WIDTH, count - index * WIDTH)
            path = tile_path(str(level), index, width)
            expected = b"".join(row[index * WIDTH : index * WIDTH + width])
            if fetch(path) != expected:
                raise TileProblem(f"{path}: does not match the tree rebuilt from the entries")
        level += 1
    return tree, entries
