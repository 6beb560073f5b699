"""The claims page: checked claims as a report folder (``index.html`` in the results
site's look, ``claims.json``, ``claimreview.json``) that ``publish --reports`` or
``publish --claims`` puts in the site."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import jinja2

from escrutinio.claims.check import ClaimCheck
from escrutinio.claims.claimreview import claim_review
from escrutinio.claims.verdicts import VERDICTS

MAX_READINGS = 12
"""Readings shown per claim on the page (claims.json has them all)."""


def report_files(checks: Sequence[ClaimCheck], election: str) -> dict[str, bytes]:
    """The files of the claims report: index.html, claims.json, claimreview.json."""
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.PackageLoader("escrutinio.claims", "templates"),
                jinja2.PackageLoader("escrutinio", "data"),  # report.css, shared
            ]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    docs = [c.to_dict() for c in checks]
    for d in docs:
        d.setdefault("changes", [])
    reviews = [claim_review(c, election) for c in checks]
    counts = Counter(c.verdict for c in checks)
    html = env.get_template("claims.html.j2").render(
        election=election,
        claims=docs,
        counts=[(v, counts[v]) for v in VERDICTS],
        max_readings=MAX_READINGS,
        jsonld=json.dumps(reviews, ensure_ascii=False).replace("</", "<\\/"),
    )
    return {
        "index.html": html.encode("utf-8"),
        "claims.json": (json.dumps(docs, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
        "claimreview.json": (json.dumps(reviews, ensure_ascii=False, indent=2) + "\n").encode(),
    }


def write_report(checks: Sequence[ClaimCheck], election: str, out: Path) -> list[Path]:
    """Write the claims report folder ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in report_files(checks, election).items():
        (out / name).write_bytes(data)
        written.append(out / name)
    return written
