"""Validated actas ready to be stored: counts, canonical content bytes and hash, and the
log leaf of their first version.

Building the canonical bytes with a per-contest template is several times faster than a
general JSON encoder; ``tests/model/test_prepared.py`` checks the bytes equal RFC 8785.
Large imports keep actas column-wise (:class:`PreparedBatch`), so no per-acta object is
built between the CSV file and the database.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from itertools import pairwise

import numpy as np
import numpy.typing as npt
import polars as pl

from escrutinio.model.acta import Acta
from escrutinio.model.definition import Definition
from escrutinio.model.leaves import (
    ACTA_COUNTING,
    ACTA_HASH,
    ACTA_HEAD,
    ACTA_RECEIVED,
    ACTA_STATUS,
    ACTA_VERSION,
    LEAF_PREFIX,
    leaf_hash,
)
from escrutinio.model.leaves import acta_leaf as acta_event
from escrutinio.model.packed_counts import pack_counts, pack_matrix, unpack_counts


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
            self.first_event = acta_event(
                self.content, self.content_hash, self.received_at, 1, "accepted"
            )
            self.first_leaf = leaf_hash(self.first_event)

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


def content_templates(definition: Definition) -> dict[str, ContentTemplate]:
    """The content template of every contest of ``definition``."""
    return {
        cid: ContentTemplate(cid, tuple(o.id for o in c.options))
        for cid, c in definition.contests.items()
    }


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


@dataclass
class PreparedBatch:
    """Many validated actas, column by column, in file order: what the store writes.

    Column ``i`` of every list belongs to the same acta; ``first_event`` and ``first_leaf``
    are the log leaf (and its RFC 9162 hash) the acta gets if it is the first version of
    its slot.
    """

    line: list[int | None]
    unit: list[str]
    unit_idx: list[int]
    contest: list[str]
    source: list[str]
    blob: list[bytes]
    has_blank: list[bool]
    received_at: list[str]
    content: list[bytes]
    content_hash: list[str]
    first_event: list[bytes]
    first_leaf: list[bytes]

    def __len__(self) -> int:
        return len(self.unit)

    @classmethod
    def empty(cls) -> PreparedBatch:
        """A batch with no actas."""
        return cls(*([] for _ in fields(cls)))

    @classmethod
    def of(cls, actas: list[PreparedActa]) -> PreparedBatch:
        """The batch holding these actas, in this order."""
        return cls(*([getattr(a, f.name) for a in actas] for f in fields(cls)))

    @classmethod
    def build(
        cls,
        *,
        line: list[int | None],
        unit: list[str],
        unit_idx: list[int],
        contest: str,
        source: list[str],
        counts: npt.NDArray[np.int64],
        has_blank: list[bool],
        received_at: list[str],
        content: pl.Series,
    ) -> PreparedBatch:
        """Prepare many actas of one contest at once from their counts matrix (options,
        null, blank, voters) and canonical contents (a Polars string column)."""
        n = len(unit)
        blob = pack_matrix(counts)
        content_bytes: list[bytes] = content.cast(pl.Binary).to_list()
        sha256 = hashlib.sha256
        hashes = [sha256(c).hexdigest() for c in content_bytes]
        text = pl.col
        prefixed = (
            pl.DataFrame({"c": content, "h": hashes, "r": received_at})
            .select(
                pl.concat_str(
                    [
                        pl.lit((LEAF_PREFIX + ACTA_HEAD).decode()),
                        text("c"),
                        pl.lit(ACTA_HASH.decode()),
                        text("h"),
                        pl.lit((ACTA_COUNTING + b"true" + ACTA_RECEIVED).decode()),
                        text("r"),
                        pl.lit((ACTA_STATUS + b"accepted" + ACTA_VERSION + b"1}").decode()),
                    ]
                ).cast(pl.Binary)
            )
            .to_series()
            .to_list()
        )
        return cls(
            line=line,
            unit=unit,
            unit_idx=unit_idx,
            contest=[contest] * n,
            source=source,
            blob=blob,
            has_blank=has_blank,
            received_at=received_at,
            content=content_bytes,
            content_hash=hashes,
            first_event=[p[1:] for p in prefixed],
            # the leaf hash of each leaf (model.leaves.leaf_hash), the prefix already joined
            first_leaf=[sha256(p).digest() for p in prefixed],
        )

    def extend(self, other: PreparedBatch) -> None:
        """Append another batch's actas to this one."""
        for f in fields(self):
            getattr(self, f.name).extend(getattr(other, f.name))

    def in_file_order(self) -> PreparedBatch:
        """The same actas sorted by line number (a no-op when already in order)."""
        lines = [line or 0 for line in self.line]
        if all(a <= b for a, b in pairwise(lines)):
            return self
        order = sorted(range(len(lines)), key=lines.__getitem__)
        return PreparedBatch(*([getattr(self, f.name)[i] for i in order] for f in fields(self)))

    def actas(self) -> list[PreparedActa]:
        """The batch as one :class:`PreparedActa` per acta (for inspection and tests)."""
        return [
            PreparedActa(
                line=self.line[i],
                unit=self.unit[i],
                unit_idx=self.unit_idx[i],
                contest=self.contest[i],
                source=self.source[i],
                counts=unpack_counts(self.blob[i]),
                has_blank=self.has_blank[i],
                received_at=self.received_at[i],
                content=self.content[i],
                content_hash=self.content_hash[i],
                blob=self.blob[i],
                first_event=self.first_event[i],
                first_leaf=self.first_leaf[i],
            )
            for i in range(len(self))
        ]
