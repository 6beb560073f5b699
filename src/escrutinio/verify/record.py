"""The verifier's own reading of the log leaves: definition, acta versions, adjudications,
bulletins, and the counting version of every acta slot after any prefix of the log.

Leaves are canonical JSON (RFC 8785); an acta leaf carries its counting flag when stored and
an adjudication leaf makes exactly the chosen version of its slot count (none when null).

Acta leaves are read column-wise. A leaf that fully matches `ACTA_LEAF` (a grammar that
admits only the canonical form: the fixed key order of RFC 8785, no whitespace, integers
without leading zeros or ``-0``, strings of printable ASCII that need no escape, vote keys
strictly increasing) is canonical by construction, so its fields are taken from the match
without a JSON parser. Every other leaf is parsed and re-serialised: it must be byte for
byte its canonical form. Only `escrutinio.model` is used besides NumPy and Polars.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from escrutinio.model.canonical import canonical_json_fast

BoolArray = npt.NDArray[np.bool_]

_INT = r"(?:0|-?[1-9][0-9]{0,17})"
_STR = r"[ !#-\[\]-~]*"  # printable ASCII except '"' and '\': never escaped in JSON
_PAIR = rf'"{_STR}":{_INT}'
_VOTES = rf"\{{(?:{_PAIR}(?:,{_PAIR})*)?\}}"
ACTA_LEAF = (
    rf'^\{{"acta":(?P<content>\{{"blank":(?P<blank>null|{_INT}),"contest":"(?P<contest>{_STR})",'
    rf'"null":(?P<null>{_INT}),"source":"(?P<source>{_STR})","unit":"(?P<unit>{_STR})",'
    rf'"voters":(?P<voters>{_INT}),"votes":(?P<votes>{_VOTES})\}}),'
    rf'"content_hash":"(?P<content_hash>[0-9a-f]{{64}})","counting":(?P<counting>true|false),'
    rf'"kind":"acta","received_at":"(?P<received_at>{_STR})","status":"(?P<status>{_STR})",'
    rf'"version":(?P<version>{_INT})\}}$'
)
"""Canonical acta leaves only (both Python ``re`` and Rust ``regex`` syntax)."""

SCHEMA: dict[str, Any] = {
    "log_index": pl.Int64,
    "unit": pl.String,
    "contest": pl.String,
    "source": pl.String,
    "version": pl.Int64,
    "status": pl.String,
    "counting": pl.Boolean,
    "received_at": pl.String,
    "content_hash": pl.String,
    "null": pl.Int64,
    "blank": pl.Int64,
    "voters": pl.Int64,
    "votes": pl.String,
    "plain": pl.Boolean,
}
"""Columns of `Record.actas`; ``plain`` marks votes whose keys need no JSON escape."""

_CONTENT_KEYS = {"blank", "contest", "null", "source", "unit", "voters", "votes"}
_ACTA_KEYS = {"acta", "content_hash", "counting", "kind", "received_at", "status", "version"}


class RecordProblem(ValueError):
    """A leaf is malformed or inconsistent with the leaves before it."""


@dataclass
class Bulletin:
    """A bulletin leaf and the acta versions (rows of `Record.actas`) counting at its index."""

    index: int
    leaf: dict[str, Any]
    counting: BoolArray


@dataclass
class AuditStep:
    """An audit leaf; a ``create`` step also keeps the acta versions counting at its index
    (the reported results the audit checks)."""

    index: int
    leaf: dict[str, Any]
    counting: BoolArray | None = None


@dataclass
class VoteLayout:
    """Acta leaves whose votes objects have exactly these keys, in this order.

    ``log_index[i]`` is the leaf of row ``i`` of ``values`` (one column per key).
    """

    keys: tuple[str, ...]
    log_index: npt.NDArray[np.int64]
    values: npt.NDArray[np.int64]


@dataclass
class Record:
    """Everything the leaves say: the acta versions column-wise, in log order.

    ``actas.counting`` is the counting flag after the whole log (adjudications applied).
    """

    definition: dict[str, Any] | None = None
    actas: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SCHEMA))
    bulletins: list[Bulletin] = field(default_factory=list)
    layouts: list[VoteLayout] = field(default_factory=list)
    audits: list[AuditStep] = field(default_factory=list)
    size: int = 0

    def counting_now(self) -> BoolArray:
        """Mask over `actas` of the versions that count after the whole log."""
        return self.actas["counting"].to_numpy().astype(bool)


def _int(value: Any) -> int:
    if type(value) is not int or not -(2**63) <= value < 2**63:
        raise TypeError(f"{value!r} is not a 64-bit integer")
    return value


def _text(value: Any) -> str:
    if type(value) is not str:
        raise TypeError(f"{value!r} is not a string")
    return value


def _slow_acta(index: int, leaf: dict[str, Any]) -> tuple[Any, ...]:
    """Row of an acta leaf that needed the JSON parser (already proven canonical)."""
    content = leaf["acta"]
    if set(leaf) != _ACTA_KEYS or not isinstance(content, dict) or set(content) != _CONTENT_KEYS:
        raise TypeError("unexpected keys")
    votes = content["votes"]
    if not isinstance(votes, dict):
        raise TypeError("votes is not an object")
    for key, value in votes.items():
        _text(key)
        _int(value)
    blank = content["blank"]
    if type(leaf["counting"]) is not bool:
        raise TypeError("counting is not a boolean")
    raw = canonical_json_fast(content)
    if hashlib.sha256(raw).hexdigest() != leaf["content_hash"]:
        raise RecordProblem(f"log entry {index}: content_hash does not match the acta")
    return (
        index,
        _text(content["unit"]),
        _text(content["contest"]),
        _text(content["source"]),
        _int(leaf["version"]),
        _text(leaf["status"]),
        leaf["counting"],
        _text(leaf["received_at"]),
        _text(leaf["content_hash"]),
        _int(content["null"]),
        None if blank is None else _int(blank),
        _int(content["voters"]),
        canonical_json_fast(votes).decode("utf-8"),
        False,
    )


def _as_text(entries: list[bytes]) -> pl.Series:
    """The entries as a String series; entries that are not UTF-8 become empty strings."""
    raw = pl.Series("entry", entries, dtype=pl.Binary)
    try:
        return raw.cast(pl.String)
    except pl.exceptions.ComputeError:
        out: list[str] = []
        for e in entries:
            try:
                out.append(e.decode("utf-8"))
            except UnicodeDecodeError:
                out.append("")
        return pl.Series("entry", out, dtype=pl.String)


_KEY = re.compile(r'"([^"]*)":-?[0-9]+')


def _escape(key: str) -> str:
    """A regex matching exactly ``key`` (same syntax for Python ``re`` and Rust ``regex``)."""
    return "".join(c if c.isascii() and c.isalnum() else f"\\x{ord(c):02x}" for c in key)


def _vote_layouts(
    votes: pl.Series, log_index: npt.NDArray[np.int64]
) -> tuple[list[VoteLayout], npt.NDArray[np.bool_]]:
    """Group matched votes objects by key list and read their values column-wise.

    Returns the layouts and a mask of the rows whose keys are strictly increasing (the
    canonical order); the other rows are left to the JSON path.
    """
    ok = np.zeros(votes.len(), dtype=bool)
    layouts: list[VoteLayout] = []
    if not votes.len():
        return layouts, ok
    coarse = pl.DataFrame({"sig": votes.str.replace_all(":[-0-9]+", "")})
    groups = coarse.with_row_index("row").group_by("sig").agg("row")["row"]
    for g in range(groups.len()):
        rows = groups[g].to_numpy().astype(np.int64)
        while rows.size:
            keys = _KEY.findall(str(votes[int(rows[0])]))
            part = votes.gather(rows)
            if keys:
                pairs = ",".join(f'"{_escape(k)}":(?P<v{j}>-?[0-9]+)' for j, k in enumerate(keys))
                got = part.str.extract_groups(rf"^\{{{pairs}\}}$").struct.unnest()
                hit = got["v0"].is_not_null().to_numpy()
                values = got.filter(hit).select(pl.all().cast(pl.Int64)).to_numpy()
            else:
                hit = (part == "{}").to_numpy()
                values = np.zeros((int(hit.sum()), 0), dtype=np.int64)
            if all(a < b for a, b in itertools.pairwise(keys)):
                ok[rows[hit]] = True
                values = values.astype(np.int64)
                layouts.append(VoteLayout(tuple(keys), log_index[rows[hit]], values))
            rows = rows[~hit]
    return layouts, ok


def _fast_actas(
    entries: list[bytes], text: pl.Series
) -> tuple[pl.DataFrame, pl.Series, list[VoteLayout]]:
    """Rows of the canonical acta leaves and a mask of the entries left for the JSON path."""
    parts = text.str.extract_groups(ACTA_LEAF).struct.unnest()
    parts = parts.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("log_index"))
    matched = parts.filter(pl.col("content").is_not_null())
    layouts, good = _vote_layouts(matched["votes"], matched["log_index"].to_numpy())
    matched = matched.filter(pl.Series(good))
    sha = hashlib.sha256
    at = matched["log_index"].to_list()
    ends = (matched["content"].str.len_bytes() + 8).to_list()
    digests = b"".join([sha(entries[i][8:end]).digest() for i, end in zip(at, ends, strict=True)])
    if matched.height and digests != bytes.fromhex(matched["content_hash"].str.join("").item()):
        hexes = matched["content_hash"].to_list()
        bad = next(n for n, h in enumerate(hexes) if digests[32 * n : 32 * n + 32].hex() != h)
        raise RecordProblem(f"log entry {at[bad]}: content_hash does not match the acta")
    frame = matched.select(
        "log_index",
        "unit",
        "contest",
        "source",
        pl.col("version").cast(pl.Int64),
        "status",
        (pl.col("counting") == "true").alias("counting"),
        "received_at",
        "content_hash",
        pl.col("null").cast(pl.Int64),
        pl.when(pl.col("blank") != "null").then(pl.col("blank")).cast(pl.Int64).alias("blank"),
        pl.col("voters").cast(pl.Int64),
        "votes",
        pl.lit(True).alias("plain"),
    )
    rest = pl.Series(np.ones(text.len(), dtype=bool))
    rest = rest.scatter(frame["log_index"].to_numpy(), False) if frame.height else rest
    return frame, rest, layouts


def _parse(index: int, entry: bytes) -> dict[str, Any]:
    try:
        leaf = json.loads(entry)
    except ValueError as exc:
        raise RecordProblem(f"log entry {index} is not JSON") from exc
    except RecursionError as exc:
        raise RecordProblem(f"log entry {index} is nested too deep") from exc
    if not isinstance(leaf, dict):
        raise RecordProblem(f"log entry {index} is not a JSON object")
    if canonical_json_fast(leaf) != entry:
        raise RecordProblem(f"log entry {index} is not canonical JSON (RFC 8785)")
    return leaf


def read_record(entries: list[bytes]) -> Record:
    """Read every log entry: prove it canonical, check acta content hashes and version
    sequences, replay adjudications, and note which versions count at each bulletin."""
    record = Record(size=len(entries))
    fast, rest, record.layouts = _fast_actas(entries, _as_text(entries))
    slow_rows: list[tuple[Any, ...]] = []
    events: list[tuple[int, dict[str, Any]]] = []
    for index in rest.arg_true().to_list():
        leaf = _parse(index, entries[index])
        kind = leaf.get("kind")
        try:
            if kind == "definition":
                if record.definition is not None:
                    raise RecordProblem(f"log entry {index}: a second definition leaf")
                record.definition = leaf
            elif kind == "acta":
                slow_rows.append(_slow_acta(index, leaf))
            elif kind in ("adjudication", "bulletin", "audit"):
                events.append((index, leaf))
            else:
                raise RecordProblem(f"log entry {index}: unknown kind {kind!r}")
        except RecordProblem:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise RecordProblem(f"log entry {index}: malformed {kind} leaf ({exc})") from exc
    actas = fast
    if slow_rows:
        slow = pl.DataFrame(slow_rows, schema=SCHEMA, orient="row")
        actas = pl.concat([fast, slow]).sort("log_index")
    _check_sequence(actas)
    record.actas = actas
    _replay(record, events)
    return record


def _check_sequence(actas: pl.DataFrame) -> None:
    """Versions of each (unit, contest, source) slot are 1, 2, 3… in log order."""
    slot = ("unit", "contest", "source")
    want = pl.int_range(1, pl.len() + 1, dtype=pl.Int64)
    ok = actas.group_by(slot).agg((pl.col("version") == want).all().alias("ok"))["ok"].all()
    if ok:
        return
    bad = actas.select((pl.col("version") != want.over(slot)).arg_true()).to_series()
    row = actas.row(int(bad[0]), named=True)
    raise RecordProblem(f"log entry {row['log_index']}: version {row['version']} out of sequence")


_BULLETIN_FIELDS = {"number": int, "source": str}


def _check_bulletin_leaf(at: int, leaf: dict[str, Any]) -> None:
    """A bulletin leaf has a positive integer number and a text source (its digest and time
    are compared with the published bulletin later)."""
    for name, kind in _BULLETIN_FIELDS.items():
        value = leaf.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise RecordProblem(
                f"log entry {at}: bulletin field '{name}' is not {kind.__name__}: {value!r:.60}"
            )
    if leaf["number"] < 1:
        raise RecordProblem(f"log entry {at}: bulletin number {leaf['number']} is not positive")


def _replay(record: Record, events: list[tuple[int, dict[str, Any]]]) -> None:
    """Apply adjudications in log order and keep the counting mask at every bulletin and
    at the creation of every audit."""
    actas = record.actas
    counting = actas["counting"].to_numpy().astype(bool)
    index = actas["log_index"].to_numpy()
    version = actas["version"].to_numpy()
    slots: dict[tuple[str, str, str], npt.NDArray[np.int64]] = {}
    adjudicated = {
        slot
        for _, leaf in events
        if leaf["kind"] == "adjudication"
        for slot in [(leaf.get("unit"), leaf.get("contest"), leaf.get("source"))]
        if all(isinstance(x, str) for x in slot)
    }
    if adjudicated:
        wanted = pl.DataFrame(
            sorted(adjudicated),
            schema={"unit": pl.String, "contest": pl.String, "source": pl.String},
            orient="row",
        )
        rows = actas.with_row_index("row").join(wanted, on=["unit", "contest", "source"])
        for (u, c, s), group in rows.group_by("unit", "contest", "source"):
            slots[(str(u), str(c), str(s))] = np.sort(group["row"].to_numpy().astype(np.int64))
    for at, leaf in sorted(events, key=lambda e: e[0]):
        try:
            if leaf["kind"] == "bulletin":
                _check_bulletin_leaf(at, leaf)
                record.bulletins.append(Bulletin(at, leaf, counting & (index < at)))
                continue
            if leaf["kind"] == "audit":
                mask = counting & (index < at) if leaf.get("step") == "create" else None
                record.audits.append(AuditStep(at, leaf, mask))
                continue
            slot = (leaf["unit"], leaf["contest"], leaf["source"])
            chosen = leaf["version"]
            if chosen is not None:
                _int(chosen)
            mine = slots.get(slot, np.zeros(0, dtype=np.int64))
            mine = mine[index[mine] < at]
            if not mine.size:
                raise RecordProblem(f"log entry {at}: adjudication of an unknown acta")
            counting[mine] = (version[mine] == chosen) if chosen is not None else False
        except RecordProblem:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            kind = leaf.get("kind")
            raise RecordProblem(f"log entry {at}: malformed {kind} leaf ({exc})") from exc
    record.actas = actas.with_columns(pl.Series("counting", counting))
