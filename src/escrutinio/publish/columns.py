"""The acta open-data files rendered column-wise from a polars frame of acta versions.

Byte for byte what `escrutinio.publish.formats` writes row by row with the ``csv`` module
(RFC 4180 minimal quoting with ``\\n`` line ends: a field is quoted when it holds a comma, a
double quote or a line feed, quotes inside doubled), without a Python object per row, so a
re-publication of a million acta versions renders them in about a second. The frame has the
columns of ``actas.parquet`` (`escrutinio.publish.formats.actas_frame`).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import polars as pl

from escrutinio.model.canonical import canonical_json_fast
from escrutinio.model.definition import Definition
from escrutinio.publish.formats import ACTA_COLUMNS, PARQUET_COMPRESSION, PREP_FIXED_COLUMNS
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


PARTS = 4
"""Slices of the acta versions whose ``votes`` are parsed in parallel."""
COUNT = "(-?(?:0|[1-9][0-9]{0,17}))"
"""An integer as RFC 8785 writes it, short enough for Int64."""


def _literal(text: str) -> str:
    """``text`` as a pattern of the Rust ``regex`` crate that Polars uses (every character
    other than an ASCII letter or digit written as ``\\x{…}``)."""
    return "".join(c if c.isascii() and c.isalnum() else f"\\x{{{ord(c):X}}}" for c in text)


def votes_pattern(options: list[str]) -> str:
    """The anchored regular expression of the RFC 8785 ``votes`` object of a contest with
    these options (keys in UTF-16 order), one capture group per key in that order."""
    keys = sorted(options, key=lambda k: k.encode("utf-16-be"))
    if not keys:
        return r"^\{\}$"
    body = "".join(
        ("\\{" if i == 0 else ",") + _literal(canonical_json_fast(k).decode()) + ":" + COUNT
        for i, k in enumerate(keys)
    )
    return "^" + body + "\\}$"


def _vote_columns(
    frame: pl.DataFrame, contests: dict[str, list[str]], wanted: list[str]
) -> list[pl.Series]:
    """One Int64 column per option id of ``wanted`` (null where the row's contest has no
    such option) from the ``votes`` JSON of each row.

    A ``votes`` cell is the RFC 8785 object of its contest's options, so one anchored
    regular expression per contest (`votes_pattern`) both checks the cell and captures its
    numbers: when any row does not match (another contest, other keys, other spelling)
    every cell is parsed as JSON instead."""
    if not frame.height:
        return [pl.Series(o, [], pl.Int64) for o in wanted]
    groups: list[pl.Expr] = []
    matched: list[pl.Expr] = []
    values: dict[str, Any] = {o: None for o in wanted}
    for j, (cid, options) in enumerate(contests.items()):
        keys = sorted(options, key=lambda k: k.encode("utf-16-be"))
        where = pl.col("contest") == cid
        if not keys:
            matched.append(where & (pl.col("votes") == "{}"))
            continue
        name = f"\0{j}"
        groups.append(
            pl.when(where).then(pl.col("votes")).str.extract_groups(votes_pattern(keys)).alias(name)
        )
        first = pl.col(name).struct.field("1")
        matched.append(where & first.is_not_null())
        for i, k in enumerate(keys):
            if k in values:
                got = pl.col(name).struct.field(str(i + 1)).cast(pl.Int64)
                values[k] = (pl.when(where) if values[k] is None else values[k].when(where)).then(
                    got
                )
    exprs = [
        (pl.lit(None, pl.Int64) if e is None else e.otherwise(None)).alias(o)
        for o, e in values.items()
    ]
    try:
        step = -(-frame.height // PARTS)  # the parts are parsed in parallel
        done = pl.concat(
            pl.collect_all(
                frame.lazy()
                .slice(at, step)
                .select(pl.col("votes"), pl.col("contest"), *groups)
                .select(pl.any_horizontal(matched) if matched else pl.lit(False), *exprs)
                for at in range(0, frame.height, step)
            )
        )
        if bool(done.to_series(0).all()):
            return done.get_columns()[1:]
    except pl.exceptions.PolarsError:
        pass
    decoded = frame["votes"].str.json_decode(pl.Struct({o: pl.Int64 for o in wanted}))
    return decoded.struct.unnest().get_columns()


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
        contests = {cid: [o.id for o in c.options] for cid, c in definition.contests.items()}
        votes = _vote_columns(frame, contests, options)
        frame = frame.with_columns(v.alias("\0" + o) for v, o in zip(votes, options, strict=True))
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
    actas.rechunk().write_parquet(buf, statistics=False, compression=PARQUET_COMPRESSION)
    return buf.getvalue()


def counting_counts(
    definition: Definition, actas: pl.DataFrame, source: str
) -> dict[str, ContestCounts]:
    """`escrutinio.publish.replay.counting_counts` from the frame: unit-level counts of the
    counting versions of ``source`` (contest option order, then null, blank, voters)."""
    counting = actas.filter(pl.col("counting") & (pl.col("source") == source))
    if counting.height:
        ids = definition.units.ids
        table = pl.DataFrame(
            {"unit": ids, "_u": np.arange(len(ids), dtype=np.int32)},
            schema={"unit": pl.String, "_u": pl.Int32},
        )
        counting = counting.join(table, on="unit", how="left", maintain_order="left")
        unknown = counting.filter(pl.col("_u").is_null())
        if unknown.height:
            raise KeyError(unknown["unit"][0])
    out: dict[str, ContestCounts] = {}
    for cid, contest in definition.contests.items():
        frame = counting.filter(pl.col("contest") == cid)
        options = [o.id for o in contest.options]
        matrix = np.zeros((0, len(options) + 3), dtype=np.int64)
        if frame.height:
            parts = []
            for j, column in enumerate(_vote_columns(frame, {cid: options}, options)):
                if column.null_count():
                    raise KeyError(f"an acta of contest {cid} lacks option {options[j]}")
                parts.append(column)
            parts += [frame["null"], frame["blank"].fill_null(0), frame["voters"]]
            # stacked whole columns: filling the row-major matrix column by column is ~4× slower
            matrix = np.stack([c.to_numpy().astype(np.int64, copy=False) for c in parts], axis=1)
        units = frame["_u"].to_numpy().astype(np.int32) if frame.height else np.zeros(0, np.int32)
        out[cid] = ContestCounts(cid, units, matrix)
    return out
