"""What the published files must contain, rebuilt by the verifier from the log leaves alone.

The definition is rebuilt from its published files with `escrutinio.model` and must have the
fingerprint recorded in the definition leaf; results and bulletins are recomputed with
`escrutinio.tally` from the counting acta versions (as of each bulletin's log position);
CSV and JSON files are re-rendered byte for byte (canonical JSON, RFC 8785; CSV with ``\\n``
line ends) following the field dictionary of the publication.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import polars as pl

from escrutinio.model.canonical import canonical_json_fast
from escrutinio.model.definition import (
    Definition,
    DefinitionMeta,
    RegionRow,
    UnitRow,
    build_definition,
)
from escrutinio.tally import ContestCounts, summarize, tally_contest
from escrutinio.verify.record import Version

SNAPSHOT_FORMAT = "escrutinio-bulletin/1"


def _csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(header)
    out.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _rows(data: bytes, header: Sequence[str], name: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
    if tuple(reader.fieldnames or ()) != tuple(header):
        raise ValueError(f"{name}: header is not {','.join(header)}")
    return list(reader)


def rebuild_definition(files: dict[str, bytes], leaf: dict[str, Any]) -> Definition:
    """Build the definition from its published files and check it against its log leaf."""
    meta = DefinitionMeta.model_validate(json.loads(files["definition/election.json"]))
    regions = [
        RegionRow(r["id"], r["name"], r["level"], r["parent"] or None)
        for r in _rows(
            files["definition/regions.csv"], ("id", "name", "level", "parent"), "regions.csv"
        )
    ]
    units = [
        UnitRow(
            u["id"],
            u["region"],
            int(u["registered"]),
            tuple(filter(None, u["contests"].split(";"))),
        )
        for u in _rows(
            files["definition/units.csv"], ("id", "region", "registered", "contests"), "units.csv"
        )
    ]
    definition = build_definition(meta, regions, units)
    doc = definition.to_document()
    checks = {
        "fingerprint": definition.fingerprint,
        "regions_sha256": hashlib.sha256(canonical_json_fast(doc["regions"])).hexdigest(),
        "units_sha256": hashlib.sha256(canonical_json_fast(doc["units"])).hexdigest(),
        "meta": meta.model_dump(mode="json"),
    }
    for key, value in checks.items():
        if leaf.get(key) != value:
            raise ValueError(f"definition files: {key} differs from the definition leaf")
    rendered = definition_files(definition)
    for path, data in rendered.items():
        if files[path] != data:
            raise ValueError(f"{path}: bytes differ from the canonical rendering")
    return definition


def definition_files(definition: Definition) -> dict[str, bytes]:
    """The canonical bytes of the three definition files."""
    doc = definition.to_document()
    meta = {k: v for k, v in doc.items() if k not in ("regions", "units")}
    return {
        "definition/election.json": canonical_json_fast(meta),
        "definition/regions.csv": _csv(
            ("id", "name", "level", "parent"),
            ([r["id"], r["name"], r["level"], _text(r["parent"])] for r in doc["regions"]),
        ),
        "definition/units.csv": _csv(
            ("id", "region", "registered", "contests"),
            (
                [u["id"], u["region"], str(u["registered"]), ";".join(u["contests"])]
                for u in doc["units"]
            ),
        ),
    }


ACTA_HEADER = (
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


def acta_cells(v: Version) -> list[str]:
    """The expected actas.csv cells of one version."""
    c = v.content
    return [
        str(v.index),
        c["unit"],
        c["contest"],
        c["source"],
        str(v.version),
        v.status,
        _text(v.counting),
        v.received_at,
        v.content_hash,
        str(c["null"]),
        _text(c["blank"]),
        str(c["voters"]),
        v.votes_json,
    ]


def actas_csv(versions: Iterable[Version]) -> bytes:
    """The expected bytes of actas.csv."""
    return _csv(ACTA_HEADER, (acta_cells(v) for v in versions))


def snapshot(
    definition: Definition,
    versions: Iterable[Version],
    counting: set[int],
    source: str,
    log_size: int,
) -> dict[str, Any]:
    """Recompute a results snapshot from the versions whose log index is in ``counting``."""
    rows: dict[str, tuple[list[int], list[list[int]]]] = {c: ([], []) for c in definition.contests}
    for v in versions:
        c = v.content
        if v.index not in counting or c["source"] != source:
            continue
        contest = definition.contests[c["contest"]]
        units, matrix = rows[contest.id]
        units.append(definition.units.index[c["unit"]])
        votes = [int(c["votes"][o.id]) for o in contest.options]
        matrix.append([*votes, int(c["null"]), int(c["blank"] or 0), int(c["voters"])])
    counts = {
        cid: ContestCounts(
            cid,
            np.array(units, dtype=np.int32),
            np.array(matrix, dtype=np.int64).reshape(-1, len(definition.contests[cid].options) + 3),
        )
        for cid, (units, matrix) in rows.items()
    }
    results = [tally_contest(definition, counts[cid]) for cid in definition.contests]
    summary = summarize(definition, results, counts.values())
    return {
        "format": SNAPSHOT_FORMAT,
        "election": definition.info.id,
        "definition_fingerprint": definition.fingerprint,
        "log_size": log_size,
        "summary": summary.to_dict(),
        "contests": [r.to_dict() for r in results],
    }


def results_csv(snap: dict[str, Any]) -> bytes:
    """The expected candidate-level CSV of a snapshot."""
    rows = []
    for contest in snap["contests"]:
        decided = (contest.get("status") or {}).get("state") in ("final", "irreversible")
        for cand in contest["candidates"]:
            winner = decided and cand["candidate_id"] in contest["winners"]
            rows.append(
                [
                    contest["contest_id"],
                    cand["candidate_id"],
                    cand["name"],
                    _text(cand["alliance"]),
                    str(cand["votes"]),
                    repr(float(cand["pct"])),
                    _text(winner),
                ]
            )
    return _csv(("contest_id", "candidate_id", "name", "alliance", "votes", "pct", "winner"), rows)


def bulletin_index_csv(bulletins: Iterable[tuple[int, dict[str, Any], set[int]]]) -> bytes:
    """The expected bulletins/index.csv."""
    return _csv(
        ("number", "created_at", "source", "sha256", "log_index"),
        (
            [str(b["number"]), b["created_at"], b["source"], b["sha256"], str(idx)]
            for idx, b, _ in bulletins
        ),
    )


def actas_frame_matches(frame: pl.DataFrame, versions: Sequence[Version]) -> int | None:
    """None when actas.parquet's frame equals the versions, else the first differing row."""
    cols: dict[str, list[Any]] = {
        "log_index": [v.index for v in versions],
        "unit": [v.content["unit"] for v in versions],
        "contest": [v.content["contest"] for v in versions],
        "source": [v.content["source"] for v in versions],
        "version": [v.version for v in versions],
        "status": [v.status for v in versions],
        "counting": [v.counting for v in versions],
        "received_at": [v.received_at for v in versions],
        "content_hash": [v.content_hash for v in versions],
        "null": [v.content["null"] for v in versions],
        "blank": [v.content["blank"] for v in versions],
        "voters": [v.content["voters"] for v in versions],
        "votes": [v.votes_json for v in versions],
    }
    if list(frame.columns) != list(ACTA_HEADER) or frame.height != len(versions):
        return 0
    for name, want in cols.items():
        got = frame[name].to_list()
        if got != want:
            return next(i for i, (a, b) in enumerate(zip(got, want, strict=True)) if a != b)
    return None
