"""The verifier's reading of ``image`` leaves: accepted after their acta version, refused
(naming the entry) when malformed or attached to an acta the log has not stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from escrutinio.model import Definition, leaves
from escrutinio.store import definitions as store_definitions
from escrutinio.store import images as store_images
from escrutinio.store import log as store_log
from escrutinio.store.store import Store
from escrutinio.verify.record import RecordProblem, read_record
from support import ACTAS_HEADER, REPORTED_ROWS, ingest_file

SHA = "c" * 64


@pytest.fixture
def entries(tmp_path: Path, definition: Definition) -> list[bytes]:
    store = Store.open(str(tmp_path / "e.db"))
    store_definitions.load_definition(store, definition)
    (tmp_path / "a.csv").write_text(ACTAS_HEADER + REPORTED_ROWS[0], encoding="utf-8")
    ingest_file(store, tmp_path / "a.csv")
    store_images.attach_images(store, "u1", "gov-A", "official", 1, [(SHA, "image/png")])
    out = [e.body for e in store_log.log_entries(store)]
    store.close()
    return out


def test_image_leaves_are_read(entries: list[bytes]) -> None:
    record = read_record(entries)
    assert [(i, leaf["sha256"]) for i, leaf in record.images] == [(len(entries) - 1, SHA)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("u1", "gov-A", "official", 1, "C" * 64, "image/png"), "not 64 lower-case hex"),
        (("u1", "gov-A", "official", 1, SHA, "image/gif"), "media type"),
        (("u1", "gov-A", "official", 0, SHA, "image/png"), "is not positive"),
        (("u1", "gov-A", "official", 2, SHA, "image/png"), "has not stored"),
        (("u9", "gov-A", "official", 1, SHA, "image/png"), "has not stored"),
    ],
)
def test_bad_image_leaves_are_refused(
    entries: list[bytes], args: tuple[str, str, str, int, str, str], message: str
) -> None:
    bad = leaves.image_leaf(*args, "2017-10-15T20:00:00Z")
    with pytest.raises(RecordProblem, match=f"log entry {len(entries)}: .*{message}"):
        read_record([*entries, bad])


def test_an_image_before_its_acta_is_refused(entries: list[bytes]) -> None:
    image = entries[-1]
    with pytest.raises(RecordProblem, match="has not stored"):
        read_record([entries[0], image, *entries[1:-1]])
