"""Reconcile two collections of actas: per-unit classification, net effect, roll-ups, maps."""

from escrutinio.reconcile.compare import STATUSES, Reconciliation, SameSheetRule, reconcile
from escrutinio.reconcile.names import (
    Crosswalk,
    CrosswalkError,
    NameRules,
    parse_crosswalk,
)
from escrutinio.reconcile.report import discrepancy_map, write_report
from escrutinio.reconcile.svgmap import choropleth_svg, load_states, normalize_name

__all__ = [
    "STATUSES",
    "Crosswalk",
    "CrosswalkError",
    "NameRules",
    "Reconciliation",
    "SameSheetRule",
    "choropleth_svg",
    "discrepancy_map",
    "load_states",
    "normalize_name",
    "parse_crosswalk",
    "reconcile",
    "write_report",
]
