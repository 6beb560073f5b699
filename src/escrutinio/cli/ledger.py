"""Transparency-log commands: keys, log checkpoints and proofs, witness, publish, verify."""

from __future__ import annotations

import json
import re
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from escrutinio.cli.claims import claims_report
from escrutinio.cli.common import DbOption, console, fail, open_store, write_out
from escrutinio.cli.images import ImagesOption, image_folder
from escrutinio.images.store import ImageStore
from escrutinio.ledger.cosignature import CosignatureSigner
from escrutinio.ledger.keys import (
    KeyFileError,
    generate_key,
    load_signer_key,
    load_verifier_key,
    write_signer_key,
    write_verifier_key,
)
from escrutinio.ledger.merkle import ProofError, verify_consistency, verify_inclusion
from escrutinio.ledger.note import Ed25519Signer, KeyFormatError, NoteError
from escrutinio.publish.integrity import check_store
from escrutinio.publish.outdir import PublishError
from escrutinio.publish.site import publish as publish_site
from escrutinio.store.checkpoints import (
    add_cosignature,
    cosignatures,
    latest_checkpoint,
    log_tree,
    sign_checkpoint_now,
)
from escrutinio.verify.acta import verify_receipt
from escrutinio.verify.notes import NoteProblem, PublicKey, parse_key
from escrutinio.verify.source import MAX_FILE_BYTES, Unreachable
from escrutinio.verify.submissions import SubmissionProblem
from escrutinio.verify.verifier import Report, verify_acta, verify_publication
from escrutinio.website.build import SiteOptions
from escrutinio.website.publication import publication_site
from escrutinio.website.reports import ReportError, read_reports
from escrutinio.witness.witness import WitnessRefusal, cosign_publication

keys_app = typer.Typer(help="Create and show log and witness keys.", no_args_is_help=True)
log_app = typer.Typer(help="Checkpoints, proofs and integrity of the log.", no_args_is_help=True)
witness_app = typer.Typer(help="Run an independent witness.", no_args_is_help=True)

KeyOption = Annotated[Path, typer.Option("--key", help="Secret key file of the log (mode 0600).")]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def load_secret_key(path: Path) -> Ed25519Signer:
    """Load a secret key file (log or witness), turning key-file problems into a clean error."""
    try:
        return load_signer_key(path)
    except KeyFileError as exc:
        raise fail(str(exc)) from None


def _public(path: Path) -> PublicKey:
    try:
        return parse_key(path.read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"{path}: cannot read verifier key ({exc})") from None
    except NoteProblem as exc:
        raise fail(f"{path}: {exc}") from None


def _generate(name: str, out: Path, witness: bool) -> tuple[Path, Path]:
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
    skey, vkey = _generate(name or sender or "", out, witness)
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
        _public(path)
    key = parse_key(vkey)
    kind = "witness (cosignature)" if key.sig_type == 4 else "log (signed note)"
    console.print(f"name: {key.name}\nkey ID: {key.key_id:08x}\ntype: {kind}\n{vkey}")


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


def witness_init(
    name: Annotated[str, typer.Option(help="The witness's name, e.g. witness.example/party.")],
    out: Annotated[Path, typer.Option(help="Directory for the witness key files.")],
) -> None:
    """Create a witness key pair (cosignature verifier key, type 0x04)."""
    skey, vkey = _generate(name, out, witness=True)
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


def publish(
    out: Annotated[Path, typer.Argument(help="Output directory.")],
    key: KeyOption,
    witness_key: Annotated[
        list[Path] | None, typer.Option(help="Witness verifier key files to publish.")
    ] = None,
    reports: Annotated[
        list[Path] | None,
        typer.Option(
            "--reports",
            help="Report folder (escrutinio reconcile/forensics --out) to include in the site "
            "under reports/<folder name>/; repeatable.",
        ),
    ] = None,
    images: ImagesOption = None,
    claims: Annotated[
        Path | None,
        typer.Option(
            "--claims",
            help="A claims file (escrutinio claims --file): check it against the final count "
            "and put the verdicts page in the site under reports/claims/.",
        ),
    ] = None,
    full_check: Annotated[
        bool,
        typer.Option(
            "--full-check",
            help="Check every stored row against the log and re-read every published file "
            "(default: incremental from the last check that passed).",
        ),
    ] = False,
    archive: Annotated[
        bool,
        typer.Option(
            "--archive", help="Also write archive/publication.tar of the whole publication."
        ),
    ] = False,
    final: Annotated[
        bool,
        typer.Option("--final", help="The final publication: --full-check and --archive."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Sign a checkpoint and write the log, actas, definition, results, bulletins, the acta
    images with their QR checks and the results website (with the report folders given by
    --reports and the claims page of --claims)."""
    try:
        included = read_reports(reports or [])
    except (ReportError, OSError) as exc:
        raise fail(f"cannot include report: {exc}") from None
    if claims is not None:
        if any(r.name == "claims" for r in included):
            raise fail("cannot include report: a --reports folder is already named 'claims'")
        included = (*included, claims_report(claims, db))
    archive = archive or final
    site = partial(publication_site, options=SiteOptions(reports=included, archive=archive))
    signer = load_secret_key(key)
    extra = {}
    for path in witness_key or []:
        k = _public(path)
        extra[k.name] = path.read_text(encoding="ascii").strip()
    with open_store(db) as store:
        try:
            report = publish_site(
                store,
                out,
                signer,
                extra,
                website=site,
                images=ImageStore(image_folder(images, db)),
                full_check=full_check or final,
                archive=archive,
            )
        except (PublishError, OSError) as exc:
            raise fail(f"cannot publish to {out}: {exc}") from None
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    console.print(
        f"published log of size {report.size} to {out}: {len(report.written)} files written, "
        f"{report.unchanged} unchanged, {len(report.removed)} removed; store check: "
        f"{report.check}",
        highlight=False,
    )
    if report.archive_sha256 is not None:
        console.print(f"archive/publication.tar sha256 {report.archive_sha256}", highlight=False)


def _print_report(report: Report) -> None:
    table = Table(title=f"verify {report.location}")
    table.add_column("check")
    table.add_column("")
    table.add_column("detail")
    for c in report.checks:
        mark = "[green]✓[/]" if c.ok else "[bold red]✗[/]"
        table.add_row(c.name, mark, c.detail)
    console.print(table)
    for rel in report.uncovered:
        console.print(f"[yellow]warning:[/] {rel!r} is in the folder but no check covers it")
    if report.could_not_run:
        console.print("[bold red]COULD NOT RUN[/]")
        return
    verdict = "[bold green]VERIFIED[/]" if report.ok else "[bold red]FAILED[/]"
    console.print(verdict)


def _verify_receipts(location: str, log: PublicKey, paths: list[Path], as_json: bool) -> None:
    """Check each receipt against the publication; exit 1 unless every one is included."""
    results: list[dict[str, Any]] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise fail(f"{path}: cannot read the receipt ({exc.strerror})") from None
        try:
            check = verify_receipt(location, log, data)
        except Unreachable as exc:
            raise fail(str(exc), code=2) from None
        except SubmissionProblem as exc:
            results.append({"receipt": str(path), "status": "invalid", "detail": str(exc)})
            continue
        except ValueError as exc:
            raise fail(f"{location}: the publication does not verify: {exc}", code=1) from None
        results.append({"receipt": str(path), **check.__dict__})
    if as_json:
        write_out(json.dumps(results, indent=2))
    else:
        for r in results:
            mark = "[green]✓[/]" if r["status"] == "included" else "[bold red]✗[/]"
            if r["status"] == "pending":
                mark = "[yellow]…[/]"
            console.print(f"{mark} {r['receipt']}: {r['detail']}", highlight=False)
    if any(r["status"] != "included" for r in results):
        raise typer.Exit(1)


def verify(
    location: Annotated[str, typer.Argument(help="Published directory or http(s) URL.")],
    log_key: Annotated[Path, typer.Option(help="The log's verifier key file (trusted).")],
    witness_key: Annotated[
        list[Path] | None, typer.Option(help="Trusted witness verifier key files.")
    ] = None,
    min_witnesses: Annotated[int, typer.Option(help="Cosignatures required (k of n).")] = 0,
    state: Annotated[
        Path | None, typer.Option(help="Directory remembering checkpoints seen before.")
    ] = None,
    acta: Annotated[
        Path | None, typer.Option(help="A party's copy of an acta (JSON) to look up.")
    ] = None,
    receipt: Annotated[
        list[Path] | None,
        typer.Option(help="A receipt from the submission endpoint to check (repeatable)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    max_file_size: Annotated[
        int, typer.Option(help="Largest published data file read, in bytes.", min=1)
    ] = MAX_FILE_BYTES,
) -> None:
    """Independently verify a publication, prove that an acta is in it (--acta), or check
    receipts of the submission endpoint against it (--receipt).

    Exit status: 0 verified, 1 a check failed, 2 could not run (bad options or key files,
    the publication folder or server unreachable)."""
    log = _public(log_key)
    witnesses = [_public(p) for p in witness_key or []]
    if min_witnesses > len(witnesses):
        raise fail(f"--min-witnesses {min_witnesses} needs at least that many --witness-key")
    if receipt:
        _verify_receipts(location, log, receipt, as_json)
        return
    if acta is not None:
        try:
            doc = json.loads(acta.read_text(encoding="utf-8"))
            proof = verify_acta(location, log, doc)
        except Unreachable as exc:
            raise fail(str(exc), code=2) from None
        except (OSError, ValueError, RecursionError) as exc:
            raise fail(f"{acta}: {exc}", code=1) from None
        if as_json:
            write_out(json.dumps(proof.to_dict(), indent=2))
        elif proof.found:
            console.print(
                f"[green]✓[/] the acta is log entry {proof.index} (version {proof.version}, "
                f"{'counting' if proof.counting else 'not counting'}), unchanged; inclusion "
                f"proof of {len(proof.proof)} hashes verified against the signed root of size "
                f"{proof.size}",
                highlight=False,
            )
            for h in proof.proof:
                console.print(f"  {h}", highlight=False)
        else:
            console.print("[bold red]✗[/] this acta is NOT in the log", highlight=False)
            for other in proof.others:
                console.print(
                    f"  log entry {other['index']} (version {other['version']}) has the same "
                    f"unit/contest/source but differs: {'; '.join(other['differences'])}",
                    highlight=False,
                )
        if not proof.found:
            raise typer.Exit(1)
        return
    report = verify_publication(location, log, witnesses, min_witnesses, state, max_file_size)
    if as_json:
        write_out(
            json.dumps(
                {
                    "ok": report.ok,
                    "size": report.size,
                    "witnesses": report.witnesses,
                    "could_not_run": report.could_not_run,
                    "uncovered": report.uncovered,
                    "checks": [c.__dict__ for c in report.checks],
                },
                indent=2,
            )
        )
    else:
        _print_report(report)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def register(app: typer.Typer) -> None:
    """Add the keys, log, witness, publish and verify commands."""
    keys_app.command("generate")(keys_generate)
    keys_app.command("show")(keys_show)
    log_app.command("checkpoint")(log_checkpoint)
    log_app.command("prove")(log_prove)
    log_app.command("show")(log_show)
    log_app.command("check")(log_check)
    log_app.command("add-cosignature")(log_add_cosignature)
    witness_app.command("init")(witness_init)
    witness_app.command("cosign")(witness_cosign)
    app.add_typer(keys_app, name="keys")
    app.add_typer(log_app, name="log")
    app.add_typer(witness_app, name="witness")
    app.command("publish")(publish)
    app.command("verify")(verify)
