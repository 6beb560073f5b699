"""Acta files for the intake tests: both import paths run without a store, and a seeded
byte-level mutator of acta CSV and JSON Lines files."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from escrutinio.io.acta_intake import Checked, check_frame_slice, check_row, ends_in_newline
from escrutinio.io.actas_files import check_csv_header, read_actas, read_frame, use_columnar
from escrutinio.model import ActaValidator, Definition
from escrutinio.model.columnar import ColumnScreen
from escrutinio.model.errors import InputError, Issue
from escrutinio.model.prepared import content_templates

HEADER = "unit,contest,source,received_at,voters,null,blank,a1-psuv,a1-pcv,a2-mud,a3,b1,b2\n"
GOOD_ROWS = [
    "u1,gov-A,,2017-10-15T20:00:00Z,300,3,,100,20,150,5,,\n",
    "u5,gov-B,,2017-10-15T20:05:00Z,400,2,1,,,,,200,150\n",
    "u2,gov-A,witness:MUD,,200,0,0,50,50,50,50,,\n",
    "u4,gov-A,official,2017-10-15 22:00,120,1,,30,20,60,9,,\n",
]
JSONL_ROWS = [
    '{"unit":"u1","contest":"gov-A","voters":300,"null":3,'
    '"votes":{"a1-psuv":100,"a1-pcv":20,"a2-mud":150,"a3":5}}\n',
    '{"unit":"u5","contest":"gov-B","source":"witness:MUD","voters":400,"null":2,"blank":1,'
    '"votes":{"b1":200,"b2":150}}\n',
    '{"unit":"u2","contest":"gov-A","received_at":"2017-10-15T20:00:00Z","voters":200,'
    '"null":0,"votes":{"a1-psuv":50,"a1-pcv":50,"a2-mud":50,"a3":50}}\n',
]
NOW = "2017-10-15T23:00:00Z"


@dataclass
class Outcome:
    """What one import path made of a file: accepted actas (line, leaf) and issues."""

    accepted: list[tuple[int | None, bytes]]
    issues: list[Issue]
    error: InputError | None = None


def _outcome(checked: Checked) -> Outcome:
    accepted = list(zip(checked.accepted.line, checked.accepted.first_event, strict=True))
    return Outcome(accepted, sorted(checked.issues, key=lambda i: i.line or 0))


def row_path(path: Path, definition: Definition, encoding: str | None = None) -> Outcome:
    """The row reader and validator on ``path`` (no store)."""
    validator = ActaValidator(definition, default_received_at=NOW)
    templates = content_templates(definition)
    try:
        rows = list(read_actas(path, encoding))
    except InputError as exc:
        return Outcome([], [], exc)
    checked = Checked()
    for row in rows:
        checked.add(row, check_row(validator, templates, row), str(path))
    return _outcome(checked)


def column_path(path: Path, definition: Definition, chunk: int = 7) -> Outcome:
    """What :meth:`Store.ingest_file` computes for ``path`` (no store): column-wise when the
    file qualifies, in slices of ``chunk`` rows, else the row path."""
    if not use_columnar(path):
        return row_path(path, definition)
    try:
        check_csv_header(path)
    except InputError as exc:
        return Outcome([], [], exc)
    validator = ActaValidator(definition, default_received_at=NOW)
    screen = ColumnScreen(validator)
    templates = content_templates(definition)
    frame = read_frame(path)
    terminated = ends_in_newline(path)
    total = Checked()
    for lo in range(0, frame.height, chunk):
        part = frame.slice(lo, chunk)
        last = lo + part.height >= frame.height
        got = check_frame_slice(
            screen,
            templates,
            part,
            lo + 2,
            unterminated=last and not terminated,
            file=str(path),
        )
        total.accepted.extend(got.accepted)
        total.issues.extend(got.issues)
    return _outcome(total)


def error_text(outcome: Outcome) -> str:
    """The whole-file error of an outcome, or ''."""
    return "" if outcome.error is None else str(outcome.error)


MUTATIONS = (
    "flip",
    "insert",
    "delete",
    "truncate",
    "duplicate_line",
    "quote",
    "nul",
    "cr",
    "huge_number",
    "latin1",
    "empty_line",
    "comma",
    "newline_in_cell",
    "deep_json",
    "cell",
    "cell",
    "cell",
)
CELLS = [
    "",
    "0",
    "-1",
    "1e3",
    "1.5",
    "\u0663",
    "9" * 16,
    "9" * 19,
    "9223372036854775808",
    " 7 ",
    "\t7",
    "x",
    "u1",
    "u9",
    "gov-B",
    "official",
    "witness:MUD",
    "a b",
    "Bol\u00edvar",
    "2017-13-01",
    "0001-01-01T00:00:00+01:00",
    "2017-10-15T20:00:00+99:00",
    "\u00a0",
]
SPECIAL = [b'"', b"\x00", b"\r", b"\n", b",", b"\xff", b"\xed", b"{", b"[", b" ", b"\t", b"-"]


def mutate(data: bytes, rng: random.Random, rounds: int = 3) -> bytes:
    """``data`` with 1 to ``rounds`` random byte-level damages (seeded by ``rng``)."""
    out = bytearray(data)
    for _ in range(rng.randint(1, rounds)):
        kind = rng.choice(MUTATIONS)
        n = len(out)
        at = rng.randrange(n + 1) if n else 0
        if kind == "flip" and n:
            out[min(at, n - 1)] ^= 1 << rng.randrange(8)
        elif kind == "insert":
            out[at:at] = rng.choice(SPECIAL) if rng.random() < 0.7 else bytes([rng.randrange(256)])
        elif kind == "delete" and n:
            out[at : at + rng.randint(1, 4)] = b""
        elif kind == "truncate":
            out = out[:at]
        elif kind in ("duplicate_line", "empty_line"):
            lines = bytes(out).split(b"\n")
            k = rng.randrange(len(lines))
            lines.insert(k, b"" if kind == "empty_line" else lines[rng.randrange(len(lines))])
            out = bytearray(b"\n".join(lines))
        elif kind == "quote":
            out[at:at] = b'"'
        elif kind == "nul":
            out[at:at] = b"\x00"
        elif kind == "cr":
            out[at:at] = b"\r"
        elif kind == "huge_number":
            digits = rng.choice([16, 19, 20, 4301, 5000])
            out[at:at] = b"9" * digits
        elif kind == "latin1":
            out[at:at] = "Bolívar".encode("latin-1")
        elif kind == "comma":
            out[at:at] = b","
        elif kind == "newline_in_cell":
            out[at:at] = b'"a\nb"'
        elif kind == "cell":
            lines = bytes(out).split(b"\n")
            k = rng.randrange(len(lines))
            cells = lines[k].split(b",")
            cells[rng.randrange(len(cells))] = rng.choice(CELLS).encode()
            lines[k] = b",".join(cells)
            out = bytearray(b"\n".join(lines))
        elif kind == "deep_json":
            out[at:at] = b"[" * 1200 + b"]" * rng.choice([0, 1200])
    return bytes(out)
