"""Tamper tests: random single-byte and single-field mutations of a published election.

Three kinds of mutation, sampled with a fixed seed over every published file:
- a single byte changed, manifest left alone (caught by the manifest or the signatures);
- a single byte changed and manifest.json rewritten to match and re-signed in manifest.note
  with the log key (an operator who forges its own publication; without the log key the
  signed manifest.note alone catches it, see test_bundle_hardening.py): caught by the
  checkpoint signature, the rebuilt tree or the recomputation from the leaves;
- a single CSV cell, JSON value or Parquet cell changed and re-rendered, manifest rewritten
  and re-signed.
Every mutation must make the verifier fail with a message naming what failed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from ledger_pubkit import Pub

from escrutinio.ledger.note import Ed25519Signer, sign_note
from escrutinio.model.canonical import canonical_json_fast
from escrutinio.publish.site import MANIFEST_NOTE, manifest_note_text
from escrutinio.verify.verifier import verify_publication

SEED = 20171015
MUTATIONS = 1_050
# Files whose bytes are checked only against the manifest (documentation, binary layout).
MANIFEST_ONLY = ("fields.json", "actas.parquet")


def _files(out: Path) -> list[str]:
    doc = json.loads((out / "manifest.json").read_bytes())
    return [*sorted(doc["files"]), "manifest.json"]


def _rehash(out: Path, rel: str, signer: Ed25519Signer) -> None:
    path = out / "manifest.json"
    doc = json.loads(path.read_bytes())
    doc["files"][rel] = hashlib.sha256((out / rel).read_bytes()).hexdigest()
    raw = canonical_json_fast(doc)
    path.write_bytes(raw)
    text = manifest_note_text(doc["origin"], doc["size"], doc["root_hash"], raw)
    (out / MANIFEST_NOTE).write_text(sign_note(text, [signer]), encoding="utf-8")


def _flip(data: bytes, rng: random.Random) -> bytes:
    pos = rng.randrange(len(data))
    new = rng.choice([b for b in range(256) if b != data[pos]])
    return data[:pos] + bytes([new]) + data[pos + 1 :]


def _mutate_value(value: Any, rng: random.Random) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + rng.choice([-1, 1, 7])
    if isinstance(value, float):
        return value + 0.5
    if value is None:
        return 0
    return str(value) + "x"


def _json_field(data: bytes, rng: random.Random) -> bytes:
    doc = json.loads(data)
    spots: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(value, dict | list) and value:
                walk(value)
            elif not isinstance(value, dict | list):
                spots.append((node, key))

    walk(doc)
    node, key = rng.choice(spots)
    node[key] = _mutate_value(node[key], rng)
    return canonical_json_fast(doc)


def _csv_field(data: bytes, rng: random.Random) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    r = rng.randrange(len(rows))
    c = rng.randrange(len(rows[r]))
    cell = rows[r][c]
    rows[r][c] = str(int(cell) + 1) if cell.isdigit() else cell + "x"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _parquet_field(data: bytes, rng: random.Random) -> bytes:
    frame = pl.read_parquet(io.BytesIO(data))
    col = rng.choice(frame.columns)
    row = rng.randrange(frame.height)
    values = frame[col].to_list()
    values[row] = _mutate_value(values[row], rng)
    frame = frame.with_columns(pl.Series(col, values, dtype=frame[col].dtype))
    buf = io.BytesIO()
    frame.write_parquet(buf)
    return buf.getvalue()


def _field_mutation(rel: str, data: bytes, rng: random.Random) -> bytes | None:
    if rel.endswith(".csv"):
        return _csv_field(data, rng)
    if rel.endswith(".json") and rel not in MANIFEST_ONLY:
        return _json_field(data, rng)
    if rel.endswith(".parquet"):
        return _parquet_field(data, rng)
    return None


@pytest.mark.slow
def test_random_mutations_are_all_detected(pub: Pub, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    pristine = tmp_path / "pristine"
    shutil.copytree(pub.out, pristine)
    files = _files(pristine)
    work = tmp_path / "work"
    shutil.copytree(pristine, work)
    kinds = {"byte": 0, "byte+manifest": 0, "field+manifest": 0}
    failed_checks: dict[str, int] = {}
    for i in range(MUTATIONS):
        kind = ("byte", "byte+manifest", "field+manifest")[i % 3]
        rel = rng.choice(files)
        if kind != "byte" and (rel == "manifest.json" or rel in MANIFEST_ONLY):
            rel = rng.choice([f for f in files if f != "manifest.json" and f not in MANIFEST_ONLY])
        original = (pristine / rel).read_bytes()
        mutated = _flip(original, rng) if kind != "field+manifest" else None
        if mutated is None:
            mutated = _field_mutation(rel, original, rng)
            if mutated is None:  # tiles, checkpoint, keys: a byte is the smallest field
                mutated = _flip(original, rng)
        if mutated == original:
            continue
        (work / rel).write_bytes(mutated)
        if kind != "byte":
            _rehash(work, rel, pub.signer)
        report = verify_publication(work, pub.log_key, [pub.witness_key], 1)
        assert not report.ok, f"mutation {i} ({kind}) of {rel} was not detected"
        failure = report.failures()[0]
        assert failure.detail, f"mutation {i} of {rel}: failure without a message"
        failed_checks[failure.name] = failed_checks.get(failure.name, 0) + 1
        kinds[kind] += 1
        (work / rel).write_bytes(original)
        (work / "manifest.json").write_bytes((pristine / "manifest.json").read_bytes())
        (work / MANIFEST_NOTE).write_bytes((pristine / MANIFEST_NOTE).read_bytes())
    assert sum(kinds.values()) >= 1_000
    # the deeper checks, not just the manifest, did the work for rehashed mutations
    assert {"checkpoint", "tiles", "actas", "results", "bulletins", "definition"} <= set(
        failed_checks
    )
    assert verify_publication(work, pub.log_key, [pub.witness_key], 1).ok
