"""Retrieval documents of ballot-level audits: ``retrieval.csv`` (one row per drawn ballot),
a printable page per batch listing the ballot positions to pull, and a template for the
audit board's readings (format in :mod:`escrutinio.audit.files.ballot_files`). Rendering only; the
draw comes from :mod:`escrutinio.audit.workflow.ballots` (Rivest's consistent sampler,
arXiv:1808.10016).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import jinja2

from escrutinio.audit.files.ballot_files import MARK_COLUMNS
from escrutinio.audit.files.documents import page_name
from escrutinio.audit.workflow.state import POOLED, AuditState, ballot_contest_lookup
from escrutinio.model.definition import Definition

RETRIEVAL_COLUMNS = ["round", "order", "ballot_id", "batch", "position", "times_drawn", "contests"]


def ballot_retrieval_rows(state: AuditState, round_no: int | None = None) -> list[dict[str, Any]]:
    """One row per distinct ballot first drawn in round ``round_no`` (default: every round),
    in draw order, with how often it was drawn so far (sampling with replacement)."""
    times: dict[str, int] = {}
    first: dict[str, tuple[int, int]] = {}
    for number, rnd in enumerate(state.rounds, start=1):
        for order, b in enumerate(rnd.get(POOLED, []), start=1):
            times[b] = times.get(b, 0) + 1
            first.setdefault(b, (number, order))
    rows = []
    lookup = ballot_contest_lookup(state)
    for b, (number, order) in first.items():
        if round_no is not None and number != round_no:
            continue
        batch, _, pos = b.rpartition(":")
        rows.append(
            {
                "round": number,
                "order": order,
                "ballot_id": b,
                "batch": batch,
                "position": int(pos),
                "times_drawn": times[b],
                "contests": " ".join(lookup(b)),
            }
        )
    return rows


def marks_template(state: AuditState) -> list[dict[str, str]]:
    """One row per (ballot, contest) still to be read, ``option`` left empty to fill in."""
    return [{"ballot_id": b, "contest": c, "option": ""} for b, c in state.missing()]


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def write_ballot_retrieval(
    state: AuditState, definition: Definition, out: Path, *, round_no: int | None = None
) -> list[Path]:
    """Write ``retrieval.csv``, ``ballot_marks_template.csv`` and ``batches/<batch>.html``."""
    out.mkdir(parents=True, exist_ok=True)
    rows = ballot_retrieval_rows(state, round_no)
    written = [out / "retrieval.csv", out / "ballot_marks_template.csv"]
    written[0].write_text(_csv(rows, RETRIEVAL_COLUMNS), encoding="utf-8")
    written[1].write_text(_csv(marks_template(state), list(MARK_COLUMNS)), encoding="utf-8")
    by_batch: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_batch.setdefault(r["batch"], []).append(r)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("escrutinio.audit.files", "templates"), autoescape=True
    )
    template = env.get_template("ballot_retrieval.html.j2")
    pages = out / "batches"
    pages.mkdir(exist_ok=True)
    for batch, items in by_batch.items():
        items.sort(key=lambda r: int(r["position"]))
        contests = {c for r in items for c in str(r["contests"]).split()}
        options = {
            c: {"name": definition.contests[c].name, "options": state.reported[c].option_ids}
            for c in state.contests
            if c in contests
        }
        path = pages / page_name(batch)
        path.write_text(
            template.render(
                audit=state.name,
                batch=batch,
                ballots=state.manifest.get(batch, 0),
                items=items,
                contests=options,
                method=state.method,
                risk_limit=state.risk_limit,
                seed=state.seed,
            ),
            encoding="utf-8",
        )
        written.append(path)
    return written
