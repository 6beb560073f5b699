"""A re-publication splices ``actas.csv`` and ``actas_prep.csv`` from the previous
publication's and keeps its definition files (`escrutinio.publish.opendata`): the bytes are
those of a full publication, and a previous file is taken only with the SHA-256 its signed
manifest lists.

Runs once per database kind (``db_url`` from tests/conftest.py).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_pubkit import WAVE2, Pub, ingest, wave1

from escrutinio import reads
from escrutinio.model import Definition
from escrutinio.publish import opendata
from escrutinio.publish.site import publish
from escrutinio.store import definitions as store_definitions
from escrutinio.store import versions as store_versions
from escrutinio.verify.verifier import verify_publication

TEXT = st.text(alphabet=st.sampled_from(list('ab,"\n\r ;é1')), max_size=5)
ROW = st.lists(TEXT, min_size=1, max_size=4)
OPEN_DATA = (
    "actas.csv",
    "actas_prep.csv",
    "actas.parquet",
    "results/results.json",
    *opendata.DEFINITION_FILES,
)


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(ROW, max_size=8),
    st.dictionaries(st.integers(0, 9), ROW, max_size=3),
    st.lists(ROW, max_size=3),
)
def test_splice_replaces_rows_and_appends(
    rows: list[list[str]], replace: dict[int, list[str]], new: list[list[str]]
) -> None:
    header = _csv([["h1", "h2"]])
    old = header + _csv(rows)
    digest = hashlib.sha256(old).hexdigest()
    changed = {p: _csv([r]) for p, r in replace.items() if p < len(rows)}
    expected = header + _csv([replace.get(i, r) for i, r in enumerate(rows)] + new)
    got = opendata.splice(old, digest, header, len(rows), changed, _csv(new))
    one_line_each = old.count(b"\n") == len(rows) + 1
    if changed and not one_line_each:  # a field holds a line feed: no row is located
        assert got is None
        return
    assert got is not None
    data = b"".join(got.parts)
    assert data == expected
    assert (got.digest, got.size) == (hashlib.sha256(data).hexdigest(), len(data))
    other = hashlib.sha256(b"other").hexdigest()
    assert opendata.splice(old, other, header, len(rows), {}, b"") is None
    assert opendata.splice(old, digest, b"x,y\n", len(rows), {}, b"") is None


@pytest.fixture
def pub(db_url: str, definition: Definition, tmp_path: Path) -> Iterator[Pub]:
    p = wave1(db_url, definition, tmp_path)
    yield p
    p.store.close()


@pytest.fixture
def spliced(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each splice of a previous file was taken."""
    seen: list[bool] = []
    real = opendata.splice

    def spy(*args: object) -> opendata.Pieces | None:
        got = real(*args)  # type: ignore[arg-type]
        seen.append(got is not None)
        return got

    monkeypatch.setattr(opendata, "splice", spy)
    return seen


def _second_wave(pub: Pub, tmp_path: Path) -> None:
    """WAVE2 (new tables and a conflicting u2), an adjudication of an old slot (its rows
    stop or start counting), bulletin 2."""
    ingest(pub.store, tmp_path, "wave2.csv", WAVE2)
    official = store_definitions.read_definition(pub.store).info.official_source
    store_versions.adjudicate(pub.store, "u1", "gov-A", official, None, "annulled", "board")
    reads.record_bulletin(pub.store)


def _same_as_full(pub: Pub, tmp_path: Path) -> None:
    other = tmp_path / "full"
    publish(pub.store, other, pub.signer, full_check=True)
    for name in OPEN_DATA:
        assert (pub.out / name).read_bytes() == (other / name).read_bytes(), name
    assert verify_publication(pub.out, pub.log_key).ok


def test_a_republish_splices_the_signed_files_and_equals_a_full_one(
    pub: Pub, tmp_path: Path, spliced: list[bool]
) -> None:
    before = {rel: (pub.out / rel).stat().st_mtime_ns for rel in opendata.DEFINITION_FILES}
    _second_wave(pub, tmp_path)
    report = publish(pub.store, pub.out, pub.signer)
    assert report.check.startswith("incremental")
    assert spliced == [True, True]
    assert {"actas.csv", "actas_prep.csv"} <= set(report.written)
    assert not set(opendata.DEFINITION_FILES) & set(report.written)
    assert before == {rel: (pub.out / rel).stat().st_mtime_ns for rel in before}
    _same_as_full(pub, tmp_path)
    again = publish(pub.store, pub.out, pub.signer)  # nothing changed
    assert not {"actas.csv", "actas_prep.csv", "actas.parquet"} & set(again.written)
    assert verify_publication(pub.out, pub.log_key).ok


def test_a_previous_file_that_lost_its_listed_hash_is_not_spliced(
    pub: Pub, tmp_path: Path, spliced: list[bool]
) -> None:
    path = pub.out / "actas.csv"
    info = path.stat()
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x01  # same size, same modification time: the kept rule cannot tell
    path.write_bytes(bytes(data))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    _second_wave(pub, tmp_path)
    publish(pub.store, pub.out, pub.signer)
    assert spliced == [False, True]
    _same_as_full(pub, tmp_path)


def test_an_append_leaves_a_hard_linked_copy_alone(pub: Pub, tmp_path: Path) -> None:
    """A file that gets only rows appended is replaced by a new file (atomic), so a
    snapshot of the folder made with hard links keeps its bytes."""
    ingest(pub.store, tmp_path, "wave2.csv", WAVE2)
    reads.record_bulletin(pub.store)
    linked = tmp_path / "snapshot-actas.csv"
    os.link(pub.out / "actas.csv", linked)
    kept = linked.read_bytes()
    prep = (pub.out / "actas_prep.csv").stat().st_ino
    prep_bytes = (pub.out / "actas_prep.csv").read_bytes()
    publish(pub.store, pub.out, pub.signer)
    assert linked.read_bytes() == kept
    assert (pub.out / "actas.csv").stat().st_ino != linked.stat().st_ino
    assert (pub.out / "actas_prep.csv").stat().st_ino != prep  # a new file, renamed
    assert (pub.out / "actas_prep.csv").read_bytes().startswith(prep_bytes)
    _same_as_full(pub, tmp_path)
