"""A changed shard's entries are spliced into the previous canonical bytes
(`escrutinio.website.shards._spliced`): the result is the canonical JSON of the updated
document, whatever the table ids and the strings inside the entries hold."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.model.canonical import canonical_json_fast
from escrutinio.website.shards import SHARD_FORMAT, _spliced

IDS = st.text(alphabet=st.sampled_from(list('Uu0123",:{}\\é\U0001f600')), min_size=1, max_size=5)
TEXT = st.text(alphabet=st.sampled_from(list('Uu01",:{}\\ contests')), max_size=20)


def _entry(draw: st.DrawFn, ids: list[str]) -> dict[str, Any]:
    return {
        "registered": draw(st.integers(0, 999)),
        "contests": {
            "c": {
                "versions": [
                    {"unit": draw(st.sampled_from(ids)), "reason": draw(TEXT), "n": 1}
                    for _ in range(draw(st.integers(0, 2)))
                ],
                "decisions": [],
            }
        },
    }


@st.composite
def shards(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    ids = draw(st.lists(IDS, min_size=1, max_size=6, unique=True))
    tables = {u: _entry(draw, ids) for u in ids}
    changed = draw(st.lists(st.sampled_from(ids), unique=True))
    doc = {"format": SHARD_FORMAT, "region": draw(TEXT), "contests": {}, "tables": tables}
    return doc, {u: _entry(draw, ids) for u in changed}


@settings(max_examples=200, deadline=None)
@given(shards())
def test_splicing_equals_dumping_the_updated_document(
    case: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    doc, new = case
    old = canonical_json_fast(doc)
    units = list(doc["tables"])
    doc["tables"].update(new)
    spliced = _spliced(old, units, {u: canonical_json_fast(e) for u, e in new.items()})
    assert spliced == canonical_json_fast(doc)
