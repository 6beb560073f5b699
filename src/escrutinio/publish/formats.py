"""Byte-exact renderings of the published open-data files.

Every text file is deterministic: JSON is canonical (RFC 8785) and CSV uses ``\\n`` line ends
and minimal quoting, so an independent verifier can rebuild the expected bytes from the log
and compare them exactly.  The field dictionary (`escrutinio.model.fields.FIELDS`) documents every
column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import polars as pl

from escrutinio.model.canonical import canonical_json_fast
from escrutinio.model.definition import Definition
from escrutinio.model.fields import FIELDS as FIELDS
from escrutinio.model.fields import field_dictionary_json
from escrutinio.publish.replay import ActaRecord, records_frame

ACTA_COLUMNS = (
    "log_index",
    "unit",
    "contest",
    "source",
    "version",
    "status",
    "counting",
    "received_at",
    "content_hash",
    "null",
    "blank",
    "voters",
    "votes",
)
PREP_FIXED_COLUMNS = (
    "leaf_index",
    "leaf_hash",
    "content_hash",
    "unit",
    "contest",
    "source",
    "sender",
    "version",
    "status",
    "counting",
    "received_at",
    "null",
    "blank",
    "voters",
)
"""The first columns of actas_prep.csv; one column per ballot option follows."""
RESULT_COLUMNS = ("contest_id", "candidate_id", "name", "alliance", "votes", "pct", "winner")
BULLETIN_COLUMNS = ("number", "created_at", "source", "sha256", "log_index")
IMAGE_COLUMNS = (
    "log_index",
    "unit",
    "contest",
    "source",
    "version",
    "sha256",
    "media_type",
    "attached_at",
)
QR_CHECK_COLUMNS = (
    "unit",
    "contest",
    "source",
    "version",
    "sha256",
    "status",
    "differences",
    "detail",
    "checked_at",
)


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def acta_row(rec: ActaRecord) -> list[str]:
    """The CSV cells of one acta version."""
    return [
        _cell(v)
        for v in (
            rec.log_index,
            rec.unit,
            rec.contest,
            rec.source,
            rec.version,
            rec.status,
            rec.counting,
            rec.received_at,
            rec.content_hash,
            rec.null,
            rec.blank,
            rec.voters,
            rec.votes_json,
        )
    ]


def actas_csv(actas: Iterable[ActaRecord]) -> bytes:
    """actas.csv: every acta version in log order."""
    return _csv(ACTA_COLUMNS, (acta_row(r) for r in actas))


def prep_option_columns(definition: Definition) -> list[str]:
    """The option columns of actas_prep.csv: every ballot option id of every contest, in
    definition order, each once (a row fills only its own contest's options)."""
    return list(dict.fromkeys(o.id for c in definition.contests.values() for o in c.options))


def prep_senders(envelopes: Iterable[tuple[int, dict[str, Any]]]) -> dict[int, str]:
    """Who sent each acta version stored through the submission API: the sender of the
    envelope leaf that stored it (outcome new or conflicting), by the version's log index."""
    return {
        int(leaf["acta_index"]): str(leaf["envelope"]["sender"])
        for _, leaf in envelopes
        if leaf.get("outcome") in ("new", "conflicting")
    }


def actas_prep_csv(
    definition: Definition,
    actas: Iterable[ActaRecord],
    leaf_hashes: bytes,
    senders: Mapping[int, str] | None = None,
) -> bytes:
    """actas_prep.csv: one row per acta version in log order, in the style of the per-acta
    files of Mexico's PREP (Programa de Resultados Electorales Preliminares): where it came
    from, its leaf in the log (index and RFC 9162 leaf hash, ``leaf_hashes`` being the
    concatenated 32-byte hashes of every leaf), its content hash and its counts, one column
    per ballot option. ``sender`` (from ``senders``, see :func:`prep_senders`) stays empty
    for actas imported from files."""
    senders = senders or {}
    options = prep_option_columns(definition)
    rows = []
    for rec in actas:
        at = rec.log_index * 32
        rows.append(
            [
                str(rec.log_index),
                leaf_hashes[at : at + 32].hex(),
                rec.content_hash,
                rec.unit,
                rec.contest,
                rec.source,
                senders.get(rec.log_index, ""),
                str(rec.version),
                rec.status,
                _cell(rec.counting),
                rec.received_at,
                str(rec.null),
                _cell(rec.blank),
                str(rec.voters),
                *(_cell(rec.votes.get(o)) for o in options),
            ]
        )
    return _csv((*PREP_FIXED_COLUMNS, *options), rows)


def actas_frame(actas: Sequence[ActaRecord]) -> pl.DataFrame:
    """The acta versions as a typed polars frame (the content of actas.parquet)."""
    return records_frame(actas)


PARQUET_COMPRESSION: Final = "lz4"
"""The codec of actas.parquet's pages: LZ4 writes and reads several times faster than the
writer's default zstd, for a file about twice as large (docs/benchmarks.md)."""


def actas_parquet(actas: Sequence[ActaRecord]) -> bytes:
    """actas.parquet: the same rows as actas.csv, typed."""
    buf = io.BytesIO()
    actas_frame(actas).write_parquet(buf, statistics=False, compression=PARQUET_COMPRESSION)
    return buf.getvalue()


def definition_files(definition: Definition) -> dict[str, bytes]:
    """definition/election.json, regions.csv and units.csv."""
    doc = definition.to_document()
    meta = {k: v for k, v in doc.items() if k not in ("regions", "units")}
    return {
        "definition/election.json": canonical_json_fast(meta),
        "definition/regions.csv": _csv(
            ("id", "name", "level", "parent"),
            ([r["id"], r["name"], r["level"], _cell(r["parent"])] for r in doc["regions"]),
        ),
        "definition/units.csv": _csv(
            ("id", "region", "registered", "contests"),
            (
                [u["id"], u["region"], str(u["registered"]), ";".join(u["contests"])]
                for u in doc["units"]
            ),
        ),
    }


def results_csv(snapshot: dict[str, Any]) -> bytes:
    """One row per candidate of every contest of a snapshot (results or bulletin)."""
    rows = []
    for contest in snapshot["contests"]:
        decided = (contest.get("status") or {}).get("state") in ("final", "irreversible")
        for cand in contest["candidates"]:
            rows.append(
                [
                    contest["contest_id"],
                    cand["candidate_id"],
                    cand["name"],
                    _cell(cand["alliance"]),
                    str(cand["votes"]),
                    repr(float(cand["pct"])),
                    _cell(decided and cand["candidate_id"] in contest["winners"]),
                ]
            )
    return _csv(RESULT_COLUMNS, rows)


def bulletin_index_csv(bulletins: Iterable[dict[str, Any]]) -> bytes:
    """bulletins/index.csv from the bulletin leaves (with their ``log_index``)."""
    return _csv(
        BULLETIN_COLUMNS,
        (
            [str(b["number"]), b["created_at"], b["source"], b["sha256"], str(b["log_index"])]
            for b in bulletins
        ),
    )


def fields_json() -> bytes:
    """The field dictionary of every published file, canonical JSON."""
    return field_dictionary_json()


def images_csv(images: Iterable[tuple[int, dict[str, Any]]]) -> bytes:
    """images.csv: every image leaf (index, leaf) in log order."""
    return _csv(
        IMAGE_COLUMNS,
        ([_cell(i), *(_cell(leaf[c]) for c in IMAGE_COLUMNS[1:])] for i, leaf in images),
    )


def qr_checks_csv(rows: Iterable[dict[str, Any]]) -> bytes:
    """qr-checks.csv: every recorded QR check (``differences`` as a list of
    ``{field, qr, typed}``), oldest first."""
    return _csv(
        QR_CHECK_COLUMNS,
        (
            [
                *(_cell(row[c]) for c in QR_CHECK_COLUMNS[:5]),
                _cell(row["status"]),
                ";".join(
                    f"{d['field']}={_cell(d['qr'])}/{_cell(d['typed'])}" for d in row["differences"]
                ),
                _cell(row["detail"]),
                _cell(row["checked_at"]),
            ]
            for row in rows
        ),
    )
