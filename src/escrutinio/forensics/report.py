"""HTML report of a forensic analysis (Jinja2 template shipped in the package).

Presents the tests of Klimek et al. (PNAS 2012), Kobak et al. (AoAS 2016), Beber & Scacco
(Political Analysis 2012) and Mebane (2006), each with a plain-language note of what it can and
cannot show, plus the ranked outliers. The report states that no test proves fraud.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import polars as pl

from escrutinio.forensics.analyze import ForensicsResult
from escrutinio.forensics.plots import all_plots

PLOT_ALT = {
    "fingerprint": "Election fingerprint: turnout against the leader's share, one dot per unit",
    "percentages": "Histograms of turnout and of the leader's share, in percent",
    "digits": "Last-digit frequencies of the vote counts",
    "reporting_order": "The leader's share along the reporting order",
}
"""Text alternatives of the plots, by plot key."""


def _environment() -> jinja2.Environment:
    """Jinja2 environment loading templates from this package, with autoescaping."""
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.PackageLoader("escrutinio.forensics", "templates"),
                jinja2.PackageLoader("escrutinio", "data"),  # report.css, shared
            ]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def render_html(
    result: ForensicsResult,
    plots: dict[str, str],
    title: str,
    max_rows: int,
    rejected: pl.DataFrame | None = None,
) -> str:
    """Render the report HTML in the results site's look; ``plots`` maps plot keys to image
    file names; ``rejected`` (rows rejected at intake) is shown as its own flagged group."""
    frame = result.outliers_frame()
    return (
        _environment()
        .get_template("forensics.html.j2")
        .render(
            title=title,
            n_units=result.data.n_units,
            leader=result.data.leader_name,
            tests=result.tests,
            plots=[(PLOT_ALT.get(key, key), file) for key, file in plots.items()],
            outlier_columns=frame.columns,
            outliers=frame.head(max_rows).rows(),
            n_outliers=frame.height,
            rejected=None if rejected is None else rejected.head(max_rows).rows(),
            rejected_columns=[] if rejected is None else rejected.columns,
            n_rejected=0 if rejected is None else rejected.height,
        )
    )


def write_report(
    result: ForensicsResult,
    out_dir: Path,
    title: str = "Forensic analysis",
    max_rows: int = 200,
    rejected: pl.DataFrame | None = None,
) -> Path:
    """Write index.html, plots (PNG + SVG), outliers.csv, tests.csv and, when given,
    rejected.csv (rows rejected at intake, a flagged group outside every test) to
    ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    plots = all_plots(result.data, out_dir)
    result.outliers_frame().write_csv(out_dir / "outliers.csv")
    result.summary_frame().write_csv(out_dir / "tests.csv")
    if rejected is not None:
        rejected.write_csv(out_dir / "rejected.csv")
    path = out_dir / "index.html"
    path.write_text(render_html(result, plots, title, max_rows, rejected), encoding="utf-8")
    return path
