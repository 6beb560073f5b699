"""Persistence of audits: each step's rows and its transparency-log leaf (kind ``audit``)
commit in one transaction, so a crash leaves either the whole step or nothing. Module
functions taking the store and plain data; the audit workflow
(:mod:`escrutinio.audit.workflow.persist`) checks parameters, builds its state types and
calls these, never the reverse.

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
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from escrutinio.model.acta import utc_timestamp
from escrutinio.model.canonical import canonical_json_fast, sha256_hex
from escrutinio.model.leaves import AUDIT, MAX_LEAF_BYTES, audit_leaf
from escrutinio.store import log as store_log
from escrutinio.store import schema as t
from escrutinio.store.store import Store, StoreError

KIND = AUDIT
LEAF_BYTES = MAX_LEAF_BYTES  # (a name tests lower to force parted leaves)


class Recorded(NamedTuple):
    """What recording hand counts did: new, unchanged and corrected rows, and the log
    index of the step's first leaf (None when nothing was stored)."""

    new: int
    unchanged: int
    corrected: int
    log_idx: int | None


class CountRow(Protocol):
    """One hand count (or ballot reading) to record: unit, contest, votes per option in
    contest order, and the reason when it corrects an earlier one."""

    @property
    def unit(self) -> str: ...

    @property
    def contest(self) -> str: ...

    @property
    def votes(self) -> tuple[int, ...]: ...

    @property
    def reason(self) -> str: ...


R = TypeVar("R", bound=CountRow)


@dataclass(frozen=True)
class StoredAudit:
    """An audit's rows as stored: its parameters and spec, the reported snapshot (contest →
    JSON form), the rounds' draws, the latest hand count per (unit, contest), and for
    ballot-level audits the manifest rows ``[batch, ballots, is_table]`` and the CVRs."""

    name: str
    method: str
    risk_limit: float
    seed: str
    spec: dict[str, Any]
    reported: dict[str, Any]
    rounds: list[dict[str, list[str]]]
    counts: dict[tuple[str, str], tuple[int, ...]]
    manifest: list[list[Any]] | None = None
    cvrs: dict[str, dict[str, list[int]]] | None = None


def _leaf(store: Store, conn: Connection, body: dict[str, Any]) -> int:
    """Append an audit step's leaf; like every leaf it names its own kind, so a verifier
    holding only the published log knows what it is."""
    return store_log.append_log(store, conn, [(KIND, audit_leaf(body))])


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
        return [store_log.append_log(store, conn, [(KIND, whole)])] * max(len(items), 1)
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
    first = store_log.append_log(store, conn, [(KIND, leaf) for leaf in leaves])
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


def stored_parameters(store: Store, name: str) -> tuple[str, str, str, dict[str, Any]] | None:
    """The stored audit ``name``'s (method, risk limit as written, seed, spec), or None."""
    with store.engine.connect() as conn:
        row = conn.execute(select(t.audits).where(t.audits.c.name == name)).first()
    if row is None:
        return None
    return (row.method, row.risk_limit, row.seed, json.loads(row.spec))


def insert_audit(
    store: Store,
    name: str,
    method: str,
    risk_limit: float,
    seed: str,
    spec: dict[str, Any],
    reported: dict[str, Any],
    ballot_blobs: tuple[bytes, bytes | None] | None = None,
) -> None:
    """Store a new audit (its parameters, spec and the reported snapshot, contest → JSON
    form) with its ``create`` leaf; ``ballot_blobs`` are the canonical manifest and CVRs of a
    ballot-level audit, whose SHA-256 the spec carries."""
    blob = canonical_json_fast(reported)
    digest = sha256_hex(blob)
    percent = spec.get("percent")
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
                "contests": list(spec["contests"]),
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


def load_stored(store: Store, name: str) -> StoredAudit:
    """Read an audit's rows (latest hand-count version per unit and contest)."""
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
    manifest = cvrs = None
    if "manifest_sha256" in spec:
        manifest, cvrs = _ballot_data(store, aid, row.name)
    return StoredAudit(
        name=row.name,
        method=row.method,
        risk_limit=float(row.risk_limit),
        seed=row.seed,
        spec=spec,
        reported=json.loads(zlib.decompress(bytes(row.reported))),
        rounds=[json.loads(r[0]) for r in rounds],
        counts={(r[0], r[1]): tuple(json.loads(r[2])) for r in counts},
        manifest=manifest,
        cvrs=cvrs,
    )


def _ballot_data(
    store: Store, aid: int, name: str
) -> tuple[list[list[Any]], dict[str, dict[str, list[int]]] | None]:
    """The manifest rows and CVRs of a ballot-level audit."""
    with store.engine.connect() as conn:
        bd = conn.execute(
            select(t.audit_ballot_data).where(t.audit_ballot_data.c.audit_id == aid)
        ).first()
    if bd is None:
        raise StoreError(f"audit '{name}' has no ballot manifest stored")
    rows: list[list[Any]] = json.loads(zlib.decompress(bytes(bd.manifest)))
    cvrs = None if bd.cvrs is None else json.loads(zlib.decompress(bytes(bd.cvrs)))
    return rows, cvrs


def add_round(store: Store, name: str, rounds_known: int, draws: dict[str, list[str]]) -> int:
    """Store the next round's draws with its leaf, provided the audit has ``rounds_known``
    rounds stored (else another round was drawn meanwhile); returns the round number."""
    number = rounds_known + 1
    with store.engine.begin() as conn:
        aid = _audit_id(conn, name)
        stored = int(
            conn.execute(
                select(func.count())
                .select_from(t.audit_rounds)
                .where(t.audit_rounds.c.audit_id == aid)
            ).scalar_one()
        )
        if stored != rounds_known:
            raise StoreError("another round was drawn meanwhile; reload the audit")
        idx = _parted_leaves(
            store,
            conn,
            {"step": "draw", "audit": name, "round": number},
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
    return number


def record_counts(
    store: Store, name: str, rows: Sequence[R], source: str
) -> tuple[Recorded, list[R]]:
    """Store hand counts as new versions in one transaction with one leaf; returns how many
    were new, unchanged and corrections with the log index of the first leaf, and the rows
    that were stored.

    A unit whose latest count is identical is skipped (re-importing is a no-op); a different
    count for an already recorded unit needs a reason, else nothing is stored.
    """
    with store.engine.begin() as conn:
        aid = _audit_id(conn, name)
        ac = t.audit_counts.c
        latest: dict[tuple[str, str], tuple[int, tuple[int, ...]]] = {}
        for r in conn.execute(
            select(ac.unit, ac.contest, ac.version, ac.counts)
            .where(ac.audit_id == aid)
            .order_by(ac.version)
        ):
            latest[(r[0], r[1])] = (int(r[2]), tuple(json.loads(r[3])))
        new: list[tuple[R, int]] = []
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
            return Recorded(0, unchanged, 0, None), []
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
            {"step": "record", "audit": name, "source": source},
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
    return Recorded(len(new) - corrected, unchanged, corrected, idx), [hc for hc, _ in new]


def record_conclusion(
    store: Store, name: str, round_number: int, status: dict[str, Any]
) -> tuple[int, bool]:
    """Store the audit's conclusion for round ``round_number`` (its status document, risks
    as decimal strings, once per distinct content). Returns (log index, newly recorded)."""
    body = {"step": "conclusion", "audit": name, "round": round_number, **status}
    text = canonical_json_fast(body)
    digest = sha256_hex(text)
    with store.engine.begin() as conn:
        aid = _audit_id(conn, name)
        cc = t.audit_conclusions.c
        row = conn.execute(
            select(cc.log_idx).where(
                cc.audit_id == aid, cc.round == round_number, cc.sha256 == digest
            )
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
                round=round_number,
                body=text.decode(),
                sha256=digest,
                created_at=utc_timestamp(),
                log_idx=idx,
            )
        )
    return idx, True
