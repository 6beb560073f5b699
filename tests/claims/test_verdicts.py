"""Verdict rules: rounding intervals, approximation words and comparators."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from escrutinio.claims.numbers import Quantity, read_quantities, tokenize
from escrutinio.claims.verdicts import judge, worst
from escrutinio.claims.vocabulary import Comparator


def q(text: str, lang: str = "en") -> Quantity:
    return read_quantities([t.text for t in tokenize(text)], set(), lang)[0]


def test_plain_numbers() -> None:
    assert judge(q("64%"), "eq", 52.67) == "inaccurate"
    assert judge(q("64%"), "eq", 63.5) == "approximately_accurate"
    assert judge(q("64%"), "eq", 64.5) == "inaccurate"
    assert judge(q("52.67%"), "eq", 52.6747) == "accurate"
    assert judge(q("52.7%"), "eq", 52.6747) == "approximately_accurate"
    assert judge(q("11 million"), "eq", 11_060_088) == "approximately_accurate"
    assert judge(q("5,817,344"), "eq", 5_817_344) == "accurate"
    assert judge(q("5,817,345"), "eq", 5_817_344) == "inaccurate"


def test_of_totals_must_match_the_races() -> None:
    assert judge(q("18 of 23"), "eq", 18, total=23) == "accurate"
    assert judge(q("18 of 24"), "eq", 18, total=23) == "inaccurate"


def test_approximations() -> None:
    assert judge(q("5 million"), "almost", 4_984_830) == "accurate"
    assert judge(q("11 million"), "almost", 11_060_088) == "approximately_accurate"
    assert judge(q("11 million"), "almost", 9_000_000) == "inaccurate"
    assert judge(q("45%"), "about", 45.14) == "accurate"
    assert judge(q("40%"), "almost", 38.87) == "inaccurate"
    assert judge(q("39%"), "almost", 38.87) == "accurate"


def test_comparators() -> None:
    assert judge(q("5 million"), "gt", 4_984_830) == "inaccurate"
    assert judge(q("7 million"), "gt", 7_156_462) == "accurate"
    assert judge(q("0.5%"), "lt", 0.261) == "accurate"
    assert judge(q("two-thirds"), "gt", 78.26) == "accurate"
    assert judge(q("a majority"), "gt", 45.1) == "inaccurate"


def test_worst() -> None:
    assert worst(["accurate", "approximately_accurate"]) == "approximately_accurate"
    assert worst(["accurate", "not_checkable"]) == "not_checkable"
    assert worst(["not_checkable", "inaccurate"]) == "inaccurate"
    assert worst(["accurate"]) == "accurate"


@given(st.integers(min_value=0, max_value=100), st.floats(min_value=0, max_value=100))
def test_whole_percentages_follow_round_half_up(claimed: int, actual: float) -> None:
    verdict = judge(q(f"{claimed}%"), "eq", actual)
    inside = claimed - 0.5 <= round(actual, 9) < claimed + 0.5
    assert verdict == ("approximately_accurate" if inside else "inaccurate")


@given(
    st.sampled_from(["gt", "ge", "lt", "le"]),
    st.integers(min_value=1, max_value=10**7),
    st.integers(min_value=0, max_value=2 * 10**7),
)
def test_comparators_are_exact(comparator: Comparator, claimed: int, actual: int) -> None:
    holds = {
        "gt": actual > claimed,
        "ge": actual >= claimed,
        "lt": actual < claimed,
        "le": actual <= claimed,
    }[comparator]
    verdict = judge(q(f"{claimed:,}"), comparator, actual)
    assert verdict == ("accurate" if holds else "inaccurate")
