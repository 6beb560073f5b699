"""Winners, margins and race status (final / irreversible / counting).

A race is *irreversible* when the leader's margin exceeds all outstanding registered
electors: the margin between the last winner and the strongest loser is larger than the
number of electors registered in the eligible units whose actas are not yet counted, so
no outcome of the missing actas can change the winners. This is the rule behind the
"irreversible trend" announcements of Venezuela's CNE (see REFERENCES.md, "Race calling").
Each outstanding elector adds at most one vote to one candidate, so a loser can gain at
most that many votes on any winner; equality is not enough (the loser could tie).
When an acta may report up to ``registered_tolerance`` voters above the register, each
outstanding unit adds that tolerance to the bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from escrutinio.tally.results import RaceStatus, State


@dataclass(frozen=True)
class Standing:
    """The ``seats`` best candidates and the margin of the last of them."""

    winners: tuple[int, ...]
    margin_votes: int | None


def standing(candidate_votes: Sequence[int], seats: int) -> Standing:
    """Winners (candidate indexes, best first; ties broken by definition order) and margin.

    The margin is the last winner's votes minus the strongest loser's, None when there
    are no more candidates than seats.
    """
    order = sorted(range(len(candidate_votes)), key=lambda i: -candidate_votes[i])
    winners = tuple(order[:seats])
    if len(order) <= seats:
        return Standing(winners, None)
    margin = candidate_votes[order[seats - 1]] - candidate_votes[order[seats]]
    return Standing(winners, margin)


def race_status(
    *,
    leaders: tuple[str, ...],
    margin_votes: int | None,
    valid: int,
    registered_outstanding: int,
    actas_outstanding: int,
    registered_known: bool,
    tolerance: int,
    recount_threshold_pct: float,
) -> RaceStatus:
    """Classify a whole-contest result and explain it in one sentence with its numbers."""
    outstanding = (
        registered_outstanding + tolerance * actas_outstanding if registered_known else None
    )
    if actas_outstanding <= 0:
        tie = margin_votes == 0
        recount = margin_votes is not None and (
            valid == 0 or 100.0 * margin_votes / valid < recount_threshold_pct
        )
        if margin_votes is None:
            reason = "all actas counted; every candidate wins a seat"
        elif tie:
            reason = "all actas counted; tie for the last seat"
        elif recount:
            reason = (
                f"all actas counted; margin {margin_votes:,} votes "
                f"({100.0 * margin_votes / valid:.2f}% of valid) is under the "
                f"{recount_threshold_pct:g}% recount threshold"
            )
        else:
            reason = f"all actas counted; margin {margin_votes:,} votes"
        return RaceStatus("final", leaders, margin_votes, outstanding, 0, recount, tie, reason)
    units = f"{actas_outstanding:,} uncounted unit{'s' if actas_outstanding != 1 else ''}"
    if margin_votes is None:
        reason = f"every candidate wins a seat whatever the {units} report"
        return RaceStatus(
            "irreversible", leaders, None, outstanding, actas_outstanding, False, False, reason
        )
    state: State
    if outstanding is None:
        reason = (
            f"margin {margin_votes:,} with {units}; registered electors unknown, "
            "so the race cannot be called before all actas are counted"
        )
        state = "counting"
    elif margin_votes > outstanding:
        reason = f"margin {margin_votes:,} > {outstanding:,} electors in {units}"
        state = "irreversible"
    else:
        reason = f"margin {margin_votes:,} <= {outstanding:,} electors in {units}"
        state = "counting"
    return RaceStatus(
        state, leaders, margin_votes, outstanding, actas_outstanding, False, False, reason
    )
