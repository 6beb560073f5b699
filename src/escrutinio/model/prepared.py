"""A validated acta ready to be stored: its counts, canonical content bytes and hash.

Building the canonical bytes with a per-contest template is several times faster than a
general JSON encoder; ``tests/model/test_prepared.py`` checks the bytes equal RFC 8785.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from escrutinio.model.acta import Acta


@dataclass(slots=True)
class PreparedActa:
    """An acta that passed validation, with everything the store writes."""

    line: int | None
    unit: str
    unit_idx: int
    contest: str
    source: str
    counts: tuple[int, ...]
    has_blank: bool
    received_at: str
    content: bytes
    content_hash: str
    blob: bytes = b""
    first_event: bytes = b""
    first_leaf: bytes = b""

    def __post_init__(self) -> None:
        if not self.blob:
            self.blob = pack_counts(self.counts)
        if not self.first_event:
            self.first_event = acta_event(self, 1, "accepted", True)
            self.first_leaf = hashlib.sha256(b"\x00" + self.first_event).digest()

    @property
    def key(self) -> tuple[str, str, str]:
        """(unit, contest, source): the slot that versions of this acta compete for."""
        return (self.unit, self.contest, self.source)


_PACKERS: dict[int, struct.Struct] = {}


def pack_counts(row: tuple[int, ...]) -> bytes:
    """Counts as little-endian int64s: how the store keeps them for fast re-tallies."""
    packer = _PACKERS.get(len(row))
    if packer is None:
        packer = _PACKERS[len(row)] = struct.Struct(f"<{len(row)}q")
    return packer.pack(*row)


def acta_event(acta: PreparedActa, version: int, status: str, counting: bool) -> bytes:
    """The log leaf of a stored acta version: canonical JSON (RFC 8785) with keys in order
    acta, content_hash, counting, kind, received_at, status, version."""
    return b"".join(
        (
            b'{"acta":',
            acta.content,
            b',"content_hash":"',
            acta.content_hash.encode(),
            b'","counting":',
            b"true" if counting else b"false",
            b',"kind":"acta","received_at":"',
            acta.received_at.encode(),
            b'","status":"',
            status.encode(),
            b'","version":',
            str(version).encode(),
            b"}",
        )
    )


class ContentTemplate:
    """Formats an acta's canonical content (RFC 8785 key order) for one contest.

    Identifiers are restricted to characters that never need escaping in JSON, so plain
    interpolation yields canonical bytes.
    """

    def __init__(self, contest: str, option_ids: tuple[str, ...]) -> None:
        self.contest = contest
        self.option_ids = option_ids
        order = sorted(range(len(option_ids)), key=lambda i: option_ids[i])
        self.order = order
        votes = ",".join(f'"{option_ids[i]}":%d' for i in order)
        self.fmt = (
            '{"blank":%s,"contest":"' + contest + '","null":%d,"source":"%s","unit":"%s",'
            '"voters":%d,"votes":{' + votes + "}}"
        )

    def render(
        self,
        unit: str,
        source: str,
        votes: tuple[int, ...] | list[int],
        null: int,
        blank: int | None,
        voters: int,
    ) -> bytes:
        """Canonical content bytes of one acta of this contest."""
        ordered = [votes[i] for i in self.order]
        return (
            self.fmt
            % ("null" if blank is None else str(blank), null, source, unit, voters, *ordered)
        ).encode()


def prepare(acta: Acta, unit_idx: int, line: int | None, template: ContentTemplate) -> PreparedActa:
    """Turn a validated :class:`Acta` into a :class:`PreparedActa`."""
    content = template.render(
        acta.unit, acta.source, acta.votes, acta.null, acta.blank, acta.voters
    )
    return PreparedActa(
        line=line,
        unit=acta.unit,
        unit_idx=unit_idx,
        contest=acta.contest,
        source=acta.source,
        counts=acta.counts_row(),
        has_blank=acta.blank is not None,
        received_at=acta.received_at,
        content=content,
        content_hash=hashlib.sha256(content).hexdigest(),
    )
