"""The leaves of the log: every body is RFC 8785 canonical JSON naming its kind, the leaf
hash is RFC 9162's, and no other writer computes either."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from escrutinio.ledger import merkle, tiles
from escrutinio.model import leaves
from escrutinio.model.canonical import canonical_json

SRC = Path(__file__).resolve().parents[2] / "src" / "escrutinio"
TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12)


def test_the_leaf_hash_is_rfc9162_and_the_ledgers_own() -> None:
    assert leaves.leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert merkle.leaf_hash is leaves.leaf_hash
    assert tiles.MAX_ENTRY_SIZE == leaves.MAX_LEAF_BYTES == 65_535


def test_every_kind_is_listed_once() -> None:
    assert leaves.LEAF_KINDS == (
        "definition",
        "acta",
        "adjudication",
        "bulletin",
        "audit",
        "image",
        "sender",
        "sender_revocation",
        "envelope",
    )


@given(
    TEXT, TEXT, st.integers(min_value=1, max_value=50), st.sampled_from(["accepted", "conflicting"])
)
def test_an_acta_leaf_is_canonical_json(
    hash_: str, received: str, version: int, status: str
) -> None:
    content = canonical_json({"unit": "u1", "votes": {"a": 1}, "blank": None})
    body = leaves.acta_leaf(content, hash_, received, version, status)
    doc = json.loads(body)
    assert doc == {
        "acta": json.loads(content),
        "content_hash": hash_,
        "counting": version == 1,
        "kind": "acta",
        "received_at": received,
        "status": status,
        "version": version,
    }
    assert canonical_json(doc) == body


@given(TEXT, TEXT, TEXT, st.none() | st.integers(min_value=1, max_value=9), st.text(max_size=20))
def test_other_leaves_are_canonical_and_name_their_kind(
    unit: str, contest: str, source: str, version: int | None, reason: str
) -> None:
    bodies = {
        "definition": leaves.definition_leaf("f" * 64, {"name": reason}, 3, "a" * 64, 9, "b" * 64),
        "adjudication": leaves.adjudication_leaf(
            unit, contest, source, version, reason, "board", "2026-01-01T00:00:00Z"
        ),
        "bulletin": leaves.bulletin_leaf(2, "2026-01-01T00:00:00Z", source, "c" * 64),
        "audit": leaves.audit_leaf({"step": "draw", "audit": unit, "round": 1}),
        "sender": leaves.sender_leaf(
            unit, "k+0+a", "0" * 8, source, [unit], [], "2026-01-01T00:00:00Z"
        ),
        "sender_revocation": leaves.sender_revocation_leaf(
            unit, "0" * 8, reason, "2026-01-01T00:00:00Z"
        ),
        "envelope": leaves.envelope_leaf(
            {"acta": {"unit": unit}, "sender": source}, "c2ln", "d" * 64, "2026", 3, 1, "new"
        ),
    }
    for kind, body in bodies.items():
        doc = json.loads(body)
        assert doc["kind"] == kind
        assert canonical_json(doc) == body
    assert json.loads(bodies["adjudication"])["version"] == version


WRITERS_LEAF_HASH = re.compile(r"""sha256\(\s*b["']\\x00["']\s*\+""")
PACKED_INT64 = re.compile(r"""["']<i8["']|<\{[^}]*\}q""")


def test_no_other_writer_computes_the_leaf_hash_or_packs_counts() -> None:
    """The verifier keeps its own readers on purpose; everything else goes through
    ``model.leaves`` and ``model.packed_counts``."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("verify/") or rel in ("model/leaves.py", "model/packed_counts.py"):
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{rel}: leaf hash" for _ in WRITERS_LEAF_HASH.finditer(text)]
        found += [f"{rel}: packed counts" for _ in PACKED_INT64.finditer(text)]
    assert found == []


_text = st.text(st.characters(codec="utf-8"), max_size=8)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=12,
)


@given(
    envelope=st.dictionaries(_text, _json_values, max_size=6),
    index=st.integers(0, 2**40),
    version=st.integers(1, 99),
    outcome=st.sampled_from(["new", "conflicting", "duplicate"]),
)
def test_envelope_leaf_with_the_envelope_bytes_spliced_is_the_same_canonical_leaf(
    envelope: dict[str, Any], index: int, version: int, outcome: str
) -> None:
    args = (envelope, "c2lnbmF0dXJl", "ab" * 32, "2017-10-15T22:10:02Z", index, version, outcome)
    whole = leaves.envelope_leaf(*args)
    assert leaves.envelope_leaf(*args, canonical_json(envelope)) == whole
    assert json.loads(whole)["envelope"] == envelope
