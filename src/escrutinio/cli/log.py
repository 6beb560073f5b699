"""Log commands: sign checkpoints, print proofs, show and check the log, keep cosignatures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from escrutinio.cli.common import DbOption, console, fail, open_store, write_out
from escrutinio.cli.keys import KeyOption, load_secret_key
from escrutinio.ledger.merkle import ProofError, verify_consistency, verify_inclusion
from escrutinio.ledger.note import NoteError
from escrutinio.publish.integrity import check_store
from escrutinio.store.checkpoints import (
    add_cosignature,
    cosignatures,
    latest_checkpoint,
    log_tree,
    sign_checkpoint_now,
)

log_app = typer.Typer(help="Checkpoints, proofs and integrity of the log.", no_args_is_help=True)


def log_checkpoint(key: KeyOption, db: DbOption = None) -> None:
    """Sign a checkpoint of the current log and store it; prints the signed note."""
    signer = load_secret_key(key)
    with open_store(db) as store:
        write_out(sign_checkpoint_now(store, signer))


def log_prove(
    index: Annotated[int | None, typer.Option(help="Inclusion proof of this leaf.")] = None,
    size: Annotated[int | None, typer.Option(help="Tree size (default: current).")] = None,
    old: Annotated[int | None, typer.Option("--from", help="Consistency proof from size.")] = None,
    new: Annotated[int | None, typer.Option("--to", help="... to this size.")] = None,
    db: DbOption = None,
) -> None:
    """Print an inclusion or consistency proof as JSON (hashes in hex)."""
    with open_store(db) as store:
        tree = log_tree(store)
    try:
        if index is not None:
            n = tree.size if size is None else size
            leaf = tree.leaf_hash_at(index) if 0 <= index < tree.size else b""
            path = tree.inclusion_proof(index, n)
            verify_inclusion(index, n, leaf, path, tree.root(n))
            doc: dict[str, Any] = {
                "type": "inclusion",
                "index": index,
                "size": n,
                "leaf_hash": leaf.hex(),
                "root": tree.root(n).hex(),
                "proof": [p.hex() for p in path],
            }
        elif old is not None:
            n = tree.size if new is None else new
            path = tree.consistency_proof(old, n)
            verify_consistency(old, n, path, tree.root(old), tree.root(n))
            doc = {
                "type": "consistency",
                "from": old,
                "to": n,
                "old_root": tree.root(old).hex(),
                "new_root": tree.root(n).hex(),
                "proof": [p.hex() for p in path],
            }
        else:
            raise fail("give --index N [--size M] or --from OLD [--to NEW]")
    except (ProofError, IndexError) as exc:
        raise fail(str(exc)) from None
    write_out(json.dumps(doc, indent=2))


def log_show(db: DbOption = None) -> None:
    """Log size, root, latest checkpoint and collected cosignatures."""
    with open_store(db) as store:
        tree = log_tree(store)
        latest = latest_checkpoint(store)
        cosigs = cosignatures(store)
    console.print(f"log size: {tree.size}\nroot: {tree.root().hex()}")
    if latest is None:
        console.print("no checkpoint signed yet (escrutinio log checkpoint --key SKEY)")
        return
    console.print(f"latest checkpoint ({latest.created_at}):\n{latest.note}", highlight=False)
    for c in cosigs:
        console.print(f"cosigned by {c.witness} at size {c.size}", highlight=False)


def log_check(db: DbOption = None) -> None:
    """Recompute leaf hashes and compare every stored row with its log leaf."""
    with open_store(db) as store:
        problems = check_store(store)
    if problems:
        for p in problems:
            console.print(f"[red]✗[/] {p}", highlight=False)
        raise typer.Exit(1)
    console.print("[green]✓[/] the store matches its log and its signed checkpoints")


def log_add_cosignature(
    file: Annotated[Path, typer.Argument(help="A cosigned checkpoint note.")],
    witness_key: Annotated[Path, typer.Option(help="The witness's verifier key file.")],
    db: DbOption = None,
) -> None:
    """Verify and keep a witness cosignature so that `publish` includes it."""
    try:
        note = file.read_text(encoding="utf-8")
        vkey = witness_key.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read: {exc}") from None
    with open_store(db) as store:
        try:
            row = add_cosignature(store, note, vkey)
        except (NoteError, ValueError) as exc:
            raise fail(f"{file}: {exc}") from None
    console.print(f"cosignature by {row.witness} on the checkpoint of size {row.size} stored")


def register(app: typer.Typer) -> None:
    """Add the log group (checkpoint, prove, show, check, add-cosignature)."""
    log_app.command("checkpoint")(log_checkpoint)
    log_app.command("prove")(log_prove)
    log_app.command("show")(log_show)
    log_app.command("check")(log_check)
    log_app.command("add-cosignature")(log_add_cosignature)
    app.add_typer(log_app, name="log")
