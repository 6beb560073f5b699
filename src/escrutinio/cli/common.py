"""Shared CLI plumbing: options, the console, opening the store, error reporting."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.exceptions import TyperException

from escrutinio.model.errors import EscrutinioError
from escrutinio.store.database import resolve_url
from escrutinio.store.store import Store

EXIT_OK = 0
"""Everything was done."""
EXIT_REJECTED = 1
"""The command ran, but some input rows were rejected (or a check found a problem)."""
EXIT_CANNOT_RUN = 2
"""The command could not run: a missing or unreadable file, a bad header, no database, a
refused operation, or an unexpected error."""
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C (SIGINT), as shells report it; only whole actas were stored."""

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


def fail(message: str, code: int = EXIT_CANNOT_RUN) -> typer.Exit:
    """Print an error in red on stderr and return the exit to raise."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def guarded(command: Callable[..., Any]) -> Callable[..., Any]:
    """``command`` with the CLI's last line of defence: an :class:`EscrutinioError`
    reaching the top prints its message and exits 2; so does any unexpected exception (as a
    one-line report instead of a traceback, unless ``ESCRUTINIO_DEBUG`` is set)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except EscrutinioError as exc:
            raise fail(str(exc)) from None
        except KeyboardInterrupt:
            raise fail(
                "interrupted; whatever was committed before stays", EXIT_INTERRUPTED
            ) from None
        except Exception as exc:
            if os.environ.get("ESCRUTINIO_DEBUG"):
                raise
            raise fail(
                f"unexpected error ({type(exc).__name__}: {exc}); this is a bug, please "
                "report it (set ESCRUTINIO_DEBUG=1 to see the traceback)"
            ) from None

    return run


def guard_commands(app: typer.Typer) -> None:
    """Wrap every command of ``app`` and of its sub-apps with :func:`guarded`."""
    for info in app.registered_commands:
        if info.callback is not None:
            info.callback = guarded(info.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            guard_commands(group.typer_instance)


@contextmanager
def open_store(db: str | None, *, create: bool = False) -> Iterator[Store]:
    """Open the store for a command, turning known errors into clean exits. Only ``init``
    creates a database: any other command on a SQLite file that does not exist stops
    before making one."""
    url = resolve_url(db)
    if not create and url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            raise fail(
                f"cannot open database {path}: no such file, so no election definition "
                "loaded: run `escrutinio init FILE` first (or give --db / ESCRUTINIO_DB)"
            )
    try:
        store = Store.open(db)
    except Exception as exc:  # connection errors differ per driver
        raise fail(f"cannot open database {db or 'escrutinio.db'}: {exc}") from None
    try:
        yield store
    except EscrutinioError as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()


def write_out(text: str) -> None:
    """Write machine-readable output to stdout unchanged."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
