"""The tokenizer and number reader: digits in both decimal conventions ("52,7 %", "52.7%",
"7.156.462", "7,156,462"), numbers in Spanish and English words up to the millions ("once
millones", "eleven million", "diecisiete"), scales ("11 millones", "5.8 million"),
percentages, fractions in words ("dos tercios", "two-thirds", "la mitad"), "a majority",
and "18 de 23" / "17 of 23".

Each number carries the interval its wording implies (the rounding rule of docs/claims.md):
a percentage with d decimals covers ±0.5·10^-d points; a count with a scale word covers
±0.5·10^-d of the scale ("11 millones" = [10.5 M, 11.5 M)); a plain count of 1,000 or more
ending in two or more zeros covers ±half of its last non-zero place ("16,000" = [15,500,
16,500)); any other plain count is exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from escrutinio.claims.vocabulary import (
    FRACTION_PCT_POINTS,
    FRACTIONS,
    MAJORITY_WORDS,
    PERCENT_WORDS,
    POINT_WORDS,
    SCALES,
    fold,
)

Kind = Literal["count", "percent", "points", "fraction", "majority"]

_TOKEN = re.compile(r"\d[\d.,]*\d|\d|%|[a-zñ0-9]+|[^\s\w]")

_EN_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_EN_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ES_UNITS = [
    "cero",
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
    "dieciseis",
    "diecisiete",
    "dieciocho",
    "diecinueve",
    "veinte",
    "veintiuno",
    "veintidos",
    "veintitres",
    "veinticuatro",
    "veinticinco",
    "veintiseis",
    "veintisiete",
    "veintiocho",
    "veintinueve",
]
_ES_TENS = ["treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa"]
_ES_HUNDREDS = [
    "doscientos",
    "trescientos",
    "cuatrocientos",
    "quinientos",
    "seiscientos",
    "setecientos",
    "ochocientos",
    "novecientos",
]

SMALL_WORDS: dict[str, int] = {w: i for i, w in enumerate(_EN_UNITS)}
SMALL_WORDS.update({w: i for i, w in enumerate(_ES_UNITS)})
SMALL_WORDS.update({w: 20 + 10 * i for i, w in enumerate(_EN_TENS)})
SMALL_WORDS.update({w: 30 + 10 * i for i, w in enumerate(_ES_TENS)})
SMALL_WORDS.update({w: 200 + 100 * i for i, w in enumerate(_ES_HUNDREDS)})
SMALL_WORDS.update({"cien": 100, "ciento": 100, "un": 1, "una": 1, "a": 1, "an": 1})
_ONLY_BEFORE_SCALE = frozenset({"un", "una", "a", "an"})
_CONNECTORS = frozenset({"y", "and"})
_OF_WORDS: tuple[tuple[str, ...], ...] = (
    ("out", "of", "the"),
    ("out", "of"),
    ("of", "the"),
    ("de", "los"),
    ("de", "las"),
    ("of",),
    ("de",),
)


@dataclass(frozen=True)
class Token:
    """One word, number or sign of the folded claim, with its character span."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Quantity:
    """A number read from the claim: its value, the interval its wording implies (low
    inclusive, high exclusive), its kind, stated decimals, a total ("18 de 23") and the
    tokens it spans."""

    value: float
    low: float
    high: float
    kind: Kind
    decimals: int
    exact: bool
    out_of: int | None
    first: int
    last: int
    text: str


def tokenize(text: str) -> list[Token]:
    """Folded tokens of ``text`` (hyphens and dashes between words become spaces)."""
    folded = fold(text)
    folded = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", folded)
    folded = re.sub(r"[’'](s\b)?", " ", folded)
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(folded)]


def _digits(raw: str, decimal_before_scale: bool, lang: str) -> tuple[float, int]:
    """Value and stated decimals of a digit string in either convention."""
    dots, commas = raw.count("."), raw.count(",")
    if dots and commas:
        dec = "." if raw.rfind(".") > raw.rfind(",") else ","
        thou = "," if dec == "." else "."
        whole, frac = raw.replace(thou, "").split(dec)
        return float(f"{whole}.{frac}"), len(frac)
    sep = "." if dots else "," if commas else ""
    if not sep:
        return float(raw), 0
    parts = raw.split(sep)
    if len(parts) > 2:
        return float("".join(parts)), 0
    whole, frac = parts
    lang_decimal = "," if lang == "es" else "."
    thousands = len(frac) == 3 and 1 <= len(whole) <= 3 and whole != "0"
    if thousands and not (decimal_before_scale and sep == lang_decimal):
        return float(whole + frac), 0
    return float(f"{whole}.{frac}"), len(frac)


def _match(words: list[str], i: int, phrases: tuple[str, ...] | list[str]) -> int:
    """Length in tokens of the longest phrase matching at ``i`` (0 if none)."""
    best = 0
    for phrase in phrases:
        parts = phrase.split()
        if words[i : i + len(parts)] == parts and len(parts) > best:
            best = len(parts)
    return best


def _word_number(words: list[str], i: int) -> tuple[float, float, int] | None:
    """(value, rounding unit, tokens used) of a number in words starting at ``i``."""
    total, current, unit, j, used = 0.0, 0.0, 1.0, i, False
    while j < len(words):
        w = words[j]
        following = words[j + 1] if j + 1 < len(words) else ""
        if w in _ONLY_BEFORE_SCALE and following not in SCALES:
            break
        if w in SMALL_WORDS:
            current += SMALL_WORDS[w]
        elif w == "hundred" and used:
            current = max(current, 1) * 100
        elif w in SCALES and w != "m" and (used or w == "mil"):
            scale = SCALES[w]
            if scale >= 1_000_000:
                total = (total + max(current, 1)) * scale
            else:
                total += max(current, 1) * scale
            current, unit = 0.0, float(scale)
        elif w in _CONNECTORS and used and following in SMALL_WORDS:
            j += 1
            continue
        else:
            break
        used = True
        j += 1
    if not used:
        return None
    if current:
        unit = 1.0
    return total + current, unit, j - i


def _count_interval(value: float, unit: float, exact_digits: bool) -> tuple[float, float, bool]:
    if unit > 1:
        return value - unit / 2, value + unit / 2, False
    if exact_digits and value >= 1000 and value == int(value):
        zeros = len(str(int(value))) - len(str(int(value)).rstrip("0"))
        if zeros >= 2:
            step = 10.0**zeros
            return value - step / 2, value + step / 2, False
    return value, value, True


def _read_at(words: list[str], i: int, lang: str) -> Quantity | None:
    """The quantity that starts at token ``i``, if one does."""
    w = words[i]
    frac_len = _match(words, i, list(FRACTIONS))
    if frac_len:
        phrase = " ".join(words[i : i + frac_len])
        v = FRACTIONS[phrase]
        lo, hi = v - FRACTION_PCT_POINTS, v + FRACTION_PCT_POINTS
        return Quantity(v, lo, hi, "fraction", 2, False, None, i, i + frac_len - 1, phrase)
    maj = _match(words, i, MAJORITY_WORDS)
    if maj:
        return Quantity(50.0, 50.0, 100.0, "majority", 0, False, None, i, i + maj - 1, w)
    if re.fullmatch(r"\d[\d.,]*", w):
        j = i + 1
        next_scale = j < len(words) and words[j] in SCALES
        value, decimals = _digits(w, next_scale, lang)
        unit = 10.0**-decimals
        if next_scale:
            unit *= SCALES[words[j]]
            value *= SCALES[words[j]]
            j += 1
        digits_exact = not next_scale and decimals == 0
    else:
        read = _word_number(words, i)
        if read is None:
            return None
        value, unit, n = read
        j, decimals, digits_exact = i + n, 0, False
        if unit == 1.0:
            digits_exact = True
    pct = _match(words, j, PERCENT_WORDS)
    pts = _match(words, j, POINT_WORDS)
    if pct or pts:
        step = 10.0**-decimals
        kind: Kind = "points" if pts and not pct else "percent"
        n = max(pct, pts)
        lo, hi = value - step / 2, value + step / 2
        text = " ".join(words[i : j + n])
        return Quantity(value, lo, hi, kind, decimals, False, None, i, j + n - 1, text)
    lo, hi, exact = _count_interval(value, unit, digits_exact)
    out_of, last = None, j - 1
    if exact:
        for of in _OF_WORDS:
            k = j + len(of)
            if words[j:k] == list(of) and k < len(words):
                total = _plain_integer(words, k, lang)
                if total is not None:
                    out_of, last = total[0], total[1]
                    break
    text = " ".join(words[i : last + 1])
    return Quantity(value, lo, hi, "count", decimals, exact, out_of, i, last, text)


def _plain_integer(words: list[str], k: int, lang: str) -> tuple[int, int] | None:
    """An exact whole number (digits or words) at ``k`` not followed by a scale or percent."""
    if re.fullmatch(r"\d[\d.,]*", words[k]):
        value, decimals = _digits(words[k], False, lang)
        end = k
    else:
        read = _word_number(words, k)
        if read is None or read[1] != 1.0:
            return None
        value, decimals, end = read[0], 0, k + read[2] - 1
    if decimals or (
        end + 1 < len(words) and (words[end + 1] in SCALES or _match(words, end + 1, PERCENT_WORDS))
    ):
        return None
    return int(value), end


def read_quantities(words: list[str], skip: set[int], lang: str) -> list[Quantity]:
    """Every quantity in the folded words, left to right, ignoring tokens in ``skip``."""
    out: list[Quantity] = []
    i = 0
    while i < len(words):
        if i in skip:
            i += 1
            continue
        q = _read_at(words, i, lang)
        if q is None:
            i += 1
            continue
        out.append(q)
        i = q.last + 1
    return out
