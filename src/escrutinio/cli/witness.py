"""Witness commands: create a witness key pair, cosign a publication's checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from escrutinio.cli.common import console, fail, write_out
from escrutinio.cli.keys import generate_pair, load_secret_key
from escrutinio.ledger.cosignature import CosignatureSigner
from escrutinio.ledger.keys import KeyFileError, load_verifier_key
from escrutinio.witness.witness import WitnessRefusal, cosign_publication

witness_app = typer.Typer(help="Run an independent witness.", no_args_is_help=True)


def witness_init(
    name: Annotated[str, typer.Option(help="The witness's name, e.g. witness.example/party.")],
    out: Annotated[Path, typer.Option(help="Directory for the witness key files.")],
) -> None:
    """Create a witness key pair (cosignature verifier key, type 0x04)."""
    skey, vkey = generate_pair(name, out, witness=True)
    console.print(f"witness secret key: {skey}\nwitness verifier key: {vkey}")


def witness_cosign(
    published: Annotated[str, typer.Argument(help="Published directory or http(s) URL.")],
    key: Annotated[Path, typer.Option("--key", help="The witness's secret key file.")],
    log_key: Annotated[Path, typer.Option(help="The log's verifier key file.")],
    state: Annotated[Path, typer.Option(help="The witness's state directory.")],
    print_only: Annotated[
        bool, typer.Option("--print", help="Print the cosigned note; write nothing.")
    ] = False,
) -> None:
    """Verify the latest checkpoint and its consistency with the last one cosigned, then cosign."""
    signer = CosignatureSigner.from_signer(load_secret_key(key))
    try:
        log_verifier = load_verifier_key(log_key)
        done = cosign_publication(published, signer, log_verifier, state, write=not print_only)
    except KeyFileError as exc:
        raise fail(str(exc)) from None
    except WitnessRefusal as exc:
        raise fail(f"refusing to cosign: {exc}", code=1) from None
    if print_only or done.written_to is None:
        write_out(done.note)
        return
    since = "" if done.previous_size is None else f" (consistent with size {done.previous_size})"
    console.print(
        f"cosigned checkpoint of size {done.checkpoint.size}{since}: {done.written_to}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the witness group (init, cosign)."""
    witness_app.command("init")(witness_init)
    witness_app.command("cosign")(witness_cosign)
    app.add_typer(witness_app, name="witness")
