"""What the ``escrutinio audit`` commands share: the audit name argument, the flag behind
each parameter error, and what a method takes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from escrutinio.audit.errors import AuditError, AuditParameterError
from escrutinio.audit.files.text import read_input
from escrutinio.audit.workflow.registry import METHODS
from escrutinio.cli.common import fail

NameArg = Annotated[str, typer.Argument(help="Audit name.")]

FLAGS = {
    "method": "--method",
    "risk_limit": "--risk-limit",
    "seed": "--seed",
    "contest": "--contest",
    "percent": "--percent",
    "test": "--test",
    "replacement": "--test",
    "manifest": "--manifest",
    "cvrs": "--cvrs",
    "threshold": "--threshold",
}
"""The flag of each audit parameter named by :class:`AuditParameterError`."""


@contextmanager
def audit_errors() -> Iterator[None]:
    """Turn the audit package's errors into a clean exit; a parameter error names its flag."""
    try:
        yield
    except AuditParameterError as exc:
        raise fail(f"{exc.message} ({FLAGS.get(exc.parameter, exc.parameter)})") from None
    except AuditError as exc:
        raise fail(str(exc)) from None


def method_inputs(method: str) -> tuple[str, ...]:
    """The files the method takes besides the actas (an unknown method is refused later)."""
    known = METHODS.get(method)
    return known.inputs if known is not None else ()


def ballot_level(method: str) -> bool:
    """Whether the method draws ballots from a manifest."""
    return "manifest" in method_inputs(method)


def read_file(path: Path) -> str:
    """The file's text (UTF-8, bounded); an :class:`InputError` says why it cannot be read."""
    return read_input(path)
