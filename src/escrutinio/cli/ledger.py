"""Transparency-log commands: keys, log checkpoints and proofs, witness, publish, verify
(one module each; this one adds them to the app in their order)."""

from __future__ import annotations

import typer

from escrutinio.cli import keys, log, publish, verify, witness


def register(app: typer.Typer) -> None:
    """Add the keys, log, witness, publish and verify commands."""
    for module in (keys, log, witness, publish, verify):
        module.register(app)
