"""What a re-publication can take from the previous one: the log size it was built from,
the (unit, contest) slots whose leaves came after it, and which of its files are still on
disk as it listed them.

The state of the record is a pure function of the log prefix (RFC 9162 logs; see
`escrutinio.publish.replay`), so a page built only from the leaves of some slots is the
same after a new log entry unless the entry is about one of those slots. The previous
publication counts only when its ``manifest.json`` names a tree that is a prefix of the
current log (same size-``n`` root), so its files were built from exactly those ``n`` leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from escrutinio.publish.replay import Replay

Slot = tuple[str, str]
"""(unit, contest)"""


@dataclass(frozen=True)
class Previous:
    """The previous publication of a re-publish (see the module docstring).

    ``since``: the log size it was built from; ``slots``: every (unit, contest) with an acta,
    adjudication or image leaf at index ``since`` or later; ``hashes``: the SHA-256 its
    manifest lists by path; ``kept(path)``: the file is a regular file, listed with that
    hash, of the listed size and older than that manifest (so it still holds those bytes,
    as far as an incremental re-publish trusts the folder: docs/security.md)."""

    since: int
    slots: frozenset[Slot]
    hashes: Mapping[str, str]
    kept: Callable[[str], bool]

    def reusable(self, path: str, digest: str | None = None) -> bool:
        """True when ``path`` can be left as the previous publication wrote it (and, given
        ``digest``, it held exactly that SHA-256)."""
        listed = self.hashes.get(path)
        if not listed or (digest is not None and listed != digest):
            return False
        return self.kept(path)


def changed_slots(state: Replay, since: int) -> frozenset[Slot]:
    """The (unit, contest) slots with an acta version, adjudication or image leaf at log
    index ``since`` or later."""
    slots: set[Slot] = set()
    for record in reversed(state.actas):
        if record.log_index < since:
            break
        slots.add((record.unit, record.contest))
    for entries in (state.adjudications, state.images):
        for index, leaf in reversed(entries):
            if index < since:
                break
            slots.add((str(leaf["unit"]), str(leaf["contest"])))
    return frozenset(slots)
