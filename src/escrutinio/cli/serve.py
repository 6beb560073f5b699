"""``escrutinio serve``: the publication folder and its read API over HTTP (read-only)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from escrutinio.cli.common import console, fail


def serve(
    folder: Annotated[
        Path, typer.Argument(help="A publication folder written by `escrutinio publish`.")
    ],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes (each watches the folder).")
    ] = 1,
) -> None:
    """Serve a publication: its pages and files with cache rules, the read API under
    /api/v1/ (docs at /api/v1/docs) and live events. Never writes anything."""
    import uvicorn

    from escrutinio.serve.app import FOLDER_ENV, create_app

    if not folder.is_dir():
        raise fail(f"{folder}: not a folder (give the folder `escrutinio publish` wrote)")
    if not (folder / "checkpoint").is_file():
        console.print(
            f"[yellow]{folder} has no checkpoint yet: the API answers 503 until a "
            "publication appears there[/]"
        )
    console.print(f"Serving {folder} at http://{host}:{port}/ (API docs: /api/v1/docs)")
    common = {"host": host, "port": port, "log_level": "warning", "access_log": False}
    if workers == 1:
        uvicorn.run(create_app(folder), **common)  # type: ignore[arg-type]
        return
    os.environ[FOLDER_ENV] = str(folder.resolve())
    uvicorn.run(
        "escrutinio.serve.app:app_from_env",
        factory=True,
        workers=workers,
        **common,  # type: ignore[arg-type]
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command()(serve)
