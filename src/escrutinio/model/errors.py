"""Errors that point at the exact place in the input that is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One problem found in an input: where it is and what was expected."""

    message: str
    field: str | None = None
    file: str | None = None
    line: int | None = None
    code: str = "invalid"

    def located(self, file: str | None = None, line: int | None = None) -> Issue:
        """Return the same issue with its file and line filled in."""
        return Issue(
            message=self.message,
            field=self.field,
            file=file if file is not None else self.file,
            line=line if line is not None else self.line,
            code=self.code,
        )

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(f"field {self.field!r}")  # escaped: a field can be a key read from a file
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class EscrutinioError(Exception):
    """Base of every error the project expects and explains (bad input, a refused operation,
    a failed check). The CLI and the API catch this one family and show its message; anything
    else is a bug."""


class StoreError(EscrutinioError):
    """A request the store cannot carry out (no definition loaded, unknown acta, an audit
    that clashes with a stored one or finds the reported results incomplete, ...). Defined
    here so the audit workflow can raise it without importing the store."""


class InputError(EscrutinioError):
    """Raised when an input file cannot be accepted; carries every issue found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        shown = "\n".join(str(i) for i in issues[:20])
        more = f"\n... and {len(issues) - 20} more" if len(issues) > 20 else ""
        super().__init__(shown + more)


class DefinitionError(InputError):
    """An election definition is malformed or inconsistent."""
