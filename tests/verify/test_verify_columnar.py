"""The verifier's column-wise paths agree with the plain definitions they replace.

- An acta leaf accepted by the canonical grammar is exactly ``canonical_json_fast`` of its
  parse, and non-canonical variants are all rejected.
- The definition fingerprint computed from columns equals the model's.
- ``actas.csv`` quoting equals the ``csv`` module's.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escrutinio.model.canonical import canonical_json_fast
from escrutinio.model.definition import Definition, RegionRow, UnitRow, build_definition
from escrutinio.publish.formats import definition_files
from escrutinio.verify.expected import csv_field
from escrutinio.verify.rebuild import rebuild_definition
from escrutinio.verify.record import ACTA_LEAF, RecordProblem, read_record

PRINTABLE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=6)
INTS = st.integers(-(2**63), 2**63 - 1)


def _leaf(content: dict[str, Any], version: int = 1, counting: bool = True) -> dict[str, Any]:
    return {
        "acta": content,
        "content_hash": hashlib.sha256(canonical_json_fast(content)).hexdigest(),
        "counting": counting,
        "kind": "acta",
        "received_at": "2017-10-15T20:00:00Z",
        "status": "accepted",
        "version": version,
    }


def _content(unit: str = "u1", votes: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "blank": None,
        "contest": "c",
        "null": 1,
        "source": "official",
        "unit": unit,
        "voters": 10,
        "votes": {"a": 4, "b": 5} if votes is None else votes,
    }


@settings(max_examples=150, deadline=None)
@given(
    unit=PRINTABLE,
    votes=st.dictionaries(PRINTABLE, INTS, max_size=4),
    null=INTS,
    blank=st.none() | INTS,
    version=st.integers(1, 1),
)
def test_fast_and_json_paths_agree(
    unit: str, votes: dict[str, int], null: int, blank: int | None, version: int
) -> None:
    content = {**_content(unit, votes), "null": null, "blank": blank}
    entry = canonical_json_fast(_leaf(content, version))
    matched = re.fullmatch(ACTA_LEAF.removeprefix("^").removesuffix("$"), entry.decode())
    if matched is not None:  # whatever the grammar accepts is canonical
        assert canonical_json_fast(json.loads(entry)) == entry
    record = read_record([entry])
    row = record.actas.row(0, named=True)
    assert row["plain"] == (matched is not None)
    if matched is not None:  # the votes were read column-wise, key by key
        (layout,) = record.layouts
        assert dict(zip(layout.keys, layout.values[0].tolist(), strict=True)) == votes
    assert (row["unit"], row["null"], row["blank"]) == (unit, null, blank)
    assert json.loads(row["votes"]) == votes
    assert row["votes"] == canonical_json_fast(votes).decode()


NON_CANONICAL = [
    (b'"null":1,', b'"null":01,'),
    (b'"null":1,', b'"null": 1,'),
    (b'"null":1,', b'"null":1.0,'),
    (b'"voters":10', b'"voters":1e1'),
    (b'{"a":4,"b":5}', b'{"b":5,"a":4}'),
    (b'{"a":4,"b":5}', b'{"a":4,"a":5}'),
    (b'"unit":"u1"', b'"unit":"u\\u0031"'),
    (b'"counting":true', b'"counting":true '),
]


@pytest.mark.parametrize(("old", "new"), NON_CANONICAL)
def test_non_canonical_acta_leaves_are_rejected(old: bytes, new: bytes) -> None:
    entry = canonical_json_fast(_leaf(_content()))
    assert old in entry
    with pytest.raises(RecordProblem, match=r"canonical|content_hash|not JSON"):
        read_record([entry.replace(old, new)])


def test_counts_beyond_64_bits_are_malformed() -> None:
    entry = canonical_json_fast(_leaf({**_content(), "voters": 2**63}))
    with pytest.raises(RecordProblem, match="malformed acta"):
        read_record([entry])


def test_minus_zero_is_not_canonical() -> None:
    entry = canonical_json_fast(_leaf({**_content(), "null": 0})).replace(b'"null":0', b'"null":-0')
    with pytest.raises(RecordProblem, match="canonical"):
        read_record([entry])


def test_content_hash_versions_and_adjudication() -> None:
    first = canonical_json_fast(_leaf(_content()))
    bad_hash = first.replace(b'"voters":10', b'"voters":11')
    with pytest.raises(RecordProblem, match="content_hash"):
        read_record([bad_hash])
    with pytest.raises(RecordProblem, match="out of sequence"):
        read_record([canonical_json_fast(_leaf(_content(), version=2))])
    second = canonical_json_fast(_leaf(_content(votes={"a": 5, "b": 4}), version=2))
    other = canonical_json_fast(_leaf(_content("u2")))
    adj = {"contest": "c", "kind": "adjudication", "source": "official", "unit": "u1"}
    bulletin = {"kind": "bulletin", "number": 1, "source": "official"}
    entries = [
        first,
        second,
        canonical_json_fast(bulletin),
        canonical_json_fast({**adj, "version": 2}),
        other,
        canonical_json_fast({**bulletin, "number": 2}),
    ]
    record = read_record(entries)
    assert record.actas["counting"].to_list() == [False, True, True]
    assert [b.counting.tolist() for b in record.bulletins] == [
        [True, True, False],
        [False, True, True],
    ]
    unknown = canonical_json_fast({**adj, "unit": "u9", "version": 1})
    with pytest.raises(RecordProblem, match="unknown acta"):
        read_record([first, unknown])


def test_fingerprint_from_columns_equals_the_model() -> None:
    definition: Definition = _definition_with_explicit_contests()
    files = definition_files(definition)
    doc = definition.to_document()
    leaf = {
        "fingerprint": definition.fingerprint,
        "regions_sha256": hashlib.sha256(canonical_json_fast(doc["regions"])).hexdigest(),
        "units_sha256": hashlib.sha256(canonical_json_fast(doc["units"])).hexdigest(),
        "meta": definition.meta.model_dump(mode="json"),
    }
    rebuilt, fingerprint = rebuild_definition(files, leaf)
    assert fingerprint == definition.fingerprint
    assert rebuilt.units.ids == definition.units.ids
    assert rebuilt.units.explicit_contests == definition.units.explicit_contests
    assert np.array_equal(rebuilt.units.registered, definition.units.registered)
    for cid in definition.contests:
        assert np.array_equal(rebuilt.eligible_mask(cid), definition.eligible_mask(cid))
    unsorted = files["definition/units.csv"].replace(b"gov-A;nat", b"nat;gov-A")
    with pytest.raises(ValueError, match=r"units\.csv"):
        rebuild_definition({**files, "definition/units.csv": unsorted}, leaf)
    outside = files["definition/units.csv"].replace(b"u6,B1,100,", b"u6,B1,100,gov-A")
    with pytest.raises(ValueError, match="outside its scope"):
        rebuild_definition({**files, "definition/units.csv": outside}, leaf)


def _definition_with_explicit_contests() -> Definition:
    from support import small_definition

    base = small_definition()
    meta = base.meta.model_copy(
        update={
            "contests": [
                *base.meta.contests,
                base.meta.contests[1].model_copy(update={"id": "nat", "scope": None}),
            ]
        }
    )
    regions = [
        RegionRow(rid, name, base.region_levels[int(level)], None if p < 0 else base.regions.ids[p])
        for rid, name, level, p in zip(
            base.regions.ids,
            base.regions.names,
            base.regions.level,
            base.regions.parent,
            strict=True,
        )
    ]
    units = [
        UnitRow("u1", "A1", 500, ("gov-A", "nat")),
        UnitRow("u2", "A1", 400),
        UnitRow("u6", "B1", 100),
    ]
    return build_definition(meta, regions, units)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=8), min_size=1, max_size=5))
def test_csv_quoting_equals_the_csv_module(cells: list[str]) -> None:
    frame = pl.DataFrame({"x": cells}, schema={"x": pl.String})
    got = frame.select(csv_field("x")).to_series().to_list()
    for cell, field in zip(cells, got, strict=True):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(["a", cell])
        assert buf.getvalue() == f"a,{field}\n"
