"""Turn summed counts (:class:`~escrutinio.tally.totals.Totals`) into a :class:`ContestResult`.

Candidate, party-card and alliance totals are option votes summed through the index
arrays of :meth:`Definition.layout`, so a candidate on several cards gets the sum of them.
"""

from __future__ import annotations

import numpy as np

from escrutinio.model.definition import Definition, IdxArray, IntArray
from escrutinio.tally.results import (
    AllianceResult,
    CandidateResult,
    ContestResult,
    OptionResult,
    PartyResult,
)
from escrutinio.tally.status import Standing, race_status, standing
from escrutinio.tally.totals import Totals


def _group(option_votes: IntArray, index: IdxArray, size: int) -> list[int]:
    out = np.zeros(size, dtype=np.int64)
    keep = index >= 0
    np.add.at(out, index[keep], option_votes[keep])
    votes: list[int] = out.tolist()
    return votes


def _pct(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def build_result(
    definition: Definition, contest_id: str, totals: Totals, *, region: int | None = None
) -> ContestResult:
    """Result of a contest from its totals; ``region`` None means the whole contest (with status).

    A region row with no candidate votes (no acta counted, or only empty ones) has no
    winners and no margin: nobody leads a 0–0 region.

    Percentages of valid votes are 0 when there are no valid votes; turnout is None when
    registered electors are unknown or no counted unit has any.
    """
    contest = definition.contests[contest_id]
    lay = definition.layout(contest_id)
    info = definition.info
    opt: list[int] = totals.options.tolist()
    valid = sum(opt)
    opt_arr = totals.options
    cand_votes = _group(opt_arr, lay.option_candidate, len(lay.candidate_ids))
    party_votes = _group(opt_arr, lay.option_party, len(lay.party_ids))
    alliance_votes = _group(opt_arr, lay.option_alliance, len(lay.alliance_ids))
    names = {c.id: c.name for c in contest.candidates}

    candidates = tuple(
        CandidateResult(
            cid,
            names[cid],
            lay.candidate_alliance[i],
            cand_votes[i],
            _pct(cand_votes[i], valid),
        )
        for i, cid in enumerate(lay.candidate_ids)
    )
    parties = tuple(
        PartyResult(
            pid,
            definition.parties[pid].name,
            definition.parties[pid].alliance,
            party_votes[i],
            _pct(party_votes[i], valid),
        )
        for i, pid in enumerate(lay.party_ids)
    )
    alliances = tuple(
        AllianceResult(
            aid,
            definition.alliances[aid].name,
            alliance_votes[i],
            _pct(alliance_votes[i], valid),
        )
        for i, aid in enumerate(lay.alliance_ids)
    )
    options = tuple(
        OptionResult(o.id, o.candidate, o.party, opt[i]) for i, o in enumerate(contest.options)
    )
    stand = standing(cand_votes, contest.seats)
    if region is not None and not any(cand_votes):
        stand = Standing((), None)  # a region with no votes counted has no leader
    winners = tuple(lay.candidate_ids[i] for i in stand.winners)
    status = None
    if region is None:
        status = race_status(
            leaders=winners,
            margin_votes=stand.margin_votes,
            valid=valid,
            registered_outstanding=totals.registered - totals.registered_counted,
            actas_outstanding=totals.actas_expected - totals.actas_counted,
            registered_known=info.registered_known,
            tolerance=info.registered_tolerance,
            recount_threshold_pct=info.recount_threshold_pct,
        )
    turnout = (
        _pct(totals.voters, totals.registered_counted)
        if info.registered_known and totals.registered_counted > 0
        else None
    )
    regions = definition.regions
    return ContestResult(
        contest_id=contest.id,
        contest_name=contest.name,
        region_id=regions.ids[region] if region is not None else None,
        region_name=regions.names[region] if region is not None else None,
        region_level=(
            definition.region_levels[int(regions.level[region])] if region is not None else None
        ),
        options=options,
        candidates=candidates,
        parties=parties,
        alliances=alliances,
        valid=valid,
        null=totals.null,
        blank=totals.blank,
        voters=totals.voters,
        registered=totals.registered,
        registered_counted=totals.registered_counted,
        turnout_pct=turnout,
        actas_counted=totals.actas_counted,
        actas_expected=totals.actas_expected,
        reported_pct=_pct(totals.actas_counted, totals.actas_expected),
        electors_reported_pct=_pct(totals.registered_counted, totals.registered),
        winners=winners,
        margin_votes=stand.margin_votes,
        margin_pct=(
            _pct(stand.margin_votes, valid) if stand.margin_votes is not None and valid else None
        ),
        status=status,
    )
