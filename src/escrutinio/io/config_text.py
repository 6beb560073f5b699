"""Bounded, checked reading of the operator's configuration files: election definitions
(YAML/TOML), their regions and units CSV files, and column mappings.

Every read has a size bound, decoding errors name the line and byte offset, and YAML is
parsed without aliases (a "billion laughs" document expands a few bytes into gigabytes),
without integers longer than any count, and without nesting deeper than any definition
needs. Every failure is an :class:`~escrutinio.model.errors.InputError` subclass chosen by
the caller, never a traceback.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent
from yaml.nodes import ScalarNode

from escrutinio.model.errors import InputError, Issue

MAX_CONFIG_BYTES = 4 * 1024 * 1024
"""The largest definition or mapping file (YAML/TOML) read: 4 MiB."""

MAX_TABLE_BYTES = 512 * 1024 * 1024
"""The largest regions or units CSV file read: 512 MiB (a national register of a million
polling units takes about 40 MiB)."""

MAX_NESTING = 64
"""The deepest nesting of lists and mappings accepted in a YAML or TOML file."""

MAX_INT_DIGITS = 30
"""The most digits an integer in a YAML file may have (a count has at most 19)."""


def read_utf8(path: Path, limit: int, error: type[InputError] = InputError) -> str:
    """The text of ``path`` as UTF-8 (a byte-order mark is dropped). Raises ``error`` when
    the file is missing, larger than ``limit`` bytes, or not UTF-8 (naming the line and byte
    offset, counted from 0, of the first bad byte)."""
    return decode_utf8(read_bounded(path, limit, error), str(path), error)


def decode_utf8(data: bytes, file: str, error: type[InputError] = InputError) -> str:
    """``data`` decoded as UTF-8 without a leading byte-order mark; raises ``error`` naming
    the line and byte offset of the first byte that is not UTF-8."""
    return decode_text(data, "utf-8-sig", file, error)


def decode_text(data: bytes, encoding: str, file: str, error: type[InputError] = InputError) -> str:
    """``data`` decoded with ``encoding``; raises ``error`` naming the line and byte offset
    of the first byte that cannot be decoded."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        skipped = len(data) - len(exc.object)  # a byte-order mark the codec dropped
        start = exc.start + skipped
        line = data.count(b"\n", 0, start) + 1
        name = "UTF-8" if encoding.lower().startswith("utf-8") else encoding
        raise error(
            [
                Issue(
                    f"not {name}: byte 0x{data[start]:02X} at byte offset {start} cannot be "
                    f"decoded; save the file as {name}",
                    file=file,
                    line=line,
                    code="encoding",
                )
            ]
        ) from None
    except (UnicodeError, LookupError, ValueError) as exc:
        raise error(
            [Issue(f"cannot decode as {encoding}: {_short(exc)}", file=file, code="encoding")]
        ) from None


def read_bounded(path: Path, limit: int, error: type[InputError] = InputError) -> bytes:
    """The bytes of ``path``; raises ``error`` when it is missing, not a regular file, not
    readable, or larger than ``limit`` bytes."""
    where = str(path)
    try:
        if not path.is_file():
            what = "is not a file" if path.exists() else "file not found"
            raise error([Issue(what, file=where, code="missing")])
        size = path.stat().st_size
        if size > limit:
            raise error(
                [Issue(f"the file has {size:,} bytes; at most {limit:,} are read", file=where)]
            )
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or "not a usable file name"
        raise error([Issue(f"cannot read the file: {reason}", file=where)]) from None
    if len(data) > limit:
        raise error([Issue(f"the file has more than {limit:,} bytes", file=where)])
    return data


def inside(path: Path, base: Path) -> bool:
    """True when ``path`` (symbolic links resolved) lies inside the folder ``base``."""
    try:
        return path.resolve().is_relative_to(base.resolve())
    except (ValueError, OSError, RuntimeError):
        return False


_FastLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _BoundedLoader(_FastLoader):  # type: ignore[valid-type,misc]
    """PyYAML's safe loader (libyaml when present) refusing integers longer than a count."""

    def construct_yaml_int(self, node: ScalarNode) -> int:
        """An integer scalar, refused when longer than :data:`MAX_INT_DIGITS` characters."""
        if len(str(node.value)) > MAX_INT_DIGITS:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"an integer of {len(str(node.value)):,} characters (at most {MAX_INT_DIGITS})",
                node.start_mark,
            )
        return int(super().construct_yaml_int(node))


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)


def _check_events(text: str) -> None:
    """Refuse aliases and deep nesting while only scanning the document's events (no
    recursion, nothing built), so a hostile document costs no more than its length."""
    depth = 0
    for event in yaml.parse(text, Loader=_FastLoader):
        mark: Any = event.start_mark
        if isinstance(event, AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, f"aliases (*{event.anchor}) are not accepted; write the value out", mark
            )
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_NESTING} levels deep", mark
                )
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def parse_yaml(text: str, file: str, error: type[InputError] = InputError) -> Any:
    """The YAML document in ``text``, or ``error`` naming the line of the problem. Aliases,
    nesting deeper than :data:`MAX_NESTING` and integers longer than
    :data:`MAX_INT_DIGITS` are refused."""
    try:
        _check_events(text)
        return yaml.load(text, Loader=_BoundedLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        problem = getattr(exc, "problem", None) or _short(exc)
        raise error([Issue(f"cannot parse YAML: {problem}", file=file, line=line)]) from None
    except (RecursionError, ValueError, OverflowError, TypeError) as exc:
        raise error([Issue(f"cannot parse YAML: {_short(exc)}", file=file)]) from None


def parse_toml(text: str, file: str, error: type[InputError] = InputError) -> Any:
    """The TOML document in ``text``, or ``error`` naming the line of the problem."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line = None
        if "(at line " in message:
            head, _, tail = message.rpartition("(at line ")
            digits = tail.split(",")[0].strip()
            line = int(digits) if digits.isdigit() and len(digits) < 10 else None
            message = head.strip()
        raise error([Issue(f"cannot parse TOML: {message}", file=file, line=line)]) from None
    except (RecursionError, ValueError, OverflowError) as exc:
        raise error([Issue(f"cannot parse TOML: {_short(exc)}", file=file)]) from None
    if _depth(doc) > MAX_NESTING:
        raise error([Issue(f"nested more than {MAX_NESTING} levels deep", file=file)])
    return doc


def _depth(value: Any) -> int:
    """How deeply lists and mappings nest in ``value`` (walked without recursion)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_NESTING:
            break
        stack.extend((child, depth + 1) for child in item)
    return deepest


def _short(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "…"
