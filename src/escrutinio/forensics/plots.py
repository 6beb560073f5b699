"""Plots for the forensic report (matplotlib, Agg backend; PNG and SVG).

Figures follow the papers they illustrate: the turnout × winner-share fingerprint of Klimek et
al. (PNAS 2012), the fine-grained percentage histograms of Kobak et al. (AoAS 2016), digit
frequencies (Beber & Scacco 2012; Mebane 2006) and the leader's cumulative share along the
reporting order.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from escrutinio.forensics.digits import BENFORD_SECOND, second_digit_counts
from escrutinio.forensics.units import UnitData


def _save(fig: Figure, out_dir: Path, stem: str) -> str:
    """Write ``fig`` as PNG and SVG; return the PNG file name."""
    fig.tight_layout()
    fig.savefig(out_dir / f"{stem}.png", dpi=90)
    fig.savefig(out_dir / f"{stem}.svg")
    plt.close(fig)
    return f"{stem}.png"


def fingerprint_plot(data: UnitData, out_dir: Path) -> str | None:
    """2-D histogram of turnout × leader share (None when turnout is undefined)."""
    mask = data.turnout_mask() & (data.valid > 0)
    if mask.sum() == 0:
        return None
    fig, ax = plt.subplots(figsize=(5, 4.5))
    t = np.clip(data.turnout()[mask], 0, 1) * 100
    s = data.leader_share()[mask] * 100
    hist, _, _ = np.histogram2d(t, s, bins=100, range=[[0, 100], [0, 100]])
    ax.imshow(np.log1p(hist.T), origin="lower", extent=(0, 100, 0, 100), cmap="magma_r")
    ax.set_xlabel("turnout (%)")
    ax.set_ylabel(f"{data.leader_name} share of valid votes (%)")
    ax.set_title("Fingerprint (log count of units)")
    return _save(fig, out_dir, "fingerprint")


def percentage_histograms(data: UnitData, out_dir: Path) -> str:
    """Histograms of turnout and leader share at 0.1-point resolution (integer spikes show)."""
    fig, axes = plt.subplots(2, 1, figsize=(8, 5))
    bins = np.arange(0, 100.1, 0.1)
    mask = data.turnout_mask()
    if mask.any():
        counts, _ = np.histogram(np.clip(data.turnout()[mask], 0, 1) * 100, bins=bins)
        axes[0].stairs(counts, bins, color="#3465a4")
        axes[0].set_title("turnout (%)")
    else:
        axes[0].text(0.5, 0.5, "turnout unknown (no registered electors)", ha="center")
        axes[0].set_axis_off()
    share = data.leader_share()
    counts, _ = np.histogram(share[np.isfinite(share)] * 100, bins=bins)
    axes[1].stairs(counts, bins, color="#cc0000")
    axes[1].set_title(f"{data.leader_name} share of valid votes (%)")
    for ax in axes:
        ax.set_ylabel("units")
    return _save(fig, out_dir, "percentages")


def digit_plot(data: UnitData, out_dir: Path, last_min: int = 50) -> str:
    """Observed last-digit and second-digit frequencies against their reference laws."""
    fig, axes = plt.subplots(1, 2, figsize=(8, 3))
    flat = data.votes.ravel()
    last = flat[flat >= last_min] % 10
    second = second_digit_counts(flat[flat >= 10]) if (flat >= 10).any() else np.zeros(0, int)
    digits = np.arange(10)
    for ax, values, ref, title in (
        (axes[0], last, np.full(10, 0.1), f"last digit (counts >= {last_min})"),
        (axes[1], second, BENFORD_SECOND, "second digit (counts >= 10)"),
    ):
        freq = np.bincount(values, minlength=10) / max(1, values.size)
        ax.bar(digits, freq, color="#888a85")
        ax.plot(digits, ref, "k.-", label="expected")
        ax.set_xticks(digits)
        ax.set_title(title)
        ax.legend(loc="lower left")
    return _save(fig, out_dir, "digits")


def reporting_order_plot(data: UnitData, out_dir: Path) -> str | None:
    """Leader's cumulative share of valid votes along the reporting order (None if unknown)."""
    if data.order is None:
        return None
    lead = np.cumsum(data.leader_votes[data.order])
    valid = np.cumsum(data.valid[data.order])
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(valid > 0, lead / valid, np.nan) * 100
    fig, ax = plt.subplots(figsize=(8, 3))
    step = max(1, share.size // 2000)
    ax.plot(np.arange(1, share.size + 1)[::step], share[::step], color="#cc0000")
    ax.set_xlabel("units reported")
    ax.set_ylabel(f"cumulative {data.leader_name} share (%)")
    return _save(fig, out_dir, "reporting_order")


def all_plots(data: UnitData, out_dir: Path) -> dict[str, str]:
    """Draw every plot that the data allow; returns plot key → PNG file name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    plots: dict[str, str | None] = {
        "fingerprint": fingerprint_plot(data, out_dir),
        "percentages": percentage_histograms(data, out_dir),
        "digits": digit_plot(data, out_dir),
        "reporting_order": reporting_order_plot(data, out_dir),
    }
    return {k: v for k, v in plots.items() if v is not None}
