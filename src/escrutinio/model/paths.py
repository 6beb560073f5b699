"""The one rule for a file path that comes from outside (a manifest, a bundle, a URL).

A confined path is a relative POSIX path that can only name something inside the folder it
is joined to: no absolute path, no ``..``, no empty or ``.`` segment, no backslash, no drive
letter, no control character, at most `PATH_MAX_LENGTH` characters and `SEGMENT_MAX_LENGTH`
per segment. The check is purely textual (no file system access); symbolic links are the
reader's or writer's business.
"""

from __future__ import annotations

import re

from escrutinio.model.errors import EscrutinioError
from escrutinio.model.text import shown

PATH_MAX_LENGTH = 512
"""The longest confined path, in characters."""

SEGMENT_MAX_LENGTH = 255
"""The longest segment (file or folder name) of a confined path."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_DRIVE = re.compile(r"[A-Za-z]:")


class PathError(EscrutinioError, ValueError):
    """A path from outside would reach outside its folder or is malformed."""


def path_problem(rel: object) -> str | None:
    """Why ``rel`` is not a confined relative path, or None when it is one."""
    if not isinstance(rel, str):
        return f"a path must be text, got {type(rel).__name__}"
    if not rel:
        return "the path is empty"
    if len(rel) > PATH_MAX_LENGTH:
        return f"a path has at most {PATH_MAX_LENGTH} characters, got {len(rel)}"
    bad = _CONTROL.search(rel)
    if bad is not None:
        return f"{shown(rel)} contains the control character U+{ord(bad.group()):04X}"
    if "\\" in rel:
        return f"{shown(rel)} contains a backslash"
    if rel.startswith("/"):
        return f"{shown(rel)} is an absolute path"
    if _DRIVE.match(rel):
        return f"{shown(rel)} starts with a drive letter"
    for segment in rel.split("/"):
        if segment in ("", ".", ".."):
            what = "an empty" if not segment else f"a {segment!r}"
            return f"{shown(rel)} has {what} segment"
        if len(segment) > SEGMENT_MAX_LENGTH:
            return f"{shown(rel)} has a segment longer than {SEGMENT_MAX_LENGTH} characters"
        if any(0xD800 <= ord(c) <= 0xDFFF for c in segment):
            return f"{shown(rel)} contains a lone surrogate"
    return None


def confined(rel: object, where: str = "path") -> str:
    """``rel`` itself when it is a confined relative path; raises `PathError` naming
    ``where`` (e.g. the manifest) and the reason otherwise."""
    problem = path_problem(rel)
    if problem is not None:
        raise PathError(f"{where}: {problem}")
    assert isinstance(rel, str)
    return rel
