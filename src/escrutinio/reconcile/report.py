"""CSV and HTML reports of a reconciliation, with an SVG map of where discrepancies are.

The map uses :mod:`escrutinio.reconcile.svgmap` (equirectangular projection of the packaged
OCHA COD-AB state boundaries); the comparison itself is described in
:mod:`escrutinio.reconcile.compare`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import polars as pl

from escrutinio.reconcile.compare import Reconciliation
from escrutinio.reconcile.svgmap import choropleth_svg, load_states


def discrepancy_map(
    rec: Reconciliation, state_column: str, geojson: dict[str, Any] | None = None
) -> str:
    """SVG map of Venezuelan states colored by number of units that are not identical."""
    roll = rec.rollup(state_column)
    values = {
        str(k): float(v)
        for k, v in zip(roll[state_column].to_list(), roll["discrepancies"].to_list(), strict=True)
    }
    return choropleth_svg(
        geojson or load_states(), values, title="units with discrepancies, by state"
    )


def render_html(
    rec: Reconciliation,
    label_a: str,
    label_b: str,
    state_column: str | None,
    max_rows: int = 500,
) -> str:
    """Render the reconciliation report as HTML (summary, totals, roll-ups, map, differences)
    in the results site's look."""
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.PackageLoader("escrutinio.reconcile", "templates"),
                jinja2.PackageLoader("escrutinio", "data"),  # report.css, shared
            ]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    changed = rec.units.filter(pl.col("status") != "identical")
    rollups = [(level, rec.rollup(level)) for level in rec.regions]
    return env.get_template("reconcile.html.j2").render(
        label_a=label_a,
        label_b=label_b,
        status=rec.status_counts(),
        totals=rec.totals().rows(),
        margins=rec.margins(),
        rollups=[(lvl, frame.columns, frame.rows()) for lvl, frame in rollups],
        svg=discrepancy_map(rec, state_column) if state_column else "",
        changed_columns=changed.columns,
        changed=changed.head(max_rows).rows(),
        n_changed=changed.height,
        unmatched=None if rec.unmatched is None else rec.unmatched.rows(),
    )


def write_report(
    rec: Reconciliation,
    out_dir: Path,
    label_a: str = "A",
    label_b: str = "B",
    state_column: str | None = None,
) -> Path:
    """Write ``units.csv``, ``totals.csv``, ``unmatched_names.csv`` (when names were
    normalised), ``map.svg`` (if a state column) and ``index.html``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rec.units.write_csv(out_dir / "units.csv")
    if rec.unmatched is not None:
        rec.unmatched.write_csv(out_dir / "unmatched_names.csv")
    rec.totals().write_csv(out_dir / "totals.csv")
    if state_column:
        (out_dir / "map.svg").write_text(discrepancy_map(rec, state_column), encoding="utf-8")
    path = out_dir / "index.html"
    path.write_text(render_html(rec, label_a, label_b, state_column), encoding="utf-8")
    return path
