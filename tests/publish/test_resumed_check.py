"""The incremental store check that resumes the tree from the mark's saved nodes
(`escrutinio.publish.integrity_incremental`): it agrees with the full check on a clean store,
and each tampering is caught by the check docs/security.md names for it — the incremental
check itself, its spot check, or the full check (``log check``, ``--full-check``, ``--final``).

A log of ~600 entries (two full 256-leaf blocks and a partial one) is published once; runs
once per database kind (``db_url`` from tests/conftest.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from ledger_pubkit import WAVE2, Pub, ingest, wave1
from sqlalchemy import text

from escrutinio import reads
from escrutinio.ledger.merkle import MerkleTree
from escrutinio.ledger.resumed import ResumedTree, saved_nodes
from escrutinio.model import Definition
from escrutinio.model.leaves import LEAF_PREFIX
from escrutinio.publish import carry, integrity_incremental
from escrutinio.publish.integrity import check_store, check_store_state
from escrutinio.publish.site import publish
from escrutinio.store.checkpoints import log_tree
from escrutinio.store.integrity_marks import IntegrityMark, read_mark, write_mark
from escrutinio.store.store import StoreError

EXTRA = 600


@pytest.fixture
def pub(db_url: str, definition: Definition, tmp_path: Path) -> Iterator[Pub]:
    """wave1 plus ~600 more actas (one per party source of u3), published."""
    p = wave1(db_url, definition, tmp_path)
    rows = "".join(
        f"u3,gov-A,party-{i},2017-10-15T20:30:00Z,250,1,,90,10,140,4,,\n" for i in range(EXTRA)
    )
    ingest(p.store, tmp_path, "many.csv", rows)
    reads.record_bulletin(p.store)
    publish(p.store, p.out, p.signer)
    yield p
    p.store.close()


def _sql(pub: Pub, statement: str, **params: object) -> None:
    with pub.store.engine.begin() as conn:
        conn.execute(text(statement), params)


def _entry(pub: Pub, where: str) -> tuple[int, bytes]:
    with pub.store.engine.connect() as conn:
        row = conn.execute(
            text(f"SELECT idx, body FROM log_entries WHERE {where} ORDER BY idx")
        ).first()
    assert row is not None
    return int(row[0]), bytes(row[1])


def _resumed_check(pub: Pub) -> tuple[list[str], MerkleTree]:
    """The check ``publish`` would run now: from the stored mark, with the carried file."""
    mark = read_mark(pub.store)
    assert mark is not None
    carried = carry.carried_actas(pub.out, pub.signer.name, pub.signer.verifier(), mark)
    assert carried is not None
    problems, _, tree = check_store_state(pub.store, mark, carried)
    return problems, tree


def _no_spot_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(integrity_incremental, "SPOT_BLOCKS", 0)


def _rewrite(pub: Pub, idx: int, body: bytes) -> None:
    """Replace an entry's body and its leaf hash together (a consistent row edit)."""
    digest = hashlib.sha256(LEAF_PREFIX + body).digest()
    _sql(
        pub,
        "UPDATE log_entries SET body = :b, leaf_hash = :h WHERE idx = :i",
        b=body,
        h=digest,
        i=idx,
    )


def test_a_resumed_check_equals_the_full_check(pub: Pub, tmp_path: Path) -> None:
    mark = read_mark(pub.store)
    assert mark is not None and mark.size > 2 * 256
    ingest(pub.store, tmp_path, "wave2.csv", WAVE2)
    reads.record_bulletin(pub.store)
    carried = carry.carried_actas(pub.out, pub.signer.name, pub.signer.verifier(), mark)
    assert carried is not None
    problems, state, tree = check_store_state(pub.store, mark, carried)
    full, full_state, full_tree = check_store_state(pub.store)
    assert problems == full == []
    assert isinstance(tree, ResumedTree) and tree.base == mark.size
    assert tree.root() == full_tree.root() == log_tree(pub.store).root()
    assert state.acta_frame().equals(full_state.acta_frame())
    assert state.bulletins == full_state.bulletins and state.size == full_state.size
    assert saved_nodes(tree, tree.size) == saved_nodes(full_tree, tree.size)
    # the publisher gets every old leaf hash from the store when it asks for them
    assert tree.level_bytes(0, 0, tree.size) == full_tree.level_bytes(0, 0, tree.size)
    report = publish(pub.store, pub.out, pub.signer)
    assert report.check == f"incremental from log size {mark.size}"


def test_an_old_body_edit_is_caught_by_the_spot_check_or_the_full_check(
    pub: Pub, monkeypatch: pytest.MonkeyPatch
) -> None:
    idx, body = _entry(pub, "kind = 'acta' AND idx > 300")
    _sql(
        pub,
        "UPDATE log_entries SET body = :b WHERE idx = :i",
        b=body.replace(b"250", b"251", 1),
        i=idx,
    )
    problems, _ = _resumed_check(pub)  # 8 random blocks of 3: every block is read
    assert any(f"log_entries[{idx}]: leaf_hash does not match" in p for p in problems)
    _no_spot_check(monkeypatch)
    assert _resumed_check(pub)[0] == []  # the documented limit
    assert any(f"log_entries[{idx}]: leaf_hash does not match" in p for p in check_store(pub.store))


def test_an_old_leaf_hash_edit_is_caught_by_the_spot_check_or_the_full_check(
    pub: Pub, monkeypatch: pytest.MonkeyPatch
) -> None:
    idx, body = _entry(pub, "kind = 'acta' AND idx > 300")
    _rewrite(pub, idx, body.replace(b"250", b"251", 1))
    problems, _ = _resumed_check(pub)
    assert any("differ from the signed tree's" in p for p in problems)
    _no_spot_check(monkeypatch)
    assert _resumed_check(pub)[0] == []
    assert any("history was rewritten" in p for p in check_store(pub.store))


def test_an_old_acta_row_edit_is_caught_by_the_spot_check(pub: Pub) -> None:
    idx, _ = _entry(pub, "kind = 'acta' AND idx > 300")
    _sql(pub, "UPDATE acta_versions SET received_at = 'x' WHERE log_idx = :i", i=idx)
    problems, _ = _resumed_check(pub)
    assert any("received_at is 'x'" in p for p in problems)


def test_an_old_bulletin_edit_is_always_caught(pub: Pub, monkeypatch: pytest.MonkeyPatch) -> None:
    """Non-acta leaves are read by kind and their block folded to the signed tree."""
    _no_spot_check(monkeypatch)
    idx, body = _entry(pub, "kind = 'bulletin'")
    _rewrite(pub, idx, body.replace(b'"number":1', b'"number":7'))
    problems, _ = _resumed_check(pub)
    assert any("differ from the signed tree's" in p for p in problems)


def test_a_hidden_old_bulletin_is_caught(pub: Pub, monkeypatch: pytest.MonkeyPatch) -> None:
    """A kind column rewritten to ``acta`` does not hide a leaf from the replay: the carried
    file does not list it, so every leaf is re-hashed and replayed (and the full check names
    the column); in a block read anyway, the column is caught at once."""
    _no_spot_check(monkeypatch)
    idx, _ = _entry(pub, "kind = 'bulletin' AND idx > 300")
    _sql(pub, "UPDATE log_entries SET kind = 'acta' WHERE idx = :i", i=idx)
    problems, tree = _resumed_check(pub)
    assert problems == [] and not isinstance(tree, ResumedTree)
    assert any(f"log_entries[{idx}]: kind column" in p for p in check_store(pub.store))
    _sql(pub, "UPDATE log_entries SET kind = 'bulletin' WHERE idx = :i", i=idx)
    first, _ = _entry(pub, "kind = 'bulletin'")  # in the definition leaf's block
    _sql(pub, "UPDATE log_entries SET kind = 'acta' WHERE idx = :i", i=first)
    problems, _ = _resumed_check(pub)
    assert any(f"log_entries[{first}]: kind column" in p for p in problems)


def test_a_new_row_edit_is_caught(pub: Pub, tmp_path: Path) -> None:
    ingest(pub.store, tmp_path, "wave2.csv", WAVE2)
    _sql(pub, "UPDATE acta_versions SET status = 'x' WHERE unit = 'u4'")
    with pytest.raises(StoreError, match="status is 'x'"):
        publish(pub.store, pub.out, pub.signer)


def test_deleted_entries_are_caught(pub: Pub) -> None:
    idx, _ = _entry(pub, "kind = 'acta' AND idx > 300")
    _sql(pub, "DELETE FROM acta_versions WHERE log_idx = :i", i=idx)
    _sql(pub, "DELETE FROM log_entries WHERE idx = :i", i=idx)
    with pytest.raises(StoreError, match="entries deleted or moved"):
        publish(pub.store, pub.out, pub.signer)


def test_a_truncated_log_is_caught(pub: Pub) -> None:
    idx, _ = _entry(pub, "kind = 'bulletin' AND idx > 300")
    _sql(pub, "DELETE FROM bulletins WHERE log_idx = :i", i=idx)
    _sql(pub, "DELETE FROM log_entries WHERE idx = :i", i=idx)  # the last entry
    with pytest.raises(StoreError, match="integrity mark of size"):
        publish(pub.store, pub.out, pub.signer)


def test_a_mark_of_another_log_is_caught(pub: Pub) -> None:
    mark = read_mark(pub.store)
    assert mark is not None
    other = MerkleTree.from_leaf_hashes(bytes([i % 251]) * 32 for i in range(mark.size))
    write_mark(pub.store, IntegrityMark(other.size, other.root(), saved_nodes(other, other.size)))
    with pytest.raises(StoreError, match="another root"):
        _resumed_check_or_publish(pub)
    shorter = MerkleTree.from_leaf_hashes(bytes([i % 251]) * 32 for i in range(mark.size - 3))
    write_mark(
        pub.store, IntegrityMark(shorter.size, shorter.root(), saved_nodes(shorter, shorter.size))
    )
    with pytest.raises(StoreError, match="integrity mark of size"):
        publish(pub.store, pub.out, pub.signer)  # not bound: every leaf re-hashed, root differs


def _resumed_check_or_publish(pub: Pub) -> None:
    """The resumed check with the mark's own carried file (the other mark's root names no
    signed manifest, so ``publish`` itself would not carry anything)."""
    mark = read_mark(pub.store)
    assert mark is not None
    frame = pl.read_parquet(pub.out / "actas.parquet")
    problems, _, _ = check_store_state(pub.store, mark, frame)
    if problems:
        raise StoreError("; ".join(problems))


def test_tampered_mark_nodes_are_caught(pub: Pub) -> None:
    with pub.store.engine.connect() as conn:
        raw = conn.execute(
            text("SELECT value FROM meta WHERE key = 'integrity_checked'")
        ).scalar_one()
    doc = json.loads(raw)
    nodes = bytearray(base64.b64decode(doc["nodes"]))
    nodes[-1] ^= 1
    doc["nodes"] = base64.b64encode(bytes(nodes)).decode("ascii")
    _sql(pub, "UPDATE meta SET value = :v WHERE key = 'integrity_checked'", v=json.dumps(doc))
    problems, _ = _resumed_check(pub)
    assert any("integrity mark of size" in p for p in problems)


def test_a_first_format_mark_means_one_full_check(pub: Pub) -> None:
    mark = read_mark(pub.store)
    assert mark is not None
    old = json.dumps({"size": mark.size, "root": mark.root.hex()})
    _sql(pub, "UPDATE meta SET value = :v WHERE key = 'integrity_checked'", v=old)
    assert read_mark(pub.store) is None
    assert publish(pub.store, pub.out, pub.signer).check == "full"
    assert read_mark(pub.store) == mark  # rewritten in the current format
    assert publish(pub.store, pub.out, pub.signer).check.startswith("incremental")
