"""A re-publication carries the previous publication's acta versions (``actas.parquet``)
instead of replaying their leaves (`escrutinio.publish.carry`): only a file the log key
signed for the mark's prefix is taken, the result equals a full publication byte for byte,
and the incremental check still catches what docs/security.md says.

Runs once per database kind (``db_url`` from tests/conftest.py).
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from ledger_pubkit import WAVE2, Pub, ingest, wave1
from sqlalchemy import text

from escrutinio import reads
from escrutinio.ledger.note import sign_note
from escrutinio.model import Definition
from escrutinio.model.canonical import canonical_json_fast
from escrutinio.publish import carry, site
from escrutinio.publish.integrity import check_store_state
from escrutinio.publish.site import publish
from escrutinio.store import definitions as store_definitions
from escrutinio.store import versions as store_versions
from escrutinio.store.integrity_marks import read_mark
from escrutinio.store.store import StoreError
from escrutinio.verify.verifier import verify_publication

DATA = ("actas.csv", "actas_prep.csv", "actas.parquet", "results/results.json")


@pytest.fixture
def pub(db_url: str, definition: Definition, tmp_path: Path) -> Iterator[Pub]:
    p = wave1(db_url, definition, tmp_path)
    yield p
    p.store.close()


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each publish found a carried frame."""
    seen: list[bool] = []
    real = carry.carried_publication

    def spy(*args: object) -> carry.Carried | None:
        carried = real(*args)  # type: ignore[arg-type]
        seen.append(carried is not None)
        return carried

    monkeypatch.setattr(site, "carried_publication", spy)
    return seen


def _second_wave(pub: Pub, tmp_path: Path, slot_unit: str = "u1") -> None:
    """WAVE2 (a conflicting u2), an adjudication of an old slot, bulletin 2."""
    ingest(pub.store, tmp_path, "wave2.csv", WAVE2)
    official = store_definitions.read_definition(pub.store).info.official_source
    store_versions.adjudicate(pub.store, slot_unit, "gov-A", official, 1, "recount", "board")
    reads.record_bulletin(pub.store)


def _same_as_full(pub: Pub, tmp_path: Path) -> None:
    other = tmp_path / "full"
    publish(pub.store, other, pub.signer, full_check=True)
    for name in DATA:
        assert (pub.out / name).read_bytes() == (other / name).read_bytes(), name
    assert verify_publication(pub.out, pub.log_key).ok


def test_a_republish_carries_the_signed_actas_and_equals_a_full_one(
    pub: Pub, tmp_path: Path, taken: list[bool]
) -> None:
    _second_wave(pub, tmp_path)
    report = publish(pub.store, pub.out, pub.signer)
    assert report.check.startswith("incremental") and taken == [True]
    _same_as_full(pub, tmp_path)
    frame = pl.read_parquet(pub.out / "actas.parquet")
    official = store_definitions.read_definition(pub.store).info.official_source
    u1 = frame.filter((pl.col("unit") == "u1") & (pl.col("source") == official))
    assert u1["counting"].to_list() == [True]


def test_an_adjudication_that_sets_no_version_stops_old_rows_counting(
    pub: Pub, tmp_path: Path, taken: list[bool]
) -> None:
    official = store_definitions.read_definition(pub.store).info.official_source
    store_versions.adjudicate(pub.store, "u3", "gov-A", official, None, "annulled", "board")
    publish(pub.store, pub.out, pub.signer)
    assert taken == [True]
    _same_as_full(pub, tmp_path)
    frame = pl.read_parquet(pub.out / "actas.parquet")
    assert frame.filter(pl.col("unit") == "u3")["counting"].to_list() == [False]


def _rewrite_parquet(pub: Pub, resign: bool) -> None:
    """Change one vote in actas.parquet and list the new hash in manifest.json (re-signing
    the manifest note with the log key when ``resign``)."""
    frame = pl.read_parquet(pub.out / "actas.parquet")
    frame = frame.with_columns(pl.col("voters") + 1)
    buf = io.BytesIO()
    frame.write_parquet(buf, statistics=False)
    (pub.out / "actas.parquet").write_bytes(buf.getvalue())
    doc = json.loads((pub.out / "manifest.json").read_bytes())
    doc["files"]["actas.parquet"] = hashlib.sha256(buf.getvalue()).hexdigest()
    raw = canonical_json_fast(doc)
    (pub.out / "manifest.json").write_bytes(raw)
    if resign:
        note = sign_note(
            carry.manifest_note_text(pub.signer.name, doc["size"], doc["root_hash"], raw),
            [pub.signer],
        )
        (pub.out / "manifest.note").write_text(note, encoding="utf-8")


def test_an_unsigned_actas_parquet_is_not_carried(
    pub: Pub, tmp_path: Path, taken: list[bool]
) -> None:
    _rewrite_parquet(pub, resign=False)
    _second_wave(pub, tmp_path)
    publish(pub.store, pub.out, pub.signer)
    assert taken == [False]
    _same_as_full(pub, tmp_path)


def test_a_carried_frame_that_is_not_the_log_is_replayed_instead(pub: Pub) -> None:
    mark = read_mark(pub.store)
    assert mark is not None
    good = carry.carried_actas(pub.out, pub.signer.name, pub.signer.verifier(), mark)
    assert good is not None
    problems, state, _ = check_store_state(pub.store, mark, good)
    assert problems == [] and state.base is not None and state.actas == []
    short = good.slice(1)
    problems, state, _ = check_store_state(pub.store, mark, short)
    assert problems == [] and state.base is None
    assert [a.log_index for a in state.actas] == good["log_index"].to_list()


def test_a_resigned_but_wrong_parquet_is_still_only_what_the_key_signed(
    pub: Pub, tmp_path: Path
) -> None:
    """Whoever holds the log key can sign anything: the carried file is then what that key
    published, and the full check (``--full-check``, ``--final``) rebuilds from the leaves."""
    _rewrite_parquet(pub, resign=True)
    _second_wave(pub, tmp_path)
    publish(pub.store, pub.out, pub.signer, full_check=True)
    _same_as_full(pub, tmp_path)


def test_an_edited_old_row_of_a_touched_slot_is_caught(pub: Pub, tmp_path: Path) -> None:
    with pub.store.engine.begin() as conn:
        row = conn.execute(
            text("SELECT id FROM acta_versions WHERE unit = 'u2' ORDER BY log_idx")
        ).first()
        assert row is not None
        counts = struct.pack("<7q", 121, 30, 189, 5, 2, 1, 350)
        conn.execute(
            text("UPDATE acta_versions SET counts = :c WHERE id = :i"), {"c": counts, "i": row[0]}
        )
    ingest(pub.store, tmp_path, "wave2.csv", WAVE2)  # a new version of u2 touches its slot
    with pytest.raises(StoreError, match="counts is"):
        publish(pub.store, pub.out, pub.signer)


def test_old_entries_swapped_with_their_hashes_are_caught_while_carrying(
    pub: Pub, taken: list[bool]
) -> None:
    with pub.store.engine.begin() as conn:
        rows = conn.execute(
            text("SELECT idx, body, leaf_hash FROM log_entries WHERE idx IN (1, 2) ORDER BY idx")
        ).all()
        for (idx, _, _), (_, body, digest) in zip(rows, reversed(rows), strict=True):
            conn.execute(
                text("UPDATE log_entries SET body = :b, leaf_hash = :h WHERE idx = :i"),
                {"b": bytes(body), "h": bytes(digest), "i": idx},
            )
    with pytest.raises(StoreError, match="history was rewritten"):
        publish(pub.store, pub.out, pub.signer)
    assert taken == [True]
