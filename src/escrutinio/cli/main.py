"""The ``escrutinio`` command: one Typer app, one module per group of commands."""

from __future__ import annotations

import typer

from escrutinio.cli.audit import register as register_audit
from escrutinio.cli.claims import register as register_claims
from escrutinio.cli.common import guard_commands
from escrutinio.cli.examine import register as register_examine
from escrutinio.cli.images import register as register_images
from escrutinio.cli.intake import register as register_intake
from escrutinio.cli.interop import register as register_interop
from escrutinio.cli.ledger import register as register_ledger
from escrutinio.cli.results import register as register_results
from escrutinio.cli.senders import register as register_senders
from escrutinio.cli.serve import register as register_serve
from escrutinio.cli.submit import register as register_submit

app = typer.Typer(
    name="escrutinio",
    help="Election results from tally sheets (actas) that anyone can check.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for register in (
    register_intake,
    register_results,
    register_ledger,
    register_audit,
    register_examine,
    register_images,
    register_claims,
    register_serve,
    register_senders,
    register_interop,
    register_submit,
):
    register(app)
guard_commands(app)


def main() -> None:
    """Console-script entry point."""
    app()
