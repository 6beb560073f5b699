"""Unit-level outliers, ranked with reasons and geography.

Screens in the spirit of the Election Forensics Toolkit (Hicken & Mebane, USAID/University of
Michigan, 2017): impossible turnout (voters above registered electors), near-unanimous units
(one option with ≥ 95% of valid votes), units with identical result vectors, and abrupt shifts
of the leader's share along the reporting order. Shifts use consecutive blocks of ``block``
units in reporting order; a block is flagged when its leader share is more than ``z`` robust
standard deviations (1.4826·MAD over blocks) from the median block, and a CUSUM of block
deviations (Page, "Continuous inspection schemes", Biometrika 41, 1954) gives the largest
change point. Each flag is a lead to check against the paper actas, not evidence of fraud.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from escrutinio.forensics.units import FloatArray, UnitData

KIND_RANK = {
    "turnout_over_100": 0,
    "duplicate_result": 1,
    "near_unanimous": 2,
    "order_shift": 3,
    "order_change_point": 4,
}


@dataclass(frozen=True)
class Outlier:
    """One flagged unit (or reporting block) with a score and a plain-language reason."""

    kind: str
    unit: str
    region: dict[str, str]
    score: float
    reason: str


def turnout_over_100(data: UnitData) -> list[Outlier]:
    """Units with more voters than registered electors (register known)."""
    mask = data.turnout_mask() & (data.voters > data.registered)
    out = []
    for i in np.flatnonzero(mask):
        reg, vot = int(data.registered[i]), int(data.voters[i])
        out.append(
            Outlier(
                "turnout_over_100",
                data.unit_ids[i],
                data.region_of(int(i)),
                vot / reg,
                f"{vot} voters for {reg} registered electors ({100 * vot / reg:.1f}% turnout)",
            )
        )
    return out


def near_unanimous(data: UnitData, threshold: float = 0.95, min_valid: int = 20) -> list[Outlier]:
    """Units where one option has at least ``threshold`` of ≥ ``min_valid`` valid votes."""
    valid = data.valid
    top = data.votes.max(axis=1)
    which = data.votes.argmax(axis=1)
    mask = (valid >= min_valid) & (top >= threshold * valid)
    out = []
    for i in np.flatnonzero(mask):
        share = top[i] / valid[i]
        out.append(
            Outlier(
                "near_unanimous",
                data.unit_ids[i],
                data.region_of(int(i)),
                float(share),
                f"{data.option_names[which[i]]} has {top[i]} of {valid[i]} valid votes "
                f"({100 * share:.1f}%)",
            )
        )
    return out


def duplicate_results(data: UnitData, min_valid: int = 20) -> list[Outlier]:
    """Units whose result vector (options, null, voters) equals another's in the same region.

    The region is the full path of region columns (e.g. state, municipality, parish); with none the
    whole table is one region. Across a whole country identical vectors occur by chance (tens
    of thousands of units share a few hundred plausible values per option), so only
    coincidences in the same smallest region are flagged.
    """
    if data.regions:
        finest = list(data.regions.values())
        keys = list(zip(*finest, strict=True))
        _, region_code = np.unique(np.array(["\x1f".join(k) for k in keys]), return_inverse=True)
    else:
        region_code = np.zeros(data.n_units, dtype=np.int64)
    matrix = np.column_stack([data.votes, data.null, data.voters, region_code.ravel()])
    keep = np.flatnonzero(data.valid >= min_valid)
    if keep.size == 0:
        return []
    _, inverse, counts = np.unique(matrix[keep], axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    groups: dict[int, list[int]] = {}
    for pos in np.flatnonzero(counts[inverse] > 1):
        groups.setdefault(int(inverse[pos]), []).append(int(keep[pos]))
    out = []
    for members in groups.values():
        for i in members:
            others = [data.unit_ids[j] for j in members if j != i][:5]
            out.append(
                Outlier(
                    "duplicate_result",
                    data.unit_ids[i],
                    data.region_of(i),
                    float(len(members)),
                    f"same results as {len(members) - 1} other unit(s): {', '.join(others)}",
                )
            )
    return out


def block_shares(data: UnitData, block: int) -> tuple[FloatArray, list[range]]:
    """Leader share of consecutive reporting-order blocks, and the positions of each block."""
    if data.order is None:
        return np.zeros(0), []
    order = data.order
    ranges = [range(s, min(s + block, order.size)) for s in range(0, order.size, block)]
    ranges = [r for r in ranges if len(r) >= block // 2]
    lead = data.leader_votes[order]
    valid = data.valid[order]
    shares = np.array(
        [lead[r.start : r.stop].sum() / max(1, valid[r.start : r.stop].sum()) for r in ranges]
    )
    return shares, ranges


def cusum_change_point(shares: FloatArray) -> tuple[int, float]:
    """Index of the largest CUSUM excursion of block shares around their mean, and its size."""
    if shares.size < 3:
        return 0, 0.0
    dev = np.cumsum(shares - shares.mean())
    k = int(np.argmax(np.abs(dev)))
    return k + 1, float(abs(dev[k]))


def order_shifts(data: UnitData, block: int = 200, z: float = 4.0) -> list[Outlier]:
    """Reporting-order blocks whose leader share is a robust ``z``-outlier among blocks."""
    shares, ranges = block_shares(data, block)
    if shares.size < 5 or data.order is None:
        return []
    med = float(np.median(shares))
    mad = max(float(np.median(np.abs(shares - med))) * 1.4826, 1e-6)
    scores = (shares - med) / mad
    out = []
    for b in np.flatnonzero(np.abs(scores) > z):
        idx = data.order[ranges[b].start : ranges[b].stop]
        region = {}
        for name, values in data.regions.items():
            vals, counts = np.unique(np.array([values[i] for i in idx]), return_counts=True)
            region[name] = str(vals[int(np.argmax(counts))])
        out.append(
            Outlier(
                "order_shift",
                f"{data.unit_ids[idx[0]]}..{data.unit_ids[idx[-1]]}",
                region,
                float(abs(scores[b])),
                f"reporting positions {ranges[b].start + 1}-{ranges[b].stop}: "
                f"{data.leader_name} share {100 * shares[b]:.1f}% vs median block "
                f"{100 * med:.1f}% ({scores[b]:+.1f} robust SD)",
            )
        )
    return out


def order_change_point(data: UnitData, block: int = 200, z: float = 4.0) -> list[Outlier]:
    """The CUSUM change point of block shares, when the shift across it is a ``z``-outlier.

    The shift (mean block share after minus before) is compared with its standard error from
    the robust block spread: 1.4826·MAD·sqrt(1/k + 1/(m − k)) for m blocks split at k.
    """
    shares, ranges = block_shares(data, block)
    if shares.size < 5 or data.order is None:
        return []
    k, _ = cusum_change_point(shares)
    if k <= 0 or k >= shares.size:
        return []
    med = float(np.median(shares))
    mad = max(float(np.median(np.abs(shares - med))) * 1.4826, 1e-6)
    before, after = float(shares[:k].mean()), float(shares[k:].mean())
    score = abs(after - before) / (mad * np.sqrt(1.0 / k + 1.0 / (shares.size - k)))
    if score <= z:
        return []
    position = ranges[k].start
    return [
        Outlier(
            "order_change_point",
            data.unit_ids[data.order[position]],
            data.region_of(int(data.order[position])),
            float(score),
            f"{data.leader_name} share averages {100 * before:.1f}% per block before reporting "
            f"position {position + 1} and {100 * after:.1f}% after (CUSUM change point)",
        )
    ]


def find_outliers(data: UnitData, block: int = 200) -> list[Outlier]:
    """All outlier screens, ranked by kind (impossible first) then by score, descending."""
    found = turnout_over_100(data) + duplicate_results(data) + near_unanimous(data)
    found += order_shifts(data, block=block) + order_change_point(data, block=block)
    return sorted(found, key=lambda o: (KIND_RANK[o.kind], -o.score))


def outliers_frame(outliers: list[Outlier], regions: tuple[str, ...]) -> pl.DataFrame:
    """Ranked outliers as a DataFrame (rank, kind, unit, region columns, score, reason)."""
    return pl.DataFrame(
        {
            "rank": list(range(1, len(outliers) + 1)),
            "kind": [o.kind for o in outliers],
            "unit": [o.unit for o in outliers],
            **{r: [o.region.get(r, "") for o in outliers] for r in regions},
            "score": [o.score for o in outliers],
            "reason": [o.reason for o in outliers],
        },
        schema_overrides={"score": pl.Float64, "rank": pl.Int64},
    )
