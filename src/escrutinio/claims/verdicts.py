"""Verdict rules: a claimed quantity and comparator against the actual figure.

* ``eq`` (a plain number): an exact count that matches, or a percentage stated with
  :data:`EXACT_PCT_DECIMALS` decimals that matches, is ``accurate``; a value inside the
  interval the wording implies ("64%" = [63.5, 64.5), "11 millones" = [10.5 M, 11.5 M)) is
  ``approximately_accurate``; anything else is ``inaccurate``.
* ``about`` / ``almost``: inside the vocabulary's tolerance is ``accurate``; outside it
  but inside the rounding interval is ``approximately_accurate``.
* ``gt`` / ``ge`` / ``lt`` / ``le``: ``accurate`` when the comparison holds, else
  ``inaccurate``.
* "18 de 23": the total must be the number of races too.
"""

from __future__ import annotations

from typing import Literal

from escrutinio.claims.numbers import Quantity
from escrutinio.claims.vocabulary import (
    ABOUT_COUNT_REL,
    ABOUT_PCT_POINTS,
    ALMOST_COUNT_REL,
    ALMOST_PCT_POINTS,
    EXACT_PCT_DECIMALS,
    Comparator,
)

Verdict = Literal["accurate", "approximately_accurate", "inaccurate", "not_checkable"]
VERDICTS: tuple[Verdict, ...] = (
    "accurate",
    "approximately_accurate",
    "inaccurate",
    "not_checkable",
)


def _tolerance(q: Quantity, rel: float, points: float) -> float:
    return points if q.kind in ("percent", "points", "fraction") else rel * q.value


def judge(q: Quantity, comparator: Comparator, actual: float, total: int | None = None) -> Verdict:
    """The verdict of claiming ``q`` (with ``comparator``) when the record says ``actual``
    (and, for "N of M" claims, that there are ``total`` races)."""
    a = round(actual, 9)
    if q.out_of is not None and total is not None and q.out_of != total:
        return "inaccurate"
    inside = q.low <= a < q.high or (q.low == q.high == a)
    if comparator == "gt":
        return "accurate" if a > q.value else "inaccurate"
    if comparator == "ge":
        return "accurate" if a >= q.value else "inaccurate"
    if comparator == "lt":
        return "accurate" if a < q.value else "inaccurate"
    if comparator == "le":
        return "accurate" if a <= q.value else "inaccurate"
    if comparator == "almost":
        tol = _tolerance(q, ALMOST_COUNT_REL, ALMOST_PCT_POINTS)
        if q.value - tol <= a < q.value:
            return "accurate"
        return "approximately_accurate" if inside else "inaccurate"
    if comparator == "about":
        tol = _tolerance(q, ABOUT_COUNT_REL, ABOUT_PCT_POINTS)
        if abs(a - q.value) <= tol:
            return "accurate"
        return "approximately_accurate" if inside else "inaccurate"
    if q.kind == "count" and q.exact:
        return "accurate" if a == q.value else "inaccurate"
    if q.kind == "fraction" and abs(a - q.value) < 0.01:
        return "accurate"
    if not inside:
        return "inaccurate"
    if q.kind in ("percent", "points") and q.decimals >= EXACT_PCT_DECIMALS:
        return "accurate"
    return "approximately_accurate"


def worst(verdicts: list[Verdict]) -> Verdict:
    """One verdict for several assertions: any inaccurate one wins, then not checkable,
    then approximately accurate."""
    for v in ("inaccurate", "not_checkable", "approximately_accurate"):
        if v in verdicts:
            return v  # type: ignore[return-value]
    return "accurate"
