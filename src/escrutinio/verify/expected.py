"""What the published open-data files must contain, rebuilt by the verifier from the log leaves.

CSV files are re-rendered byte for byte as the publisher's ``csv`` module writes them (RFC 4180
minimal quoting: a field is quoted when it holds a comma, a double quote or a line feed, and
quotes inside are doubled; ``\\n`` line ends); ``actas.csv`` is rendered column-wise with
Polars. ``actas.parquet`` is compared column by column with the acta versions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import polars as pl

from escrutinio.verify.rebuild import render_csv
from escrutinio.verify.record import Bulletin

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


def _text(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


SPECIAL = '[,"\n]'
"""Characters that make the ``csv`` module quote a field (with ``\n`` line ends)."""


def csv_field(column: str) -> pl.Expr:
    """A String column as CSV fields, quoted like the ``csv`` module's minimal quoting."""
    col = pl.col(column)
    quoted = pl.concat_str(pl.lit('"'), col.str.replace_all('"', '""', literal=True), pl.lit('"'))
    return pl.when(col.str.contains(SPECIAL)).then(quoted).otherwise(col)


def _field(frame: pl.DataFrame, column: str) -> pl.Expr:
    """`csv_field`, or the column itself when none of its cells needs quoting."""
    if frame[column].str.contains(SPECIAL).any():
        return csv_field(column)
    return pl.col(column)


def actas_csv(actas: pl.DataFrame) -> bytes:
    """The expected bytes of actas.csv (one row per acta version, in log order)."""
    head = ",".join(ACTA_HEADER) + "\n"
    if not actas.height:
        return head.encode("ascii")
    cells = [
        pl.col("log_index").cast(pl.String),
        _field(actas, "unit"),
        _field(actas, "contest"),
        _field(actas, "source"),
        pl.col("version").cast(pl.String),
        _field(actas, "status"),
        pl.when(pl.col("counting")).then(pl.lit("true")).otherwise(pl.lit("false")),
        _field(actas, "received_at"),
        _field(actas, "content_hash"),
        pl.col("null").cast(pl.String),
        pl.col("blank").cast(pl.String).fill_null(""),
        pl.col("voters").cast(pl.String),
        csv_field("votes"),
    ]
    body: str = actas.select(pl.concat_str(cells, separator=",").str.join("\n")).item()
    return (head + body + "\n").encode("utf-8")


PREP_HEADER = (
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


def prep_senders(submissions: Sequence[tuple[int, dict[str, Any]]]) -> dict[int, str]:
    """The sender of each acta version stored through the submission API, by the version's
    log index: the sender of the envelope leaf that stored it (outcome new or conflicting)."""
    out: dict[int, str] = {}
    for _, leaf in submissions:
        if leaf.get("kind") == "envelope" and leaf.get("outcome") in ("new", "conflicting"):
            envelope = leaf.get("envelope")
            sender = envelope.get("sender") if isinstance(envelope, dict) else None
            index = leaf.get("acta_index")
            if isinstance(sender, str) and isinstance(index, int):
                out[index] = sender
    return out


def actas_prep_csv(
    actas: pl.DataFrame,
    option_ids: Sequence[str],
    leaf_hashes: Sequence[str],
    senders: Mapping[int, str] | None = None,
) -> bytes:
    """The expected actas_prep.csv: each acta version's leaf (index, RFC 9162 leaf hash of
    its entry, ``leaf_hashes`` in row order), content hash, origin (``senders``: who sent
    it through the submission API) and counts, one column per ballot option."""
    senders = senders or {}
    rows = []
    for r, leaf_hash in zip(actas.iter_rows(named=True), leaf_hashes, strict=True):
        index = r["log_index"]
        votes = json.loads(r["votes"])
        rows.append(
            [
                str(index),
                leaf_hash,
                r["content_hash"],
                r["unit"],
                r["contest"],
                r["source"],
                senders.get(index, ""),
                str(r["version"]),
                r["status"],
                _text(r["counting"]),
                r["received_at"],
                str(r["null"]),
                _text(r["blank"]),
                str(r["voters"]),
                *(_text(votes.get(o)) for o in option_ids),
            ]
        )
    return render_csv((*PREP_HEADER, *option_ids), rows)


def actas_frame_matches(frame: pl.DataFrame, actas: pl.DataFrame) -> int | None:
    """None when actas.parquet's frame equals the acta versions, else the first differing row."""
    if list(frame.columns) != list(ACTA_HEADER) or frame.height != actas.height:
        return 0
    first: int | None = None
    for name in ACTA_HEADER:
        got, want = frame[name], actas[name]
        if got.dtype == want.dtype:
            hits = got.ne_missing(want).arg_true()
            bad = int(hits[0]) if hits.len() else None
        else:
            pairs = zip(got.to_list(), want.to_list(), strict=True)
            bad = next((i for i, (a, b) in enumerate(pairs) if a != b), None)
        if bad is not None and (first is None or bad < first):
            first = bad
    return first


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
    return render_csv(
        ("contest_id", "candidate_id", "name", "alliance", "votes", "pct", "winner"), rows
    )


def bulletin_index_csv(bulletins: Iterable[Bulletin]) -> bytes:
    """The expected bulletins/index.csv."""
    return render_csv(
        ("number", "created_at", "source", "sha256", "log_index"),
        (
            [
                str(b.leaf["number"]),
                b.leaf["created_at"],
                b.leaf["source"],
                b.leaf["sha256"],
                str(b.index),
            ]
            for b in bulletins
        ),
    )
