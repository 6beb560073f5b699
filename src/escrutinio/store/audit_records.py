"""The store side of the audit workflow's port: the persistence functions of
:mod:`escrutinio.store.audits` and the reads an audit needs, bound to one store. The audit
workflow never imports the store; the CLI and the read seam hand it one of these."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from escrutinio.model.definition import Definition
from escrutinio.store import counting as store_counting
from escrutinio.store import definitions as store_definitions
from escrutinio.store.audits import (
    R,
    Recorded,
    StoredAudit,
    add_round,
    insert_audit,
    load_stored,
    record_conclusion,
    record_counts,
    stored_parameters,
)
from escrutinio.store.store import Store


class AuditRecords:
    """The store side of the audit workflow's port
    (:class:`escrutinio.audit.workflow.persist.AuditStore`), bound to one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def definition(self) -> Definition:
        """The stored election definition."""
        return store_definitions.read_definition(self.store)

    def counting_arrays(
        self, source: str | None = None
    ) -> dict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]]:
        """Per contest: unit indexes and count matrix of the versions that count."""
        return store_counting.counting_arrays(self.store, source)

    def stored_parameters(self, name: str) -> tuple[str, str, str, dict[str, Any]] | None:
        """See :func:`stored_parameters`."""
        return stored_parameters(self.store, name)

    def insert_audit(
        self,
        name: str,
        method: str,
        risk_limit: float,
        seed: str,
        spec: dict[str, Any],
        reported: dict[str, Any],
        ballot_blobs: tuple[bytes, bytes | None] | None = None,
    ) -> None:
        """See :func:`insert_audit`."""
        insert_audit(self.store, name, method, risk_limit, seed, spec, reported, ballot_blobs)

    def load_stored(self, name: str) -> StoredAudit:
        """See :func:`load_stored`."""
        return load_stored(self.store, name)

    def add_round(self, name: str, rounds_known: int, draws: dict[str, list[str]]) -> int:
        """See :func:`add_round`."""
        return add_round(self.store, name, rounds_known, draws)

    def record_counts(self, name: str, rows: Sequence[R], source: str) -> tuple[Recorded, list[R]]:
        """See :func:`record_counts`."""
        return record_counts(self.store, name, rows, source)

    def record_conclusion(
        self, name: str, round_number: int, status: dict[str, Any]
    ) -> tuple[int, bool]:
        """See :func:`record_conclusion`."""
        return record_conclusion(self.store, name, round_number, status)
