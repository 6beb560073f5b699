"""The field dictionary of every published file (``fields.json``).

Pure data, shared by the publisher, which writes it, and the independent verifier, which
rebuilds ``fields.json`` from it and compares the bytes.
"""

from __future__ import annotations

from escrutinio.model.canonical import canonical_json_fast

FIELDS: dict[str, dict[str, str]] = {
    "checkpoint": {
        "(file)": "Latest signed checkpoint (C2SP tlog-checkpoint in a C2SP signed-note): "
        "origin, tree size, base64 RFC 9162 root hash, then the log signature and every "
        "collected witness cosignature (C2SP tlog-cosignature)."
    },
    "tile/<L>/<N>[.p/<W>]": {
        "(file)": "C2SP tlog-tiles hash tile: up to 256 concatenated 32-byte hashes of row 8*L."
    },
    "tile/entries/<N>[.p/<W>]": {
        "(file)": "C2SP tlog-tiles entry bundle: each log entry (canonical JSON, RFC 8785) "
        "prefixed by its big-endian uint16 length."
    },
    "keys/log.vkey": {"(file)": "The log's signed-note verifier key (Ed25519, type 0x01)."},
    "keys/witnesses/<name>.vkey": {"(file)": "A witness's cosignature verifier key (type 0x04)."},
    "cosignatures/<name>.note": {
        "(file)": "A checkpoint cosigned by a witness after publication (not in the manifest)."
    },
    "actas.csv / actas.parquet": {
        "log_index": "Index of the acta version's leaf in the log.",
        "unit": "Polling unit id.",
        "contest": "Contest id.",
        "source": "Who reported the acta (official body, a party, ...).",
        "version": "Version number of this (unit, contest, source) slot, from 1.",
        "status": "accepted (first version) or conflicting (a later, different version).",
        "counting": "true if this version counts now (after adjudications).",
        "received_at": "When the version was received (ISO 8601 UTC).",
        "content_hash": "SHA-256 of the canonical JSON of the acta content.",
        "null": "Null votes.",
        "blank": "Blank votes (empty when the acta has no blank field).",
        "voters": "Voters who cast a ballot.",
        "votes": "Canonical JSON object: votes per ballot option id.",
    },
    "senders.json": {
        "(file)": "The sender registry rebuilt from the log's sender and sender_revocation "
        "leaves (written only when the log registers a sender): one entry per sender.",
        "name": "Sender name (also the name of its key).",
        "key": "The sender's signed-note verifier key (Ed25519) that signs its envelopes.",
        "key_id": "The key's signed-note key ID, 8 hex digits.",
        "source": "The acta source the sender sends for.",
        "units / regions": "The sender's scope: polling units, or regions containing them.",
        "registered_at / log_index": "When the sender was registered and its leaf's index.",
        "revoked_at / revocation_reason / revocation_index": "Its revocation, or null.",
    },
    "actas_prep.csv": {
        "leaf_index": "Index of the acta version's leaf in the log.",
        "leaf_hash": "RFC 9162 leaf hash of that leaf (hex SHA-256 of 0x00 and the entry).",
        "content_hash": "SHA-256 of the canonical JSON of the acta content.",
        "unit": "Polling unit id.",
        "contest": "Contest id.",
        "source": "Who reported the acta (official body, a party, ...).",
        "sender": "The registered sender whose signed envelope stored this version through the "
        "submission API (empty for actas imported from files).",
        "version": "Version number of this (unit, contest, source) slot, from 1.",
        "status": "accepted (first version) or conflicting (a later, different version).",
        "counting": "true if this version counts now (after adjudications).",
        "received_at": "When the version was received (ISO 8601 UTC); the store keeps no "
        "separate storage time: the leaf index orders storage.",
        "null": "Null votes.",
        "blank": "Blank votes (empty when the acta has no blank field).",
        "voters": "Voters who cast a ballot.",
        "<option id>": "Votes for that ballot option, one column per option of every "
        "contest in definition order (empty when the option is not on the acta's contest).",
    },
    "definition/election.json": {
        "(file)": "Election metadata (contests, candidates, parties, alliances), canonical JSON."
    },
    "definition/regions.csv": {
        "id": "Region id.",
        "name": "Region name.",
        "level": "Region level name.",
        "parent": "Parent region id (empty for top level).",
    },
    "definition/units.csv": {
        "id": "Polling unit id.",
        "region": "Region id of the unit.",
        "registered": "Registered electors.",
        "contests": "Explicit contests, ';'-separated (empty: by region scope).",
    },
    "results/results.json": {
        "(file)": "Results at the published log size for the official source: the bulletin "
        "snapshot format (summary and every contest), canonical JSON."
    },
    "results/results.csv, bulletins/<n>.csv": {
        "contest_id": "Contest id.",
        "candidate_id": "Candidate id.",
        "name": "Candidate name.",
        "alliance": "Alliance id (empty if none).",
        "votes": "Votes for the candidate.",
        "pct": "Percentage of valid votes.",
        "winner": "true if the candidate is a winner of a final or irreversible race.",
    },
    "bulletins/<n>.json": {"(file)": "Bulletin n exactly as stored; its SHA-256 is in the log."},
    "bulletins/index.csv": {
        "number": "Bulletin number.",
        "created_at": "Creation time (ISO 8601 UTC).",
        "source": "Source whose actas were counted.",
        "sha256": "SHA-256 of bulletins/<n>.json.",
        "log_index": "Index of the bulletin's leaf in the log.",
    },
    "images.csv": {
        "log_index": "Index of the image leaf that attached the image to its acta version.",
        "unit": "Polling unit id.",
        "contest": "Contest id.",
        "source": "Who reported the acta.",
        "version": "The acta version the image shows.",
        "sha256": "SHA-256 of the image file; the file is published as images/<sha256>.",
        "media_type": "image/jpeg, image/png or application/pdf.",
        "attached_at": "When the image was attached (ISO 8601 UTC).",
    },
    "images/<sha256>": {"(file)": "An acta image, named by the SHA-256 of its bytes."},
    "audits/ballots/<sha256>.json": {
        "(file)": "A ballot-level audit's ballot manifest (canonical JSON rows [batch, "
        "ballots, 1 if the batch is a polling table else 0]) or its cast-vote records "
        "(ballot id -> contest -> 0/1 per option), named by the SHA-256 its create leaf "
        "states (manifest_sha256, cvrs_sha256)."
    },
    "qr-checks.csv": {
        "unit": "Polling unit id.",
        "contest": "Contest id.",
        "source": "Who reported the acta.",
        "version": "The acta version the image shows.",
        "sha256": "SHA-256 of the image checked.",
        "status": "match, mismatch, unreadable, no_qr or not_applicable (QR vs typed numbers).",
        "differences": "Each differing field: field=QR value/typed value, separated by ';'.",
        "detail": "Why a QR was unreadable or not applicable.",
        "checked_at": "When the check ran (ISO 8601 UTC); every check is kept, newest last.",
    },
    "manifest.json": {"(file)": "Log origin, size, and the SHA-256 of every other published file."},
    "manifest.note": {
        "(file)": "A signed note by the log key binding the SHA-256 of manifest.json to the "
        "checkpoint's size and root (not in the manifest)."
    },
}


def field_dictionary_json() -> bytes:
    """``fields.json`` as published: the field dictionary as canonical JSON (RFC 8785)."""
    return canonical_json_fast(FIELDS)
