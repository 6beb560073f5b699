"""``escrutinio verify --acta``: find a party's copy of an acta in a publication and prove
its inclusion in the log (after checking the checkpoint signature and the tiles)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from escrutinio.model.canonical import canonical_json_fast
from escrutinio.tally import diff
from escrutinio.verify.merkle import check_inclusion, hash_leaf
from escrutinio.verify.notes import PublicKey, check_log_signature, parse_signed_note
from escrutinio.verify.source import FetchError, Source, Unreachable
from escrutinio.verify.submissions import ReceiptCheck, check_receipt, parse_receipt
from escrutinio.verify.tiles import read_entries


@dataclass
class ActaProof:
    """Where a party's acta copy is in the log, with its verified inclusion proof."""

    found: bool
    size: int
    root: str
    index: int | None = None
    version: int | None = None
    counting: bool | None = None
    leaf_hash: str | None = None
    proof: list[str] = field(default_factory=list)
    others: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return dict(self.__dict__)


def _content(doc: dict[str, Any]) -> dict[str, Any]:
    try:
        return {
            "unit": str(doc["unit"]),
            "contest": str(doc["contest"]),
            "source": str(doc["source"]),
            "votes": {str(k): int(v) for k, v in doc["votes"].items()},
            "null": int(doc["null"]),
            "blank": None if doc.get("blank") is None else int(doc["blank"]),
            "voters": int(doc["voters"]),
        }
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"the acta file lacks a field or has a bad value ({exc})") from exc


def verify_acta(location: str | Path, log_key: PublicKey, acta: dict[str, Any]) -> ActaProof:
    """Find a party's copy of an acta in the publication and prove its inclusion.

    Verifies the checkpoint signature and rebuilds the tree from the tiles first; raises
    `ValueError` (or a subclass) when the publication itself does not verify and
    `Unreachable` when it cannot be reached.
    """
    source = Source(location)
    source.check_reachable()
    try:
        note = parse_signed_note(source.read("checkpoint"))
    except Unreachable:
        raise
    except FetchError as exc:
        raise ValueError(str(exc)) from exc
    body = check_log_signature(note, log_key)
    try:
        tree, entries = read_entries(body.size, source.read)
    except Unreachable:
        raise
    except FetchError as exc:
        raise ValueError(str(exc)) from exc
    if tree.root() != body.root:
        raise ValueError("the tiles do not match the signed checkpoint root")
    want = canonical_json_fast(_content(acta))
    wanted = _content(acta)
    proof = ActaProof(False, body.size, body.root.hex())
    for index, entry in enumerate(entries):
        if b'"kind":"acta"' not in entry:
            continue
        leaf = json.loads(entry)
        if canonical_json_fast(leaf["acta"]) == want:
            path = tree.inclusion(index)
            if not check_inclusion(index, body.size, hash_leaf(entry), path, body.root):
                raise ValueError(f"inclusion proof of entry {index} does not verify")
            proof.found = True
            proof.index = index
            proof.version = int(leaf["version"])
            proof.counting = _counting_now(entries, index, leaf)
            proof.leaf_hash = hash_leaf(entry).hex()
            proof.proof = [p.hex() for p in path]
            return proof
        a = leaf["acta"]
        if (a["unit"], a["contest"], a["source"]) == (
            wanted["unit"],
            wanted["contest"],
            wanted["source"],
        ):
            proof.others.append(
                {"index": index, "version": leaf["version"], "differences": diff(wanted, a)}
            )
    return proof


def _counting_now(entries: list[bytes], index: int, leaf: dict[str, Any]) -> bool:
    counting = bool(leaf["counting"])
    a = leaf["acta"]
    for entry in entries[index + 1 :]:
        if b'"kind":"adjudication"' in entry:
            adj = json.loads(entry)
            if (adj["unit"], adj["contest"], adj["source"]) == (
                a["unit"],
                a["contest"],
                a["source"],
            ):
                counting = adj["version"] == leaf["version"]
    return counting


def verify_receipt(location: str | Path, log_key: PublicKey, receipt: bytes) -> ReceiptCheck:
    """Check a receipt against the publication at ``location``: its signature with the log
    key, then the leaf at its index, with an inclusion proof against the signed checkpoint.
    Raises `SubmissionProblem` for a receipt that is not the log's, `ValueError` when the
    publication does not verify, `Unreachable` when it cannot be reached."""
    body = parse_receipt(receipt, log_key)
    source = Source(location)
    source.check_reachable()
    try:
        note = parse_signed_note(source.read("checkpoint"))
        checkpoint = check_log_signature(note, log_key)
        tree, entries = read_entries(checkpoint.size, source.read)
    except Unreachable:
        raise
    except FetchError as exc:
        raise ValueError(str(exc)) from exc
    if tree.root() != checkpoint.root:
        raise ValueError("the tiles do not match the signed checkpoint root")

    def inclusion(index: int) -> tuple[bool, list[bytes]]:
        path = tree.inclusion(index)
        ok = check_inclusion(
            index, checkpoint.size, hash_leaf(entries[index]), path, checkpoint.root
        )
        return ok, path

    return check_receipt(body, checkpoint.size, entries, inclusion, checkpoint.root)
