"""The acta open-data files rendered column-wise from a polars frame of acta versions.

Byte for byte what `escrutinio.publish.formats` writes row by row with the ``csv`` module
(RFC 4180 minimal quoting with ``\\n`` line ends: a field is quoted when it holds a comma, a
double quote or a line feed, quotes inside doubled), without a Python object per row, so a
re-publication of a million acta versions renders them in about a second. The frame has the
columns of ``actas.parquet`` (`escrutinio.publish.formats.actas_frame`).
"""

from __future__ import annotations

import io

import numpy as np
import polars as pl

from escrutinio.model.definition import Definition
from escrutinio.publish.formats import ACTA_COLUMNS, PREP_FIXED_COLUMNS
from escrutinio.tally import ContestCounts

SPECIAL = '[,"\n]'
"""Characters that make the ``csv`` module quote a field (with ``\\n`` line ends)."""


def _field(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A String column as CSV fields (quoted only when a cell needs it; null as empty)."""
    col = pl.col(column)
    if frame[column].str.contains(SPECIAL).any():
        quoted = pl.concat_str(
            pl.lit('"'), col.str.replace_all('"', '""', literal=True), pl.lit('"')
        )
        col = pl.when(col.str.contains(SPECIAL)).then(quoted).otherwise(col)
    return col.fill_null("")


def _number(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String).fill_null("")


def _flag(column: str) -> pl.Expr:
    return pl.when(pl.col(column)).then(pl.lit("true")).otherwise(pl.lit("false"))


def _render(header: list[str], frame: pl.DataFrame, cells: list[pl.Expr]) -> bytes:
    head = ",".join(header) + "\n"
    if not frame.height:
        return head.encode("utf-8")
    body: str = frame.select(pl.concat_str(cells, separator=",").str.join("\n")).item()
    return (head + body + "\n").encode("utf-8")


def actas_csv(actas: pl.DataFrame) -> bytes:
    """actas.csv (every acta version in log order), as `formats.actas_csv` writes it."""
    cells = [
        _number("log_index"),
        _field(actas, "unit"),
        _field(actas, "contest"),
        _field(actas, "source"),
        _number("version"),
        _field(actas, "status"),
        _flag("counting"),
        _field(actas, "received_at"),
        _field(actas, "content_hash"),
        _number("null"),
        _number("blank"),
        _number("voters"),
        _field(actas, "votes"),
    ]
    return _render(list(ACTA_COLUMNS), actas, cells)


def hex_hashes(leaf_hashes: bytes, indexes: pl.Series) -> pl.Series:
    """The lowercase hex of the 32-byte hashes at ``indexes`` of the concatenated
    ``leaf_hashes``."""
    table = np.frombuffer(leaf_hashes, dtype=np.uint8).reshape(-1, 32)
    picked = table[indexes.to_numpy()]
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    text = np.empty((picked.shape[0], 64), dtype=np.uint8)
    text[:, 0::2] = digits[picked >> 4]
    text[:, 1::2] = digits[picked & 15]
    return pl.Series("leaf_hash", text.view("S64").ravel(), dtype=pl.Binary).cast(pl.String)


def actas_prep_csv(
    definition: Definition,
    actas: pl.DataFrame,
    leaf_hashes: bytes,
    senders: dict[int, str],
) -> bytes:
    """actas_prep.csv, as `formats.actas_prep_csv` writes it (see there)."""
    options = list(dict.fromkeys(o.id for c in definition.contests.values() for o in c.options))
    frame = actas.with_columns(
        hex_hashes(leaf_hashes, actas["log_index"]),
        pl.col("log_index")
        .replace_strict(list(senders), list(senders.values()), default=None, return_dtype=pl.String)
        .alias("sender"),
    )
    if options:
        votes = frame["votes"].str.json_decode(pl.Struct({o: pl.Int64 for o in options}))
        frame = frame.with_columns(
            votes.struct.unnest().select(pl.all().name.prefix("\0")).get_columns()
        )
    cells = [
        _number("log_index"),
        pl.col("leaf_hash"),
        _field(frame, "content_hash"),
        _field(frame, "unit"),
        _field(frame, "contest"),
        _field(frame, "source"),
        _field(frame, "sender"),
        _number("version"),
        _field(frame, "status"),
        _flag("counting"),
        _field(frame, "received_at"),
        _number("null"),
        _number("blank"),
        _number("voters"),
        *(_number("\0" + o) for o in options),
    ]
    return _render([*PREP_FIXED_COLUMNS, *options], frame, cells)


def actas_parquet(actas: pl.DataFrame) -> bytes:
    """actas.parquet, as `formats.actas_parquet` writes it."""
    buf = io.BytesIO()
    actas.rechunk().write_parquet(buf, statistics=False)
    return buf.getvalue()


def counting_counts(
    definition: Definition, actas: pl.DataFrame, source: str
) -> dict[str, ContestCounts]:
    """`escrutinio.publish.replay.counting_counts` from the frame: unit-level counts of the
    counting versions of ``source`` (contest option order, then null, blank, voters)."""
    counting = actas.filter(pl.col("counting") & (pl.col("source") == source))
    index = definition.units.index
    out: dict[str, ContestCounts] = {}
    for cid, contest in definition.contests.items():
        frame = counting.filter(pl.col("contest") == cid)
        options = [o.id for o in contest.options]
        matrix = np.zeros((frame.height, len(options) + 3), dtype=np.int64)
        if frame.height:
            votes = frame["votes"].str.json_decode(pl.Struct({o: pl.Int64 for o in options}))
            for j, column in enumerate(votes.struct.unnest().get_columns()):
                if column.null_count():
                    raise KeyError(f"an acta of contest {cid} lacks option {options[j]}")
                matrix[:, j] = column.to_numpy()
            matrix[:, -3] = frame["null"].to_numpy()
            matrix[:, -2] = frame["blank"].fill_null(0).to_numpy()
            matrix[:, -1] = frame["voters"].to_numpy()
        units = np.fromiter((index[u] for u in frame["unit"]), np.int32, frame.height)
        out[cid] = ContestCounts(cid, units, matrix)
    return out
