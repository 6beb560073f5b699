"""`publish` never reads, writes or deletes outside OUT and repairs what differs on disk.

Issue 9, item 2: a hostile ``OUT/manifest.json`` (whoever can write the served folder) must
not make the next publish delete the operator's files, and a corrupted published file must
be rewritten even when the old manifest claims it is current.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_pubkit import Pub, wave1
from sqlalchemy import text

from escrutinio.model import Definition
from escrutinio.model.canonical import canonical_json_fast
from escrutinio.publish.integrity import check_store
from escrutinio.publish.outdir import PublishError
from escrutinio.publish.site import publish
from escrutinio.store import definitions as store_definitions
from escrutinio.store.store import StoreError
from escrutinio.verify.verifier import verify_publication


@pytest.fixture
def pub(tmp_path: Path, definition: Definition) -> Iterator[Pub]:
    p = wave1(f"sqlite:///{tmp_path / 'store.db'}", definition, tmp_path)
    publish(p.store, p.out, p.signer)  # include the collected cosignature
    yield p
    p.store.close()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _add_to_old_manifest(out: Path, *paths: str) -> None:
    path = out / "manifest.json"
    doc = json.loads(path.read_bytes())
    for rel in paths:
        doc["files"][rel] = "0" * 64
    path.write_bytes(canonical_json_fast(doc))


@pytest.mark.parametrize(
    "hostile",
    [
        "../victim.txt",
        "tile/../../victim.txt",
        "ABSOLUTE",
        "C:\\victim.txt",
        "./victim.txt",
        "tile//x",
        "bulletins/\x00x",
    ],
)
def test_hostile_old_manifest_entries_are_ignored_and_never_touched(
    pub: Pub, tmp_path: Path, hostile: str
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("the operator's database or keys", encoding="utf-8")
    rel = str(victim) if hostile == "ABSOLUTE" else hostile
    _add_to_old_manifest(pub.out, rel)
    before = _snapshot(pub.out)
    report = publish(pub.store, pub.out, pub.signer)
    assert victim.read_text(encoding="utf-8") == "the operator's database or keys"
    assert report.removed == []
    assert len(report.warnings) == 1 and "entry ignored, never touched" in report.warnings[0]
    # only the manifest (which no longer lists the hostile entry) was rewritten
    assert report.written == ["manifest.json"]
    after = _snapshot(pub.out)
    assert {k for k in after if after[k] != before.get(k)} == {"manifest.json"}
    assert rel not in json.loads((pub.out / "manifest.json").read_bytes())["files"]


def test_stale_entry_that_is_a_link_or_folder_is_not_removed(pub: Pub, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me", encoding="utf-8")
    (pub.out / "link.txt").symlink_to(outside)
    (pub.out / "somedir").mkdir()
    (pub.out / "somedir" / "inner").write_text("inner", encoding="utf-8")
    (pub.out / "stale.txt").write_text("old", encoding="utf-8")
    _add_to_old_manifest(pub.out, "link.txt", "somedir", "stale.txt")
    report = publish(pub.store, pub.out, pub.signer)
    assert report.removed == ["stale.txt"]
    assert not (pub.out / "stale.txt").exists()
    assert (pub.out / "link.txt").is_symlink() and outside.read_text() == "keep me"
    assert (pub.out / "somedir" / "inner").read_text() == "inner"


def test_linked_folder_inside_out_is_refused(pub: Pub, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (pub.out / "results" / "results.json").unlink()
    (pub.out / "results" / "results.csv").unlink()
    (pub.out / "results").rmdir()
    (pub.out / "results").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(PublishError, match="'results' is a symbolic link"):
        publish(pub.store, pub.out, pub.signer)
    assert list(elsewhere.iterdir()) == []


def test_link_in_place_of_a_file_is_replaced_not_followed(pub: Pub, tmp_path: Path) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_text("not yours", encoding="utf-8")
    (pub.out / "actas.csv").unlink()
    (pub.out / "actas.csv").symlink_to(outside)
    report = publish(pub.store, pub.out, pub.signer)
    assert "actas.csv" in report.written
    assert outside.read_text(encoding="utf-8") == "not yours"
    assert not (pub.out / "actas.csv").is_symlink()
    assert verify_publication(pub.out, pub.log_key, [pub.witness_key], 1).ok


@pytest.mark.parametrize("rel", ["actas.csv", "tile/0/000.p/7", "tile/entries/000.p/7"])
def test_corrupted_published_file_is_repaired(pub: Pub, rel: str) -> None:
    good = (pub.out / rel).read_bytes()
    before = _snapshot(pub.out)
    broken = bytearray(good)
    broken[len(broken) // 2] ^= 0x55
    (pub.out / rel).write_bytes(bytes(broken))  # manifest.json still lists the good hash
    assert not verify_publication(pub.out, pub.log_key, [pub.witness_key], 1).ok
    report = publish(pub.store, pub.out, pub.signer)
    assert report.written == [rel]
    assert (pub.out / rel).read_bytes() == good
    assert _snapshot(pub.out) == before
    assert verify_publication(pub.out, pub.log_key, [pub.witness_key], 1).ok


def test_deleted_and_lying_manifest_are_repaired(pub: Pub) -> None:
    before = _snapshot(pub.out)
    (pub.out / "bulletins" / "1.csv").unlink()
    doc = json.loads((pub.out / "manifest.json").read_bytes())
    doc["files"]["actas.csv"] = hashlib.sha256(b"lie").hexdigest()
    doc["size"] = 10**9  # an old size larger than the log
    (pub.out / "manifest.json").write_bytes(canonical_json_fast(doc))
    report = publish(pub.store, pub.out, pub.signer)
    assert sorted(report.written) == ["bulletins/1.csv", "manifest.json"]
    assert _snapshot(pub.out) == before


def test_unchanged_republish_writes_nothing(pub: Pub) -> None:
    report = publish(pub.store, pub.out, pub.signer)
    assert report.written == [] and report.removed == [] and report.warnings == []


def test_unreadable_old_manifest_is_only_a_warning(pub: Pub) -> None:
    (pub.out / "manifest.json").write_bytes(b"[" * 100_000)
    report = publish(pub.store, pub.out, pub.signer)
    assert report.warnings == ["manifest.json (old): not valid JSON; ignored"]
    assert verify_publication(pub.out, pub.log_key, [pub.witness_key], 1).ok


def test_old_manifest_that_is_a_device_is_not_read(pub: Pub) -> None:
    (pub.out / "manifest.json").unlink()
    os.symlink("/dev/zero", pub.out / "manifest.json")
    report = publish(pub.store, pub.out, pub.signer)  # would never end if it read /dev/zero
    assert "manifest.json" in report.written
    assert not (pub.out / "manifest.json").is_symlink()


def test_edited_definition_fingerprint_is_caught(pub: Pub) -> None:
    with pub.store.engine.begin() as conn:
        conn.execute(
            text("UPDATE meta SET value = :v WHERE key = 'definition_fingerprint'"),
            {"v": "0" * 64},
        )
    problems = check_store(pub.store)
    assert problems == [
        "meta.definition_fingerprint: 0000000000000000… differs from the definition leaf's "
        f"{store_definitions.read_definition(pub.store).fingerprint[:16]}…"
    ]
    before = _snapshot(pub.out)
    with pytest.raises(StoreError, match=r"meta\.definition_fingerprint"):
        publish(pub.store, pub.out, pub.signer)
    assert _snapshot(pub.out) == before


def test_unreadable_definition_meta_is_a_problem_not_a_crash(
    pub: Pub, tmp_path: Path, definition: Definition
) -> None:
    from escrutinio.store.store import Store

    with pub.store.engine.begin() as conn:
        conn.execute(text("UPDATE meta SET value = '{' WHERE key = 'definition_meta'"))
    fresh = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        problems = check_store(fresh)
    finally:
        fresh.close()
    assert len(problems) == 1
    assert problems[0].startswith("definition: the stored definition cannot be read")
