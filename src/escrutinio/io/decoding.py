"""Reading a text file whole: UTF-8 (with or without a byte-order mark) or a given encoding,
with every line that does not decode reported by line and byte offset instead of failing."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from escrutinio.model.errors import InputError, Issue
from escrutinio.model.text import shown

UTF8 = "utf-8"


def missing_file(path: Path) -> InputError:
    """The error for a path that is not a readable file."""
    what = "not a file" if path.exists() else "file not found"
    return InputError([Issue(what, file=str(path), code="missing")])


def codec_name(encoding: str | None) -> str:
    """The canonical name of ``encoding`` (default UTF-8); InputError when unknown."""
    try:
        return codecs.lookup(encoding or UTF8).name
    except LookupError:
        raise InputError([Issue(f"unknown encoding {shown(encoding or '')}")]) from None


def undecodable(codec: str, offset: int, byte: int) -> str:
    """The message for a byte that is not valid in the file's encoding."""
    name = "UTF-8" if codec == UTF8 else codec
    return (
        f"not valid {name} at byte offset {offset} (byte 0x{byte:02X}); save the file as "
        "UTF-8 or give its encoding (e.g. --encoding latin-1)"
    )


@dataclass
class Decoded:
    """A file's physical lines (each with its ``\\n`` but the last when the file does not
    end in one) and the lines that were not valid in its encoding (line → message)."""

    lines: list[str]
    bad: dict[int, str]
    terminated: bool


def decode_file(path: str | Path, encoding: str | None = None) -> Decoded:
    """Read and decode a whole file; lines that do not decode are kept (with U+FFFD) and
    reported in ``bad`` with their byte offset."""
    path = Path(path)
    if not path.is_file():
        raise missing_file(path)
    codec = codec_name(encoding)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([Issue(f"cannot read: {exc.strerror}", file=str(path))]) from None
    bom = len(codecs.BOM_UTF8) if codec == UTF8 and raw.startswith(codecs.BOM_UTF8) else 0
    raw = raw[bom:]
    bad: dict[int, str] = {}
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        if "\n".encode(codec) != b"\n":
            raise InputError(
                [Issue(f"not valid {codec} at byte offset {exc.start}", file=str(path))]
            ) from None
        parts: list[str] = []
        offset = bom
        for number, chunk in enumerate(raw.split(b"\n"), start=1):
            try:
                parts.append(chunk.decode(codec))
            except UnicodeDecodeError as err:
                bad[number] = undecodable(codec, offset + err.start, chunk[err.start])
                parts.append(chunk.decode(codec, errors="replace"))
            offset += len(chunk) + 1
        text = "\n".join(parts)
    pieces = text.split("\n")
    lines = [p + "\n" for p in pieces[:-1]]
    if pieces[-1]:
        lines.append(pieces[-1])
    return Decoded(lines, bad, terminated=pieces[-1] == "")
