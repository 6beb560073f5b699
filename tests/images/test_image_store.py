"""The content-addressed image store: magic-byte sniffing, size limit, atomic idempotent
writes confined to the root, and hash re-checks on read."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from escrutinio.images import ImageError
from escrutinio.images.store import ImageStore, relative_path, sniff

PNG = b"\x89PNG\r\n\x1a\n" + b"rest of a png"
JPEG = b"\xff\xd8\xff\xe0" + b"jfif"
PDF = b"%PDF-1.7\n..."


def test_sniff() -> None:
    assert sniff(PNG) == "image/png"
    assert sniff(JPEG) == "image/jpeg"
    assert sniff(PDF) == "application/pdf"
    assert sniff(b"GIF89a") is None
    assert sniff(b"") is None


def test_put_writes_under_its_hash_and_reads_back(tmp_path: Path) -> None:
    store = ImageStore(tmp_path / "img")
    sha = store.put(PNG, "image/png")
    assert sha == hashlib.sha256(PNG).hexdigest()
    assert store.path(sha) == tmp_path / "img" / sha[:2] / sha[2:4] / sha
    assert store.has(sha) and store.read(sha) == PNG
    assert store.put(PNG, "image/png") == sha  # idempotent
    assert sorted(p.name for p in store.path(sha).parent.iterdir()) == [sha]  # no temp file


@pytest.mark.parametrize(
    ("data", "media_type", "code"),
    [
        (PNG, "image/jpeg", "image_type"),
        (b"GIF89a....", "image/png", "image_type"),
        (PNG, "image/gif", "image_type"),
        (b"", "image/png", "image_type"),
        (PNG + b"x" * 100, "image/png", "image_too_large"),
    ],
)
def test_refusals_have_stable_codes(
    tmp_path: Path, data: bytes, media_type: str, code: str
) -> None:
    store = ImageStore(tmp_path, max_bytes=64)
    with pytest.raises(ImageError) as caught:
        store.put(data, media_type)
    assert caught.value.code == code
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_read_rechecks_the_hash_and_put_repairs(tmp_path: Path) -> None:
    store = ImageStore(tmp_path)
    sha = store.put(JPEG, "image/jpeg")
    store.path(sha).write_bytes(JPEG + b"tampered")
    with pytest.raises(ImageError) as caught:
        store.read(sha)
    assert caught.value.code == "image_hash_mismatch"
    assert store.put(JPEG, "image/jpeg") == sha
    assert store.read(sha) == JPEG


def test_missing_and_invalid_hashes(tmp_path: Path) -> None:
    store = ImageStore(tmp_path)
    with pytest.raises(ImageError) as caught:
        store.read("0" * 64)
    assert caught.value.code == "image_missing"
    for bad in ("../" + "0" * 61, "A" * 64, "0" * 63, "/etc/passwd"):
        with pytest.raises(ImageError) as caught:
            store.path(bad)
        assert caught.value.code == "image_hash_invalid"
    with pytest.raises(ImageError):
        relative_path("xyz")


def test_a_link_leading_outside_the_root_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    sha = hashlib.sha256(PNG).hexdigest()
    (root / sha[:2]).mkdir(parents=True)
    os.symlink(outside, root / sha[:2] / sha[2:4])
    (outside / sha).write_bytes(PNG)
    with pytest.raises(ImageError) as caught:
        ImageStore(root).read(sha)
    assert caught.value.code == "image_outside"
    (outside / sha).unlink()
    with pytest.raises(ImageError) as caught:
        ImageStore(root).put(PNG, "image/png")  # never written through the link
    assert caught.value.code == "image_outside"
    assert list(outside.iterdir()) == []


def test_a_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = ImageStore(tmp_path)

    def broken(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        store.put(PNG, "image/png")
    sha = hashlib.sha256(PNG).hexdigest()
    assert not store.has(sha)
    assert list(store.path(sha).parent.iterdir()) == []
