"""The witness cosigns only checkpoints consistent with the last one it cosigned."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_pubkit import Pub, wave1, wave2

from escrutinio.ledger.checkpoint import Checkpoint, sign_checkpoint
from escrutinio.ledger.cosignature import CosignatureSigner, CosignatureVerifier
from escrutinio.ledger.keys import generate_key
from escrutinio.ledger.note import open_note
from escrutinio.model import Definition
from escrutinio.witness.witness import WitnessRefusal, cosign_publication, last_cosigned


@pytest.fixture
def pub(tmp_path: Path, definition: Definition) -> Iterator[Pub]:
    p = wave1(f"sqlite:///{tmp_path / 'store.db'}", definition, tmp_path)
    yield p
    p.store.close()


def _verifier(pub: Pub) -> CosignatureVerifier:
    return pub.witness.verifier()


def test_cosigns_growth_with_consistency_proof(pub: Pub, tmp_path: Path) -> None:
    first = last_cosigned(pub.witness_state, pub.signer.name)
    assert first is not None and first.size == 7
    wave2(pub, tmp_path)
    done = cosign_publication(pub.out, pub.witness, pub.signer.verifier(), pub.witness_state)
    assert done.previous_size == 12 and done.checkpoint.size == 12
    opened = open_note(done.note, [pub.signer.verifier(), _verifier(pub)])
    assert set(opened.verified_names) == {pub.signer.name, pub.witness.name}
    written = pub.out / "cosignatures" / f"{pub.witness.name}.note"
    assert written.read_text() == done.note


def test_refuses_wrong_log_key(pub: Pub) -> None:
    other = generate_key(pub.signer.name).verifier()
    with pytest.raises(WitnessRefusal, match="does not verify"):
        cosign_publication(pub.out, pub.witness, other, pub.witness_state)


def test_refuses_the_log_key_as_witness_key(pub: Pub, tmp_path: Path) -> None:
    state = tmp_path / "self-state"
    own = CosignatureSigner.from_signer(pub.signer)
    before = sorted(p.name for p in (pub.out / "cosignatures").iterdir())
    with pytest.raises(WitnessRefusal, match="a log cannot witness itself"):
        cosign_publication(pub.out, own, pub.signer.verifier(), state)
    assert sorted(p.name for p in (pub.out / "cosignatures").iterdir()) == before
    assert not state.exists()


def test_refuses_rollback(pub: Pub, tmp_path: Path) -> None:
    old = tmp_path / "old-pub"
    shutil.copytree(pub.out, old)
    wave2(pub, tmp_path)
    with pytest.raises(WitnessRefusal, match="shrank"):
        cosign_publication(old, pub.witness, pub.signer.verifier(), pub.witness_state)


def test_refuses_same_size_different_root(pub: Pub) -> None:
    cp = last_cosigned(pub.witness_state, pub.signer.name)
    assert cp is not None
    forged = sign_checkpoint(Checkpoint(cp.origin, cp.size, b"\x07" * 32), [pub.signer])
    (pub.out / "checkpoint").write_text(forged, encoding="utf-8")
    with pytest.raises(WitnessRefusal, match="not consistent"):
        cosign_publication(pub.out, pub.witness, pub.signer.verifier(), pub.witness_state)
    assert last_cosigned(pub.witness_state, pub.signer.name) == cp


def test_print_only_writes_nothing_to_publication(pub: Pub, tmp_path: Path) -> None:
    state = tmp_path / "fresh-state"
    target = pub.out / "cosignatures" / f"{pub.witness.name}.note"
    target.unlink()
    done = cosign_publication(pub.out, pub.witness, pub.signer.verifier(), state, write=False)
    assert done.written_to is None and not target.exists()
    assert last_cosigned(state, pub.signer.name) == done.checkpoint


def test_linked_cosignatures_folder_is_refused_and_nothing_remembered(
    pub: Pub, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(pub.out / "cosignatures")
    (pub.out / "cosignatures").symlink_to(elsewhere, target_is_directory=True)
    state = tmp_path / "fresh-state"
    with pytest.raises(WitnessRefusal, match="'cosignatures' is a symbolic link"):
        cosign_publication(pub.out, pub.witness, pub.signer.verifier(), state)
    assert list(elsewhere.iterdir()) == []
    assert last_cosigned(state, pub.signer.name) is None


def test_oversized_or_device_checkpoint_is_refused(pub: Pub, tmp_path: Path) -> None:
    (pub.out / "checkpoint").unlink()
    (pub.out / "checkpoint").symlink_to("/dev/zero")
    with pytest.raises(WitnessRefusal, match="a symbolic link that leads outside"):
        cosign_publication(pub.out, pub.witness, pub.signer.verifier(), tmp_path / "s1")
    (pub.out / "checkpoint").unlink()
    (pub.out / "checkpoint").write_bytes(b"x" * (2 * 1024 * 1024))
    with pytest.raises(WitnessRefusal, match="checkpoint: larger than the limit of 1,048,576"):
        cosign_publication(pub.out, pub.witness, pub.signer.verifier(), tmp_path / "s2")
