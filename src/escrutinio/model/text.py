"""The one check for every piece of text that enters a log leaf.

Identifiers (units, contests, options, sources, regions, …) are ASCII without spaces, so their
RFC 8785 canonical JSON is the text itself and they can be CSV column names. Free text (names)
may be any Unicode, but never a control character or a lone surrogate: those either have a
canonical JSON spelling that differs from the text or none at all (RFC 8785 §3.2.2.2).

Python's ``re.match`` with ``$`` also accepts a value ending in ``"\\n"``; everything here
matches the whole string (``re.fullmatch``), so a trailing newline is refused.
"""

from __future__ import annotations

import re
import unicodedata

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:+/\-]*$"
"""The identifier rule as a regular expression for JSON Schema, Pydantic and Polars (whose
``$`` matches only at the very end); Python code calls :func:`is_identifier` instead."""

ID_MAX_LENGTH = 128
"""The longest identifier accepted anywhere."""

TEXT_MAX_LENGTH = 1000
"""The longest free-text value (a name) accepted anywhere."""

_ID_BODY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+/\-]*")
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufeff]")

IDENTIFIER_RULE = "ASCII letters, digits and ._:+/- only, starting with a letter or digit"


def is_identifier(value: str) -> bool:
    """True when ``value`` is a whole identifier (no trailing newline, at most 128 chars)."""
    return len(value) <= ID_MAX_LENGTH and _ID_BODY.fullmatch(value) is not None


def identifier_problem(value: str) -> str | None:
    """Why ``value`` is not an identifier, or None when it is one."""
    if is_identifier(value):
        return None
    if len(value) > ID_MAX_LENGTH:
        return f"an identifier has at most {ID_MAX_LENGTH} characters, got {len(value)}"
    return f"{shown(value)} is not a valid identifier ({IDENTIFIER_RULE})"


def text_problem(value: str) -> str | None:
    """Why free text ``value`` cannot enter the log, or None when it can: no control
    characters, no lone surrogates, no byte-order mark, Unicode NFC, at most 1000 chars."""
    if len(value) > TEXT_MAX_LENGTH:
        return f"text has at most {TEXT_MAX_LENGTH} characters, got {len(value)}"
    bad = _FORBIDDEN.search(value)
    if bad is not None:
        return (
            f"{shown(value)} contains the control character U+{ord(bad.group()):04X} "
            f"at position {bad.start() + 1}"
        )
    if unicodedata.normalize("NFC", value) != value:
        return f"{shown(value)} is not in Unicode normal form C"
    return None


def shown(value: object, limit: int = 60) -> str:
    """``value`` quoted for an error message: escaped and cut, never raw control bytes
    (a value that is not text, such as a missing cell's None, is shown as it is)."""
    if not isinstance(value, str):
        return repr(value)[:limit]
    text = value if len(value) <= limit else value[:limit] + "…"
    return repr(text)
