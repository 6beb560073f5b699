"""Ballot-level comparison audits against cast vote records (CVRs).

SHANGRLA comparison assorter (Stark, FC 2020) B = (1 − ω/u)/(2 − v/u) tested with ALPHA
(Stark, Ann. Appl. Stat. 17(1), 2023) or with the Kaplan–Markov / Super-Simple P-value
(Stark, EVT/WOTE 2010). Ballots are rows of 0/1 marks per option of the contest (a blank,
invalid or absent vote is a row of zeros).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from escrutinio.audit.stats.alpha import COMPARISON_D, alpha_pvalues, comparison_eta0
from escrutinio.audit.stats.assertions import Assertion, ballot_overstatement, comparison_assorter
from escrutinio.audit.stats.kaplan_markov import SUPER_SIMPLE_GAMMA, super_simple_pvalues
from escrutinio.audit.stats.martingale import FloatArray

ComparisonMethod = Literal["alpha", "kaplan_markov"]


def overstatements(assertion: Assertion, cvr_marks: ArrayLike, mvr_marks: ArrayLike) -> FloatArray:
    """Assorter overstatement ω per sampled ballot (CVR marks vs hand-read marks)."""
    c = np.asarray(cvr_marks)
    m = np.asarray(mvr_marks)
    w, lo = assertion.winner, assertion.loser
    return ballot_overstatement(c[..., w], c[..., lo], m[..., w], m[..., lo])


def comparison_pvalues(
    assertion: Assertion,
    omega: ArrayLike,
    *,
    method: ComparisonMethod = "alpha",
    replacement: bool = True,
    gamma: float = SUPER_SIMPLE_GAMMA,
) -> FloatArray:
    """Running P-values for overstatements ω (assorter units, −1..1) of sampled ballots.

    ``alpha`` tests the SHANGRLA comparison assorter (without replacement if
    ``replacement`` is False, population = ballots cast; η_0 from :func:`comparison_eta0`,
    d = 10,000); ``kaplan_markov`` uses the
    Super-Simple P-value with inflator ``gamma`` (ω in votes is 2ω).
    """
    om = np.asarray(omega, dtype=np.float64)
    v = assertion.diluted_margin
    if method == "kaplan_markov":
        return super_simple_pvalues(2 * om, v, gamma)
    x = comparison_assorter(om, v)
    return alpha_pvalues(
        x,
        upper=2 / (2 - v),
        eta0=comparison_eta0(1 / (2 - v), 2 / (2 - v)),
        population=None if replacement else assertion.ballots,
        d=COMPARISON_D,
    )
