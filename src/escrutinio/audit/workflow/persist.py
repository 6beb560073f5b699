"""The audit workflow's steps that keep their result: check what is asked, build the state,
then hand plain data to where audits are kept, which persists each step with its log leaf.

The workflow calls the store, never the reverse, and without importing it: it talks to an
:class:`AuditStore` (a port; the store's side is ``escrutinio.store.audit_records``, which
the CLI and the read seam pass in)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

import numpy as np
import numpy.typing as npt

from escrutinio.audit.errors import AuditError
from escrutinio.audit.workflow import table_comparison
from escrutinio.audit.workflow.method import AuditParameters
from escrutinio.audit.workflow.registry import WOR_DRAWS, stored_draws
from escrutinio.audit.workflow.reported import ReportedContest, reported_contests
from escrutinio.audit.workflow.rounds import check_parameters, method_of
from escrutinio.audit.workflow.state import AuditState, AuditStatus, HandCount
from escrutinio.model.canonical import canonical_json_fast, sha256_hex
from escrutinio.model.definition import Definition
from escrutinio.model.errors import StoreError


@dataclass(frozen=True)
class RecordReport:
    """What a hand-count import did."""

    new: int
    unchanged: int
    corrected: int
    log_idx: int | None


class StoredRows(Protocol):
    """An audit's rows as kept: parameters and spec, the reported snapshot (contest → JSON
    form), the rounds' draws, the latest hand count per (unit, contest), and for
    ballot-level audits the manifest rows ``[batch, ballots, is_table]`` and the CVRs."""

    @property
    def name(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def risk_limit(self) -> float: ...
    @property
    def seed(self) -> str: ...
    @property
    def spec(self) -> dict[str, Any]: ...
    @property
    def reported(self) -> dict[str, Any]: ...
    @property
    def rounds(self) -> list[dict[str, list[str]]]: ...
    @property
    def counts(self) -> dict[tuple[str, str], tuple[int, ...]]: ...
    @property
    def manifest(self) -> list[list[Any]] | None: ...
    @property
    def cvrs(self) -> dict[str, dict[str, list[int]]] | None: ...


class AuditStore(Protocol):
    """Where audits are kept (the port the workflow calls; errors it raises for a missing
    or clashing audit are the project's expected errors)."""

    def definition(self) -> Definition:
        """The election definition."""
        ...

    def counting_arrays(
        self, source: str | None = None
    ) -> dict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]]:
        """Per contest: unit indexes and count matrix of the versions that count."""
        ...

    def stored_parameters(self, name: str) -> tuple[str, str, str, dict[str, Any]] | None:
        """A kept audit's (method, risk limit as written, seed, spec), or None."""
        ...

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
        """Keep a new audit with its reported snapshot (and ballot manifest and CVRs)."""
        ...

    def load_stored(self, name: str) -> StoredRows:
        """A kept audit's rows."""
        ...

    def add_round(self, name: str, rounds_known: int, draws: dict[str, list[str]]) -> int:
        """Keep the next round's draws; returns its number."""
        ...

    def record_counts(
        self, name: str, rows: Sequence[HandCount], source: str
    ) -> tuple[tuple[int, int, int, int | None], Sequence[HandCount]]:
        """Keep hand counts; returns (new, unchanged, corrected, log index) and the rows
        kept."""
        ...

    def record_conclusion(
        self, name: str, round_number: int, status: dict[str, Any]
    ) -> tuple[int, bool]:
        """Keep a round's conclusion; returns (log index, newly kept)."""
        ...


def create_audit(
    store: AuditStore,
    name: str,
    method: str,
    risk_limit: float,
    seed: str,
    contests: Sequence[str],
    percent: float | None = None,
    *,
    manifest: dict[str, int] | None = None,
    cvrs: dict[str, dict[str, tuple[int, ...]]] | None = None,
    test: str | None = None,
    replacement: bool = True,
    pending: bool = False,
    threshold: float | None = None,
) -> tuple[AuditState, bool]:
    """Store a new audit with a snapshot of the counting actas; returns (state, created).

    Ballot-level methods need ``manifest`` (batch → ballots); ``ballot-comparison`` also
    ``cvrs`` (ballot → contest → 0/1 per option). ``test``: ``bravo`` or ``alpha`` for
    polling, ``alpha`` or ``kaplan-markov`` for comparison (defaults: ``bravo``, ``alpha``);
    ``replacement`` False draws without replacement (ALPHA only); ``threshold`` the share of
    the valid votes the winner needs (supermajority assertions). ``pending`` audits a
    contest some of whose tables have no counting acta yet, their registered electors
    counted as ballots against the reported winners (otherwise refused). Re-creating an
    audit with the same name and parameters returns the stored one.
    """
    definition = store.definition()
    params = check_parameters(
        AuditParameters(
            method,
            risk_limit,
            seed,
            tuple(contests),
            percent,
            manifest=manifest,
            cvrs=cvrs,
            test=test or "",
            replacement=replacement,
            threshold=threshold,
        ),
        definition.contests,
    )
    spec: dict[str, Any] = {"contests": list(contests), "percent": percent}
    if pending:
        spec["pending"] = True
    if params.threshold is not None:
        spec["threshold"] = params.threshold
    elif method == table_comparison.METHOD.name:
        spec["draws"] = table_comparison.DRAWS  # older audits without it drew without replacement
    ballot_blobs: tuple[bytes, bytes | None] | None = None
    if params.manifest is not None:
        tables = {b for b in params.manifest if b in definition.units.index}
        spec, ballot_blobs = _ballot_spec(params, spec, tables)
    existing = store.stored_parameters(name)
    if existing is not None:
        if existing != (method, repr(risk_limit), seed, spec):
            old = stored_draws(existing[0], existing[3]) == WOR_DRAWS
            raise StoreError(
                f"an audit named '{name}' already exists with other parameters"
                + (
                    " (it was created when table-comparison drew without replacement: it "
                    "runs as table-comparison-wor)"
                    if old and existing[0] == method
                    else ""
                )
            )
        return load_audit(store, name), False
    snapshot, problems = reported_contests(
        definition,
        store.counting_arrays(definition.info.official_source),
        contests,
        pending=pending,
    )
    if problems:
        hint = "" if definition.info.registered_known else " (registered electors unknown)"
        raise StoreError(
            "reported results are incomplete: " + "; ".join(problems) + hint
            + ("" if pending else "; --pending audits them, the missing tables counted as "
               "their registered electors' ballots against the reported winners")
        )  # fmt: skip
    probe = AuditState(name, method, risk_limit, seed, tuple(contests), snapshot)
    probe.manifest = dict(params.manifest or {})
    probe.cvrs = {b: dict(per) for b, per in (params.cvrs or {}).items()}
    probe.table_batches = frozenset(b for b in probe.manifest if b in definition.units.index)
    probe.threshold = params.threshold
    probe.draws = stored_draws(method, spec)
    problems = method_of(probe).input_problems(probe)
    if problems:
        raise AuditError(
            "the ballot manifest or CVRs do not fit the reported results: " + "; ".join(problems)
        )
    reported = {c: r.to_dict() for c, r in snapshot.items()}
    store.insert_audit(name, method, risk_limit, seed, spec, reported, ballot_blobs)
    return load_audit(store, name), True


def _ballot_spec(
    params: AuditParameters, spec: dict[str, Any], tables: set[str]
) -> tuple[dict[str, Any], tuple[bytes, bytes | None]]:
    """Spec and canonical blobs (manifest, CVRs) of a ballot-level audit; manifest rows are
    ``[batch, ballots, 1 if the batch is a polling table else 0]``."""
    manifest = params.manifest or {}
    m_blob = canonical_json_fast([[b, n, int(b in tables)] for b, n in manifest.items()])
    c_blob = None
    out = {**spec, "test": params.test, "replacement": params.replacement}
    out["manifest_sha256"] = sha256_hex(m_blob)
    out["manifest_ballots"] = sum(manifest.values())
    if params.cvrs:
        c_blob = canonical_json_fast(
            {b: {c: list(m) for c, m in per.items()} for b, per in params.cvrs.items()}
        )
        out["cvrs_sha256"] = sha256_hex(c_blob)
    return out, (m_blob, c_blob)


def load_audit(store: AuditStore, name: str) -> AuditState:
    """Rebuild an audit's state from its stored rows (latest hand-count version per unit)."""
    row = store.load_stored(name)
    spec = row.spec
    state = AuditState(
        name=row.name,
        method=row.method,
        risk_limit=row.risk_limit,
        seed=row.seed,
        contests=tuple(spec["contests"]),
        reported={c: ReportedContest.from_dict(row.reported[c]) for c in spec["contests"]},
        percent=spec.get("percent"),
        rounds=row.rounds,
        counts=row.counts,
        test=spec.get("test", ""),
        replacement=bool(spec.get("replacement", True)),
        threshold=spec.get("threshold"),
        draws=stored_draws(row.method, spec),
    )
    if row.manifest is not None:
        state.manifest = {str(r[0]): int(r[1]) for r in row.manifest}
        state.table_batches = frozenset(str(r[0]) for r in row.manifest if r[2])
        if row.cvrs is not None:
            state.cvrs = {b: {c: tuple(m) for c, m in per.items()} for b, per in row.cvrs.items()}
    return state


def add_round(store: AuditStore, state: AuditState, draws: dict[str, list[str]]) -> int:
    """Store the next round's draws with its leaf; returns the round number."""
    number = store.add_round(state.name, len(state.rounds), draws)
    state.rounds.append(draws)
    return number


def record_counts(
    store: AuditStore, state: AuditState, rows: Sequence[HandCount], source: str
) -> RecordReport:
    """Store hand counts as new versions in one transaction with one leaf.

    A unit whose latest count is identical is skipped (re-importing is a no-op); a different
    count for an already recorded unit needs a reason, else nothing is stored.
    """
    counts, kept = store.record_counts(state.name, rows, source)
    for hc in kept:
        state.counts[(hc.unit, hc.contest)] = hc.votes
    return RecordReport(*counts)


def record_conclusion(store: AuditStore, state: AuditState, st: AuditStatus) -> tuple[int, bool]:
    """Store the audit's conclusion for the current round (once per distinct content).

    Returns (log index, newly recorded).
    """
    return store.record_conclusion(state.name, st.round, _floatless(st))


def _floatless(st: AuditStatus) -> dict[str, Any]:
    """Status with risks as decimal strings (canonical JSON here carries integers only)."""
    out = cast(dict[str, Any], st.to_dict())
    for c in out["contests"]:
        c["risk"] = f"{c['risk']:.6g}"
    return out
