"""``publish --archive``: one deterministic tar of the whole publication, its SHA-256 next to
it, linked from the data page; the extracted archive verifies on its own."""

from __future__ import annotations

import hashlib
import tarfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from ledger_pubkit import Pub, wave1

from escrutinio.model import Definition
from escrutinio.publish.site import MANIFEST, MANIFEST_NOTE, publish
from escrutinio.verify.verifier import verify_publication
from escrutinio.website.build import SiteOptions
from escrutinio.website.publication import publication_site

SITE = partial(publication_site, options=SiteOptions(archive=True))


@pytest.fixture
def pub(db_url: str, definition: Definition, tmp_path: Path) -> Iterator[Pub]:
    p = wave1(db_url, definition, tmp_path)
    yield p
    p.store.close()


def test_archive_is_complete_deterministic_and_verifies_extracted(pub: Pub, tmp_path: Path) -> None:
    report = publish(pub.store, pub.out, pub.signer, website=SITE, archive=True)
    tar_path = pub.out / "archive" / "publication.tar"
    data = tar_path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert report.archive_sha256 == digest
    sums = (pub.out / "archive" / "publication.tar.sha256").read_text(encoding="ascii")
    assert sums == f"{digest}  publication.tar\n"
    with tarfile.open(tar_path) as tar:
        members = tar.getmembers()
        files = [m.name for m in members if m.isfile()]
        assert files == sorted(files)
        assert {MANIFEST, MANIFEST_NOTE, "checkpoint", "data.html"} <= set(files)
        assert all(m.mtime == 0 and m.uid == 0 and m.gid == 0 and not m.uname for m in members)
        assert not any(name.startswith("archive/") for name in files)
        for m in members:
            if m.isfile():
                extracted = tar.extractfile(m)
                assert extracted is not None
                assert extracted.read() == (pub.out / m.name).read_bytes()
        mirror = tmp_path / "mirror"
        tar.extractall(mirror, filter="data")
    result = verify_publication(mirror, pub.log_key)
    assert result.ok, result.failures()
    assert result.uncovered == []
    page = (pub.out / "data.html").read_text(encoding="utf-8")
    assert 'href="archive/publication.tar"' in page
    assert 'href="archive/publication.tar.sha256"' in page
    # the same publication again: the same archive, byte for byte
    publish(pub.store, pub.out, pub.signer, website=SITE, archive=True)
    assert tar_path.read_bytes() == data


def test_without_the_flag_there_is_no_archive_and_no_link(pub: Pub) -> None:
    publish(pub.store, pub.out, pub.signer, website=publication_site)
    assert not (pub.out / "archive").exists()
    assert "archive/publication.tar" not in (pub.out / "data.html").read_text(encoding="utf-8")


def test_verify_checks_the_archive_in_the_folder(pub: Pub) -> None:
    publish(pub.store, pub.out, pub.signer, archive=True)
    result = verify_publication(pub.out, pub.log_key)
    assert result.ok, result.failures()
    assert result.uncovered == []
    check = next(c for c in result.checks if c.name == "archive")
    assert "the manifest's" in check.detail
    tar_path = pub.out / "archive" / "publication.tar"
    broken = bytearray(tar_path.read_bytes())
    broken[700] ^= 0x01  # inside the first member's data
    tar_path.write_bytes(bytes(broken))
    failed = verify_publication(pub.out, pub.log_key).failures()
    assert [c.name for c in failed] == ["archive"]
    assert "differs from archive/publication.tar.sha256" in failed[0].detail
    sums = pub.out / "archive" / "publication.tar.sha256"
    sums.write_text(hashlib.sha256(bytes(broken)).hexdigest() + "  publication.tar\n")
    failed = verify_publication(pub.out, pub.log_key).failures()
    assert [c.name for c in failed] == ["archive"]
    assert "is not this publication" in failed[0].detail


def test_publishing_without_the_flag_removes_an_old_archive(pub: Pub) -> None:
    publish(pub.store, pub.out, pub.signer, archive=True)
    report = publish(pub.store, pub.out, pub.signer)
    assert {"archive/publication.tar", "archive/publication.tar.sha256"} <= set(report.removed)
    assert verify_publication(pub.out, pub.log_key).ok
