"""Property: totals always equal the sum of the counting acta versions, whatever the order
of submissions, identical re-submissions and adjudications."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escrutinio.io.actas_files import ReadRow
from escrutinio.model import Definition, RawActa
from escrutinio.store import counting as store_counting
from escrutinio.store import definitions as store_definitions
from escrutinio.store import intake as store_intake
from escrutinio.store import versions as store_versions
from escrutinio.store.store import Store
from support import fresh_db_url

UNITS = ["u1", "u2", "u3", "u4"]
OPTIONS = ["a1-psuv", "a1-pcv", "a2-mud", "a3"]

version_counts = st.tuples(*[st.integers(0, 40) for _ in OPTIONS], st.integers(0, 5))
submission = st.tuples(
    st.sampled_from(UNITS), st.integers(0, 2), st.sampled_from(["official", "witness:X"])
)
adjudication = st.tuples(
    st.sampled_from(UNITS),
    st.sampled_from(["official", "witness:X"]),
    st.one_of(st.none(), st.integers(1, 3)),
)
step = st.one_of(
    st.tuples(st.just("submit"), submission), st.tuples(st.just("adjudicate"), adjudication)
)


def _raw(unit: str, source: str, counts: tuple[int, ...]) -> RawActa:
    votes = dict(zip(OPTIONS, counts[:4], strict=True))
    voters = sum(counts) + 1
    return RawActa(unit, "gov-A", source, None, voters, counts[4], None, votes)


@pytest.mark.slow
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pool=st.lists(version_counts, min_size=3, max_size=3), steps=st.lists(step, max_size=25))
def test_totals_equal_sum_of_counting_versions(
    db_kind: str,
    definition: Definition,
    pool: list[tuple[int, ...]],
    steps: list[tuple[str, tuple[Any, ...]]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp, fresh_db_url(db_kind, Path(tmp)) as url:
        store = Store.open(url)
        store_definitions.load_definition(store, definition)
        # reference model: per key, the list of distinct versions and the counting one
        versions: dict[tuple[str, str], list[tuple[int, ...]]] = {}
        counting: dict[tuple[str, str], int | None] = {}
        for kind, args in steps:
            if kind == "submit":
                unit, which, source = args
                # different units get different counts so that versions differ per unit
                counts = tuple(c + UNITS.index(unit) for c in pool[which])
                store_intake.ingest(store, [ReadRow(1, _raw(unit, source, counts))])
                known = versions.setdefault((unit, source), [])
                if counts not in known:
                    known.append(counts)
                    if len(known) == 1:
                        counting[(unit, source)] = 1
            else:
                unit, source, version = args
                known = versions.get((unit, source), [])
                if not known or (version is not None and version > len(known)):
                    continue
                store_versions.adjudicate(
                    store, unit, "gov-A", source, version, "property test", "hypothesis"
                )
                counting[(unit, source)] = version
        for source in ("official", "witness:X"):
            _, matrix = store_counting.counting_arrays(store, source)["gov-A"]
            expected = [0] * 7
            for (unit, src), chosen in counting.items():
                if src != source or chosen is None:
                    continue
                c = versions[(unit, src)][chosen - 1]
                row = [*c[:4], c[4], 0, sum(c) + 1]
                expected = [a + b for a, b in zip(expected, row, strict=True)]
            assert matrix.sum(axis=0).tolist() == expected
        store.close()
