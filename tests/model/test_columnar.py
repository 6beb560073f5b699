"""The vectorised screen and the row validator accept and reject exactly the same rows."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escrutinio.io.actas_files import read_actas, read_frame
from escrutinio.model import ActaValidator, Definition
from escrutinio.model.columnar import ColumnScreen
from escrutinio.model.prepared import PreparedActa, content_templates, prepare

HEADER = [
    "unit",
    "contest",
    "source",
    "received_at",
    "voters",
    "null",
    "blank",
    "a1-psuv",
    "a1-pcv",
    "a2-mud",
    "a3",
    "b1",
    "b2",
]
cell = st.sampled_from(["", "0", "5", "17", "120", "300", "-1", "1.5", "x", " 7 ", "999999"])
unit = st.sampled_from(["u1", "u2", "u4", "u5", "u9", ""])
contest = st.sampled_from(["gov-A", "gov-B", "gov-Z", ""])
source = st.sampled_from(["", "official", "witness:MUD", "bad source"])
when = st.sampled_from(["", "2017-10-15T20:00:00Z", "2017-10-15 22:00", "nope"])
row = st.tuples(unit, contest, source, when, *[cell] * 9)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(row, min_size=1, max_size=30))
def test_screen_matches_row_validator(
    definition: Definition, tmp_path: Path, rows: list[tuple[str, ...]]
) -> None:
    path = tmp_path / "actas.csv"
    path.write_text("\n".join([",".join(HEADER), *(",".join(r) for r in rows)]) + "\n")
    validator = ActaValidator(definition, default_received_at="2017-10-15T23:00:00Z")
    templates = content_templates(definition)
    reference: dict[int | None, PreparedActa] = {}
    for read in read_actas(path):
        assert read.acta is not None
        result = validator.validate(read.acta)
        if not isinstance(result, list):
            idx = definition.units.index[result.unit]
            reference[read.line] = prepare(result, idx, read.line, templates[result.contest])
    frame = read_frame(path)
    assert isinstance(frame, pl.DataFrame)
    screened = ColumnScreen(validator).screen(frame, first_line=2)
    fast = {p.line: p for p in screened.accepted.actas()}
    # everything the screen accepts, the reference accepts identically
    for line, prepared in fast.items():
        assert reference[line] == prepared
    # everything else was sent back for the row validator
    rechecked = {2 + int(i) for i in screened.recheck}
    assert set(reference) - set(fast) <= rechecked
    assert not (set(fast) & rechecked)


def test_valid_rows_take_the_fast_path(definition: Definition, tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text(
        ",".join(HEADER) + "\n"
        "u1,gov-A,,,300,3,,100,20,150,5,,\n"
        "u5,gov-B,witness:MUD,2017-10-15T20:05:00Z,400,2,1,,,,,200,150\n"
        "u9,gov-A,,,300,3,,100,20,150,5,,\n"
    )
    validator = ActaValidator(definition, default_received_at="2017-10-15T23:00:00Z")
    screened = ColumnScreen(validator).screen(read_frame(path), first_line=2)
    accepted = screened.accepted.actas()
    assert [p.line for p in accepted] == [2, 3]
    assert screened.recheck.tolist() == [2]
    assert accepted[1].source == "witness:MUD"
    assert accepted[1].counts == (200, 150, 2, 1, 400)
