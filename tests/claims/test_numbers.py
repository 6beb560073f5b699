"""The number reader: both decimal conventions, thousands separators, words in Spanish and
English, scales, fractions, "N de M", and the rounding interval each wording implies."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escrutinio.claims.numbers import Quantity, read_quantities, tokenize


def read(text: str, lang: str = "en") -> list[Quantity]:
    return read_quantities([t.text for t in tokenize(text)], set(), lang)


def one(text: str, lang: str = "en") -> Quantity:
    found = read(text, lang)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "lang", "value", "kind"),
    [
        ("52,7 %", "es", 52.7, "percent"),
        ("52.7%", "en", 52.7, "percent"),
        ("52,67 por ciento", "es", 52.67, "percent"),
        ("61 per cent", "en", 61.0, "percent"),
        ("7.156.462", "es", 7_156_462, "count"),
        ("7,156,462", "en", 7_156_462, "count"),
        ("1.471 votos", "es", 1471, "count"),
        ("once millones", "es", 11_000_000, "count"),
        ("eleven million", "en", 11_000_000, "count"),
        ("5,8 millones", "es", 5_800_000, "count"),
        ("5.8 million", "en", 5_800_000, "count"),
        ("un millón", "es", 1_000_000, "count"),
        ("diecisiete", "es", 17, "count"),
        ("veintitrés", "es", 23, "count"),
        ("twenty-three", "en", 23, "count"),
        ("trescientos mil", "es", 300_000, "count"),
        ("dos tercios", "es", 200 / 3, "fraction"),
        ("two-thirds", "en", 200 / 3, "fraction"),
        ("la mitad", "es", 50.0, "fraction"),
        ("half", "en", 50.0, "fraction"),
        ("a majority", "en", 50.0, "majority"),
        ("7.5 points", "en", 7.5, "points"),
    ],
)
def test_reads(text: str, lang: str, value: float, kind: str) -> None:
    q = one(text, lang)
    assert q.value == pytest.approx(value)
    assert q.kind == kind


def test_of_totals() -> None:
    assert one("18 de 23", "es").out_of == 23
    assert one("17 of the 23 governorships").out_of == 23
    assert one("dieciocho de veintitrés", "es").out_of == 23


def test_rounding_intervals() -> None:
    q = one("64%")
    assert (q.low, q.high) == (63.5, 64.5)
    q = one("11 million")
    assert (q.low, q.high, q.exact) == (10_500_000, 11_500_000, False)
    q = one("16,000 votes")
    assert (q.low, q.high, q.exact) == (15_500, 16_500, False)
    q = one("1,471 votes")
    assert (q.low, q.high, q.exact) == (1471, 1471, True)


def test_several_numbers_in_one_sentence() -> None:
    found = read("almost 11 million people vote — 61 per cent of the 18 million electorate")
    assert [q.value for q in found] == [11_000_000, 61.0, 18_000_000]


@given(st.integers(min_value=1000, max_value=99_999_999))
def test_thousands_separators_in_both_conventions(n: int) -> None:
    english = f"{n:,}"
    spanish = english.replace(",", ".")
    assert one(english, "en").value == n
    assert one(spanish, "es").value == n


@given(st.integers(min_value=0, max_value=9999), st.integers(min_value=1, max_value=2))
def test_decimal_percentages_in_both_conventions(hundredths: int, decimals: int) -> None:
    value = round(hundredths / 100, decimals)
    text = f"{value:.{decimals}f}"
    for shown, lang in ((text, "en"), (text.replace(".", ","), "es")):
        q = one(f"{shown}%", lang)
        assert q.value == pytest.approx(value)
        assert q.decimals == decimals
        assert q.low <= value < q.high


_EN_ONES = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_EN_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
_EN_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def english_words(n: int) -> str:
    """English words for 1 ≤ n ≤ 99 (hyphenated tens, as newspapers write them)."""
    if n < 10:
        return _EN_ONES[n - 1]
    if n < 20:
        return _EN_TEENS.split()[n - 10]
    tens, ones = divmod(n, 10)
    return _EN_TENS[tens - 2] + (f"-{_EN_ONES[ones - 1]}" if ones else "")


_ES_TENS = ["treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa"]
_ES_SMALL = [
    "uno",
    "dos",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "siete",
    "ocho",
    "nueve",
    "diez",
    "once",
    "doce",
    "trece",
    "catorce",
    "quince",
    "dieciséis",
    "diecisiete",
    "dieciocho",
    "diecinueve",
    "veinte",
    "veintiuno",
    "veintidós",
    "veintitrés",
    "veinticuatro",
    "veinticinco",
    "veintiséis",
    "veintisiete",
    "veintiocho",
    "veintinueve",
]


def spanish_words(n: int) -> str:
    """Spanish words for 1 ≤ n ≤ 99."""
    if n < 30:
        return _ES_SMALL[n - 1]
    tens, ones = divmod(n, 10)
    return _ES_TENS[tens - 3] + (f" y {_ES_SMALL[ones - 1]}" if ones else "")


@given(st.integers(min_value=1, max_value=99), st.booleans())
def test_number_words(n: int, millions: bool) -> None:
    for words, lang, scale in (
        (english_words(n), "en", " million"),
        (spanish_words(n), "es", " millones"),
    ):
        q = one(words + (scale if millions else ""), lang)
        unit = 1_000_000 if millions else 1
        assert q.value == n * unit
        assert q.exact == (not millions)
        if millions:
            assert (q.low, q.high) == (n * unit - unit / 2, n * unit + unit / 2)
