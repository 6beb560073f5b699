"""Errors of the audit package: expected, explained, never a traceback."""

from __future__ import annotations

from escrutinio.model.errors import EscrutinioError


class AuditError(EscrutinioError):
    """An audit step that cannot be carried out, said in the audit's own terms."""


class AuditParameterError(AuditError):
    """An audit parameter is wrong; ``parameter`` names it (``method``, ``risk_limit``,
    ``seed``, ``contest``, ``percent``, ``test``, ``replacement``, ``manifest``, ``cvrs``)
    so a front end can point at its own flag or field."""

    def __init__(self, parameter: str, message: str) -> None:
        self.parameter = parameter
        self.message = message
        super().__init__(message)
