"""Reading, writing and removing files strictly inside a publication folder.

Every path goes through `escrutinio.model.paths.confined`. A folder on the way that is a
symbolic link, or a file where a folder should be, is refused with `PublishError` (whoever can
write the published folder, e.g. a mirror, could otherwise point it elsewhere). Only regular
files are read or removed; a symbolic link in place of a published file is replaced by the
file, never followed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from escrutinio.model.errors import EscrutinioError
from escrutinio.model.paths import confined

MAX_MANIFEST_BYTES = 64 * 1024 * 1024
"""The largest old ``manifest.json`` publish reads back (about 500 times a 1M-leaf one)."""


class PublishError(EscrutinioError):
    """The publication folder cannot be written safely (a link or a file in the way)."""


def _folder(out: Path, rel: str, create: bool) -> Path | None:
    """The real folder holding ``rel`` inside ``out`` (created when ``create``); None when
    it does not exist and ``create`` is false. Refuses links and files in the way."""
    here = out
    for part in rel.split("/")[:-1]:
        here = here / part
        try:
            mode = os.lstat(here).st_mode
        except FileNotFoundError:
            if not create:
                return None
            here.mkdir()
            continue
        if stat.S_ISLNK(mode):
            raise PublishError(f"{out}: {rel}: the folder {here.name!r} is a symbolic link")
        if not stat.S_ISDIR(mode):
            raise PublishError(f"{out}: {rel}: {here.name!r} is not a folder")
    return here


def read_regular(out: Path, rel: str, limit: int | None = None) -> bytes | None:
    """The bytes of the regular file ``rel`` inside ``out``; None when it is missing, is not a
    regular file (a link, a device, a folder) or is larger than ``limit``."""
    folder = _folder(out, confined(rel), create=False)
    if folder is None:
        return None
    target = folder / rel.rsplit("/", 1)[-1]
    try:
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode) or (limit is not None and info.st_size > limit):
            return None
        return fh.read()


def regular_stat(out: Path, rel: str) -> tuple[int, int] | None:
    """The size and modification time (ns) of the regular file ``rel`` inside ``out``; None
    when it is missing or is not a regular file (links are not followed)."""
    try:
        folder = _folder(out, confined(rel), create=False)
    except PublishError:
        return None
    if folder is None:
        return None
    try:
        info = os.lstat(folder / rel.rsplit("/", 1)[-1])
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns) if stat.S_ISREG(info.st_mode) else None


def write_file(out: Path, rel: str, data: bytes | Sequence[bytes | memoryview]) -> None:
    """Write ``data`` (or its parts one after the other) to ``rel`` inside ``out``
    atomically (temporary file, then rename)."""
    folder = _folder(out, confined(rel), create=True)
    assert folder is not None
    name = rel.rsplit("/", 1)[-1]
    target = folder / name
    if os.path.isdir(target) and not os.path.islink(target):
        raise PublishError(f"{out}: {rel}: a folder is in the way")
    tmp = folder / f".{name}.tmp"
    if os.path.lexists(tmp):
        os.unlink(tmp)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(fd, "wb") as fh:
        for part in (data,) if isinstance(data, bytes) else data:
            fh.write(part)
    os.replace(tmp, target)


def remove_regular(out: Path, rel: str) -> bool:
    """Remove ``rel`` inside ``out`` when it is a regular file; True when removed."""
    try:
        folder = _folder(out, confined(rel), create=False)
    except PublishError:
        return False
    if folder is None:
        return False
    target = folder / rel.rsplit("/", 1)[-1]
    try:
        if not stat.S_ISREG(os.lstat(target).st_mode):
            return False
        target.unlink()
    except FileNotFoundError:
        return False
    return True
