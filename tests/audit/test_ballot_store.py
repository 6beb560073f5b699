"""Ballot-level audits with the store (SQLite and PostgreSQL): manifest and CVRs committed
with the create leaf, idempotent re-creation, draws, readings, reload and resume."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from escrutinio.audit.errors import AuditError, AuditParameterError
from escrutinio.audit.workflow import persist as sa
from escrutinio.audit.workflow import rounds as ba
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow.state import HandCount
from escrutinio.publish.integrity import check_store
from escrutinio.store import log as store_log
from escrutinio.store import schema as t
from escrutinio.store.audit_records import AuditRecords
from escrutinio.store.store import Store, StoreError
from support import AUDIT_SEED as SEED

MANIFEST = {"u1": 300, "u2": 300, "u3": 200, "u4": 150, "u5": 400, "u6": 90}
VOTES = {
    "u1": ("gov-A", [100, 20, 150, 5]),
    "u2": ("gov-A", [160, 10, 120, 0]),
    "u3": ("gov-A", [90, 10, 90, 0]),
    "u4": ("gov-A", [70, 5, 60, 5]),
    "u5": ("gov-B", [300, 90]),
    "u6": ("gov-B", [60, 30]),
}


def paper(ballot: str) -> tuple[str, tuple[int, ...]]:
    """Contest and true marks of a ballot: the acta's votes stacked option by option."""
    batch, _, pos = ballot.rpartition(":")
    cid, votes = VOTES[batch]
    k, edge = int(pos), 0
    for i, v in enumerate(votes):
        edge += v
        if k <= edge:
            return cid, tuple(int(j == i) for j in range(len(votes)))
    return cid, (0,) * len(votes)


CVRS = {f"{b}:{p}": dict([paper(f"{b}:{p}")]) for b, n in MANIFEST.items() for p in range(1, n + 1)}


def leaves(store: Store) -> list[dict[str, object]]:
    return [json.loads(e.body) for e in store_log.log_entries(store) if e.kind == "audit"]


def readings(state: wf.AuditState) -> list[HandCount]:
    return [HandCount(b, c, paper(b)[1]) for b, c in state.missing()]


def create_comparison(store: Store, name: str = "c") -> tuple[wf.AuditState, bool]:
    return sa.create_audit(
        AuditRecords(store),
        name,
        "ballot-comparison",
        0.05,
        SEED,
        ["gov-A", "gov-B"],
        manifest=MANIFEST,
        cvrs=CVRS,
        test="kaplan-markov",
    )


def test_ballot_comparison_round_trip(store: Store) -> None:
    state, created = create_comparison(store)
    assert created and state.manifest == MANIFEST and state.cvrs == CVRS
    again, created = create_comparison(store)
    assert not created and again.cvrs == CVRS
    create_leaf = leaves(store)[0]
    assert create_leaf["test"] == "kaplan-markov" and create_leaf["manifest_ballots"] == 1440
    assert isinstance(create_leaf["cvrs_sha256"], str)
    sizes = wf.next_round_sizes(state, wf.status(state))
    sa.add_round(AuditRecords(store), state, wf.draw(state, sizes))
    assert ba.draws(state) == ba.draws(sa.load_audit(AuditRecords(store), "c"))
    rep = sa.record_counts(AuditRecords(store), state, readings(state), "readings.csv")
    assert rep.new == len(state.required()) > 0
    reloaded = sa.load_audit(AuditRecords(store), "c")
    assert reloaded.counts == state.counts
    st = wf.status(reloaded)
    assert st.pending == 0 and all(c.confirmed and not c.discrepancies for c in st.contests)
    sa.record_conclusion(AuditRecords(store), reloaded, st)
    assert [leaf["step"] for leaf in leaves(store)] == ["create", "draw", "record", "conclusion"]
    assert check_store(store) == []  # the audit's leaves can be published


def test_ballot_audit_parameters_are_checked(store: Store) -> None:
    with pytest.raises(AuditParameterError, match="manifest"):
        sa.create_audit(AuditRecords(store), "p", "ballot-polling", 0.05, SEED, ["gov-A"])
    with pytest.raises(AuditParameterError, match="with replacement"):
        sa.create_audit(
            AuditRecords(store),
            "p",
            "ballot-polling",
            0.05,
            SEED,
            ["gov-A"],
            manifest=MANIFEST,
            replacement=False,
        )
    with pytest.raises(AuditParameterError, match="cast vote records"):
        sa.create_audit(
            AuditRecords(store), "p", "ballot-comparison", 0.05, SEED, ["gov-A"], manifest=MANIFEST
        )
    with pytest.raises(AuditError, match="manifest has 100 ballots"):
        sa.create_audit(
            AuditRecords(store), "p", "ballot-polling", 0.05, SEED, ["gov-A"], manifest={"u1": 100}
        )
    create_comparison(store)
    with pytest.raises(StoreError, match="other parameters"):
        sa.create_audit(
            AuditRecords(store),
            "c",
            "ballot-comparison",
            0.05,
            SEED,
            ["gov-A", "gov-B"],
            manifest={**MANIFEST, "u6": 91},
            cvrs=CVRS,
            test="kaplan-markov",
        )
    assert len(leaves(store)) == 1


def test_interrupted_reading_import_resumes(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    state, _ = sa.create_audit(
        AuditRecords(store),
        "r",
        "ballot-polling",
        0.05,
        SEED,
        ["gov-A"],
        manifest=MANIFEST,
        test="alpha",
        replacement=False,
    )
    sa.add_round(AuditRecords(store), state, wf.draw(state, {wf.POOLED: 30}))
    rows = readings(state)
    original = store_log.append_log

    def crash(*args: object, **kwargs: object) -> int:
        original(*args, **kwargs)  # type: ignore[arg-type]
        raise KeyboardInterrupt

    monkeypatch.setattr(store_log, "append_log", crash)
    with pytest.raises(KeyboardInterrupt):
        sa.record_counts(AuditRecords(store), sa.load_audit(AuditRecords(store), "r"), rows, "f")
    monkeypatch.setattr(store_log, "append_log", original)
    resumed = sa.load_audit(AuditRecords(store), "r")
    assert resumed.counts == {} and not resumed.replacement and resumed.test == "alpha"
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.audit_counts)).scalar_one() == 0
    assert sa.record_counts(AuditRecords(store), resumed, rows, "f").new == len(rows)
    assert sa.record_counts(AuditRecords(store), resumed, rows, "f").new == 0
    assert len(set(ba.draws(resumed))) == 30
