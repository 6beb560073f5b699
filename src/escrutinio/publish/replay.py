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
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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
    sender registrations and revocations, and envelopes.

    ``templates`` (from :func:`content_templates`) speeds up re-encoding acta contents;
    without them every content goes through the general canonical encoder.
    """

    definition: dict[str, Any] | None = None
    actas: list[ActaRecord] = field(default_factory=list)
    slots: dict[Slot, list[int]] = field(default_factory=dict)
    bulletins: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    adjudications: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    images: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    senders: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    revocations: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    envelopes: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    size: int = 0
    templates: dict[str, ContentTemplate] = field(default_factory=dict)

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
            self.adjudications.append((index, leaf))
        elif kind == "bulletin":
            self.bulletins.append((index, leaf))
        elif kind == "definition":
            self.definition = leaf
        elif kind == "image":
            self.images.append((index, leaf))

        elif kind == "sender":
            self.senders.append((index, leaf))
        elif kind == "sender_revocation":
            self.revocations.append((index, leaf))
        elif kind == "envelope":
            self.envelopes.append((index, leaf))
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
