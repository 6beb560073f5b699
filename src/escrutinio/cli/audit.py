"""``escrutinio audit``: create, draw, retrieval, record, enter, status, report.

Table methods audit polling tables against their actas; ballot methods (``ballot-polling``,
``ballot-comparison``, ``minerva``, ``providence``, ``hybrid``) draw ballots from a ballot manifest
(``--manifest``) and, for comparison, check them against cast vote records (``--cvrs``);
file formats in :mod:`escrutinio.audit.files.handcounts` and
:mod:`escrutinio.audit.files.ballot_files`. Parameter errors come from the audit package in
its own terms; :mod:`escrutinio.cli.audit_common` names the flag.

Every state-changing step (create, draw, record, conclusion) is one transparency-log leaf
stored with its rows; re-running a step with the same input changes nothing.

The commands live in ``audit_create`` (create), ``audit_rounds`` (draw, retrieval, status,
report) and ``audit_entry`` (record, enter); this module makes the group.
"""

from __future__ import annotations

import typer

from escrutinio.cli.audit_create import create
from escrutinio.cli.audit_entry import enter, record
from escrutinio.cli.audit_rounds import draw_cmd, report, retrieval, status_cmd

audit_app = typer.Typer(
    help="Post-election audits: risk-limiting table and ballot audits, full hand counts, "
    "fixed percentages. Steps: create → draw → retrieval → record/enter → status → report.",
    no_args_is_help=True,
)
audit_app.command()(create)
audit_app.command("draw")(draw_cmd)
audit_app.command()(retrieval)
audit_app.command()(record)
audit_app.command()(enter)
audit_app.command("status")(status_cmd)
audit_app.command()(report)


def register(app: typer.Typer) -> None:
    """Add the ``audit`` command group to the app."""
    app.add_typer(audit_app, name="audit")
