"""Audit documents: retrieval lists (CSV), printable hand-count pages per table (HTML), the
hand-count template and the final report (HTML and JSON). Rendering only; the numbers come
from :mod:`escrutinio.audit.workflow` (see its references). Page names come from
:func:`page_name`, so no id can write outside the output folder.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import jinja2

from escrutinio.audit.files.handcounts import COLUMNS, template_rows
from escrutinio.audit.workflow.reported import region_names
from escrutinio.audit.workflow.state import POOLED, AuditState, AuditStatus
from escrutinio.model.definition import Definition


def page_name(unit: str) -> str:
    """The file name of a unit's page: the id with ``%``, ``/`` and ``\\`` percent-encoded,
    so the page stays inside its folder."""
    safe = unit.replace("%", "%25").replace("/", "%2F").replace("\\", "%5C")
    return f"{safe}.html"


def env() -> jinja2.Environment:
    """The templates of the audit documents (HTML autoescaped)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("escrutinio.audit.files", "templates"),
        autoescape=True,
        keep_trailing_newline=True,
    )


def retrieval_rows(
    state: AuditState,
    definition: Definition,
    *,
    show_reported: bool = False,
    round_no: int | None = None,
) -> list[dict[str, Any]]:
    """One row per drawn table of round ``round_no`` (default all rounds), in draw order,
    for the contests it has not been drawn for before (a repeat of a draw with replacement,
    MACRO's or table comparison's, is hand counted once and listed once)."""
    rows: list[dict[str, Any]] = []
    counted: set[tuple[str, str]] = set()
    for number, rnd in enumerate(state.rounds, start=1):
        fresh: dict[str, list[str]] = {}  # table → contests new to it, first draw first
        for key, units in rnd.items():
            for u in units:
                for c in state.contests_of(u) if key == POOLED else [key]:
                    if (u, c) not in counted:
                        counted.add((u, c))
                        fresh.setdefault(u, []).append(c)
        if round_no is not None and number != round_no:
            continue
        for order, (u, cids) in enumerate(fresh.items(), start=1):
            row: dict[str, Any] = {
                "round": number,
                "order": order,
                "unit": u,
                "regions": " / ".join(region_names(definition, u)),
                "contests": " ".join(cids),
            }
            if show_reported:
                parts = []
                for cid in cids:
                    rc = state.reported[cid]
                    votes = rc.counts[rc.position[u]]
                    parts.append(
                        " ".join(f"{o}={int(v)}" for o, v in zip(rc.option_ids, votes, strict=True))
                    )
                row["reported"] = "; ".join(parts)
            rows.append(row)
    return rows


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def write_retrieval(
    state: AuditState,
    definition: Definition,
    out: Path,
    *,
    show_reported: bool = False,
    round_no: int | None = None,
) -> list[Path]:
    """Write ``retrieval.csv`` and ``tables/<unit>.html`` for round ``round_no`` (default
    all) and ``hand_counts_template.csv`` for every table still to be counted."""
    out.mkdir(parents=True, exist_ok=True)
    rows = retrieval_rows(state, definition, show_reported=show_reported, round_no=round_no)
    cols = ["round", "order", "unit", "regions", "contests"] + (
        ["reported"] if show_reported else []
    )
    written = [out / "retrieval.csv", out / "hand_counts_template.csv"]
    written[0].write_text(_csv(rows, cols), encoding="utf-8")
    written[1].write_text(_csv(template_rows(state), list(COLUMNS)), encoding="utf-8")
    pages = out / "tables"
    pages.mkdir(exist_ok=True)
    template = env().get_template("retrieval.html.j2")
    for row in rows:
        contests = []
        for cid in row["contests"].split():
            rc = state.reported[cid]
            votes = rc.counts[rc.position[row["unit"]]]
            contests.append(
                {
                    "id": cid,
                    "name": definition.contests[cid].name,
                    "options": [
                        {"id": o, "reported": int(v)}
                        for o, v in zip(rc.option_ids, votes, strict=True)
                    ],
                }
            )
        path = pages / page_name(row["unit"])
        path.write_text(
            template.render(
                audit=state.name,
                unit=row["unit"],
                round=row["round"],
                order=row["order"],
                regions=region_names(definition, row["unit"]),
                method=state.method,
                risk_limit=state.risk_limit,
                seed=state.seed,
                contests=contests,
                show_reported=show_reported,
            ),
            encoding="utf-8",
        )
        written.append(path)
    return written


def report_document(state: AuditState, st: AuditStatus, info: dict[str, Any]) -> dict[str, Any]:
    """The final report's JSON content."""
    return {
        "format": "escrutinio-audit-report/1",
        "audit": info,
        "rounds": state.rounds,
        "status": st.to_dict(),
        "conclusion": st.conclusion,
    }


def write_report(state: AuditState, st: AuditStatus, info: dict[str, Any], out: Path) -> list[Path]:
    """Write ``report.json`` and ``report.html`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    doc = report_document(state, st, info)
    discrepancies = [
        {
            "unit": d.unit,
            "contest": d.contest,
            "text": ", ".join(
                f"{o} {v:+d}"
                for o, v in zip(state.reported[d.contest].option_ids, d.difference, strict=True)
                if v
            ),
        }
        for c in st.contests
        for d in c.discrepancies
    ]
    json_path, html_path = out / "report.json", out / "report.html"
    json_path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    html_path.write_text(
        env()
        .get_template("report.html.j2")
        .render(info=info, status=doc["status"], rounds=state.rounds, discrepancies=discrepancies),
        encoding="utf-8",
    )
    return [json_path, html_path]
