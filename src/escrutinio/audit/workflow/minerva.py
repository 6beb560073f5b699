"""``minerva``: Minerva round-by-round ballot polling (Zagórski, McClearn, Morin, Ottoboni,
Stark, Vora, "Minerva — an efficient risk-limiting ballot polling audit", USENIX Security
2021), with replacement; rounds as in :mod:`escrutinio.audit.workflow.round_by_round`."""

from __future__ import annotations

from collections.abc import Sequence

from escrutinio.audit.stats.round_polling import RoundSize, minerva_next_size, minerva_pvalues
from escrutinio.audit.workflow.round_by_round import RoundByRound
from escrutinio.audit.workflow.state import AuditState


class Minerva(RoundByRound):
    """The ``minerva`` method."""

    name = "minerva"
    tests: tuple[str, ...] = ("minerva",)
    with_replacement_only: tuple[str, ...] = ("minerva",)

    def round_pvalues(
        self, state: AuditState, p1: float, rounds: Sequence[tuple[int, int]]
    ) -> list[float]:
        """Minerva's tail-ratio P-value of each round."""
        return minerva_pvalues(p1, state.risk_limit, rounds)

    def next_round(
        self, state: AuditState, p1: float, rounds: Sequence[tuple[int, int]], target: float
    ) -> RoundSize | None:
        """Minerva's next round for a stopping probability ``target``."""
        return minerva_next_size(p1, state.risk_limit, rounds, target)


METHOD = Minerva()
