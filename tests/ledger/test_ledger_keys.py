"""Key files: generation, permissions and loading errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from escrutinio.ledger.cosignature import CosignatureSigner
from escrutinio.ledger.keys import (
    KeyFileError,
    generate_key,
    generate_key_files,
    load_cosigner_key,
    load_signer_key,
    load_verifier_key,
    write_signer_key,
    write_verifier_key,
)
from escrutinio.ledger.note import open_note, sign_note

NAME = "escrutinio.example/log"


def test_generate_write_load_round_trip(tmp_path: Path) -> None:
    skey, vkey = tmp_path / "log.key", tmp_path / "log.pub"
    signer = generate_key_files(NAME, skey, vkey)
    assert stat.S_IMODE(skey.stat().st_mode) == 0o600
    assert skey.read_text().startswith(f"PRIVATE+KEY+{NAME}+")
    loaded = load_signer_key(skey, expected_name=NAME)
    assert loaded == signer
    verifier = load_verifier_key(vkey, expected_name=NAME)
    note = sign_note("hello\n", [loaded])
    assert open_note(note, [verifier]).verified_names == (NAME,)


def test_two_generated_keys_differ() -> None:
    assert generate_key(NAME).seed != generate_key(NAME).seed


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    skey = tmp_path / "log.key"
    write_signer_key(skey, generate_key(NAME))
    with pytest.raises(KeyFileError, match="already exists"):
        write_signer_key(skey, generate_key(NAME))
    replacement = generate_key(NAME)
    write_signer_key(skey, replacement, overwrite=True)
    assert load_signer_key(skey) == replacement


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="not found"):
        load_signer_key(tmp_path / "nope.key")
    with pytest.raises(KeyFileError, match="not found"):
        load_verifier_key(tmp_path / "nope.pub")


def test_directory_is_not_a_key(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="regular file"):
        load_verifier_key(tmp_path)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_permissive_private_key_is_refused(tmp_path: Path, mode: int) -> None:
    skey = tmp_path / "log.key"
    write_signer_key(skey, generate_key(NAME))
    skey.chmod(mode)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_signer_key(skey)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads anything")
def test_unreadable_key(tmp_path: Path) -> None:
    skey = tmp_path / "log.key"
    write_signer_key(skey, generate_key(NAME))
    skey.chmod(0o000)
    with pytest.raises(KeyFileError, match="cannot read"):
        load_signer_key(skey)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"garbage\n",
        b"PRIVATE+KEY+a+00000000+AAAA\n",
        b"\xff\xfe\n",
        b"line one\nline two\n",
    ],
)
def test_malformed_files(tmp_path: Path, content: bytes) -> None:
    skey = tmp_path / "bad.key"
    skey.write_bytes(content)
    skey.chmod(0o600)
    with pytest.raises(KeyFileError, match="malformed"):
        load_signer_key(skey)
    vkey = tmp_path / "bad.pub"
    vkey.write_bytes(content)
    with pytest.raises(KeyFileError, match="malformed"):
        load_verifier_key(vkey)


def test_private_key_in_public_slot_is_malformed(tmp_path: Path) -> None:
    skey, vkey = tmp_path / "log.key", tmp_path / "log.pub"
    generate_key_files(NAME, skey, vkey)
    with pytest.raises(KeyFileError, match="malformed"):
        load_verifier_key(skey)
    with pytest.raises(KeyFileError, match="malformed"):
        load_signer_key_from_public(vkey)


def load_signer_key_from_public(path: Path) -> None:
    path.chmod(0o600)
    load_signer_key(path)


def test_name_mismatch(tmp_path: Path) -> None:
    skey, vkey = tmp_path / "log.key", tmp_path / "log.pub"
    generate_key_files(NAME, skey, vkey)
    with pytest.raises(KeyFileError, match="expected 'other/log'"):
        load_signer_key(skey, expected_name="other/log")
    with pytest.raises(KeyFileError, match="expected 'other/log'"):
        load_verifier_key(vkey, expected_name="other/log")


def test_witness_keys(tmp_path: Path) -> None:
    skey, vkey = tmp_path / "w.key", tmp_path / "w.pub"
    base = generate_key("witness.example")
    write_signer_key(skey, base)
    witness = CosignatureSigner.from_signer(load_signer_key(skey))
    write_verifier_key(vkey, witness.verifier())
    assert load_cosigner_key(vkey, expected_name="witness.example") == witness.verifier()
    with pytest.raises(KeyFileError, match="malformed"):
        load_verifier_key(vkey)  # a type 0x04 key is not a note key
