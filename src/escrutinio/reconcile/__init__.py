"""Reconcile two collections of actas: per-unit classification, net effect, roll-ups, maps."""

from escrutinio.reconcile.compare import STATUSES, Reconciliation, reconcile
from escrutinio.reconcile.report import discrepancy_map, write_report
from escrutinio.reconcile.svgmap import choropleth_svg, load_states, normalize_name

__all__ = [
    "STATUSES",
    "Reconciliation",
    "choropleth_svg",
    "discrepancy_map",
    "load_states",
    "normalize_name",
    "reconcile",
    "write_report",
]
