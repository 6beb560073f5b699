"""The documented vocabulary of the claims checker (docs/claims.md prints the same tables).

Every entry is written accent-free and lower-case: text is folded the same way before it is
matched (:func:`fold`).  Multi-word entries match whole words in sequence.

Thresholds of the approximation words (chosen, documented, tested):

* ``almost`` ("almost", "nearly", "casi", "rozando"): the actual value is below the claimed
  one by at most :data:`ALMOST_COUNT_REL` (counts) or :data:`ALMOST_PCT_POINTS` (percentages);
  a value above it but inside the claimed number's rounding interval is only approximately
  accurate.
* ``about`` ("about", "around", "roughly", "some", "approximately", "cerca de",
  "alrededor de", "unos", "aproximadamente", "en torno a"): the actual value is within
  :data:`ABOUT_COUNT_REL` of the claimed one (counts) or :data:`ABOUT_PCT_POINTS` points.
* Fractions in words ("two-thirds", "la mitad") are approximately accurate within
  :data:`FRACTION_PCT_POINTS` points and accurate when the fraction is exact.
"""

from __future__ import annotations

import unicodedata
from typing import Final, Literal

Comparator = Literal["eq", "about", "almost", "gt", "ge", "lt", "le"]
"""How the claimed number relates to the actual one: equal (within its rounding), about,
almost (just below), more than, at least, less than, at most."""

ALMOST_COUNT_REL: Final = 0.05
ALMOST_PCT_POINTS: Final = 1.0
ABOUT_COUNT_REL: Final = 0.05
ABOUT_PCT_POINTS: Final = 1.0
FRACTION_PCT_POINTS: Final = 2.5
EXACT_PCT_DECIMALS: Final = 2
"""A percentage stated with this many decimals (as bulletins print them) that matches is
accurate; one stated more coarsely is approximately accurate when inside its rounding."""


def fold(text: str) -> str:
    """Lower-case ``text`` and drop accents (ñ stays ñ-less: "n")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Words that put a comparator before a number (longest first when matching).
COMPARATORS: Final[dict[str, Comparator]] = {
    "more than": "gt",
    "over": "gt",
    "above": "gt",
    "upwards of": "gt",
    "mas de": "gt",
    "mas del": "gt",
    "por encima de": "gt",
    "por encima del": "gt",
    "superior a": "gt",
    "at least": "ge",
    "no less than": "ge",
    "al menos": "ge",
    "por lo menos": "ge",
    "como minimo": "ge",
    "less than": "lt",
    "fewer than": "lt",
    "under": "lt",
    "below": "lt",
    "menos de": "lt",
    "menos del": "lt",
    "por debajo de": "lt",
    "por debajo del": "lt",
    "at most": "le",
    "no more than": "le",
    "como maximo": "le",
    "a lo sumo": "le",
    "no mas de": "le",
    "no mas del": "le",
    "almost": "almost",
    "nearly": "almost",
    "close to": "almost",
    "just under": "almost",
    "casi": "almost",
    "rozando": "almost",
    "rozo": "almost",
    "cerca de alcanzar": "almost",
    "cerca de": "about",
    "cerca del": "about",
    "about": "about",
    "around": "about",
    "roughly": "about",
    "some": "about",
    "approximately": "about",
    "an estimated": "about",
    "alrededor de": "about",
    "alrededor del": "about",
    "unos": "about",
    "unas": "about",
    "aproximadamente": "about",
    "en torno a": "about",
    "en torno al": "about",
}

SCALES: Final[dict[str, int]] = {
    "thousand": 1_000,
    "mil": 1_000,
    "million": 1_000_000,
    "millions": 1_000_000,
    "millon": 1_000_000,
    "millones": 1_000_000,
    "billion": 1_000_000_000,
    "m": 1_000_000,
}

PERCENT_WORDS: Final = ("%", "percent", "per cent", "por ciento", "pct", "porciento")
POINT_WORDS: Final = ("points", "percentage points", "puntos", "puntos porcentuales")

FRACTIONS: Final[dict[str, float]] = {
    "two thirds": 200 / 3,
    "dos tercios": 200 / 3,
    "one third": 100 / 3,
    "a third": 100 / 3,
    "un tercio": 100 / 3,
    "half": 50.0,
    "one half": 50.0,
    "la mitad": 50.0,
    "mitad": 50.0,
    "three quarters": 75.0,
    "tres cuartos": 75.0,
    "three fourths": 75.0,
    "a quarter": 25.0,
    "one quarter": 25.0,
    "un cuarto": 25.0,
}
MAJORITY_WORDS: Final = ("majority", "mayoria", "most of", "la mayor parte")

# Measures: words that say what is counted.
SEAT_WORDS: Final = (
    "governorships",
    "governorship",
    "governors",
    "gobernaciones",
    "gobernacion",
    "gobernadores",
    "estados",
    "states",
    "races",
    "contests",
    "seats",
    "escanos",
    "curules",
    "regional governments",
)
VOTE_WORDS: Final = ("votes", "vote", "votos", "voto", "sufragios", "ballots", "papeletas")
VOTER_WORDS: Final = (
    "people voted",
    "people vote",
    "people cast",
    "voters",
    "votantes",
    "personas votaron",
    "personas votan",
    "personas",
    "people",
    "venezuelans",
    "venezolanos",
    "sufragaron",
    "acudieron",
    "went to the polls",
    "turned out",
)
ELECTORATE_WORDS: Final = (
    "electorate",
    "registered voters",
    "registered electors",
    "electores inscritos",
    "inscritos",
    "padron",
    "registro electoral",
    "electores",
    "registered",
)
TURNOUT_WORDS: Final = ("turnout", "participacion", "participation")
ABSTENTION_WORDS: Final = ("abstention", "abstencion")
MARGIN_WORDS: Final = (
    "margin",
    "margen",
    "difference",
    "diferencia",
    "ventaja",
    "lead",
    "sacaba",
    "led by",
    "won by",
    "gano por",
    "aventaja",
    "aventajaba",
    "aventajo",
    "ahead",
    "por delante",
    "le sacaba",
    "le saco",
    "le sacaron",
    "beat",
    "derroto",
    "supero",
)
ACTA_WORDS: Final = (
    "actas",
    "acta",
    "tally sheets",
    "tally sheet",
    "mesas",
    "tables",
    "polling tables",
)
NULL_WORDS: Final = ("null votes", "votos nulos", "nulos", "spoiled", "null")
WIN_WORDS: Final = ("won", "wins", "win", "gano", "gana", "ganaron", "took", "se impuso", "obtuvo")
LEAD_WORDS: Final = ("leads", "leading", "lidera", "va ganando", "iba ganando", "was ahead")

# Denominators of a vote share.
DENOMINATOR_WORDS: Final[dict[str, str]] = {
    "valid votes": "valid",
    "valid vote": "valid",
    "votos validos": "valid",
    "voto valido": "valid",
    "validos": "valid",
    "votes cast": "cast",
    "ballots cast": "cast",
    "votos emitidos": "cast",
    "emitidos": "cast",
    "of the electorate": "registered",
    "of registered voters": "registered",
    "of the registered": "registered",
    "del padron": "registered",
    "del electorado": "registered",
    "de los inscritos": "registered",
    "de los electores": "registered",
    "of all voters": "registered",
    "electorado": "registered",
}

NATIONAL_WORDS: Final = (
    "national",
    "nacional",
    "nationwide",
    "nationally",
    "en todo el pais",
    "del pais",
    "the country",
    "country",
    "a nivel nacional",
    "de todo el pais",
)

# Who a role word stands for is given by the user (--role incumbent=GPP); "others" is
# everyone but the two largest competitors.
ROLE_WORDS: Final[dict[str, str]] = {
    "ruling party": "incumbent",
    "governing party": "incumbent",
    "government": "incumbent",
    "oficialismo": "incumbent",
    "oficialista": "incumbent",
    "el gobierno": "incumbent",
    "partido de gobierno": "incumbent",
    "partido del gobierno": "incumbent",
    "chavismo": "incumbent",
    "chavistas": "incumbent",
    "his party": "incumbent",
    "su partido": "incumbent",
    "we": "incumbent",
    "nosotros": "incumbent",
    "other candidates": "others",
    "the other candidates": "others",
    "the rest": "others",
    "otros candidatos": "others",
    "los demas candidatos": "others",
    "demas candidatos": "others",
    "el resto": "others",
    "opposition": "opposition",
    "oposicion": "opposition",
    "la oposicion": "opposition",
    "opositores": "opposition",
}

BULLETIN_ORDINALS: Final[dict[str, int]] = {
    "first": 1,
    "primer": 1,
    "primero": 1,
    "1st": 1,
    "second": 2,
    "segundo": 2,
    "2nd": 2,
    "third": 3,
    "tercer": 3,
    "3rd": 3,
}
BULLETIN_WORDS: Final = ("bulletin", "boletin")
FINAL_WORDS: Final = (
    "final results",
    "final count",
    "final tally",
    "resultados finales",
    "resultados definitivos",
    "conteo final",
    "in the end",
    "al final",
    "finalmente",
    "final",
)

MONTHS: Final = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "setiembre",
    "octubre",
    "noviembre",
    "diciembre",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]

SPANISH_MARKERS: Final = frozenset(
    [
        "el",
        "la",
        "los",
        "las",
        "de",
        "del",
        "que",
        "y",
        "en",
        "por",
        "con",
        "una",
        "un",
        "su",
        "gano",
        "votos",
        "casi",
        "mas",
        "millones",
        "gobernaciones",
        "boletin",
        "oposicion",
    ]
)
ENGLISH_MARKERS: Final = frozenset(
    [
        "the",
        "of",
        "and",
        "in",
        "by",
        "with",
        "won",
        "votes",
        "almost",
        "more",
        "than",
        "million",
        "governorships",
        "bulletin",
        "opposition",
        "per",
        "cent",
    ]
)


def language(folded_words: list[str]) -> Literal["es", "en"]:
    """The claim's language by counting marker words (ties go to Spanish)."""
    es = sum(w in SPANISH_MARKERS for w in folded_words)
    en = sum(w in ENGLISH_MARKERS for w in folded_words)
    return "en" if en > es else "es"
