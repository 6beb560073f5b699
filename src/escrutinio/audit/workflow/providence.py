"""``providence``: Providence round-by-round ballot polling (Broadrick, Vora, Zagórski,
"Providence: a flexible round-by-round risk-limiting audit", USENIX Security 2023), with
replacement; rounds as in :mod:`escrutinio.audit.workflow.round_by_round`."""

from __future__ import annotations

from collections.abc import Sequence

from escrutinio.audit.stats.round_polling import (
    RoundSize,
    providence_next_size,
    providence_pvalues,
)
from escrutinio.audit.workflow.round_by_round import RoundByRound
from escrutinio.audit.workflow.state import AuditState


class Providence(RoundByRound):
    """The ``providence`` method."""

    name = "providence"
    tests: tuple[str, ...] = ("providence",)
    with_replacement_only: tuple[str, ...] = ("providence",)

    def round_pvalues(
        self, state: AuditState, p1: float, rounds: Sequence[tuple[int, int]]
    ) -> list[float]:
        """Providence's P-value 1/(σ τ) of each round."""
        return providence_pvalues(p1, rounds)

    def next_round(
        self, state: AuditState, p1: float, rounds: Sequence[tuple[int, int]], target: float
    ) -> RoundSize | None:
        """Providence's next round for a stopping probability ``target``."""
        return providence_next_size(p1, state.risk_limit, rounds, target)


METHOD = Providence()
