"""``escrutinio senders``: register, revoke and list the senders whose signed actas the
submission endpoint accepts (each change is a log leaf)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from escrutinio.cli.common import DbOption, console, fail, open_store, write_out
from escrutinio.store.senders import list_senders, register_sender, revoke_sender

senders_app = typer.Typer(
    help="Senders allowed to submit signed actas: register, revoke, list.", no_args_is_help=True
)


def _names(value: str | None, file: Path | None, what: str) -> list[str]:
    names = [v.strip() for v in (value or "").split(",") if v.strip()]
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise fail(f"{file}: cannot read the {what} file ({exc})") from None
        names += [line.strip() for line in text.splitlines() if line.strip()]
    return names


def senders_add(
    name: Annotated[str, typer.Argument(help="Sender name (its key's name).")],
    key: Annotated[Path, typer.Option(help="The sender's verifier key file (.vkey).")],
    source: Annotated[
        str, typer.Option(help="official, witness:PARTY or citizen:ORG: the actas' source.")
    ],
    units: Annotated[
        str | None, typer.Option(help="Comma-separated polling units it may send for.")
    ] = None,
    units_file: Annotated[
        Path | None, typer.Option(help="A file of polling unit ids, one per line.")
    ] = None,
    regions: Annotated[
        str | None, typer.Option(help="Comma-separated regions whose units it may send for.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Register a sender's public key, source and scope (a log leaf)."""
    try:
        vkey = key.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"{key}: cannot read the verifier key ({exc})") from None
    unit_list = _names(units, units_file, "units")
    region_list = _names(regions, None, "regions")
    with open_store(db) as store:
        sender = register_sender(store, name, vkey, source, units=unit_list, regions=region_list)
    scope = (
        f"{len(sender.units)} unit(s)" if sender.units else f"regions {', '.join(sender.regions)}"
    )
    console.print(
        f"registered sender {sender.name} (key {sender.key_id}) for source {sender.source}, "
        f"{scope}, log index {sender.log_index}"
    )


def senders_revoke(
    name: Annotated[str, typer.Argument(help="Sender name.")],
    reason: Annotated[str, typer.Option(help="Why the key is revoked (logged).")] = "",
    db: DbOption = None,
) -> None:
    """Revoke a sender's key (a log leaf): envelopes received afterwards are refused."""
    with open_store(db) as store:
        sender = revoke_sender(store, name, reason)
    console.print(
        f"revoked sender {sender.name} at {sender.revoked_at}, log index {sender.revocation_index}"
    )


def senders_list(
    db: DbOption = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Output format: table or json.")
    ] = "table",
) -> None:
    """List registered senders with their key, source, scope and revocation."""
    if fmt not in ("table", "json"):
        raise fail(f"--format must be table or json, not {fmt!r}")
    with open_store(db) as store:
        senders = list_senders(store)
    if fmt == "json":
        write_out(json.dumps([s.to_dict() for s in senders], indent=2))
        return
    table = Table("name", "key id", "source", "scope", "registered", "revoked")
    for s in senders:
        scope = ", ".join(s.units[:3]) + (" …" if len(s.units) > 3 else "")
        if s.regions:
            scope = "regions " + ", ".join(s.regions)
        table.add_row(s.name, s.key_id, s.source, scope, s.registered_at, s.revoked_at or "")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the senders commands."""
    senders_app.command("add")(senders_add)
    senders_app.command("revoke")(senders_revoke)
    senders_app.command("list")(senders_list)
    app.add_typer(senders_app, name="senders")
