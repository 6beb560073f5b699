"""Re-encoding leaves during replay: the fast paths write exactly RFC 8785 bytes, and a
leaf that spells a value non-canonically is reported by the store integrity check."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ledger_pubkit import Pub, wave1
from sqlalchemy import text

from escrutinio.model import Definition
from escrutinio.model.canonical import canonical_json
from escrutinio.model.prepared import content_templates
from escrutinio.publish.integrity import check_store
from escrutinio.publish.replay import Replay, _content, _scalar
from support import small_definition

TEMPLATES = content_templates(small_definition())
OPTIONS = ["a1-psuv", "a1-pcv", "a2-mud", "a3"]
count = st.one_of(st.integers(0, 10**6), st.floats(0, 10, allow_nan=False), st.just("7"))
text_id = st.one_of(st.sampled_from(["u1", "official", "witness:MUD"]), st.text(max_size=6))


@st.composite
def actas(draw: st.DrawFn) -> dict[str, Any]:
    options = draw(st.sampled_from([OPTIONS, OPTIONS[:3], [*OPTIONS, "zz"]]))
    acta: dict[str, Any] = {
        "blank": draw(st.one_of(st.none(), count)),
        "contest": draw(st.sampled_from(["gov-A", "gov-A", "gov-Z"])),
        "null": draw(count),
        "source": draw(text_id),
        "unit": draw(text_id),
        "voters": draw(count),
        "votes": {o: draw(count) for o in options},
    }
    if draw(st.booleans()) and draw(st.booleans()):
        acta["extra"] = 1
    return acta


@given(actas())
def test_content_is_always_the_reference_encoding(acta: dict[str, Any]) -> None:
    assert _content(acta, TEMPLATES) == canonical_json(acta)


int_count = st.integers(0, 10**6)


@given(
    st.dictionaries(st.sampled_from(["content_hash", "a", "kind", "votes"]), int_count),
    st.sampled_from(["u1", "content_hash", 'x","content_hash":"y']),
    st.booleans(),
)
def test_content_cut_from_a_canonical_leaf_is_the_encoded_content(
    votes: dict[str, int], unit: str, counting: bool
) -> None:
    acta: dict[str, Any] = {"blank": None, "contest": "gov-A", "null": 1, "source": "official"}
    acta |= {"unit": unit, "voters": 9, "votes": votes}
    content = canonical_json(acta)
    leaf = {
        "acta": acta,
        "content_hash": hashlib.sha256(content).hexdigest(),
        "counting": counting,
        "kind": "acta",
        "received_at": "2017-10-15T20:00:00Z",
        "status": "new",
        "version": 1,
    }
    body = canonical_json(leaf)
    slow, fast = Replay(), Replay()
    slow.apply(0, body)
    fast.apply(0, body, canonical=True)
    assert fast.actas[0].content_bytes == slow.actas[0].content_bytes == content
    assert fast.actas[0].votes_json == slow.actas[0].votes_json


@given(st.one_of(st.text(max_size=12), st.integers(-(10**9), 10**9), st.floats(0, 5)))
def test_scalar_is_always_the_reference_encoding(value: Any) -> None:
    assert _scalar(value) == canonical_json(value)


@pytest.fixture
def pub(db_url: str, definition: Definition, tmp_path: Path) -> Iterator[Pub]:
    p = wave1(db_url, definition, tmp_path)
    yield p
    p.store.close()


@pytest.mark.parametrize(
    "respell",
    [
        lambda body: re.sub(rb'"null":(\d+)', rb'"null":\1.0', body),  # 3 spelled 3.0
        lambda body: body.replace(b'"voters":', b'"voters": '),  # whitespace
        lambda body: body.replace(b'"version":1', b'"version":1.0'),
    ],
)
def test_respelled_leaf_with_a_matching_hash_is_reported(pub: Pub, respell: Any) -> None:
    with pub.store.engine.connect() as conn:
        row = conn.execute(
            text("SELECT idx, body FROM log_entries WHERE kind = 'acta' ORDER BY idx")
        ).first()
    assert row is not None
    idx, body = row
    new_body = respell(bytes(body))
    assert new_body != bytes(body)
    with pub.store.engine.begin() as conn:
        conn.execute(
            text("UPDATE log_entries SET body = :b, leaf_hash = :h WHERE idx = :i"),
            {"b": new_body, "h": hashlib.sha256(b"\x00" + new_body).digest(), "i": idx},
        )
    problems = check_store(pub.store)
    assert f"log_entries[{idx}]: body is not canonical JSON" in problems, problems
