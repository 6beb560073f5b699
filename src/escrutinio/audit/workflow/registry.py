"""The audit methods by name. A new method is one module of this package with a ``METHOD``
satisfying :class:`~escrutinio.audit.workflow.method.Method`, added here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
    table_comparison_wor,
)
from escrutinio.audit.workflow.method import Method

METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        table_comparison.METHOD,
        table_comparison_wor.METHOD,
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


WOR_DRAWS = "ppeb-without-replacement"
"""The draw scheme of a ``table-comparison`` audit recorded before that method drew with
replacement (its parameters have no ``draws`` entry): it runs as ``table-comparison-wor``."""


def stored_draws(method: str, spec: Mapping[str, Any]) -> str:
    """The draw scheme of a kept audit from its stored parameters: the ``draws`` entry, or
    for a ``table-comparison`` audit without one (and without a threshold, whose variant
    draws uniformly) :data:`WOR_DRAWS` ("" for every other method)."""
    draws = spec.get("draws")
    if isinstance(draws, str):
        return draws
    if method == table_comparison.METHOD.name and spec.get("threshold") is None:
        return WOR_DRAWS
    return ""


def resolved_name(method: str, draws: str) -> str:
    """The registry name that runs an audit kept as ``method`` with draw scheme ``draws``
    (a ``table-comparison`` audit that drew without replacement: ``table-comparison-wor``)."""
    if method == table_comparison.METHOD.name and draws == WOR_DRAWS:
        return table_comparison_wor.METHOD.name
    return method


def method_named(name: str) -> Method:
    """The method called ``name``; raises :class:`AuditParameterError` for an unknown one."""
    method = METHODS.get(name)
    if method is None:
        raise AuditParameterError(
            "method", f"unknown method '{name}' (expected one of {', '.join(METHODS)})"
        )
    return method
