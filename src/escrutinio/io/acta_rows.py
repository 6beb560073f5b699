"""What an acta reader yields: one raw acta per row, or the issues that stopped it."""

from __future__ import annotations

from dataclasses import dataclass

from escrutinio.model.errors import Issue
from escrutinio.model.validation import RawActa

FIXED_COLUMNS = ("unit", "contest", "source", "received_at", "voters", "null", "blank")
TEXT_COLUMNS = ("unit", "contest", "source", "received_at")
TRUNCATED = "possibly truncated (no final newline)"


@dataclass(frozen=True, slots=True)
class ReadRow:
    """A raw acta with the line it came from, or the issue(s) that stopped it being read.

    ``unterminated`` marks the file's last line when the file does not end in a newline:
    it is accepted only if its counts add up exactly (see
    :func:`~escrutinio.model.validation.unterminated_issue`).
    """

    line: int
    acta: RawActa | None
    issue: Issue | None = None
    more: tuple[Issue, ...] = ()
    unterminated: bool = False

    @property
    def issues(self) -> list[Issue]:
        """Every issue found while reading the row (empty when it was read)."""
        return ([self.issue] if self.issue is not None else []) + list(self.more)
