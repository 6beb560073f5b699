"""The verifier keeps its own readers and renderings on purpose; this checks that its copy of
the published schema equals what the writer publishes, on the same small publication: the
field dictionary and the CSV files (headers and bytes) rendered by `escrutinio.verify` and by
`escrutinio.publish.formats` from the same log."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest
from ledger_pubkit import Pub, full
from memsource import load_folder

from escrutinio.model.definition import Definition
from escrutinio.model.fields import FIELDS, field_dictionary_json
from escrutinio.publish import formats
from escrutinio.publish.replay import Replay, replay
from escrutinio.store.definitions import read_definition
from escrutinio.verify import expected, rebuild
from escrutinio.verify.notes import parse_checkpoint_text, parse_signed_note
from escrutinio.verify.record import Record, read_record
from escrutinio.verify.tiles import read_entries
from support import small_definition


@dataclasses.dataclass
class Sides:
    """One publication, its log read by the verifier and replayed by the writer."""

    files: dict[str, bytes]
    definition: Definition
    record: Record
    state: Replay


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sides]:
    tmp = tmp_path_factory.mktemp("parity")
    pub: Pub = full(f"sqlite:///{tmp / 'store.db'}", small_definition(), tmp)
    files = load_folder(pub.out)
    size = parse_checkpoint_text(parse_signed_note(files["checkpoint"]).text).size
    _, entries = read_entries(size, files.__getitem__)
    yield Sides(files, read_definition(pub.store), read_record(entries), replay(enumerate(entries)))
    pub.store.close()


def header(data: bytes) -> list[str]:
    """The header row of a CSV file."""
    return data.split(b"\n", 1)[0].decode("utf-8").split(",")


def test_field_dictionary_is_the_published_one(sides: Sides) -> None:
    assert field_dictionary_json() == formats.fields_json() == sides.files["fields.json"]


def test_verifier_headers_are_the_field_dictionary_columns() -> None:
    assert list(expected.ACTA_HEADER) == list(FIELDS["actas.csv / actas.parquet"])
    assert list(rebuild.REGIONS_HEADER) == list(FIELDS["definition/regions.csv"])
    assert list(rebuild.UNITS_HEADER) == list(FIELDS["definition/units.csv"])
    snap: dict[str, Any] = {"contests": []}
    assert header(expected.results_csv(snap)) == list(
        FIELDS["results/results.csv, bulletins/<n>.csv"]
    )
    assert header(expected.bulletin_index_csv([])) == list(FIELDS["bulletins/index.csv"])


def test_actas_csv_is_rendered_alike(sides: Sides) -> None:
    writer = formats.actas_csv(sides.state.actas)
    verifier = expected.actas_csv(sides.record.actas)
    assert header(verifier) == header(writer) == list(formats.ACTA_COLUMNS)
    assert verifier == writer == sides.files["actas.csv"]


def test_actas_parquet_columns_are_alike(sides: Sides) -> None:
    frame = formats.actas_frame(sides.state.actas)
    assert expected.actas_frame_matches(frame, sides.record.actas) is None


def test_results_and_bulletin_csvs_are_rendered_alike(sides: Sides) -> None:
    names = ["results/results"] + [f"bulletins/{b.leaf['number']}" for b in sides.record.bulletins]
    assert len(names) == 3
    for name in names:
        snap = json.loads(sides.files[f"{name}.json"])
        writer, verifier = formats.results_csv(snap), expected.results_csv(snap)
        assert header(verifier) == header(writer) == list(formats.RESULT_COLUMNS)
        assert verifier == writer == sides.files[f"{name}.csv"]


def test_bulletin_index_is_rendered_alike(sides: Sides) -> None:
    writer = formats.bulletin_index_csv(
        {**leaf, "log_index": i} for i, leaf in sides.state.bulletins
    )
    verifier = expected.bulletin_index_csv(sides.record.bulletins)
    assert header(verifier) == header(writer) == list(formats.BULLETIN_COLUMNS)
    assert verifier == writer == sides.files["bulletins/index.csv"]


def test_definition_csvs_are_rendered_alike(sides: Sides) -> None:
    writer = formats.definition_files(sides.definition)
    assert header(writer["definition/regions.csv"]) == list(rebuild.REGIONS_HEADER)
    assert header(writer["definition/units.csv"]) == list(rebuild.UNITS_HEADER)
    leaf = sides.record.definition
    assert leaf is not None
    # the rebuild compares the files byte for byte with the verifier's own rendering
    rebuilt, fingerprint = rebuild.rebuild_definition(writer, leaf)
    assert fingerprint == rebuilt.fingerprint == sides.definition.fingerprint
    assert {p: sides.files[p] for p in writer} == writer
