"""A validated acta ready to be stored: its counts, canonical content bytes and hash.

Building the canonical bytes with a per-contest template is several times faster than a
general JSON encoder; ``tests/model/test_prepared.py`` checks the bytes equal RFC 8785.
"""

from __future__ import annotations

import hashlib
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

    @property
    def key(self) -> tuple[str, str, str]:
        """(unit, contest, source): the slot that versions of this acta compete for."""
        return (self.unit, self.contest, self.source)


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
