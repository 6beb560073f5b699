"""The verifier's own reading of the log leaves: definition, acta versions, adjudications,
bulletins, and the counting version of every acta slot after any prefix of the log.

Leaves are canonical JSON (RFC 8785); an acta leaf carries its counting flag when stored and
an adjudication leaf makes exactly the chosen version of its slot count (none when null).

Acta leaves are read column-wise (`escrutinio.verify.acta_leaves`). Every other leaf is
parsed and re-serialised: it must be byte for byte its canonical form. Only
`escrutinio.model` is used besides NumPy and Polars.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from escrutinio.model.canonical import canonical_json_fast
from escrutinio.verify.acta_leaves import ACTA_LEAF as ACTA_LEAF
from escrutinio.verify.acta_leaves import SCHEMA as SCHEMA
from escrutinio.verify.acta_leaves import RecordProblem as RecordProblem
from escrutinio.verify.acta_leaves import VoteLayout as VoteLayout
from escrutinio.verify.acta_leaves import as_int64, as_text_series, fast_actas, slow_acta

BoolArray = npt.NDArray[np.bool_]


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
class Record:
    """Everything the leaves say: the acta versions column-wise, in log order.

    ``actas.counting`` is the counting flag after the whole log (adjudications applied).
    """

    definition: dict[str, Any] | None = None
    actas: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SCHEMA))
    bulletins: list[Bulletin] = field(default_factory=list)
    layouts: list[VoteLayout] = field(default_factory=list)
    audits: list[AuditStep] = field(default_factory=list)
    images: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    """Image leaves (index, leaf): an image attached to an acta version after it was stored."""

    submissions: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    size: int = 0

    def counting_now(self) -> BoolArray:
        """Mask over `actas` of the versions that count after the whole log."""
        return self.actas["counting"].to_numpy().astype(bool)


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
    fast, rest, record.layouts = fast_actas(entries, as_text_series(entries))
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
                slow_rows.append(slow_acta(index, leaf))
            elif kind in ("adjudication", "bulletin", "audit"):
                events.append((index, leaf))
            elif kind == "image":
                _check_image_leaf(index, leaf)
                record.images.append((index, leaf))

            elif kind in ("sender", "sender_revocation", "envelope"):
                record.submissions.append((index, leaf))
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
    _check_image_targets(record)
    _replay(record, events)
    return record


_IMAGE_TEXT = ("unit", "contest", "source", "sha256", "media_type", "attached_at")
IMAGE_MEDIA_TYPES = ("image/jpeg", "image/png", "application/pdf")


def _check_image_leaf(at: int, leaf: dict[str, Any]) -> None:
    """An image leaf names an acta version (texts and a positive version), a SHA-256 of 64
    lower-case hex digits and an accepted media type."""
    for name in _IMAGE_TEXT:
        if not isinstance(leaf.get(name), str):
            raise RecordProblem(f"log entry {at}: image field '{name}' is not text")
    version = leaf.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RecordProblem(f"log entry {at}: image version {version!r:.30} is not positive")
    digest = leaf["sha256"]
    if len(digest) != 64 or not set(digest) <= set("0123456789abcdef"):
        raise RecordProblem(f"log entry {at}: image sha256 is not 64 lower-case hex digits")
    if leaf["media_type"] not in IMAGE_MEDIA_TYPES:
        raise RecordProblem(f"log entry {at}: image media type {leaf['media_type']!r:.40}")


def _check_image_targets(record: Record) -> None:
    """Every image leaf follows the acta version it is attached to."""
    if not record.images:
        return
    actas = record.actas
    stored = {
        (u, c, s, int(v)): int(i)
        for u, c, s, v, i in zip(
            actas["unit"],
            actas["contest"],
            actas["source"],
            actas["version"],
            actas["log_index"],
            strict=True,
        )
    }
    for at, leaf in record.images:
        key = (leaf["unit"], leaf["contest"], leaf["source"], leaf["version"])
        where = stored.get(key)
        if where is None or where > at:
            raise RecordProblem(f"log entry {at}: image of an acta version the log has not stored")


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
                as_int64(chosen)
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
