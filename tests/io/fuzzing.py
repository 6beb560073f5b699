"""A seeded byte-level mutator and the checks every fuzzed configuration input must pass:
no traceback, only an input error whose issues each say what is wrong and where."""

from __future__ import annotations

import random
import re

from escrutinio.model.errors import InputError

TOKENS = (
    b"\x00",
    b"\xff",
    b"\xed",
    b"\xc3",
    b"\xef\xbb\xbf",
    b"\n",
    b"\r",
    b'"',
    b",",
    b";",
    b":",
    b"-",
    b"[",
    b"]",
    b"{",
    b"}",
    b"&a ",
    b"*a",
    b"!!python/object:os.system ",
    b"'",
    b"#",
    b"=",
    b"9223372036854775808",
    b"-1",
    b"1e400",
    b"null",
    b"true",
    b"\xc2\x85",
    b"\xe2\x80\xae",
    b"\\u0000",
    b"../",
    b"/etc/passwd",
)
"""Bytes worth inserting: encodings, CSV/YAML/TOML syntax, big numbers, control characters."""

LONG = (b"x" * 140_000, b"[" * 5_000, b"9" * 5_000, b"- " * 3_000, b"a,b" * 50_000)
"""Inserted rarely: a huge cell, deep nesting, a number of thousands of digits."""


def mutate(data: bytes, rng: random.Random) -> bytes:
    """``data`` changed by one to four random edits: a flipped, inserted, deleted, repeated
    or truncated span, or an interesting token (rarely a very long one)."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randint(0, len(out))
        kind = rng.randrange(8)
        if kind == 0 and out:
            out[min(at, len(out) - 1)] = rng.randrange(256)
        elif kind in (1, 2):
            out[at:at] = rng.choice(TOKENS)
        elif kind == 3:
            del out[at : at + rng.randint(1, 16)]
        elif kind == 4:
            span = bytes(out[at : at + rng.randint(1, 40)])
            out[at:at] = span * rng.randint(1, 3)
        elif kind == 5:
            del out[at:]
        elif kind == 6 and rng.random() < 0.05:
            out[at:at] = rng.choice(LONG)
        else:
            out[at:at] = bytes([rng.randrange(256)])
    return bytes(out)


GENTLE = b' "0123456789\r\n,;-u\t'


def nudge(data: bytes, rng: random.Random) -> bytes:
    """``data`` with one byte replaced, inserted or deleted from CSV syntax, digits and
    spaces: a file that often stays valid, so both readers of a file get compared."""
    out = bytearray(data)
    at = rng.randrange(len(out) + 1)
    kind = rng.randrange(3)
    if kind == 0 and at < len(out):
        out[at] = rng.choice(GENTLE)
    elif kind == 1:
        out[at:at] = bytes([rng.choice(GENTLE)])
    else:
        del out[at : at + 1]
    return bytes(out)


_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def assert_explained(exc: InputError) -> None:
    """Every issue has a message free of raw control characters and says which file."""
    assert exc.issues, "an input error without issues"
    for issue in exc.issues:
        assert issue.message.strip(), issue
        assert issue.file, issue
        assert not _RAW_CONTROL.search(str(issue)), repr(str(issue))
        assert "Traceback" not in issue.message
