"""The acta versions and adjudications of a publication as documents: every row of
``actas.parquet`` in the shape of ``escrutinio versions -f json``, and each adjudication leaf
of the log."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from escrutinio.reads.documents import ActaVersionDoc
from escrutinio.website.bundle_files import ACTAS_PARQUET, BundleError


@dataclass(frozen=True)
class Adjudication:
    """A recorded decision about which version of an acta counts, with its reason."""

    log_index: int
    unit: str
    contest: str
    source: str
    version: int | None
    reason: str
    decided_by: str
    decided_at: str


def adjudication_of(index: int, leaf: Mapping[str, Any]) -> Adjudication:
    """The adjudication recorded by the log leaf at ``index``."""
    version = leaf.get("version")
    return Adjudication(
        index,
        str(leaf["unit"]),
        str(leaf["contest"]),
        str(leaf["source"]),
        None if version is None else int(version),
        str(leaf.get("reason", "")),
        str(leaf.get("decided_by", "")),
        str(leaf.get("decided_at", "")),
    )


def versions_by_slot_of(actas: pl.DataFrame) -> dict[tuple[str, str], list[ActaVersionDoc]]:
    """Every acta version of ``actas`` by (unit, contest), in log order (the shape of
    ``escrutinio versions -f json``)."""
    out: dict[tuple[str, str], list[ActaVersionDoc]] = {}
    columns = actas.select(VERSION_COLUMNS).get_columns()
    for row in zip(*(c.to_list() for c in columns), strict=True):
        doc = _version_doc(dict(zip(VERSION_COLUMNS, row, strict=True)))
        out.setdefault((doc["unit"], doc["contest"]), []).append(doc)
    return out


VERSION_COLUMNS = (
    "unit",
    "contest",
    "source",
    "votes",
    "null",
    "blank",
    "voters",
    "version",
    "status",
    "counting",
    "received_at",
    "content_hash",
    "log_index",
)


def _whole(text: str) -> int:
    """A JSON number with a fraction or exponent, as the integer ``int(float)`` gives."""
    return int(float(text))


def _no_constant(text: str) -> int:
    raise BundleError(f"{ACTAS_PARQUET}: votes must be integers, not {text}")


def _version_doc(row: Mapping[str, Any]) -> ActaVersionDoc:
    return {
        "unit": row["unit"],
        "contest": row["contest"],
        "source": row["source"],
        "votes": json.loads(row["votes"], parse_float=_whole, parse_constant=_no_constant),
        "null": int(row["null"]),
        "blank": None if row["blank"] is None else int(row["blank"]),
        "voters": int(row["voters"]),
        "version": int(row["version"]),
        "status": row["status"],
        "counting": bool(row["counting"]),
        "received_at": row["received_at"],
        "content_hash": row["content_hash"],
        "log_index": int(row["log_index"]),
    }
