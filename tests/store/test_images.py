"""Image references and QR checks as stored, on SQLite and PostgreSQL: each attached image
has its own log leaf written with its row, attaching is idempotent, an unknown acta stores
nothing, checks are appended, and ``log check`` catches an edited reference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update

from escrutinio.model import leaves
from escrutinio.publish.integrity import check_store
from escrutinio.store import images as store_images
from escrutinio.store import log as store_log
from escrutinio.store import schema as t
from escrutinio.store.store import Store, StoreError
from support import ACTAS_HEADER, REPORTED_ROWS, ingest_file, table_counts

SHA_A = "a" * 64
SHA_B = "b" * 64


@pytest.fixture
def with_actas(store: Store, tmp_path: Path) -> Store:
    path = tmp_path / "actas.csv"
    path.write_text(ACTAS_HEADER + "".join(REPORTED_ROWS[:2]), encoding="utf-8")
    ingest_file(store, path)
    return store


def test_attach_writes_one_leaf_per_image(with_actas: Store) -> None:
    store = with_actas
    before = store_log.log_size(store)
    refs = store_images.attach_images(
        store, "u1", "gov-A", "official", 1, [(SHA_A, "image/png"), (SHA_B, "image/jpeg")]
    )
    assert [r.log_idx for r in refs] == [before, before + 1]
    entries = list(store_log.log_entries(store, before))
    leaf = json.loads(entries[0].body)
    assert entries[0].kind == leaves.IMAGE
    assert leaf == {
        "kind": "image",
        "unit": "u1",
        "contest": "gov-A",
        "source": "official",
        "version": 1,
        "sha256": SHA_A,
        "media_type": "image/png",
        "attached_at": refs[0].attached_at,
    }
    assert entries[0].body == leaves.image_leaf(
        "u1", "gov-A", "official", 1, SHA_A, "image/png", refs[0].attached_at
    )
    again = store_images.attach_images(store, "u1", "gov-A", "official", 1, [(SHA_A, "image/png")])
    assert again == [] and store_log.log_size(store) == before + 2
    assert [r.sha256 for r in store_images.image_refs(store)] == [SHA_A, SHA_B]
    assert store_images.image_refs(store, log_size=before + 1) == refs[:1]
    assert check_store(store) == []
    content = store_images.acta_content(store, refs[0])
    assert content["unit"] == "u1" and content["votes"]["a2-mud"] == 150


def test_unknown_acta_stores_nothing(with_actas: Store) -> None:
    before = table_counts(with_actas)
    with pytest.raises(StoreError, match="no stored acta version 2 for unit 'u1'"):
        store_images.attach_images(with_actas, "u1", "gov-A", "official", 2, [(SHA_A, "image/png")])
    assert table_counts(with_actas) == before
    assert store_images.image_refs(with_actas) == []


def test_qr_checks_are_appended(with_actas: Store) -> None:
    (ref,) = store_images.attach_images(
        with_actas, "u2", "gov-A", "official", 1, [(SHA_A, "image/png")]
    )
    first = store_images.record_qr_check(with_actas, ref.id, "no_qr", {"detail": "none"})
    second = store_images.record_qr_check(
        with_actas, ref.id, "mismatch", {"differences": [{"field": "null", "qr": 1, "typed": 0}]}
    )
    assert [c.status for c in store_images.qr_checks(with_actas)] == ["no_qr", "mismatch"]
    assert store_images.latest_qr_checks(with_actas) == {ref.id: second}
    assert first.id < second.id
    with pytest.raises(StoreError, match="QR status"):
        store_images.record_qr_check(with_actas, ref.id, "fine", {})
    with pytest.raises(StoreError, match="no image reference"):
        store_images.record_qr_check(with_actas, 999, "match", {})


def test_log_check_catches_an_edited_reference(with_actas: Store) -> None:
    store_images.attach_images(with_actas, "u1", "gov-A", "official", 1, [(SHA_A, "image/png")])
    with with_actas.engine.begin() as conn:
        conn.execute(update(t.acta_images).values(sha256=SHA_B))
    problems = check_store(with_actas)
    assert any("acta_images" in p and "differs from its image leaf" in p for p in problems)
