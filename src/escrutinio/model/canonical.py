"""Canonical JSON bytes (RFC 8785, JSON Canonicalization Scheme).

Every record that is hashed, signed or logged is serialised here, so that the
writer and any independent verifier produce the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON value (reference implementation)."""
    return rfc8785.dumps(value)


def canonical_json_fast(value: Any) -> bytes:
    """Return RFC 8785 bytes for values made only of dicts, lists, ASCII-keyed objects,
    strings, integers, booleans and null.

    For such values RFC 8785 reduces to sorted keys, no whitespace and JSON's
    shortest string escapes, which the standard library produces about eight times
    faster than the general implementation. Identifiers in escrutinio are ASCII
    (see ``model.ids``) and counts are integers, so acta and event records always
    qualify; ``tests/model/test_canonical.py`` checks the equivalence property-wise.
    """
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    """Return the lowercase hexadecimal SHA-256 digest of ``data``."""
    return hashlib.sha256(data).hexdigest()
