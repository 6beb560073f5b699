"""The verifier's own reading of signed submissions: the sender registry rebuilt from the
sender and revocation leaves (compared byte for byte with ``senders.json``), every envelope
leaf's signature checked with the key its sender had registered before it and not revoked,
and the acta version it names; and a receipt checked against the publication.

Formats: ``docs/submission.md``. Only `escrutinio.model` is used.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import polars as pl

from escrutinio.model.canonical import canonical_json, canonical_json_fast
from escrutinio.verify.notes import NoteProblem, PublicKey, parse_key

ENVELOPE_DOMAIN = b"escrutinio envelope v1\n"
RECEIPT_DOMAIN = b"escrutinio receipt v1\n"


class SubmissionProblem(ValueError):
    """A sender, revocation or envelope leaf (or senders.json) that does not check out."""


def registry(submissions: list[tuple[int, dict[str, Any]]]) -> bytes | None:
    """senders.json as the leaves define it (None when no sender is registered)."""
    revoked = {
        leaf["name"]: (idx, leaf)
        for idx, leaf in submissions
        if leaf["kind"] == "sender_revocation"
    }
    out = []
    for idx, leaf in submissions:
        if leaf["kind"] != "sender":
            continue
        rev = revoked.get(leaf["name"])
        out.append(
            {
                "name": leaf["name"],
                "key": leaf["key"],
                "key_id": leaf["key_id"],
                "source": leaf["source"],
                "units": leaf["units"],
                "regions": leaf["regions"],
                "registered_at": leaf["registered_at"],
                "log_index": idx,
                "revoked_at": None if rev is None else rev[1]["revoked_at"],
                "revocation_reason": None if rev is None else rev[1]["reason"],
                "revocation_index": None if rev is None else rev[0],
            }
        )
    return canonical_json_fast({"senders": out}) if out else None


def check_envelopes(submissions: list[tuple[int, dict[str, Any]]], actas: pl.DataFrame) -> int:
    """Every envelope leaf: signed by its sender's key registered before it and not revoked
    before it, its hash the SHA-256 of its canonical envelope, and the acta version it
    names (at ``acta_index``) the envelope's acta. Returns how many were checked."""
    keys: dict[str, tuple[PublicKey, str, dict[str, Any]]] = {}
    revoked: set[str] = set()
    by_index = {int(i): h for i, h in zip(actas["log_index"], actas["content_hash"], strict=True)}
    checked = 0
    for idx, leaf in submissions:
        kind = leaf["kind"]
        if kind == "sender":
            if leaf["name"] in keys:
                raise SubmissionProblem(
                    f"log entry {idx}: sender {leaf['name']!r} registered twice"
                )
            try:
                key = parse_key(leaf["key"])
            except NoteProblem as exc:
                raise SubmissionProblem(f"log entry {idx}: sender key unusable ({exc})") from None
            keys[leaf["name"]] = (key, leaf["key_id"], leaf)
            continue
        if kind == "sender_revocation":
            if leaf["name"] not in keys or leaf["name"] in revoked:
                raise SubmissionProblem(f"log entry {idx}: revocation of an unknown sender")
            revoked.add(leaf["name"])
            continue
        envelope = leaf["envelope"]
        name = envelope["sender"]
        if name not in keys:
            raise SubmissionProblem(f"log entry {idx}: envelope from unregistered sender {name!r}")
        if name in revoked:
            raise SubmissionProblem(f"log entry {idx}: envelope from revoked sender {name!r}")
        key, key_id, sender = keys[name]
        canonical = canonical_json(envelope)
        if hashlib.sha256(canonical).hexdigest() != leaf["envelope_sha256"]:
            raise SubmissionProblem(f"log entry {idx}: envelope_sha256 is not the envelope's")
        try:
            signature = base64.b64decode(leaf["signature"], validate=True)
        except (binascii.Error, ValueError):
            signature = b""
        if envelope["key_id"] != key_id or not key.check(ENVELOPE_DOMAIN + canonical, signature):
            raise SubmissionProblem(
                f"log entry {idx}: the envelope's signature does not verify with sender "
                f"{name!r}'s registered key"
            )
        acta = envelope["acta"]
        wanted = by_index.get(int(leaf["acta_index"]))
        if wanted is None or int(leaf["acta_index"]) >= idx:
            raise SubmissionProblem(f"log entry {idx}: names no earlier acta version")
        content = {**acta, "source": acta.get("source", sender["source"])}
        content.setdefault("blank", None)
        if hashlib.sha256(canonical_json_fast(content)).hexdigest() != wanted:
            raise SubmissionProblem(
                f"log entry {idx}: the acta version at {leaf['acta_index']} is not the "
                "envelope's acta"
            )
        checked += 1
    return checked


@dataclass
class ReceiptCheck:
    """The outcome of checking a receipt against a publication."""

    status: str  # included | pending | evidence
    detail: str
    log_index: int
    proof: list[str]


def parse_receipt(data: bytes, log_key: PublicKey) -> dict[str, Any]:
    """The signed receipt object of a receipt document, after checking its signature with
    the log key; `SubmissionProblem` otherwise."""
    try:
        doc = json.loads(data)
        body = doc["receipt"]
        signature = base64.b64decode(doc["signature"], validate=True)
        ok = (
            isinstance(body, dict)
            and doc["key_id"] == f"{log_key.key_id:08x}"
            and body.get("origin") == log_key.name
            and log_key.check(RECEIPT_DOMAIN + canonical_json(body), signature)
        )
    except (ValueError, KeyError, TypeError, RecursionError, binascii.Error) as exc:
        raise SubmissionProblem(f"not a receipt document ({exc})") from None
    if not ok:
        raise SubmissionProblem("the receipt is not signed by this log's key")
    if not isinstance(body.get("log_index"), int) or not isinstance(body.get("leaf_hash"), str):
        raise SubmissionProblem("the receipt lacks its log_index or leaf_hash")
    return dict(body)


def check_receipt(
    body: dict[str, Any], size: int, entries: list[bytes], inclusion: Any, root: bytes
) -> ReceiptCheck:
    """A verified receipt against a checked publication of ``size`` entries: included
    (inclusion proof checked by ``inclusion(index) -> (ok, proof)``), not yet published,
    or evidence that the log signed a receipt for an envelope it does not hold."""
    index = body["log_index"]
    deadline = f"{body.get('received_at')} + {body.get('maximum_merge_delay')} s"
    if index >= size:
        return ReceiptCheck(
            "pending",
            f"not yet published: leaf {index} is beyond the checkpoint's {size} entries "
            f"(the log promised it within its maximum merge delay: by {deadline})",
            index,
            [],
        )
    entry = entries[index]
    leaf_hash = hashlib.sha256(b"\x00" + entry).hexdigest()
    try:
        leaf = json.loads(entry)
        same = (
            leaf_hash == body["leaf_hash"]
            and leaf.get("kind") == "envelope"
            and leaf.get("envelope_sha256") == body.get("envelope_sha256")
        )
    except ValueError:
        same = False
    if not same:
        return ReceiptCheck(
            "evidence",
            "evidence: the authority signed a receipt for an envelope its log does not "
            f"contain (envelope {str(body.get('envelope_sha256'))[:16]}… at log index "
            f"{index}: the published log holds a different leaf there)",
            index,
            [],
        )
    ok, proof = inclusion(index)
    if not ok:
        return ReceiptCheck(
            "evidence", f"the inclusion proof of leaf {index} does not verify", index, []
        )
    return ReceiptCheck(
        "included",
        f"included: envelope {body['envelope_sha256'][:16]}… is log entry {index}, inclusion "
        f"proof of {len(proof)} hashes verified against the signed root of size {size}",
        index,
        [p.hex() for p in proof],
    )
