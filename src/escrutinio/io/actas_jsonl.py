"""Read actas from JSON Lines: one object per line, strictly (no unknown or duplicated keys,
no numbers written as text, no NaN; huge numbers and deep nesting are row errors)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from escrutinio.io.acta_rows import FIXED_COLUMNS, TRUNCATED, ReadRow
from escrutinio.io.decoding import Decoded
from escrutinio.model.errors import Issue
from escrutinio.model.text import shown
from escrutinio.model.validation import INT64_MAX, RawActa, RawCount

JSON_KEYS = (*FIXED_COLUMNS, "votes")


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _integer(text: str) -> int:
    """A JSON integer; one too long to be a count becomes 2**63 (reported as too large)."""
    return int(text) if len(text) <= 20 else INT64_MAX + 1


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json_line(text: str) -> Any:
    """Parse one JSON Lines row: duplicated keys, NaN/Infinity and huge numbers refused."""
    return json.loads(text, object_pairs_hook=_object, parse_int=_integer, parse_constant=_constant)


def _json_shown(value: Any) -> str:
    """A JSON value for a message, without walking into arrays or objects."""
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)[:60]  # a number: its digits (integers are at most 20 of them here)


def _json_count(value: Any, field: str, issues: list[Issue]) -> RawCount:
    """A count as read from JSON: an integer, null, or an issue (text, a fraction, ...)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        got = f"the text {shown(value)} (write numbers without quotes)"
    else:
        got = _json_shown(value)
    issues.append(Issue(f"expected a non-negative integer, got {got}", field, code="not_integer"))
    return None


def _json_text(value: Any, field: str, issues: list[Issue]) -> str | None:
    if value is None or isinstance(value, str):
        return value
    issues.append(Issue(f"expected text, got {_json_shown(value)}", field, code="invalid"))
    return None


def _json_row(obj: Any, line: int) -> ReadRow:
    if not isinstance(obj, dict):
        return ReadRow(line, None, Issue("expected a JSON object", code="bad_row"))
    issues: list[Issue] = [
        Issue(
            f"unknown key {shown(key)}; an acta object has the keys {', '.join(JSON_KEYS)}",
            key,
            code="unknown_key",
        )
        for key in obj
        if key not in JSON_KEYS
    ]
    votes = obj.get("votes")
    if not isinstance(votes, dict):
        issues.append(
            Issue("expected 'votes' to be an object of option → count", "votes", code="missing")
        )
        votes = {}
    acta = RawActa(
        unit=_json_text(obj.get("unit"), "unit", issues),
        contest=_json_text(obj.get("contest"), "contest", issues),
        source=_json_text(obj.get("source"), "source", issues),
        received_at=_json_text(obj.get("received_at"), "received_at", issues),
        voters=_json_count(obj.get("voters"), "voters", issues),
        null=_json_count(obj.get("null"), "null", issues),
        blank=_json_count(obj.get("blank"), "blank", issues),
        votes={k: _json_count(v, k, issues) for k, v in votes.items()},
    )
    if issues:
        return ReadRow(line, None, issues[0], tuple(issues[1:]))
    return ReadRow(line, acta)


def read_jsonl(decoded: Decoded) -> Iterator[ReadRow]:
    """The rows of a decoded JSON Lines file; blank lines are skipped."""
    last = len(decoded.lines)
    for line, text in enumerate(decoded.lines, start=1):
        if line in decoded.bad:
            yield ReadRow(line, None, Issue(decoded.bad[line], code="encoding"))
            continue
        if not text.strip():
            continue
        try:
            obj = parse_json_line(text)
        except _DuplicateKey as exc:
            issue = Issue(
                f"key {shown(exc.key)} appears more than once in this object",
                exc.key,
                code="duplicate_key",
            )
            yield ReadRow(line, None, issue)
            continue
        except RecursionError:
            yield ReadRow(line, None, Issue("JSON nested too deeply", code="bad_row"))
            continue
        except ValueError as exc:
            message = f"not valid JSON: {getattr(exc, 'msg', str(exc))}"
            if not decoded.terminated and line == last:
                message = f"{TRUNCATED}: {message}"
            yield ReadRow(line, None, Issue(message, code="bad_row"))
            continue
        yield _json_row(obj, line)


def acta_row(obj: Any, line: int = 1) -> ReadRow:
    """One acta object already parsed from JSON (e.g. a submitted envelope's acta) checked
    as a JSON Lines row is: the same keys, types and messages."""
    return _json_row(obj, line)
