"""Render tally results and the election summary as Rich tables, JSON text and CSV.

CSV (:func:`results_csv`) has one row per contest × region × candidate with the columns
of :data:`CSV_COLUMNS`: ``contest_id``, ``contest_name``, ``region_level``, ``region_id``,
``region_name`` (the three region columns empty for the whole contest), ``candidate_id``,
``candidate_name``, ``alliance``, ``votes``, ``pct`` (of valid votes, 4 decimals),
``winner`` (1/0), ``valid``, ``null``, ``blank``, ``voters``, ``registered``,
``actas_counted``, ``actas_expected``, ``status`` (empty for region rows).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from escrutinio.tally.results import ContestResult
from escrutinio.tally.summary import Summary

CSV_COLUMNS = (
    "contest_id",
    "contest_name",
    "region_level",
    "region_id",
    "region_name",
    "candidate_id",
    "candidate_name",
    "alliance",
    "votes",
    "pct",
    "winner",
    "valid",
    "null",
    "blank",
    "voters",
    "registered",
    "actas_counted",
    "actas_expected",
    "status",
)

_STATE_STYLE = {"final": "bold green", "irreversible": "bold cyan", "counting": "bold yellow"}


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}%"


def result_header(result: ContestResult) -> Text:
    """Header lines: contest (and region), status with its reason, actas and turnout."""
    title = result.contest_name
    if result.region_id is not None:
        title += f" — {result.region_level} {result.region_name} ({result.region_id})"
    text = Text(title, style="bold")
    status = result.status
    if status is not None:
        text.append("\nStatus: ")
        text.append(status.state.upper(), style=_STATE_STYLE[status.state])
        flags = [
            f for f, on in (("recount range", status.recount_range), ("tie", status.tie)) if on
        ]
        if flags:
            text.append(f" [{', '.join(flags)}]", style="bold red")
        text.append(f" — {status.reason}")
    text.append(
        f"\nActas: {result.actas_counted:,} of {result.actas_expected:,} "
        f"({_pct(result.reported_pct)}); electors in counted units "
        f"{result.registered_counted:,} of {result.registered:,} "
        f"({_pct(result.electors_reported_pct)})"
    )
    text.append(
        f"\nTurnout: {_pct(result.turnout_pct)} — voters {result.voters:,}, valid "
        f"{result.valid:,}, null {result.null:,}, blank {result.blank:,}"
    )
    return text


def results_table(result: ContestResult) -> Table:
    """Candidates by votes: candidate, alliance, votes, % of valid (winners marked ✓)."""
    table = Table(show_lines=False)
    table.add_column("Candidate")
    table.add_column("Alliance")
    table.add_column("Votes", justify="right")
    table.add_column("%", justify="right")
    winners = set(result.winners)
    for cand in result.ranked():
        mark = " ✓" if cand.candidate_id in winners else ""
        table.add_row(
            f"{cand.name}{mark}",
            cand.alliance or "—",
            f"{cand.votes:,}",
            f"{cand.pct:.2f}",
        )
    return table


def render_result(result: ContestResult) -> Group:
    """Header lines followed by the results table of one contest or region."""
    return Group(result_header(result), results_table(result))


def summary_tables(summary: Summary) -> Group:
    """Seats by alliance, votes and shares by alliance, pending races and totals."""
    seats = Table(title="Seats (decided races)", min_width=40)
    seats.add_column("Alliance")
    seats.add_column("Seats", justify="right")
    for alliance, n in summary.seats.items():
        seats.add_row(alliance, str(n))
    votes = Table(title="Votes by alliance (all contests)", min_width=40)
    votes.add_column("Alliance")
    votes.add_column("Votes", justify="right")
    votes.add_column("%", justify="right")
    for alliance, n in summary.votes.items():
        votes.add_row(alliance, f"{n:,}", f"{summary.vote_shares[alliance]:.2f}")
    head = Text(summary.election_name, style="bold")
    turnout = summary.turnout
    head.append(
        f"\nActas: {summary.actas_counted:,} of {summary.actas_expected:,}; turnout "
        f"{_pct(turnout.pct)} ({turnout.voters:,} voters of {turnout.registered:,} registered "
        "in counted units)"
    )
    head.append("\nPending: " + (", ".join(summary.pending) if summary.pending else "none"))
    return Group(head, seats, votes)


def render_text(renderable: RenderableType, *, width: int = 100) -> str:
    """Plain text of a Rich renderable (no colour codes), e.g. for logs and tests."""
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def to_json(obj: ContestResult | Summary | Sequence[ContestResult]) -> str:
    """Indented JSON text of a result, a list of results or the summary (UTF-8, not escaped)."""
    data = [r.to_dict() for r in obj] if isinstance(obj, Sequence) else obj.to_dict()
    return json.dumps(data, ensure_ascii=False, indent=2)


def results_csv(results: Iterable[ContestResult]) -> str:
    """CSV text, one row per contest × region × candidate, columns as :data:`CSV_COLUMNS`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in results:
        winners = set(r.winners)
        state = r.status.state if r.status else ""
        for c in r.candidates:
            writer.writerow(
                (
                    r.contest_id,
                    r.contest_name,
                    r.region_level or "",
                    r.region_id or "",
                    r.region_name or "",
                    c.candidate_id,
                    c.name,
                    c.alliance or "",
                    c.votes,
                    f"{c.pct:.4f}",
                    int(c.candidate_id in winners),
                    r.valid,
                    r.null,
                    r.blank,
                    r.voters,
                    r.registered,
                    r.actas_counted,
                    r.actas_expected,
                    state,
                )
            )
    return out.getvalue()
