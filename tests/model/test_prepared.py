"""The per-contest content template writes exactly the RFC 8785 bytes of the acta content."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from escrutinio.model.acta import Acta
from escrutinio.model.canonical import canonical_json
from escrutinio.model.prepared import ContentTemplate

ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:+/\-]{0,10}", fullmatch=True)


@given(
    options=st.lists(ids, min_size=1, max_size=8, unique=True),
    unit=ids,
    contest=ids,
    source=ids,
    data=st.data(),
)
def test_template_equals_canonical_json(
    options: list[str], unit: str, contest: str, source: str, data: st.DataObject
) -> None:
    votes = tuple(data.draw(st.integers(0, 10**9)) for _ in options)
    null = data.draw(st.integers(0, 10**6))
    blank = data.draw(st.one_of(st.none(), st.integers(0, 10**6)))
    voters = data.draw(st.integers(0, 10**10))
    acta = Acta(unit, contest, source, tuple(options), votes, null, blank, voters, "t")
    rendered = ContentTemplate(contest, tuple(options)).render(
        unit, source, votes, null, blank, voters
    )
    assert rendered == canonical_json(acta.content())
    assert rendered == acta.content_bytes()
    assert json.loads(rendered) == acta.content()
