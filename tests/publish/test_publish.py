"""Publication layout, incremental re-publication and checkpoint persistence."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_pubkit import Pub, wave1, wave2

from escrutinio.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from escrutinio.ledger.cosignature import CosignatureSigner, cosign
from escrutinio.ledger.keys import generate_key
from escrutinio.ledger.note import NoteError
from escrutinio.model import Definition
from escrutinio.publish import formats
from escrutinio.publish.site import publish
from escrutinio.store import log as store_log
from escrutinio.store.checkpoints import (
    add_cosignature,
    checkpoints,
    cosigned_note,
    latest_checkpoint,
    sign_checkpoint_now,
)
from escrutinio.store.store import StoreError


@pytest.fixture
def pub(tmp_path: Path, definition: Definition) -> Iterator[Pub]:
    p = wave1(f"sqlite:///{tmp_path / 'store.db'}", definition, tmp_path)
    yield p
    p.store.close()


def test_layout_and_manifest(pub: Pub) -> None:
    manifest = json.loads((pub.out / "manifest.json").read_bytes())
    assert manifest["origin"] == pub.signer.name
    assert manifest["size"] == store_log.log_size(pub.store) == 7
    for rel in (
        "checkpoint",
        "tile/0/000.p/7",
        "tile/entries/000.p/7",
        "keys/log.vkey",
        "actas.csv",
        "actas.parquet",
        "definition/election.json",
        "definition/regions.csv",
        "definition/units.csv",
        "results/results.json",
        "results/results.csv",
        "bulletins/1.json",
        "bulletins/1.csv",
        "bulletins/index.csv",
        "fields.json",
    ):
        assert rel in manifest["files"], rel
        assert (pub.out / rel).is_file()
    header = (pub.out / "actas.csv").read_text().splitlines()[0].split(",")
    assert header == list(formats.ACTA_COLUMNS)
    assert set(header) <= set(formats.FIELDS["actas.csv / actas.parquet"])


def test_republish_writes_only_what_changed(pub: Pub, tmp_path: Path) -> None:
    collected = publish(pub.store, pub.out, pub.signer)  # adds the collected cosignature
    assert sorted(collected.written) == [
        "checkpoint",
        "keys/witnesses/witness.example/observer.vkey",
        "manifest.json",
        "manifest.note",
    ]
    assert publish(pub.store, pub.out, pub.signer).written == []
    wave2(pub, tmp_path)
    report = publish(pub.store, pub.out, pub.signer)
    assert report.written == []  # wave2 already republished with the cosignature
    manifest = json.loads((pub.out / "manifest.json").read_bytes())
    assert manifest["size"] == 12
    assert "tile/0/000.p/7" not in manifest["files"]
    assert not (pub.out / "tile/0/000.p/7").exists()


def test_growth_rewrites_tiles_and_changed_files_only(pub: Pub, tmp_path: Path) -> None:
    from ledger_pubkit import WAVE2, ingest

    before = {p: (pub.out / p).stat().st_mtime_ns for p in ("definition/units.csv", "fields.json")}
    ingest(pub.store, tmp_path, "more.csv", WAVE2)
    report = publish(pub.store, pub.out, pub.signer)
    assert "tile/0/000.p/10" in report.written and "tile/entries/000.p/10" in report.written
    assert "tile/0/000.p/7" in report.removed
    assert "actas.csv" in report.written and "checkpoint" in report.written
    assert "definition/units.csv" not in report.written
    after = {p: (pub.out / p).stat().st_mtime_ns for p in before}
    assert after == before


def test_checkpoint_signing_is_idempotent_and_persistent(pub: Pub) -> None:
    stored = checkpoints(pub.store)
    note = sign_checkpoint_now(pub.store, pub.signer)
    assert checkpoints(pub.store) == stored
    cp = open_checkpoint(note, pub.signer.verifier())
    assert cp.size == store_log.log_size(pub.store)
    latest = latest_checkpoint(pub.store)
    assert latest is not None and latest.note == note
    assert "witness.example/observer" in cosigned_note(pub.store, latest)


def test_add_cosignature_rejects_unknown_or_bad(pub: Pub) -> None:
    latest = latest_checkpoint(pub.store)
    assert latest is not None
    stranger = CosignatureSigner.from_signer(generate_key("witness.example/x"))
    good = cosign(latest.note, stranger)
    with pytest.raises(NoteError):  # cosigned by someone else than the given witness key
        add_cosignature(pub.store, good, pub.witness.verifier().verifier_key())
    assert add_cosignature(pub.store, good, stranger.verifier().verifier_key()).witness
    fake = sign_checkpoint(Checkpoint(pub.signer.name, 3, b"\x01" * 32), [pub.signer])
    with pytest.raises(StoreError, match="not one this log signed"):
        add_cosignature(pub.store, cosign(fake, stranger), stranger.verifier().verifier_key())
