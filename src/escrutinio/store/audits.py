"""Persistence of audits: each step's rows and its transparency-log leaf (kind ``audit``)
commit in one transaction, so a crash leaves either the whole step or nothing. Module
functions taking the store; what the parameters must be is the audit package's business
(:func:`escrutinio.audit.workflow.rounds.check_parameters`), which raises
:class:`~escrutinio.audit.errors.AuditParameterError` in the audit's own terms.

Steps: create (definition of the audit and a snapshot of the reported counts; ballot-level
audits also store the ballot manifest and the CVRs, whose SHA-256 enter the leaf), draw (one
round), record (a batch of hand counts or ballot readings, each a new version, never
overwritten) and conclusion. Repeating a step with the same content is a no-op.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from escrutinio.audit.errors import AuditError
from escrutinio.audit.workflow.method import AuditParameters
from escrutinio.audit.workflow.reported import ReportedContest, reported_contests
from escrutinio.audit.workflow.rounds import check_parameters, method_of
from escrutinio.audit.workflow.state import AuditState, AuditStatus, HandCount
from escrutinio.model.acta import utc_timestamp
from escrutinio.model.canonical import canonical_json_fast, sha256_hex
from escrutinio.model.leaves import AUDIT, MAX_LEAF_BYTES, audit_leaf
from escrutinio.store import schema as t
from escrutinio.store.store import Store, StoreError

LEAF_BYTES = MAX_LEAF_BYTES  # (a name tests lower to force parted leaves)

KIND = AUDIT


@dataclass(frozen=True)
class RecordReport:
    """What a hand-count import did."""

    new: int
    unchanged: int
    corrected: int
    log_idx: int | None


def _leaf(store: Store, conn: Connection, body: dict[str, Any]) -> int:
    """Append an audit step's leaf; like every leaf it names its own kind, so a verifier
    holding only the published log knows what it is."""
    return store.append_log(conn, [(KIND, audit_leaf(body))])


def _parted_leaves(
    store: Store,
    conn: Connection,
    body: dict[str, Any],
    key: str,
    items: list[Any],
    pack: Callable[[list[Any]], Any] = list,
    value: Any = None,
) -> list[int]:
    """Append a step whose ``key`` holds ``value`` (default: ``pack(items)``) as one leaf,
    or, when that leaf would exceed what a published log entry holds (65,535 bytes), as
    several leaves whose ``key`` holds ``pack`` of consecutive runs of ``items``, numbered
    ``part`` 1..``parts``. Returns, for each item, the log index of the leaf holding it."""
    whole_value = pack(items) if value is None else value
    whole = audit_leaf({**body, key: whole_value})
    if len(whole) <= LEAF_BYTES:
        return [store.append_log(conn, [(KIND, whole)])] * max(len(items), 1)
    budget = LEAF_BYTES * 3 // 4  # room for the body around the items and the part numbers
    while True:
        runs: list[list[Any]] = [[]]
        size = 0
        for item in items:
            n = len(canonical_json_fast(item)) + 1
            if runs[-1] and size + n > budget:
                runs.append([])
                size = 0
            runs[-1].append(item)
            size += n
        leaves = [
            audit_leaf({**body, key: pack(run), "part": i, "parts": len(runs)})
            for i, run in enumerate(runs, start=1)
        ]
        if all(len(leaf) <= LEAF_BYTES for leaf in leaves) or budget < 64:
            break  # (if still too large, append_log refuses it with a clear error)
        budget //= 2
    first = store.append_log(conn, [(KIND, leaf) for leaf in leaves])
    return [first + i for i, run in enumerate(runs) for _ in run]


def _draws_of(run: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Draws regrouped by contest, in draw order."""
    out: dict[str, list[str]] = {}
    for contest, drawn in run:
        out.setdefault(contest, []).append(drawn)
    return out


def _audit_id(conn: Connection, name: str) -> int:
    row = conn.execute(select(t.audits.c.id).where(t.audits.c.name == name)).first()
    if row is None:
        raise StoreError(f"no audit named '{name}'")
    return int(row[0])


def create_audit(
    store: Store,
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
) -> tuple[AuditState, bool]:
    """Store a new audit with a snapshot of the counting actas; returns (state, created).

    Ballot-level methods need ``manifest`` (batch → ballots); ``ballot-comparison`` also
    ``cvrs`` (ballot → contest → 0/1 per option). ``test``: ``bravo`` or ``alpha`` for
    polling, ``alpha`` or ``kaplan-markov`` for comparison (defaults: ``bravo``, ``alpha``);
    ``replacement`` False draws without replacement (ALPHA only). Re-creating an audit with
    the same name and parameters returns the stored one.
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
        ),
        definition.contests,
    )
    spec: dict[str, Any] = {"contests": list(contests), "percent": percent}
    ballot_blobs: tuple[bytes, bytes | None] | None = None
    if params.manifest is not None:
        tables = {b for b in params.manifest if b in definition.units.index}
        spec, ballot_blobs = _ballot_spec(params, spec, tables)
    with store.engine.connect() as conn:
        row = conn.execute(select(t.audits).where(t.audits.c.name == name)).first()
    if row is not None:
        same = (row.method, row.risk_limit, row.seed, json.loads(row.spec)) == (
            method,
            repr(risk_limit),
            seed,
            spec,
        )
        if not same:
            raise StoreError(f"an audit named '{name}' already exists with other parameters")
        return load_audit(store, name), False
    snapshot, problems = reported_contests(
        definition, store.counting_arrays(definition.info.official_source), contests
    )
    if problems:
        raise StoreError("reported results are incomplete: " + "; ".join(problems))
    probe = AuditState(name, method, risk_limit, seed, tuple(contests), snapshot)
    probe.manifest = dict(params.manifest or {})
    probe.cvrs = {b: dict(per) for b, per in (params.cvrs or {}).items()}
    probe.table_batches = frozenset(b for b in probe.manifest if b in definition.units.index)
    problems = method_of(probe).input_problems(probe)
    if problems:
        raise AuditError(
            "the ballot manifest or CVRs do not fit the reported results: " + "; ".join(problems)
        )
    blob = canonical_json_fast({c: r.to_dict() for c, r in snapshot.items()})
    digest = sha256_hex(blob)
    with store.engine.begin() as conn:
        log_size = int(conn.execute(select(func.count()).select_from(t.log_entries)).scalar_one())
        idx = _leaf(
            store,
            conn,
            {
                "step": "create",
                "audit": name,
                "method": method,
                "risk_limit": repr(risk_limit),
                "seed": seed,
                "contests": list(contests),
                "percent": None if percent is None else repr(percent),
                "reported_sha256": digest,
                "log_size": log_size,
                **{k: v for k, v in spec.items() if k not in ("contests", "percent")},
            },
        )
        conn.execute(
            insert(t.audits).values(
                name=name,
                method=method,
                risk_limit=repr(risk_limit),
                seed=seed,
                spec=json.dumps(spec),
                reported=zlib.compress(blob),
                reported_sha256=digest,
                log_size=log_size,
                created_at=utc_timestamp(),
                log_idx=idx,
            )
        )
        if ballot_blobs is not None:
            conn.execute(
                insert(t.audit_ballot_data).values(
                    audit_id=_audit_id(conn, name),
                    manifest=zlib.compress(ballot_blobs[0]),
                    manifest_sha256=spec["manifest_sha256"],
                    cvrs=None if ballot_blobs[1] is None else zlib.compress(ballot_blobs[1]),
                    cvrs_sha256=spec.get("cvrs_sha256"),
                )
            )
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


def audit_info(store: Store, name: str) -> dict[str, Any]:
    """Stored facts of an audit: name, method, risk limit, seed, log size, snapshot hash."""
    with store.engine.connect() as conn:
        row = conn.execute(select(t.audits).where(t.audits.c.name == name)).first()
    if row is None:
        raise StoreError(f"no audit named '{name}'")
    return {
        "name": row.name,
        "method": row.method,
        "risk_limit": float(row.risk_limit),
        "seed": row.seed,
        "log_size_at_creation": int(row.log_size),
        "reported_sha256": row.reported_sha256,
        "created_at": row.created_at,
        **json.loads(row.spec),
    }


def load_audit(store: Store, name: str) -> AuditState:
    """Rebuild an audit's state from its rows (latest hand-count version per table)."""
    with store.engine.connect() as conn:
        row = conn.execute(select(t.audits).where(t.audits.c.name == name)).first()
        if row is None:
            raise StoreError(f"no audit named '{name}'")
        aid = int(row.id)
        rounds = conn.execute(
            select(t.audit_rounds.c.draws)
            .where(t.audit_rounds.c.audit_id == aid)
            .order_by(t.audit_rounds.c.number)
        ).all()
        counts = conn.execute(
            select(t.audit_counts.c.unit, t.audit_counts.c.contest, t.audit_counts.c.counts)
            .where(t.audit_counts.c.audit_id == aid)
            .order_by(t.audit_counts.c.version)
        ).all()
    spec = json.loads(row.spec)
    data = json.loads(zlib.decompress(bytes(row.reported)))
    state = AuditState(
        name=row.name,
        method=row.method,
        risk_limit=float(row.risk_limit),
        seed=row.seed,
        contests=tuple(spec["contests"]),
        reported={c: ReportedContest.from_dict(data[c]) for c in spec["contests"]},
        percent=spec.get("percent"),
        rounds=[json.loads(r[0]) for r in rounds],
        counts={(r[0], r[1]): tuple(json.loads(r[2])) for r in counts},
        test=spec.get("test", ""),
        replacement=bool(spec.get("replacement", True)),
    )
    if "manifest_sha256" in spec:
        _load_ballot_data(store, aid, state)
    return state


def _load_ballot_data(store: Store, aid: int, state: AuditState) -> None:
    """Fill the manifest and CVRs of a ballot-level audit."""
    with store.engine.connect() as conn:
        bd = conn.execute(
            select(t.audit_ballot_data).where(t.audit_ballot_data.c.audit_id == aid)
        ).first()
    if bd is None:
        raise StoreError(f"audit '{state.name}' has no ballot manifest stored")
    rows = json.loads(zlib.decompress(bytes(bd.manifest)))
    state.manifest = {str(r[0]): int(r[1]) for r in rows}
    state.table_batches = frozenset(str(r[0]) for r in rows if r[2])
    if bd.cvrs is not None:
        raw = json.loads(zlib.decompress(bytes(bd.cvrs)))
        state.cvrs = {b: {c: tuple(m) for c, m in per.items()} for b, per in raw.items()}


def add_round(store: Store, state: AuditState, draws: dict[str, list[str]]) -> int:
    """Store the next round's draws with its leaf; returns the round number."""
    number = len(state.rounds) + 1
    with store.engine.begin() as conn:
        aid = _audit_id(conn, state.name)
        stored = int(
            conn.execute(
                select(func.count())
                .select_from(t.audit_rounds)
                .where(t.audit_rounds.c.audit_id == aid)
            ).scalar_one()
        )
        if stored != len(state.rounds):
            raise StoreError("another round was drawn meanwhile; reload the audit")
        idx = _parted_leaves(
            store,
            conn,
            {"step": "draw", "audit": state.name, "round": number},
            "draws",
            [(contest, drawn) for contest, tables in draws.items() for drawn in tables],
            _draws_of,
            draws,
        )[0]
        conn.execute(
            insert(t.audit_rounds).values(
                audit_id=aid,
                number=number,
                draws=json.dumps(draws),
                created_at=utc_timestamp(),
                log_idx=idx,
            )
        )
    state.rounds.append(draws)
    return number


def record_counts(
    store: Store, state: AuditState, rows: Sequence[HandCount], source: str
) -> RecordReport:
    """Store hand counts as new versions in one transaction with one leaf.

    A table whose latest count is identical is skipped (re-importing is a no-op); a different
    count for an already recorded table needs a reason, else nothing is stored.
    """
    with store.engine.begin() as conn:
        aid = _audit_id(conn, state.name)
        ac = t.audit_counts.c
        latest: dict[tuple[str, str], tuple[int, tuple[int, ...]]] = {}
        for r in conn.execute(
            select(ac.unit, ac.contest, ac.version, ac.counts)
            .where(ac.audit_id == aid)
            .order_by(ac.version)
        ):
            latest[(r[0], r[1])] = (int(r[2]), tuple(json.loads(r[3])))
        new: list[tuple[HandCount, int]] = []
        unchanged = corrected = 0
        missing_reason = []
        for hc in rows:
            prev = latest.get((hc.unit, hc.contest))
            if prev is not None and prev[1] == hc.votes:
                unchanged += 1
                continue
            if prev is not None:
                if not hc.reason:
                    missing_reason.append(f"{hc.unit} ({hc.contest})")
                    continue
                corrected += 1
            new.append((hc, 1 if prev is None else prev[0] + 1))
        if missing_reason:
            raise StoreError(
                "these tables already have a different hand count; give a reason to record a "
                "correction: " + ", ".join(missing_reason[:20])
            )
        if not new:
            return RecordReport(0, unchanged, 0, None)
        recorded = [
            {
                "unit": hc.unit,
                "contest": hc.contest,
                "version": v,
                "votes": list(hc.votes),
                "reason": hc.reason,
            }
            for hc, v in new
        ]
        leaf_of = _parted_leaves(
            store,
            conn,
            {"step": "record", "audit": state.name, "source": source},
            "counts",
            recorded,
        )
        idx = leaf_of[0]
        now = utc_timestamp()
        conn.execute(
            insert(t.audit_counts),
            [
                {
                    "audit_id": aid,
                    "unit": hc.unit,
                    "contest": hc.contest,
                    "version": v,
                    "counts": json.dumps(list(hc.votes)),
                    "reason": hc.reason,
                    "recorded_at": now,
                    "log_idx": leaf_of[k],
                }
                for k, (hc, v) in enumerate(new)
            ],
        )
    for hc, _ in new:
        state.counts[(hc.unit, hc.contest)] = hc.votes
    return RecordReport(len(new) - corrected, unchanged, corrected, idx)


def record_conclusion(store: Store, state: AuditState, st: AuditStatus) -> tuple[int, bool]:
    """Store the audit's conclusion for the current round (once per distinct content).

    Returns (log index, newly recorded).
    """
    body = {"step": "conclusion", "audit": state.name, "round": st.round, **_floatless(st)}
    text = canonical_json_fast(body)
    digest = sha256_hex(text)
    with store.engine.begin() as conn:
        aid = _audit_id(conn, state.name)
        cc = t.audit_conclusions.c
        row = conn.execute(
            select(cc.log_idx).where(cc.audit_id == aid, cc.round == st.round, cc.sha256 == digest)
        ).first()
        if row is not None:
            return int(row[0]), False
        contests = body["contests"]
        idx = _parted_leaves(
            store, conn, {k: v for k, v in body.items() if k != "contests"}, "contests", contests
        )[0]
        conn.execute(
            insert(t.audit_conclusions).values(
                audit_id=aid,
                round=st.round,
                body=text.decode(),
                sha256=digest,
                created_at=utc_timestamp(),
                log_idx=idx,
            )
        )
    return idx, True


def _floatless(st: AuditStatus) -> dict[str, Any]:
    """Status with risks as decimal strings (canonical JSON here carries integers only)."""
    out = cast(dict[str, Any], st.to_dict())
    for c in out["contests"]:
        c["risk"] = f"{c['risk']:.6g}"
    return out
