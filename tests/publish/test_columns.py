"""The column-wise open-data writers (`escrutinio.publish.columns`) give the bytes of the
row-wise ones (`escrutinio.publish.formats`), whatever the strings hold."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.series.string import StringNameSpace

from escrutinio.publish import columns, formats
from escrutinio.publish.replay import ActaRecord, records_frame
from escrutinio.publish.replay import counting_counts as replay_counts
from support import small_definition

TEXT = st.text(alphabet=st.sampled_from(list('ab,"\n\r ;é\t')), max_size=6)
SEPARATORS = [(",", ":"), (",", ":"), (", ", ": ")]  # canonical, or parsed as JSON
CONTESTS = {"gov-A": ["a1-psuv", "a1-pcv", "a2-mud", "a3"], "gov-B": ["b1", "b2"]}


@st.composite
def records(draw: st.DrawFn) -> list[ActaRecord]:
    out = []
    for i in range(draw(st.integers(0, 8))):
        contest = draw(st.sampled_from(sorted(CONTESTS)))
        opts = CONTESTS[contest]
        votes = {o: draw(st.integers(0, 10**12)) for o in opts}
        out.append(
            ActaRecord(
                i * 2,
                draw(TEXT),
                contest,
                draw(TEXT),
                draw(st.integers(1, 3)),
                draw(TEXT),
                draw(st.booleans()),
                draw(TEXT),
                hashlib.sha256(str(i).encode()).hexdigest(),
                draw(st.integers(0, 99)),
                draw(st.none() | st.integers(0, 99)),
                draw(st.integers(0, 999)),
                votes,
                json.dumps(votes, separators=draw(st.sampled_from(SEPARATORS)), sort_keys=True),
            )
        )
    return out


@settings(max_examples=150, deadline=None)
@given(records(), st.dictionaries(st.integers(0, 20), TEXT, max_size=4))
def test_column_writers_equal_row_writers(recs: list[ActaRecord], senders: dict[int, str]) -> None:
    frame = records_frame(recs)
    assert {
        c: [o.id for o in x.options] for c, x in small_definition().contests.items()
    } == CONTESTS
    assert columns.actas_csv(frame) == formats.actas_csv(recs)
    hashes = b"".join(hashlib.sha256(str(i).encode()).digest() for i in range(2 * len(recs)))
    definition = small_definition()
    assert columns.actas_prep_csv(definition, frame, hashes, senders) == formats.actas_prep_csv(
        definition, recs, hashes, senders
    )
    assert columns.actas_parquet(frame) == formats.actas_parquet(recs)


def test_canonical_votes_are_read_without_a_json_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    recs = [
        ActaRecord(i, f"u{i}", c, "s", 1, "ok", True, "t", "h", 0, None, 9, v, "")
        for i, (c, v) in enumerate(
            [
                ("gov-A", {"a1-psuv": 5, "a1-pcv": 0, "a2-mud": 7, "a3": 1}),
                ("gov-B", {"b1": 2, "b2": 3}),
            ]
        )
    ]
    for r in recs:
        r.votes_json = json.dumps(r.votes, separators=(",", ":"), sort_keys=True)
    monkeypatch.setattr(StringNameSpace, "json_decode", lambda *a, **k: pytest.fail("parsed"))
    frame = records_frame(recs)
    hashes = bytes(64 * len(recs))
    assert columns.actas_prep_csv(small_definition(), frame, hashes, {}) == (
        formats.actas_prep_csv(small_definition(), recs, hashes, {})
    )


@settings(max_examples=100, deadline=None)
@given(records(), st.data())
def test_column_counts_equal_row_counts(recs: list[ActaRecord], data: st.DataObject) -> None:
    definition = small_definition()
    units = definition.units.ids
    for rec in recs:
        rec.unit = data.draw(st.sampled_from(units))
        rec.source = data.draw(st.sampled_from([definition.info.official_source, "other"]))
    source = definition.info.official_source
    by_rows = replay_counts(definition, recs, source)
    by_columns = columns.counting_counts(definition, records_frame(recs), source)
    assert by_rows.keys() == by_columns.keys()
    for cid, counts in by_rows.items():
        assert counts.units.tolist() == by_columns[cid].units.tolist()
        assert counts.counts.tolist() == by_columns[cid].counts.tolist()
