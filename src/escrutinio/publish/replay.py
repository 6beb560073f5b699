"""Replay of the log's leaves: which acta versions exist and which count, at any log position.

Acta leaves carry the version's counting flag when it was stored; an adjudication leaf for a
slot (unit, contest, source) makes every version of that slot stop counting and, unless its
version is null, makes the chosen version count.  Replaying the leaves in log order therefore
gives the counting versions after any prefix of the log (the record model of RFC 9162 logs:
state is a pure function of the ordered entries).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from escrutinio.model.canonical import canonical_json
from escrutinio.model.definition import Definition
from escrutinio.model.packed_counts import counts_row, row_width
from escrutinio.model.prepared import ContentTemplate
from escrutinio.tally import ContestCounts

PLAIN_TEXT = re.compile(r"[A-Za-z0-9 ._:+/\-]*")  # JSON strings that need no escaping
VOTES_KEY = b',"votes":{'
ACTA_PREFIX = b'{"acta":'
CONTENT_HASH_KEY = b',"content_hash":'  # the last one in an acta leaf is the top-level key
CONTENT_KEYS = 7  # blank, contest, null, source, unit, voters, votes

Slot = tuple[str, str, str]


@dataclass
class ActaRecord:
    """One acta version as recorded by its log leaf, with its current counting flag."""

    log_index: int
    unit: str
    contest: str
    source: str
    version: int
    status: str
    counting: bool
    received_at: str
    content_hash: str
    null: int
    blank: int | None
    voters: int
    votes: dict[str, int]
    votes_json: str = ""
    content_bytes: bytes = b""


def _content(acta: dict[str, Any], templates: dict[str, ContentTemplate]) -> bytes:
    """RFC 8785 bytes of an acta's content: the contest's template when the acta has
    exactly the contest's options, plain identifiers and integer counts (several times
    faster), otherwise the reference encoder (which also writes 3.0 as 3, so a leaf that
    spells a count differently is never taken for canonical)."""
    template = templates.get(acta["contest"])
    votes = acta["votes"]
    if (
        template is not None
        and len(acta) == CONTENT_KEYS
        and isinstance(votes, dict)
        and len(votes) == len(template.option_ids)
        and all(type(votes.get(o)) is int for o in template.option_ids)
        and all(type(acta[k]) is int for k in ("null", "voters"))
        and (acta["blank"] is None or type(acta["blank"]) is int)
        and all(type(acta[k]) is str and PLAIN_TEXT.fullmatch(acta[k]) for k in ("unit", "source"))
    ):
        return template.render(
            acta["unit"],
            acta["source"],
            [votes[o] for o in template.option_ids],
            acta["null"],
            acta["blank"],
            acta["voters"],
        )
    return canonical_json(acta)


@dataclass
class Replay:
    """The state rebuilt from the leaves: definition leaf, acta versions, bulletin leaves,
    adjudication, image and audit step leaves, sender registrations and revocations, and
    envelopes.

    ``templates`` (from :func:`content_templates`) speeds up re-encoding acta contents;
    without them every content goes through the general canonical encoder.
    """

    definition: dict[str, Any] | None = None
    actas: list[ActaRecord] = field(default_factory=list)
    slots: dict[Slot, list[int]] = field(default_factory=dict)
    bulletins: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    adjudications: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    images: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    audits: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    senders: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    revocations: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    envelopes: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    size: int = 0
    templates: dict[str, ContentTemplate] = field(default_factory=dict)
    base: pl.DataFrame | None = None
    """The acta versions of the log prefix the state was carried from (``actas.parquet``
    columns, log order; `escrutinio.publish.carry`); ``actas`` then holds only the later
    versions. None: ``actas`` holds every version."""
    base_size: int = 0
    base_indexes: list[int] = field(default_factory=list)
    base_adjudicated: dict[Slot, int | None] = field(default_factory=dict)
    _base_current: pl.DataFrame | None = field(default=None, repr=False)

    def skip_acta(self, index: int) -> None:
        """Count the acta leaf at ``index`` as one of ``base``'s rows without parsing it."""
        if index != self.size:
            raise ValueError(f"leaf {index} applied out of order (expected {self.size})")
        self.base_indexes.append(index)
        self.size += 1

    def skip_actas_to(self, stop: int) -> None:
        """Count the leaves from ``size`` to ``stop`` as acta leaves of ``base`` without
        reading them or recording their indexes (the caller has matched ``base`` with them,
        `escrutinio.publish.integrity_incremental`)."""
        if stop < self.size:
            raise ValueError(f"cannot skip back from leaf {self.size} to {stop}")
        self.size = stop

    def apply(self, index: int, body: bytes, canonical: bool = False) -> dict[str, Any]:
        """Apply the leaf at ``index`` (its canonical JSON body); returns the parsed leaf.

        ``canonical``: the body is known to be the canonical bytes of its leaf (an entry an
        earlier integrity check re-encoded, whose hash is still in the signed tree), so an
        acta's content is cut out of it instead of being re-encoded."""
        if index != self.size:
            raise ValueError(f"leaf {index} applied out of order (expected {self.size})")
        leaf: dict[str, Any] = json.loads(body)
        kind = leaf.get("kind")
        if kind == "acta":
            a = leaf["acta"]
            record = ActaRecord(
                index,
                a["unit"],
                a["contest"],
                a["source"],
                int(leaf["version"]),
                leaf["status"],
                bool(leaf["counting"]),
                leaf["received_at"],
                leaf["content_hash"],
                int(a["null"]),
                None if a["blank"] is None else int(a["blank"]),
                int(a["voters"]),
                {k: int(v) for k, v in a["votes"].items()},
            )
            content = (
                body[len(ACTA_PREFIX) : body.rindex(CONTENT_HASH_KEY)]
                if canonical and body.startswith(ACTA_PREFIX)
                else _content(a, self.templates)
            )
            record.content_bytes = content
            record.votes_json = content[content.index(VOTES_KEY) + len(VOTES_KEY) - 1 : -1].decode()
            self.slots.setdefault((record.unit, record.contest, record.source), []).append(
                len(self.actas)
            )
            self.actas.append(record)
        elif kind == "adjudication":
            slot = (leaf["unit"], leaf["contest"], leaf["source"])
            for pos in self.slots.get(slot, []):
                rec = self.actas[pos]
                rec.counting = leaf["version"] is not None and rec.version == leaf["version"]
            if self.base is not None and index >= self.base_size:  # the last one decides
                self.base_adjudicated[slot] = leaf["version"]
                self._base_current = None
            self.adjudications.append((index, leaf))
        elif kind == "bulletin":
            self.bulletins.append((index, leaf))
        elif kind == "definition":
            self.definition = leaf
        elif kind == "image":
            self.images.append((index, leaf))
        elif kind == "audit":
            self.audits.append((index, leaf))

        elif kind == "sender":
            self.senders.append((index, leaf))
        elif kind == "sender_revocation":
            self.revocations.append((index, leaf))
        elif kind == "envelope":
            self.envelopes.append((index, leaf))
        self.size += 1
        return leaf

    def acta_frame(self) -> pl.DataFrame:
        """Every acta version in log order as a frame (``actas.parquet`` columns)."""
        new = records_frame(self.actas)
        if self.base is None:
            return new
        return pl.concat([self._base_now(), new], rechunk=True)

    def _base_now(self) -> pl.DataFrame:
        """``base`` with the counting flags that later adjudications set."""
        assert self.base is not None
        if not self.base_adjudicated:
            return self.base
        if self._base_current is not None:
            return self._base_current
        decided = pl.DataFrame(
            {
                "unit": [s[0] for s in self.base_adjudicated],
                "contest": [s[1] for s in self.base_adjudicated],
                "source": [s[2] for s in self.base_adjudicated],
                "_chosen": list(self.base_adjudicated.values()),
                "_decided": [True] * len(self.base_adjudicated),
            },
            schema_overrides={"_chosen": pl.Int64},
        )
        joined = self.base.join(
            decided, on=["unit", "contest", "source"], how="left", maintain_order="left"
        )
        counting = (
            pl.when(pl.col("_decided"))
            .then(pl.col("_chosen").is_not_null() & (pl.col("version") == pl.col("_chosen")))
            .otherwise(pl.col("counting"))
        )
        self._base_current = joined.with_columns(
            counting.fill_null(False).alias("counting")
        ).select(self.base.columns)
        return self._base_current

    def acta_totals(self) -> tuple[int, int]:
        """How many acta versions the log holds, and how many of them count."""
        new = sum(1 for a in self.actas if a.counting)
        if self.base is None:
            return len(self.actas), new
        base = self._base_now()
        return base.height + len(self.actas), int(base["counting"].sum()) + new

    def records_at(self, indexes: Iterable[int]) -> dict[int, ActaRecord]:
        """The acta versions at these log indexes (those that are acta leaves), by index."""
        wanted = set(indexes)
        out = {r.log_index: r for r in self.actas if r.log_index in wanted}
        if self.base is not None and wanted - out.keys():
            rows = self._base_now().filter(pl.col("log_index").is_in(list(wanted - out.keys())))
            for row in rows.iter_rows(named=True):
                out[row["log_index"]] = record_of(row)
        return out

    def base_slot_indexes(self, slots: set[Slot]) -> list[int]:
        """Log indexes of ``base``'s versions of these (unit, contest, source) slots."""
        if self.base is None or not slots:
            return []
        wanted = pl.DataFrame(
            {k: [s[i] for s in slots] for i, k in enumerate(("unit", "contest", "source"))},
            schema={"unit": pl.String, "contest": pl.String, "source": pl.String},
        )
        found = self.base.join(wanted, on=["unit", "contest", "source"], how="semi")
        return [int(i) for i in found["log_index"]]


ACTA_SCHEMA = {
    "log_index": pl.Int64,
    "unit": pl.String,
    "contest": pl.String,
    "source": pl.String,
    "version": pl.Int64,
    "status": pl.String,
    "counting": pl.Boolean,
    "received_at": pl.String,
    "content_hash": pl.String,
    "null": pl.Int64,
    "blank": pl.Int64,
    "voters": pl.Int64,
    "votes": pl.String,
}
"""The columns of ``actas.parquet`` (one row per acta version)."""


def records_frame(actas: Sequence[ActaRecord]) -> pl.DataFrame:
    """The acta versions as a typed polars frame (the content of actas.parquet)."""
    return pl.DataFrame(
        {
            "log_index": [r.log_index for r in actas],
            "unit": [r.unit for r in actas],
            "contest": [r.contest for r in actas],
            "source": [r.source for r in actas],
            "version": [r.version for r in actas],
            "status": [r.status for r in actas],
            "counting": [r.counting for r in actas],
            "received_at": [r.received_at for r in actas],
            "content_hash": [r.content_hash for r in actas],
            "null": [r.null for r in actas],
            "blank": [r.blank for r in actas],
            "voters": [r.voters for r in actas],
            "votes": [r.votes_json for r in actas],
        },
        schema=ACTA_SCHEMA,
    )


def record_of(row: dict[str, Any]) -> ActaRecord:
    """The `ActaRecord` of one ``actas.parquet`` row (without its content bytes)."""
    return ActaRecord(
        row["log_index"],
        row["unit"],
        row["contest"],
        row["source"],
        row["version"],
        row["status"],
        row["counting"],
        row["received_at"],
        row["content_hash"],
        row["null"],
        row["blank"],
        row["voters"],
        {k: int(v) for k, v in json.loads(row["votes"]).items()},
        row["votes"],
    )


def replay(entries: Iterable[tuple[int, bytes]]) -> Replay:
    """Replay ``(index, body)`` leaves from index 0 in order."""
    state = Replay()
    for index, body in entries:
        state.apply(index, body)
    return state


def counting_counts(
    definition: Definition, actas: Iterable[ActaRecord], source: str
) -> dict[str, ContestCounts]:
    """Unit-level counts (contest option order, then null, blank, voters) of the counting
    versions of ``source``, one entry per contest of the definition."""
    rows: dict[str, tuple[list[int], list[tuple[int, ...]]]] = {
        c: ([], []) for c in definition.contests
    }
    options = {cid: [o.id for o in c.options] for cid, c in definition.contests.items()}
    for rec in actas:
        if not rec.counting or rec.source != source:
            continue
        units, matrix = rows[rec.contest]
        units.append(definition.units.index[rec.unit])
        matrix.append(counts_row(rec.votes, options[rec.contest], rec.null, rec.blank, rec.voters))
    out: dict[str, ContestCounts] = {}
    for cid, (units, matrix) in rows.items():
        width = row_width(len(options[cid]))
        out[cid] = ContestCounts(
            cid,
            np.array(units, dtype=np.int32),
            np.array(matrix, dtype=np.int64).reshape(-1, width),
        )
    return out


def _scalar(value: Any) -> bytes:
    """RFC 8785 bytes of one leaf field (a shortcut for plain strings and integers)."""
    if type(value) is str and PLAIN_TEXT.fullmatch(value):
        return b'"' + value.encode() + b'"'
    if type(value) is int:
        return str(value).encode()
    return canonical_json(value)


def acta_leaf_bytes(content: bytes, leaf: dict[str, Any]) -> bytes:
    """The canonical bytes of an acta leaf, given its canonical content (RFC 8785 key order:
    acta, content_hash, counting, kind, received_at, status, version)."""
    return b"".join(
        (
            b'{"acta":',
            content,
            b',"content_hash":',
            _scalar(leaf["content_hash"]),
            b',"counting":',
            b"true" if leaf["counting"] is True else b"false",
            b',"kind":"acta","received_at":',
            _scalar(leaf["received_at"]),
            b',"status":',
            _scalar(leaf["status"]),
            b',"version":',
            _scalar(leaf["version"]),
            b"}",
        )
    )
