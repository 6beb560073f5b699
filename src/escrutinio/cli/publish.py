"""The publish command: sign a checkpoint and write the whole publication."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from escrutinio.cli.claims import claims_report
from escrutinio.cli.common import DbOption, console, fail, open_store
from escrutinio.cli.images import ImagesOption, image_folder
from escrutinio.cli.keys import KeyOption, load_secret_key, public_key
from escrutinio.images.store import ImageStore
from escrutinio.publish.outdir import PublishError
from escrutinio.publish.site import publish as publish_site
from escrutinio.website.build import SiteOptions
from escrutinio.website.publication import publication_site
from escrutinio.website.reports import ReportError, read_reports


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
        k = public_key(path)
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


def register(app: typer.Typer) -> None:
    """Add the publish command."""
    app.command("publish")(publish)
