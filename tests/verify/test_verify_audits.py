"""Audits in a publication: their leaves publish and verify, and every table draw is
re-derived from the public seed, so a hand-picked table is caught."""

from __future__ import annotations

import random

import numpy as np
import pytest
from ledger_pubkit import Pub

from escrutinio.audit.stats.sampling import ppeb_order_ids, sample_ids
from escrutinio.audit.workflow import persist as sa
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow import table_comparison_wor
from escrutinio.audit.workflow.state import HandCount
from escrutinio.model import Definition
from escrutinio.model.canonical import canonical_json_fast, sha256_hex
from escrutinio.publish.integrity import check_store
from escrutinio.publish.site import publish
from escrutinio.store import audits as store_audits
from escrutinio.store import log as store_log
from escrutinio.store.audit_records import AuditRecords
from escrutinio.verify.audit_ballots import published_manifest
from escrutinio.verify.audits import consistent_sample, ppeb_sample
from escrutinio.verify.record import RecordProblem
from escrutinio.verify.verifier import verify_publication

SEED = "09876543210987654321"


def run_audit(
    pub: Pub,
    draws: dict[str, list[str]] | None = None,
    sizes: dict[str, int] | None = None,
    method: str = "table-comparison",
) -> int:
    """A table-comparison audit of both governor races: create, one round (honest, or the
    given draws), hand counts equal to the actas, conclusion; then publish. Returns the
    round's draws (with replacement: repeats included)."""
    state, _ = sa.create_audit(
        AuditRecords(pub.store), "rla", method, 0.2, SEED, ["gov-A", "gov-B"]
    )
    honest = wf.draw(state, sizes or {"gov-A": 2, "gov-B": 1})
    chosen = draws if draws is not None else honest
    sa.add_round(AuditRecords(pub.store), state, chosen)
    counts = []
    for unit, cid in state.missing():
        rc = state.reported[cid]
        counts.append(HandCount(unit, cid, tuple(int(v) for v in rc.counts[rc.position[unit]])))
    sa.record_counts(AuditRecords(pub.store), state, counts, "board")
    sa.record_conclusion(AuditRecords(pub.store), state, wf.status(state))
    publish(pub.store, pub.out, pub.signer)
    return sum(len(v) for v in chosen.values())


def audit_check(pub: Pub) -> tuple[bool, str]:
    report = verify_publication(pub.out, pub.log_key)
    check = next(c for c in report.checks if c.name == "audits")
    return check.ok, check.detail


@pytest.mark.parametrize("method", ["table-comparison", "table-comparison-wor"])
def test_audited_store_passes_its_integrity_check_publishes_and_verifies(
    pub: Pub, method: str
) -> None:
    n = run_audit(pub, method=method)
    assert check_store(pub.store) == []
    report = verify_publication(pub.out, pub.log_key)
    assert report.ok, [c for c in report.checks if not c.ok]
    ok, detail = audit_check(pub)
    assert ok and f"1 audit(s): 1 round(s), {n} table draws re-derived" in detail, detail
    assert "risks not recomputed" not in detail and "2 contest risk(s)" in detail


def test_a_round_split_over_several_leaves_is_re_derived_whole(
    pub: Pub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_audits, "LEAF_BYTES", 100)  # as if the round were a national one
    n = run_audit(pub, sizes={"gov-A": 4, "gov-B": 2})
    draws = [
        e for e in store_log.log_entries(pub.store) if e.kind == "audit" and b'"draw"' in e.body
    ]
    assert len(draws) > 1
    ok, detail = audit_check(pub)
    assert ok and f"1 round(s), {n} table draws re-derived" in detail


def test_a_hand_picked_table_is_caught_without_replacement(pub: Pub) -> None:
    state, _ = sa.create_audit(
        AuditRecords(pub.store), "probe", "table-comparison-wor", 0.2, SEED, ["gov-A", "gov-B"]
    )
    order = table_comparison_wor.draw_order(state, "gov-A")  # u1..u4 in PPEB order
    honest = order[:2]
    others = order[2:]
    run_audit(
        pub, {"gov-A": [honest[0], others[0]], "gov-B": ["u5"]}, method="table-comparison-wor"
    )
    ok, detail = audit_check(pub)
    assert not ok
    assert f"audit 'rla' round 1, gov-A: draw 2 is '{others[0]}'" in detail
    assert f"but the seed gives '{honest[1]}'" in detail


def test_a_hand_picked_table_is_caught_with_replacement(pub: Pub) -> None:
    state, _ = sa.create_audit(
        AuditRecords(pub.store), "probe", "table-comparison", 0.2, SEED, ["gov-A", "gov-B"]
    )
    honest = wf.draw(state, {"gov-A": 2})["gov-A"]
    swapped = next(u for u in ("u1", "u2", "u3", "u4") if u not in honest)
    forged = [*honest[:-1], swapped]  # the round's last new table replaced
    run_audit(pub, {"gov-A": forged, "gov-B": ["u5"]})
    ok, detail = audit_check(pub)
    assert not ok
    assert f"audit 'rla' round 1, gov-A: draw {len(honest)} is '{swapped}'" in detail, detail
    assert f"but the seed gives '{honest[-1]}'" in detail


def test_a_with_replacement_round_must_stop_at_its_last_new_table(pub: Pub) -> None:
    state, _ = sa.create_audit(
        AuditRecords(pub.store), "probe", "table-comparison", 0.2, SEED, ["gov-A", "gov-B"]
    )
    honest = wf.draw(state, {"gov-A": 4})["gov-A"]  # every table of gov-A: the full count
    assert honest == ["u1", "u2", "u3", "u4"]
    ppeb = wf.draw(state, {"gov-A": 2})["gov-A"]
    run_audit(pub, {"gov-A": ppeb[:1] + ppeb[:1], "gov-B": ["u5"]})  # one table, drawn twice
    ok, detail = audit_check(pub)
    assert not ok and "audit 'rla' round 1, gov-A: draw 2" in detail, detail


def test_verifier_sample_equals_the_auditors_sample_in_any_input_order() -> None:
    tables = [f"t{i:04d}" for i in range(300)]
    auditor = sample_ids(tables, SEED, 20, skip=5)
    shuffled = random.Random(1).sample(tables, len(tables))
    assert consistent_sample(shuffled, SEED, 5, 20) == auditor


def test_verifier_ppeb_order_equals_the_auditors() -> None:
    tables = [f"t{i:04d}" for i in range(300)]
    rng = random.Random(2)
    bounds = [rng.random() * 3 if i % 17 else 0.0 for i in range(300)]
    auditor = ppeb_order_ids(tables, bounds, SEED)
    assert ppeb_sample(tables, bounds, SEED, 0, 300) == auditor
    assert ppeb_sample(tables, bounds, SEED, 5, 20) == auditor[5:25]
    zero = {t for t, b in zip(tables, bounds, strict=True) if b == 0}
    assert set(auditor[-len(zero) :]) == zero  # tables that cannot hide an error come last


def test_macro_pooled_draws_are_re_derived_and_a_substitute_caught(pub: Pub) -> None:
    state, _ = sa.create_audit(AuditRecords(pub.store), "m", "macro", 0.2, SEED, ["gov-A", "gov-B"])
    honest = wf.draw(state, {"*": 5})["*"]
    sa.add_round(AuditRecords(pub.store), state, {"*": honest})
    publish(pub.store, pub.out, pub.signer)
    ok, detail = audit_check(pub)
    assert ok and "1 round(s), 5 table draws re-derived" in detail, detail
    assert "not re-derived" not in detail
    other = next(u for u in ["u1", "u2", "u3", "u4", "u5", "u6"] if u != honest[1])
    sa.add_round(AuditRecords(pub.store), state, {"*": [honest[0], other]})
    publish(pub.store, pub.out, pub.signer)
    ok, detail = audit_check(pub)
    assert not ok and "audit 'm' round 2, *: draw 6 is" in detail, detail


def test_supermajority_table_draws_are_re_derived_as_uniform(pub: Pub) -> None:
    state, _ = sa.create_audit(
        AuditRecords(pub.store), "s", "table-comparison", 0.2, SEED, ["gov-B"], threshold=0.52
    )
    draws = wf.draw(state, {"gov-B": 2})
    assert draws["gov-B"] == consistent_sample(["u5", "u6"], SEED, 0, 2)
    sa.add_round(AuditRecords(pub.store), state, draws)
    publish(pub.store, pub.out, pub.signer)
    ok, detail = audit_check(pub)
    assert ok and "2 table draws re-derived" in detail, detail
    assert "risks not recomputed" not in detail


def test_publication_without_audits_says_so(pub: Pub) -> None:
    ok, detail = audit_check(pub)
    assert ok and detail == "no audit records"


def test_verifier_counts_pending_tables_as_the_auditor_does(definition: Definition) -> None:
    from escrutinio.audit.workflow.reported import pending_ballots
    from escrutinio.verify.audit_reported import pending_ballots as verifier_pending

    present = ["u1", "u3"]
    idx = np.array([definition.units.index[u] for u in present], dtype=np.int32)
    assert verifier_pending(definition, "gov-A", present) == pending_ballots(
        definition, "gov-A", idx
    )
    assert pending_ballots(definition, "gov-A", idx) == 400 + 200 + 2 * (
        definition.info.registered_tolerance
    )


MANIFEST = {"u1": 303, "u2": 355, "u3": 251, "u4": 156}


@pytest.mark.parametrize("method", ["ballot-polling", "minerva"])
def test_ballot_draws_are_re_derived_from_the_published_manifest(pub: Pub, method: str) -> None:
    state, _ = sa.create_audit(
        AuditRecords(pub.store), "b", method, 0.1, SEED, ["gov-A"], manifest=MANIFEST
    )
    honest = wf.draw(state, {"*": 12})["*"]
    sa.add_round(AuditRecords(pub.store), state, {"*": honest})
    publish(pub.store, pub.out, pub.signer)
    digest = state_manifest_digest(pub)
    assert (pub.out / "audits" / "ballots" / f"{digest}.json").is_file()
    ok, detail = audit_check(pub)
    assert ok and "12 ballot draws from their published manifests" in detail, detail
    assert "not re-derived" not in detail
    nxt = wf.draw(state, {"*": 3})["*"]
    sa.add_round(
        AuditRecords(pub.store), state, {"*": [nxt[0], "u4:1" if nxt[1] != "u4:1" else "u4:2"]}
    )
    publish(pub.store, pub.out, pub.signer)
    ok, detail = audit_check(pub)
    assert not ok and "audit 'b' round 2, *: draw 14 is" in detail, detail


def state_manifest_digest(pub: Pub) -> str:
    return str(store_audits.audit_info(pub.store, "b")["manifest_sha256"])


def test_a_manifest_other_than_the_leaf_states_is_refused() -> None:
    rows = [[b, n, 1] for b, n in MANIFEST.items()]
    blob = canonical_json_fast(rows)
    leaf = {"manifest_sha256": sha256_hex(blob), "manifest_ballots": sum(MANIFEST.values())}
    assert published_manifest("b", leaf, lambda rel: blob) == MANIFEST
    other = canonical_json_fast([[*rows[0][:1], 1, 1], *rows[1:]])
    with pytest.raises(RecordProblem, match="is not that manifest"):
        published_manifest("b", leaf, lambda rel: other)
    short = {**leaf, "manifest_sha256": sha256_hex(other)}
    with pytest.raises(RecordProblem, match="the manifest holds 763 ballots"):
        published_manifest("b", short, lambda rel: other)
