"""QR payloads: the Venezuela 2024 format on published examples, escrutinio v1 round trips,
and a specific error for every malformed payload."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escrutinio.images.qr_payload import (
    ESCRUTINIO1,
    VE2024,
    VE2024_POSITIONS,
    PayloadError,
    encode_escrutinio1,
    encode_ve2024,
    parse_escrutinio1,
    parse_payload,
    ve2024_candidate_of,
)

# published examples (Strvm/vnzla-libre README and vote_counter.py)
VE_EXAMPLE = (
    "201301006.01.1.0001!140,7,10,8,1,7,1,0,2,3,0,1,8,1,0,1,0,3,1,1,0,1,0,0,0,0,0,0,1,2,0,0,0,"
    "5,7,155,1,1!0!0"
)
VE_EXAMPLE_2 = (
    "150702005.02.1.0001!105,7,2,0,4,1,0,1,1,1,0,2,44,2,1,0,0,1,0,1,0,0,0,1,0,0,0,0,1,0,1,0,0,"
    "7,13,350,0,2!0!0"
)


def _by_candidate(counts: dict[str, int]) -> dict[str, int]:
    owner = ve2024_candidate_of()
    out: dict[str, int] = {}
    for pos, n in counts.items():
        out[owner[pos]] = out.get(owner[pos], 0) + n
    return out


def test_ve2024_published_example() -> None:
    p = parse_payload(VE_EXAMPLE)
    assert p.format == VE2024
    assert p.table == "201301006.01"
    assert p.extra == {
        "acta_id": "201301006.01.1.0001",
        "centre": "201301006",
        "protocol": "1.0001",
        "fourth": "0",
    }
    assert len(p.counts) == VE2024_POSITIONS == 38
    assert p.null == 0 and p.voters is None and p.blank is None
    totals = _by_candidate(p.counts)
    assert totals["gonzalez"] == 5 + 7 + 155
    assert totals["maduro"] == 140 + 7 + 10 + 8 + 1 + 7 + 1 + 0 + 2 + 3 + 0 + 1 + 8
    assert sum(totals.values()) == sum(int(c) for c in VE_EXAMPLE.split("!")[1].split(","))


def test_ve2024_second_example() -> None:
    totals = _by_candidate(parse_payload(VE_EXAMPLE_2).counts)
    assert totals["gonzalez"] == 370 and totals["maduro"] == 168


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", "1 '!'-separated segments, expected 4"),
        ("201301006.01.1.0001!1,2,3!0!0", "3 counts, expected 38"),
        (VE_EXAMPLE.replace("140", "1a0"), "digits only"),
        (VE_EXAMPLE.replace("!0!0", "!0"), "3 '!'-separated segments"),
        ("ESCRUTINIO1|u1|c", "3 '|'-separated fields, expected 7"),
        ("ESCRUTINIO1|u1|c|10|x||a=1", "null must be digits"),
        ("ESCRUTINIO1|u1|c|10|0||a", "vote 1 is not option=count"),
        ("ESCRUTINIO1|u1|c|10|0||a=1;a=2", "option 'a' appears twice"),
        ("ESCRUTINIO1||c|10|0||a=1", "unit is empty"),
        ("ESCRUTINIO1|u|1|c|10|0||a=1", "8 '|'-separated fields"),
        ("ESCRUTINIO1|u%zz|c|10|0||a=1", "not percent-encoded"),
        ("ESCRUTINIO1|u%FF|c|10|0||a=1", "not UTF-8"),
        ("x" * 5000, "at most 4296 characters"),
    ],
)
def test_malformed_payloads_say_why(text: str, expected: str) -> None:
    with pytest.raises(PayloadError, match=expected):
        parse_payload(text)


def test_encoder_refuses_negative_counts_and_empty_ids() -> None:
    with pytest.raises(PayloadError, match="non-negative"):
        encode_escrutinio1("u", "c", {"a": -1}, 0, None, 1)
    with pytest.raises(PayloadError, match="must not be empty"):
        encode_escrutinio1("u", "c", {"": 1}, 0, None, 1)


def test_escrutinio1_escapes_separators() -> None:
    text = encode_escrutinio1("u|1", "c;=%", {"a=b": 3, "é": 4}, 1, 0, 8)
    assert text == "ESCRUTINIO1|u%7C1|c%3B%3D%25|8|1|0|a%3Db=3;%C3%A9=4"
    p = parse_escrutinio1(text)
    assert (p.table, p.contest, p.counts) == ("u|1", "c;=%", {"a=b": 3, "é": 4})


ids = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=20)
counts = st.integers(min_value=0, max_value=10**12)


@given(
    unit=ids,
    contest=ids,
    votes=st.dictionaries(ids, counts, max_size=8),
    null=counts,
    blank=st.none() | counts,
    voters=counts,
)
def test_escrutinio1_round_trip(
    unit: str, contest: str, votes: dict[str, int], null: int, blank: int | None, voters: int
) -> None:
    text = encode_escrutinio1(unit, contest, votes, null, blank, voters)
    p = parse_payload(text)
    assert p.format == ESCRUTINIO1
    assert (p.table, p.contest, p.counts, p.null, p.blank, p.voters) == (
        unit,
        contest,
        votes,
        null,
        blank,
        voters,
    )
    assert list(p.counts) == list(votes)


@given(
    centre=st.integers(0, 999_999_999),
    table=st.integers(1, 99),
    counts=st.lists(st.integers(0, 10**6), min_size=38, max_size=38),
    null=st.integers(0, 10**6),
    fourth=st.integers(0, 9),
)
def test_ve2024_round_trip(
    centre: int, table: int, counts: list[int], null: int, fourth: int
) -> None:
    acta_id = f"{centre:09d}.{table:02d}.1.0001"
    p = parse_payload(encode_ve2024(acta_id, counts, null, fourth))
    assert p.format == VE2024 and p.table == f"{centre:09d}.{table:02d}"
    assert [p.counts[str(i + 1)] for i in range(38)] == counts
    assert (p.null, p.extra["acta_id"], p.extra["fourth"]) == (null, acta_id, str(fourth))


def test_ve2024_encoder_refuses_what_it_cannot_read_back() -> None:
    with pytest.raises(PayloadError, match="3 counts"):
        encode_ve2024("1.1.1.1", [1, 2, 3], 0)
