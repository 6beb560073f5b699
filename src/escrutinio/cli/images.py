"""Acta images: ``images add`` (attach image files to a stored acta version) and
``qr-check`` (decode the QR codes of the attached images and compare them with the actas)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress
from rich.table import Table

from escrutinio.cli.common import (
    EXIT_REJECTED,
    DbOption,
    FormatOption,
    console,
    fail,
    open_store,
    write_out,
)
from escrutinio.images import ImageError
from escrutinio.images.store import DEFAULT_MAX_BYTES, ImageStore, sniff
from escrutinio.store import definitions as store_definitions
from escrutinio.store import images as store_images
from escrutinio.store.database import resolve_url

IMAGES_ENV = "ESCRUTINIO_IMAGES"
FLAGGED = ("mismatch", "unreadable")

ImagesOption = Annotated[
    Path | None,
    typer.Option(
        "--images",
        envvar=IMAGES_ENV,
        help="Image folder (content-addressed by SHA-256). Default: beside a SQLite "
        "database, <name>-images/; for a server URL, ./escrutinio-images/.",
        show_default=False,
    ),
]


def image_folder(images: Path | None, db: str | None) -> Path:
    """The image folder given, or the default one for the database (see `ImagesOption`)."""
    if images is not None:
        return images
    url = resolve_url(db)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return path.with_name(f"{path.stem}-images")
    return Path("escrutinio-images")


def _read_image(path: Path, limit: int) -> tuple[bytes, str]:
    """An image file's bytes and sniffed media type, or a clean exit naming the file."""
    try:
        if not path.is_file():
            raise fail(f"{path}: no such file")
        if path.stat().st_size > limit:
            raise fail(f"{path}: image_too_large: {path.stat().st_size:,} bytes > {limit:,}")
        data = path.read_bytes()
    except OSError as exc:
        raise fail(f"{path}: cannot read ({exc.strerror})") from None
    media_type = sniff(data)
    if media_type is None:
        raise fail(f"{path}: image_type: not a JPEG, PNG or PDF file")
    return data, media_type


def images_add(
    unit: Annotated[str, typer.Argument(help="Polling unit (table) id.")],
    contest: Annotated[str, typer.Argument(help="Contest id.")],
    source: Annotated[str, typer.Argument(help="Source, e.g. official or witness:MUD.")],
    version: Annotated[int, typer.Argument(help="The acta version the images show.")],
    files: Annotated[list[Path], typer.Argument(help="JPEG, PNG or PDF files.")],
    images: ImagesOption = None,
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", help="Largest accepted image, in bytes.")
    ] = DEFAULT_MAX_BYTES,
    db: DbOption = None,
) -> None:
    """Attach image files to a stored acta version: each is kept by its SHA-256 in the image
    folder and recorded by an ``image`` leaf of the log. Every file is checked first; an image
    the version already has is skipped."""
    loaded = [_read_image(path, max_bytes) for path in files]
    with open_store(db) as store:
        store_definitions.read_definition(store)  # a clean error when nothing is loaded
        folder = ImageStore(image_folder(images, db), max_bytes)
        try:
            held = [(folder.put(data, media_type), media_type) for data, media_type in loaded]
        except ImageError as exc:
            raise fail(f"{exc.code}: {exc}") from None
        except OSError as exc:
            raise fail(f"cannot write to the image folder {folder.root}: {exc}") from None
        added = store_images.attach_images(store, unit, contest, source, version, held)
    for ref in added:
        console.print(f"attached {ref.sha256} ({ref.media_type}) at log index {ref.log_idx}")
    skipped = len(held) - len(added)
    if skipped:
        console.print(f"{skipped} image(s) already attached to this version, skipped")


def _row(item: Any) -> dict[str, Any]:
    ref, check = item.ref, item.check
    return {
        "unit": ref.unit,
        "contest": ref.contest,
        "source": ref.source,
        "version": ref.version,
        "sha256": ref.sha256,
        "media_type": ref.media_type,
        "status": check.status,
        "differences": check.detail.get("differences", []),
        "detail": check.detail.get("detail", ""),
        "checked_at": check.checked_at,
        "reused": item.reused,
    }


def _differences(diffs: list[dict[str, Any]]) -> str:
    return "; ".join(f"{d['field']}: QR {d['qr']} vs typed {d['typed']}" for d in diffs)


def qr_check(
    images: ImagesOption = None,
    recheck: Annotated[
        bool, typer.Option("--recheck", help="Decode every image again (new results).")
    ] = False,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Decode the QR codes of every attached image and compare them with the acta's typed
    numbers (results already recorded are reused unless --recheck); list mismatches and
    unreadable QR codes. Never corrects anything. Exit status 1 when any QR disagrees."""
    from escrutinio.images.checking import run_qr_checks  # zxing-cpp loads only here

    with open_store(db) as store:
        definition = store_definitions.read_definition(store)
        folder = ImageStore(image_folder(images, db))
        total = len(store_images.image_refs(store))
        with Progress(console=console, transient=True, disable=fmt != "table") as bar:
            task = bar.add_task("checking QR codes", total=total)
            checked = run_qr_checks(
                store, folder, definition, recheck=recheck, progress=lambda n: bar.advance(task, n)
            )
    rows = [_row(item) for item in checked]
    if fmt == "json":
        write_out(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        out = io.StringIO()
        fields = [k for k in rows[0] if k != "reused"] if rows else ["unit"]
        writer = csv.DictWriter(out, fields, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "differences": _differences(row["differences"])})
        write_out(out.getvalue())
    else:
        _show(rows)
    if any(row["status"] == "mismatch" for row in rows):
        raise typer.Exit(EXIT_REJECTED)


def _show(rows: list[dict[str, Any]]) -> None:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    flagged = [row for row in rows if row["status"] in FLAGGED]
    if flagged:
        table = Table("unit", "contest", "source", "version", "image", "status", "what differs")
        for row in flagged:
            table.add_row(
                row["unit"],
                row["contest"],
                row["source"],
                str(row["version"]),
                row["sha256"][:12],
                row["status"],
                _differences(row["differences"]) or row["detail"],
            )
        console.print(table)
    summary = ", ".join(f"{n:,} {status}" for status, n in sorted(counts.items()))
    console.print(f"{len(rows):,} image(s) checked: {summary or 'none attached'}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    group = typer.Typer(help="Acta images: attach image files to stored actas.")
    group.command("add")(images_add)
    app.add_typer(group, name="images")
    app.command("qr-check")(qr_check)
