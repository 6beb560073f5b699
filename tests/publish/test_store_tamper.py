"""Direct edits of stored rows on SQLite and PostgreSQL are caught; a forked log is rejected.

Runs once per database kind (``db_url`` from tests/conftest.py).
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_pubkit import Pub, wave1
from sqlalchemy import text

from escrutinio.model import Definition
from escrutinio.model.canonical import canonical_json_fast
from escrutinio.publish.integrity import check_store
from escrutinio.publish.site import publish
from escrutinio.store.store import StoreError
from escrutinio.verify.verifier import verify_publication
from escrutinio.witness.witness import WitnessRefusal, cosign_publication


def _first_acta(pub: Pub, source: str | None = None) -> tuple[int, int]:
    query = "SELECT id, log_idx FROM acta_versions"
    if source is not None:
        query += f" WHERE source = '{source}'"
    with pub.store.engine.connect() as conn:
        row = conn.execute(text(query + " ORDER BY log_idx")).first()
    assert row is not None
    return int(row[0]), int(row[1])


def _sql(pub: Pub, statement: str, **params: object) -> None:
    with pub.store.engine.begin() as conn:
        conn.execute(text(statement), params)


@pytest.fixture
def pub(db_url: str, definition: Definition, tmp_path: Path) -> Iterator[Pub]:
    p = wave1(db_url, definition, tmp_path)
    yield p
    p.store.close()


def test_clean_store_passes(pub: Pub) -> None:
    assert check_store(pub.store) == []


def test_edited_acta_counts_caught(pub: Pub) -> None:
    row_id, _ = _first_acta(pub)
    counts = struct.pack("<7q", 999, 20, 150, 5, 3, 0, 300)
    _sql(pub, "UPDATE acta_versions SET counts = :c WHERE id = :i", c=counts, i=row_id)
    problems = check_store(pub.store)
    assert any("counts is" in p and "the log says" in p for p in problems), problems
    with pytest.raises(StoreError, match="integrity check failed"):
        publish(pub.store, pub.out, pub.signer, full_check=True)


def test_edited_counting_flag_caught(pub: Pub) -> None:
    row_id, _ = _first_acta(pub)
    _sql(pub, "UPDATE acta_versions SET counting = :f WHERE id = :i", f=False, i=row_id)
    assert any("counting is False" in p for p in check_store(pub.store))


def test_edited_leaf_body_caught(pub: Pub) -> None:
    _, idx = _first_acta(pub)
    _sql(pub, "UPDATE log_entries SET body = :b WHERE idx = :i", b=b'{"kind":"acta"}', i=idx)
    assert any("leaf_hash does not match its body" in p for p in check_store(pub.store))


def test_edited_bulletin_caught(pub: Pub) -> None:
    _sql(pub, "UPDATE bulletins SET body = :b WHERE number = 1", b=b"{}")
    assert any("bulletins[1]" in p for p in check_store(pub.store))


def _forge(pub: Pub) -> None:
    """Rewrite a party's acta consistently in log_entries and acta_versions (it is not in
    the official results, so the bulletins stay consistent too), as an operator could."""
    row_id, idx = _first_acta(pub, "party-x")
    with pub.store.engine.connect() as conn:
        body = bytes(
            conn.execute(
                text("SELECT body FROM log_entries WHERE idx = :i"), {"i": idx}
            ).scalar_one()
        )
    leaf = json.loads(body)
    leaf["acta"]["votes"]["a1-psuv"] += 50
    leaf["acta"]["voters"] += 50
    content = canonical_json_fast(leaf["acta"])
    leaf["content_hash"] = hashlib.sha256(content).hexdigest()
    new_body = canonical_json_fast(leaf)
    new_hash = hashlib.sha256(b"\x00" + new_body).digest()
    counts = struct.pack("<7q", 150, 20, 150, 5, 3, 0, 350)
    _sql(
        pub,
        "UPDATE log_entries SET body = :b, leaf_hash = :h WHERE idx = :i",
        b=new_body,
        h=new_hash,
        i=idx,
    )
    _sql(
        pub,
        "UPDATE acta_versions SET counts = :c, content_hash = :h WHERE id = :i",
        c=counts,
        h=leaf["content_hash"],
        i=row_id,
    )


def test_consistent_rewrite_caught_by_signed_checkpoint(pub: Pub) -> None:
    _forge(pub)
    problems = check_store(pub.store)
    assert any("history was rewritten" in p for p in problems), problems


def test_forked_log_rejected_by_verifier_and_witness(pub: Pub, tmp_path: Path) -> None:
    state = tmp_path / "verifier-state"
    assert verify_publication(pub.out, pub.log_key, [pub.witness_key], 1, state).ok
    _forge(pub)
    # The operator also drops its old checkpoints and publishes the fork elsewhere.
    # The integrity mark of the last publication names the old root: publish refuses.
    with pytest.raises(StoreError, match="history was rewritten"):
        publish(pub.store, tmp_path / "refused", pub.signer)
    _sql(pub, "DELETE FROM cosignatures")
    _sql(pub, "DELETE FROM checkpoints")
    _sql(pub, "DELETE FROM meta WHERE key = 'integrity_checked'")
    assert check_store(pub.store) == []
    fork = tmp_path / "fork"
    publish(pub.store, fork, pub.signer)
    # Internally consistent: a verifier that saw nothing before accepts it...
    assert verify_publication(fork, pub.log_key).ok
    # ...but one that saw the original catches the rewritten history,
    report = verify_publication(fork, pub.log_key, state_dir=state)
    assert not report.ok
    failure = report.failures()[0]
    assert failure.name == "history" and "not an extension" in failure.detail
    # and the witness that cosigned the original refuses to cosign the fork.
    with pytest.raises(WitnessRefusal, match="not consistent"):
        cosign_publication(fork, pub.witness, pub.signer.verifier(), pub.witness_state)
