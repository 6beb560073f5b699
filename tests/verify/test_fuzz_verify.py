"""Fuzzing `verify` with hostile manifests and bundles (issue 9, must-deliver 3).

One small publication is built once and held in memory (`memsource.MemorySource`); every
input is a mutated copy of its ``{path: bytes}`` dict, read through the verifier's own path
rule and size limits. Three attackers are simulated:

- a mirror (no key): any byte, file or path changed, added or removed;
- an operator re-signing ``manifest.json`` in ``manifest.note`` with the log key, so the
  mutated files reach the deeper checks;
- an operator forging its log: a leaf mutated, tiles rebuilt and a new checkpoint signed,
  so hostile leaves reach the leaf, definition, actas, results and bulletin checks.

Every input must end without a traceback in a failed verification (exit status 1) whose first
failure has a specific message (never the catch-all "unexpected content"), or, for a file
only added beside the listed ones, a verified report that lists it as covered by no check.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_pubkit import full
from memsource import MemorySource, load_folder

from escrutinio.ledger.checkpoint import Checkpoint, sign_checkpoint
from escrutinio.ledger.merkle import MerkleTree, leaf_hash
from escrutinio.ledger.note import Ed25519Signer, sign_note
from escrutinio.ledger.tiles import ENTRIES, decode_entry_bundle, render_tiles, tiles_for_size
from escrutinio.model.canonical import canonical_json_fast
from escrutinio.publish.site import MANIFEST_NOTE, manifest_note_text
from escrutinio.verify.notes import PublicKey
from escrutinio.verify.verifier import INTERNAL, Report, verify_publication
from support import small_definition

MAX_FILE = 256 * 1024
SEED = 9_2026
HOSTILE_PATHS = (
    "../x",
    "/etc/passwd",
    "a/../../b",
    "C:\\w",
    "a//b",
    "./a",
    "tile/../manifest.json",
    "x\n",
    "\x00",
    "a" * 600,
    "cosignatures/../../k",
)
JUNK = (
    b"",
    b"\x00" * 64,
    b"\xff\xfe\xfd",
    b"[" * 5000,
    b'{"a":' * 3000,
    b"1" * 5000,
    b"{}",
    b"[]",
    b"null",
    b'{"files":{}}',
    b"\n\n\n",
    b"origin\n99999999999999999999999\nAAAA\n\n\xe2\x80\x94 x AAAA\n",
    b"\xe2\x80\x94 \n",
    "é".encode("latin-1") * 10,
)


@dataclass
class Pristine:
    files: dict[str, bytes]
    signer: Ed25519Signer
    log_key: PublicKey
    witness_key: PublicKey


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pristine]:
    tmp = tmp_path_factory.mktemp("fuzzpub")
    pub = full(f"sqlite:///{tmp / 'store.db'}", small_definition(), tmp)
    pub.store.close()
    yield Pristine(load_folder(pub.out), pub.signer, pub.log_key, pub.witness_key)


def _verify(p: Pristine, files: dict[str, bytes], min_witnesses: int = 1) -> Report:
    source = MemorySource(files, MAX_FILE)
    witnesses = [p.witness_key] if min_witnesses else []
    return verify_publication(source, p.log_key, witnesses, min_witnesses)


# ---------------------------------------------------------------- byte-level mutator


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    """One seeded byte-level mutation: flip, insert, delete, truncate, repeat or splice."""
    op = rng.randrange(8)
    n = len(data)
    pos = rng.randrange(n + 1)
    if op == 0 and n:
        i = rng.randrange(n)
        return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1 :]
    if op == 1:
        return data[:pos] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 8))) + data[pos:]
    if op == 2 and n:
        return data[:pos] + data[pos + rng.randint(1, 32) :]
    if op == 3:
        return data[:pos]
    if op == 4 and n:
        chunk = data[pos : pos + rng.randint(1, 64)]
        return data[:pos] + chunk * rng.randint(2, 50) + data[pos:]
    if op == 5:
        return data[:pos] + rng.choice(JUNK) + data[pos:]
    if op == 6:
        return rng.choice(JUNK)
    return bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))


def _signed(p: Pristine, files: dict[str, bytes], doc: dict[str, object]) -> None:
    """Write ``doc`` as manifest.json and re-sign it in manifest.note (the operator)."""
    raw = canonical_json_fast(doc)
    files["manifest.json"] = raw
    size, root = doc.get("size"), doc.get("root_hash")
    text = manifest_note_text(p.signer.name, size if isinstance(size, int) else 0, str(root), raw)
    files[MANIFEST_NOTE] = sign_note(text, [p.signer]).encode("utf-8")


def _manifest(files: dict[str, bytes]) -> dict[str, object]:
    doc: dict[str, object] = json.loads(files["manifest.json"])
    return doc


def _json_mutation(doc: dict[str, object], rng: random.Random) -> None:
    listed = doc["files"]
    assert isinstance(listed, dict)
    op = rng.randrange(9)
    if op == 0:
        listed[rng.choice(HOSTILE_PATHS)] = "0" * 64
    elif op == 1:
        listed[rng.choice(sorted(listed))] = rng.choice(["", "ABC", "0" * 63, 5, None, "g" * 64])
    elif op == 2:
        del listed[rng.choice(sorted(listed))]
    elif op == 3:
        doc["size"] = rng.choice([-1, 10**30, "7", None, 0, 3])
    elif op == 4:
        doc["root_hash"] = rng.choice(["", "AAAA", "!!", 5, base64.b64encode(b"\0" * 32).decode()])
    elif op == 5:
        doc["files"] = rng.choice([[], "x", None, {}, {"checkpoint": "0" * 64}])
    elif op == 6:
        doc[rng.choice(["format", "origin"])] = rng.choice(["", "x", 5, None, [], "é"])
    elif op == 7:
        listed[f"extra/{rng.randrange(1000)}.json"] = "0" * 64
    else:
        doc.pop(rng.choice(sorted(doc)))


def manifest_input(p: Pristine, rng: random.Random) -> dict[str, bytes]:
    """A publication whose manifest (and possibly manifest.note) is hostile."""
    files = dict(p.files)
    if rng.random() < 0.5:
        files["manifest.json"] = mutate_bytes(files["manifest.json"], rng)
        if rng.random() < 0.3:
            files[MANIFEST_NOTE] = mutate_bytes(files[MANIFEST_NOTE], rng)
    else:
        doc = _manifest(files)
        _json_mutation(doc, rng)
        _signed(p, files, doc)
    return files


# --------------------------------------------------------------------- bundle mutator


def _rehash(p: Pristine, files: dict[str, bytes], rel: str) -> None:
    doc = _manifest(files)
    listed = doc["files"]
    assert isinstance(listed, dict)
    if rel in files:
        listed[rel] = hashlib.sha256(files[rel]).hexdigest()
    else:
        listed.pop(rel, None)
    _signed(p, files, doc)


def _forge_log(p: Pristine, files: dict[str, bytes], rng: random.Random) -> None:
    """Mutate one leaf, rebuild the tiles, sign a new checkpoint and a new manifest."""
    doc = _manifest(files)
    size = doc["size"]
    assert isinstance(size, int)
    bundles = [t for t in tiles_for_size(size) if t.level == ENTRIES]
    entries: list[bytes] = []
    for tile in bundles:
        entries.extend(decode_entry_bundle(files[tile.path()], tile.width))
    i = rng.randrange(len(entries))
    if rng.random() < 0.5:
        entries[i] = mutate_bytes(entries[i], rng)[:65535]
    else:
        leaf = json.loads(entries[i])
        key = rng.choice(sorted(leaf))
        leaf[key] = rng.choice([None, -1, 10**40, "x", [], {}, "é\n", True, 1.5])
        entries[i] = json.dumps(leaf, separators=(",", ":")).encode()[:65535]
    tree = MerkleTree()
    for entry in entries:
        tree.append(leaf_hash(entry))
    listed = doc["files"]
    assert isinstance(listed, dict)
    for rel, data in render_tiles(tree, entries, size).items():
        files[rel] = data
        listed[rel] = hashlib.sha256(data).hexdigest()
    note = sign_checkpoint(Checkpoint(p.signer.name, size, tree.root()), [p.signer])
    files["checkpoint"] = note.encode()
    listed["checkpoint"] = hashlib.sha256(files["checkpoint"]).hexdigest()
    doc["root_hash"] = base64.b64encode(tree.root()).decode()
    for rel in [r for r in files if r.startswith("cosignatures/")]:
        del files[rel]
    _signed(p, files, doc)


def bundle_input(p: Pristine, rng: random.Random) -> tuple[dict[str, bytes], bool]:
    """A hostile publication and whether the verifier should require the witness."""
    files = dict(p.files)
    listed = sorted(f for f in files if f not in ("manifest.json", MANIFEST_NOTE))
    rel = rng.choice(listed)
    op = rng.randrange(8)
    if op == 0:  # a mirror changes bytes
        files[rel] = mutate_bytes(files[rel], rng)
    elif op == 1:  # the operator changes bytes and re-signs the manifest
        files[rel] = mutate_bytes(files[rel], rng)
        _rehash(p, files, rel)
    elif op == 2:  # a file is removed (and possibly unlisted by the operator)
        del files[rel]
        if rng.random() < 0.5:
            _rehash(p, files, rel)
    elif op == 3:  # a file at a hostile path, listed and signed
        bad = rng.choice(HOSTILE_PATHS)
        files[bad] = b"x"
        doc = _manifest(files)
        listed_doc = doc["files"]
        assert isinstance(listed_doc, dict)
        listed_doc[bad] = hashlib.sha256(b"x").hexdigest()
        _signed(p, files, doc)
    elif op == 4:  # a file over its size limit
        files[rel] = files[rel] + b"\0" * (MAX_FILE + 1)
        if rng.random() < 0.5:
            _rehash(p, files, rel)
    elif op == 5:  # junk notes, tiles or JSON in place of a file, re-signed
        files[rel] = rng.choice(JUNK)
        _rehash(p, files, rel)
    elif op == 6:  # the operator forges its own log
        _forge_log(p, files, rng)
        return files, False
    else:  # a file added beside the listed ones
        files[f"{rel}.extra"] = mutate_bytes(files[rel], rng)
    return files, True


def _assert_clean_outcome(report: Report, what: str, *, may_pass: bool = False) -> None:
    if report.ok:  # only a change the report shows (a file no check covers) or a harmless one
        assert may_pass or report.uncovered, f"{what}: accepted"
        return
    assert report.exit_code == 1, f"{what}: exit {report.exit_code}"
    first = report.failures()[0]
    assert first.detail and not first.detail.startswith(INTERNAL), f"{what}: {first}"
    for check in report.failures():
        assert not check.detail.startswith(INTERNAL), f"{what}: {check}"


def _rows(parquet: bytes) -> list[dict[str, object]]:
    return pl.read_parquet(io.BytesIO(parquet)).to_dicts()


def _campaign(
    p: Pristine,
    make: Callable[[random.Random], tuple[dict[str, bytes], bool]],
    count: int,
    seconds: float,
) -> int:
    rng = random.Random(SEED)
    deadline = time.monotonic() + seconds
    done = 0
    while done < count and time.monotonic() < deadline:
        state = rng.getstate()
        files, require_witness = make(rng)
        if files == p.files:
            continue
        report = _verify(p, files, 1 if require_witness else 0)
        # removing a witness key or a cosignature copy that the checkpoint repeats is harmless
        removed = set(p.files) - set(files)
        harmless = bool(removed) and all(
            r.startswith(("keys/witnesses/", "cosignatures/")) for r in removed
        )
        changed = {r for r in files if files[r] != p.files.get(r)}
        if report.ok and changed <= {"actas.parquet", "manifest.json", MANIFEST_NOTE}:
            # actas.parquet is compared by column values: other bytes may change
            assert _rows(files["actas.parquet"]) == _rows(p.files["actas.parquet"])
            harmless = True
        _assert_clean_outcome(report, f"input {done} (rng state {hash(state)})", may_pass=harmless)
        done += 1
    return done


def test_pristine_publication_verifies(pristine: Pristine) -> None:
    report = _verify(pristine, dict(pristine.files))
    assert report.ok and report.uncovered == []


def test_fuzz_manifests_fast(pristine: Pristine) -> None:
    assert _campaign(pristine, lambda r: (manifest_input(pristine, r), True), 300, 60) == 300


def test_fuzz_bundles_fast(pristine: Pristine) -> None:
    assert _campaign(pristine, lambda r: bundle_input(pristine, r), 80, 60) >= 40


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.text(max_size=40),
    digest=st.one_of(st.text(max_size=70), st.integers(), st.none()),
    size=st.one_of(st.integers(), st.text(max_size=5), st.none()),
)
def test_hypothesis_manifest_entries(
    pristine: Pristine, path: str, digest: object, size: object
) -> None:
    files = dict(pristine.files)
    doc = _manifest(files)
    listed = doc["files"]
    assert isinstance(listed, dict)
    listed[path] = digest
    doc["size"] = size
    _signed(pristine, files, doc)
    _assert_clean_outcome(_verify(pristine, files), f"path={path!r} digest={digest!r}")


@given(data=st.binary(max_size=600))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_hypothesis_notes_and_tiles(pristine: Pristine, data: bytes) -> None:
    for rel in (
        "checkpoint",
        MANIFEST_NOTE,
        "tile/0/000.p/12",
        "cosignatures/witness.example/observer.note",
    ):
        files = dict(pristine.files)
        files[rel] = data
        if rel.startswith("tile/") or rel == "checkpoint":
            doc = _manifest(files)
            listed = doc["files"]
            assert isinstance(listed, dict)
            listed[rel] = hashlib.sha256(data).hexdigest()
            _signed(pristine, files, doc)
        _assert_clean_outcome(_verify(pristine, files), f"{rel} = {data[:40]!r}")


@pytest.mark.slow
def test_fuzz_manifests_campaign(pristine: Pristine) -> None:
    assert _campaign(pristine, lambda r: (manifest_input(pristine, r), True), 10_000, 600) == 10_000


@pytest.mark.slow
def test_fuzz_bundles_campaign(pristine: Pristine) -> None:
    done = _campaign(pristine, lambda r: bundle_input(pristine, r), 100_000, 60)
    assert done >= 300


def test_memory_source_keeps_the_path_rule(pristine: Pristine) -> None:
    files = dict(pristine.files)
    files["../outside"] = b"x"
    source = MemorySource(files, MAX_FILE)
    with pytest.raises(OSError, match=r"refused path: '\.\./outside' has a '\.\.' segment"):
        source.read("../outside")


def test_regions_row_with_a_missing_field_is_a_clear_failure(pristine: Pristine) -> None:
    """Regression (found by the bundle campaign): a short row in regions.csv, re-signed by
    the operator, fails the definition check with its line instead of an internal error."""
    files = dict(pristine.files)
    lines = files["definition/regions.csv"].split(b"\n")
    lines[2] = b",".join(lines[2].split(b",")[:2])
    files["definition/regions.csv"] = b"\n".join(lines)
    _rehash(pristine, files, "definition/regions.csv")
    report = _verify(pristine, files)
    first = report.failures()[0]
    assert (first.name, report.exit_code) == ("definition", 1)
    assert "regions.csv line 3: expected 4 fields" in first.detail, first
