"""The audit methods by name. A new method is one module of this package with a ``METHOD``
satisfying :class:`~escrutinio.audit.workflow.method.Method`, added here."""

from __future__ import annotations

from escrutinio.audit.errors import AuditParameterError
from escrutinio.audit.workflow import (
    ballot_comparison,
    ballot_polling,
    fixed_percentage,
    full_hand_count,
    hybrid,
    macro,
    minerva,
    providence,
    table_comparison,
)
from escrutinio.audit.workflow.method import Method

METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        table_comparison.METHOD,
        macro.METHOD,
        full_hand_count.METHOD,
        fixed_percentage.METHOD,
        ballot_polling.METHOD,
        ballot_comparison.METHOD,
        minerva.METHOD,
        providence.METHOD,
        hybrid.METHOD,
    )
}


def method_named(name: str) -> Method:
    """The method called ``name``; raises :class:`AuditParameterError` for an unknown one."""
    method = METHODS.get(name)
    if method is None:
        raise AuditParameterError(
            "method", f"unknown method '{name}' (expected one of {', '.join(METHODS)})"
        )
    return method
