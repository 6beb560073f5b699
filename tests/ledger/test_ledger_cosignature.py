"""Witness cosignatures: a real public-witness checkpoint, signing and k-of-n policies."""

from __future__ import annotations

import dataclasses

import pytest

from escrutinio.ledger.checkpoint import Checkpoint
from escrutinio.ledger.cosignature import (
    CosignatureError,
    CosignatureSigner,
    WitnessPolicy,
    check_policy,
    cosign,
    cosignature_timestamp,
    cosigned_message,
    parse_cosigner_key,
)
from escrutinio.ledger.note import (
    Ed25519Signer,
    InvalidSignatureError,
    Signature,
    open_note,
    parse_note,
    parse_verifier_key,
    sign_note,
)

# A checkpoint of the public staging CT log "arche2025h1", cosigned by four public witnesses
# of the transparency-dev witness network (the first signature is an RFC 6962 type-0x05 one).
REAL_NOTE = """arche2025h1.staging.ct.transparency.dev
1432088532
U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=

— arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=
— arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=
— transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==
— witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==
— remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==
— witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==
"""  # noqa: E501
REAL_LOG = (
    "arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f"
)
REAL_WITNESSES = (
    "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
    "transparency.dev/DEV:witness-little-garden+d8042a87+BCtusOxINQNUTN5Oj8HObRkh2yHf/MwYaGX4CPdiVEPM",
    "witness1.smartit.nu/witness1+a48c820f+BPSFWg9G6KPiO7QPryYO5Xq4oYJJ+kAvLKLSimDhoxMO",
    "witness.stagemole.eu+67f7aea0+BEqSG3yu9YrmcM3BHvQYTxwFj3uSWakQepafafpUqklv",
)
NOW = 1_800_000_000


def real_policy(threshold: int) -> WitnessPolicy:
    witnesses = tuple(parse_cosigner_key(k) for k in REAL_WITNESSES)
    return WitnessPolicy(parse_verifier_key(REAL_LOG), witnesses, threshold)


def test_real_checkpoint_satisfies_four_of_four() -> None:
    result = check_policy(REAL_NOTE, real_policy(4), now=NOW)
    assert result.checkpoint.size == 1432088532
    assert len(result.witnesses) == 4
    assert set(result.timestamps.values()) == {1779573024}


def test_real_checkpoint_clobbered_size_fails() -> None:
    clobbered = REAL_NOTE.replace("1432088532", "1432088533", 1)
    with pytest.raises(InvalidSignatureError):
        check_policy(clobbered, real_policy(1), now=NOW)


def test_cosigner_key_round_trip_and_type() -> None:
    key = parse_cosigner_key(REAL_WITNESSES[0])
    assert key.verifier_key() == REAL_WITNESSES[0]
    with pytest.raises(ValueError):
        parse_cosigner_key(REAL_LOG)  # type 0x01 is not a cosigner key


LOG = Ed25519Signer("escrutinio.example/log", bytes([1]) * 32)
W = [CosignatureSigner(f"witness{i}.example", bytes([10 + i]) * 32) for i in range(3)]
BODY = Checkpoint("escrutinio.example/log", 5, bytes(range(32))).body()


def signed_checkpoint() -> str:
    return sign_note(BODY, [LOG])


def test_signed_message_layout() -> None:
    assert cosigned_message(BODY, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\n" + BODY.encode()
    )
    with pytest.raises(CosignatureError):
        cosigned_message(BODY, -1)


def test_cosign_and_verify() -> None:
    note = cosign(signed_checkpoint(), W[0], timestamp=1700000000)
    sig = parse_note(note).signatures[-1]
    assert sig.key_id == W[0].key_id
    assert len(sig.signature) == 72
    assert cosignature_timestamp(sig.signature) == 1700000000
    opened = open_note(note, [W[0].verifier()])
    assert opened.verified_names == ("witness0.example",)


def test_cosign_uses_clock() -> None:
    clocked = dataclasses.replace(W[1], clock=lambda: 1234.9)
    note = cosign(signed_checkpoint(), clocked)
    assert cosignature_timestamp(parse_note(note).signatures[-1].signature) == 1234


def test_cosign_refuses_non_checkpoint() -> None:
    with pytest.raises(ValueError):
        cosign(sign_note("not a checkpoint\n", [LOG]), W[0], timestamp=1)


def test_policy_threshold() -> None:
    note = signed_checkpoint()
    for w in W[:2]:
        note = cosign(note, w, timestamp=NOW)
    policy = WitnessPolicy(LOG.verifier(), tuple(w.verifier() for w in W), 2)
    assert check_policy(note, policy, now=NOW).witnesses == ("witness0.example", "witness1.example")
    strict = dataclasses.replace(policy, threshold=3)
    with pytest.raises(CosignatureError, match="only 2 of the required 3"):
        check_policy(note, strict, now=NOW)


def test_policy_ignores_future_cosignatures() -> None:
    note = cosign(signed_checkpoint(), W[0], timestamp=NOW + 3600)
    policy = WitnessPolicy(LOG.verifier(), (W[0].verifier(),), 1)
    with pytest.raises(CosignatureError):
        check_policy(note, policy, now=NOW)
    relaxed = dataclasses.replace(policy, max_future_seconds=None)
    assert check_policy(note, relaxed, now=NOW).witnesses == ("witness0.example",)


def test_policy_requires_log_signature() -> None:
    other_log = Ed25519Signer("escrutinio.example/log", bytes([2]) * 32)
    note = cosign(sign_note(BODY, [other_log]), W[0], timestamp=NOW)
    policy = WitnessPolicy(LOG.verifier(), (W[0].verifier(),), 1)
    with pytest.raises(CosignatureError, match="not signed by the log"):
        check_policy(note, policy, now=NOW)


def test_policy_rejects_forged_cosignature() -> None:
    forged = Signature(W[0].name, W[0].key_id, bytes(72)).line()
    policy = WitnessPolicy(LOG.verifier(), (W[0].verifier(),), 1)
    with pytest.raises(InvalidSignatureError):
        check_policy(signed_checkpoint() + forged, policy, now=NOW)


def test_policy_validation() -> None:
    v = W[0].verifier()
    with pytest.raises(CosignatureError):
        WitnessPolicy(LOG.verifier(), (v, v), 1)
    with pytest.raises(CosignatureError):
        WitnessPolicy(LOG.verifier(), (v,), 2)
    with pytest.raises(CosignatureError):
        WitnessPolicy(LOG.verifier(), (v,), 0)
