"""Shared CLI plumbing: options, the console, opening the store, error reporting."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console

from escrutinio.model.errors import InputError
from escrutinio.store.store import Store, StoreError

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="ESCRUTINIO_DB",
        help="Database: a SQLite file path (default ./escrutinio.db) or a "
        "postgresql+psycopg:// URL.",
        show_default=False,
    ),
]


FORMATS = ("table", "json", "csv")


def check_format(value: str) -> str:
    """Validate a ``--format`` value."""
    if value not in FORMATS:
        raise typer.BadParameter(f"expected one of {', '.join(FORMATS)}, got '{value}'")
    return value


FormatOption = Annotated[
    str,
    typer.Option(
        "--format", "-f", callback=check_format, help="Output format: table, json or csv."
    ),
]


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print an error in red on stderr and return the exit to raise."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


@contextmanager
def open_store(db: str | None) -> Iterator[Store]:
    """Open the store for a command, turning known errors into clean exits."""
    try:
        store = Store.open(db)
    except Exception as exc:  # connection errors differ per driver
        raise fail(f"cannot open database {db or 'escrutinio.db'}: {exc}") from None
    try:
        yield store
    except (StoreError, InputError) as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()


def write_out(text: str) -> None:
    """Write machine-readable output to stdout unchanged."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
