"""Key commands: create and show log, witness and sender keys; read key files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from escrutinio.cli.common import console, fail
from escrutinio.ledger.cosignature import CosignatureSigner
from escrutinio.ledger.keys import (
    KeyFileError,
    generate_key,
    load_signer_key,
    load_verifier_key,
    write_signer_key,
    write_verifier_key,
)
from escrutinio.ledger.note import Ed25519Signer, KeyFormatError
from escrutinio.verify.notes import NoteProblem, PublicKey, parse_key

keys_app = typer.Typer(help="Create and show log and witness keys.", no_args_is_help=True)

KeyOption = Annotated[Path, typer.Option("--key", help="Secret key file of the log (mode 0600).")]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def load_secret_key(path: Path) -> Ed25519Signer:
    """Load a secret key file (log or witness), turning key-file problems into a clean error."""
    try:
        return load_signer_key(path)
    except KeyFileError as exc:
        raise fail(str(exc)) from None


def public_key(path: Path) -> PublicKey:
    """Read a verifier key file (log or witness), turning problems into a clean error."""
    try:
        return parse_key(path.read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"{path}: cannot read verifier key ({exc})") from None
    except NoteProblem as exc:
        raise fail(f"{path}: {exc}") from None


def generate_pair(name: str, out: Path, witness: bool) -> tuple[Path, Path]:
    """Write NAME.skey and NAME.vkey (a witness's verifier key when ``witness``) into ``out``."""
    try:
        signer = generate_key(name)
    except KeyFormatError as exc:
        raise fail(f"invalid key name: {exc}") from None
    out.mkdir(parents=True, exist_ok=True)
    skey, vkey = out / f"{_safe(name)}.skey", out / f"{_safe(name)}.vkey"
    try:
        write_signer_key(skey, signer)
        public = CosignatureSigner.from_signer(signer).verifier() if witness else signer.verifier()
        write_verifier_key(vkey, public)
    except KeyFileError as exc:
        raise fail(str(exc)) from None
    return skey, vkey


def keys_generate(
    name: Annotated[
        str | None, typer.Option(help="Key name; for a log, its origin.", show_default=False)
    ] = None,
    out: Annotated[Path, typer.Option(help="Directory for NAME.skey and NAME.vkey.")] = Path("."),
    witness: Annotated[bool, typer.Option(help="A witness (cosignature) key.")] = False,
    sender: Annotated[
        str | None,
        typer.Option(help="A sender's key (named after the sender) that signs its actas."),
    ] = None,
) -> None:
    """Generate an Ed25519 key pair (secret key file mode 0600)."""
    if (name is None) == (sender is None):
        raise fail("give exactly one of --name NAME or --sender NAME")
    if sender is not None and witness:
        raise fail("--sender and --witness exclude each other")
    skey, vkey = generate_pair(name or sender or "", out, witness)
    console.print(f"secret key: {skey}\nverifier key: {vkey}\n{vkey.read_text().strip()}")


def keys_show(path: Annotated[Path, typer.Argument(help="A .skey or .vkey file.")]) -> None:
    """Show a key's name, key ID and verifier key string (never the secret)."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"{path}: cannot read key file ({exc})") from None
    if text.startswith("PRIVATE+KEY+"):
        vkey = load_secret_key(path).verifier().verifier_key()
    else:
        try:
            vkey = load_verifier_key(path).verifier_key()
        except KeyFileError:
            vkey = text
        public_key(path)
    key = parse_key(vkey)
    kind = "witness (cosignature)" if key.sig_type == 4 else "log (signed note)"
    console.print(f"name: {key.name}\nkey ID: {key.key_id:08x}\ntype: {kind}\n{vkey}")


def register(app: typer.Typer) -> None:
    """Add the keys group (generate, show)."""
    keys_app.command("generate")(keys_generate)
    keys_app.command("show")(keys_show)
    app.add_typer(keys_app, name="keys")
