"""Acta versions with their decisions, and the conflicts that await one (what
``escrutinio versions`` and ``escrutinio conflicts`` show)."""

from __future__ import annotations

from typing import cast

from escrutinio.reads.documents import ActaVersionDoc, ConflictDoc
from escrutinio.store import versions as store_versions
from escrutinio.store.store import Store
from escrutinio.store.versions import ActaVersion


def acta_versions(
    store: Store, unit: str, contest: str, source: str | None = None
) -> list[ActaVersion]:
    """Every stored version of the acta for (unit, contest[, source]), oldest first, each with
    its status and whether it is the one that counts after the decisions taken."""
    return store_versions.versions(store, unit, contest, source)


def version_document(version: ActaVersion) -> ActaVersionDoc:
    """The JSON form of one stored acta version: its content followed by version, status,
    counting, arrival time, content hash and log index."""
    doc = {
        **version.acta.content(),
        "version": version.version,
        "status": version.status,
        "counting": version.counting,
        "received_at": version.acta.received_at,
        "content_hash": version.content_hash,
        "log_index": version.log_idx,
    }
    return cast(ActaVersionDoc, doc)


def pending_conflicts(store: Store, source: str | None = None) -> list[ConflictDoc]:
    """Acta slots with several versions and no decision since the newest one, sorted by
    unit, contest and source."""
    return [
        {"unit": unit, "contest": contest, "source": src, "versions": n}
        for unit, contest, src, n in store_versions.conflicts(store, source)
    ]
