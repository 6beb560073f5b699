"""Audit status: where a stored audit stands, through the audit workflow's public entry
points (``audit.workflow.persist.load_audit`` and ``audit.workflow.rounds.status``)."""

from __future__ import annotations

from escrutinio.audit.workflow import persist, rounds
from escrutinio.audit.workflow.state import AuditState, AuditStatus, AuditStatusDoc
from escrutinio.store.audit_records import AuditRecords
from escrutinio.store.store import Store


def audit_state(store: Store, name: str) -> AuditState:
    """The stored audit ``name`` with its rounds and hand counts (an ``AuditError`` names it
    when there is none)."""
    return persist.load_audit(AuditRecords(store), name)


def audit_status(store: Store, name: str) -> tuple[AuditState, AuditStatus]:
    """The stored audit ``name`` and its status: measured risk per contest, discrepancies,
    the next round's size and the conclusion so far."""
    state = audit_state(store, name)
    return state, rounds.status(state)


def audit_status_document(store: Store, name: str) -> AuditStatusDoc:
    """The JSON document of audit ``name``'s status (what ``audit status -f json`` prints)."""
    return audit_status(store, name)[1].to_dict()
