"""``escrutinio serve``: the publication folder and its read API over HTTP (read-only), and,
with ``--accept-actas``, the submission endpoint writing to a store."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from escrutinio.cli.common import DbOption, console, fail

WORKER_HEALTHCHECK_SECONDS = 60
"""How long uvicorn's supervisor waits for a worker process to answer its health check."""


def _receive_config(
    db: str | None,
    receipt_key: Path | None,
    images: Path | None,
    max_body: int,
    rate: float,
    burst: int,
    merge_delay: int,
    qr_decode: bool,
) -> object:
    from escrutinio.receive.config import ReceiveConfig
    from escrutinio.store.database import resolve_url

    if receipt_key is None:
        raise fail("--accept-actas needs --receipt-key LOG.skey (the log's key signs receipts)")
    url = resolve_url(db)
    if images is None:
        base = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite") else Path.cwd()
        images = (base.parent if url.startswith("sqlite") else base) / "images"
    return ReceiveConfig(
        db=url,
        receipt_key=str(receipt_key.resolve()),
        images=str(images.resolve()),
        max_body_bytes=max_body,
        rate_per_second=rate,
        rate_burst=burst,
        maximum_merge_delay=merge_delay,
        qr_decode=qr_decode,
    )


def serve(
    folder: Annotated[
        Path | None,
        typer.Argument(help="A publication folder written by `escrutinio publish`."),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes (each watches the folder).")
    ] = 1,
    accept_actas: Annotated[
        bool,
        typer.Option(help="Also accept signed actas: POST /api/v1/actas (writes to --db)."),
    ] = False,
    db: DbOption = None,
    receipt_key: Annotated[
        Path | None, typer.Option(help="The log's secret key file: signs the receipts.")
    ] = None,
    images: Annotated[
        Path | None, typer.Option(help="Image folder (default: images/ beside the database).")
    ] = None,
    max_body: Annotated[
        int, typer.Option(min=1024, help="Largest envelope body accepted, in bytes.")
    ] = 64 * 1024,
    rate: Annotated[
        float, typer.Option(min=0, help="Envelopes per second per sender (0: no limit).")
    ] = 20.0,
    burst: Annotated[int, typer.Option(min=1, help="Burst size of the per-sender limit.")] = 40,
    merge_delay: Annotated[
        int, typer.Option(min=0, help="Maximum merge delay promised by receipts, in seconds.")
    ] = 300,
    qr_decode: Annotated[
        bool,
        typer.Option(
            help="Decode the QR codes of received images in the background after the "
            "receipt, recording them as `qr-check` does (--no-qr-decode: leave it to "
            "`escrutinio qr-check`)."
        ),
    ] = True,
) -> None:
    """Serve a publication: its pages and files with cache rules, the read API under
    /api/v1/ (docs at /api/v1/docs) and live events; with --accept-actas, also the signed
    submission endpoint (the only route that writes, and only to --db)."""
    import uvicorn

    from escrutinio.receive.app import create_receive_api
    from escrutinio.receive.config import ReceiveConfig
    from escrutinio.receive.receiver import Receiver
    from escrutinio.serve.app import FOLDER_ENV, create_app

    receive: ReceiveConfig | None = None
    if accept_actas:
        config = _receive_config(
            db, receipt_key, images, max_body, rate, burst, merge_delay, qr_decode
        )
        assert isinstance(config, ReceiveConfig)
        receive = config
    elif folder is None:
        raise fail("give a publication folder, or --accept-actas to receive actas")
    if folder is not None:
        if not folder.is_dir():
            raise fail(f"{folder}: not a folder (give the folder `escrutinio publish` wrote)")
        if not (folder / "checkpoint").is_file():
            console.print(
                f"[yellow]{folder} has no checkpoint yet: the API answers 503 until a "
                "publication appears there[/]"
            )
    receiver = None
    if receive is not None:
        try:
            receiver = Receiver.open(receive)
        except (OSError, ValueError) as exc:
            raise fail(f"cannot accept actas: {exc}") from None
    where = f"{folder}" if folder is not None else "the submission endpoint"
    console.print(f"Serving {where} at http://{host}:{port}/ (API docs: /api/v1/docs)")
    common = {"host": host, "port": port, "log_level": "warning", "access_log": False}
    if workers == 1:
        app = (
            create_app(folder, receive=receive, receiver=receiver)
            if folder is not None
            else create_receive_api(receive, receiver)  # type: ignore[arg-type]
        )
        uvicorn.run(app, **common)  # type: ignore[arg-type]
        return
    if folder is not None:
        os.environ[FOLDER_ENV] = str(folder.resolve())
    if receive is not None:
        receive.to_env()
    uvicorn.run(
        "escrutinio.serve.app:app_from_env",
        factory=True,
        workers=workers,
        # a worker re-imports the CLI before it answers the supervisor's health check:
        # on a loaded machine that takes more than uvicorn's 5 s, and a worker killed for
        # it is replaced by one that is killed again, so no worker ever serves
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        **common,  # type: ignore[arg-type]
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command()(serve)
