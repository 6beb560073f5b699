"""The one error of a refused submission: an HTTP status, a stable code, the field at fault
and a sentence saying what was expected (the server turns it into RFC 9457 problem+json)."""

from __future__ import annotations

from typing import Any


class SubmissionError(Exception):
    """A refused submission. ``code`` is stable (see docs/submission.md), ``field`` names
    the JSON path at fault (``envelope.acta.voters``) when there is one."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        field: str | None = None,
        *,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field
        self.extra = extra or {}
