"""Replay of the log's leaves: which acta versions exist and which count, at any log position.

Acta leaves carry the version's counting flag when it was stored; an adjudication leaf for a
slot (unit, contest, source) makes every version of that slot stop counting and, unless its
version is null, makes the chosen version count.  Replaying the leaves in log order therefore
gives the counting versions after any prefix of the log (the record model of RFC 9162 logs:
state is a pure function of the ordered entries).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from escrutinio.model.canonical import canonical_json_fast
from escrutinio.model.definition import Definition
from escrutinio.tally import ContestCounts

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


@dataclass
class Replay:
    """The state rebuilt from the leaves: definition leaf, acta versions, bulletin leaves."""

    definition: dict[str, Any] | None = None
    actas: list[ActaRecord] = field(default_factory=list)
    slots: dict[Slot, list[int]] = field(default_factory=dict)
    bulletins: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    adjudications: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    size: int = 0

    def apply(self, index: int, body: bytes) -> dict[str, Any]:
        """Apply the leaf at ``index`` (its canonical JSON body); returns the parsed leaf."""
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
            record.content_bytes = canonical_json_fast(a)
            record.votes_json = canonical_json_fast(a["votes"]).decode("utf-8")
            self.slots.setdefault((record.unit, record.contest, record.source), []).append(
                len(self.actas)
            )
            self.actas.append(record)
        elif kind == "adjudication":
            slot = (leaf["unit"], leaf["contest"], leaf["source"])
            for pos in self.slots.get(slot, []):
                rec = self.actas[pos]
                rec.counting = leaf["version"] is not None and rec.version == leaf["version"]
            self.adjudications.append((index, leaf))
        elif kind == "bulletin":
            self.bulletins.append((index, leaf))
        elif kind == "definition":
            self.definition = leaf
        self.size += 1
        return leaf


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
    rows: dict[str, tuple[list[int], list[list[int]]]] = {c: ([], []) for c in definition.contests}
    options = {cid: [o.id for o in c.options] for cid, c in definition.contests.items()}
    for rec in actas:
        if not rec.counting or rec.source != source:
            continue
        units, matrix = rows[rec.contest]
        units.append(definition.units.index[rec.unit])
        matrix.append(
            [*(rec.votes[o] for o in options[rec.contest]), rec.null, rec.blank or 0, rec.voters]
        )
    out: dict[str, ContestCounts] = {}
    for cid, (units, matrix) in rows.items():
        width = len(options[cid]) + 3
        out[cid] = ContestCounts(
            cid,
            np.array(units, dtype=np.int32),
            np.array(matrix, dtype=np.int64).reshape(-1, width),
        )
    return out


def acta_leaf_bytes(content: bytes, leaf: dict[str, Any]) -> bytes:
    """The canonical bytes of an acta leaf, given its canonical content (RFC 8785 key order:
    acta, content_hash, counting, kind, received_at, status, version)."""
    return b"".join(
        (
            b'{"acta":',
            content,
            b',"content_hash":',
            canonical_json_fast(leaf["content_hash"]),
            b',"counting":',
            b"true" if leaf["counting"] is True else b"false",
            b',"kind":"acta","received_at":',
            canonical_json_fast(leaf["received_at"]),
            b',"status":',
            canonical_json_fast(leaf["status"]),
            b',"version":',
            canonical_json_fast(leaf["version"]),
            b"}",
        )
    )
