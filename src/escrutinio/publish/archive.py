"""One downloadable archive of a whole publication, with its SHA-256 next to it.

``archive/publication.tar`` holds every file ``manifest.json`` lists, plus ``manifest.json``
and ``manifest.note``, so an offline mirror extracts it and runs ``escrutinio verify`` on the
folder. The archive is deterministic (the same publication gives the same bytes): POSIX
pax format, members in sorted path order, modification time 0, owner and group 0 with no
names, mode 0644 for files and 0755 for the folders on the way. ``publication.tar.sha256``
is one ``sha256sum`` line (``<hex>  publication.tar``), so ``sha256sum -c`` checks it. Neither
is listed in the manifest (the archive contains the manifest).
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO, cast

from escrutinio.publish.outdir import PublishError, read_regular, write_file

ARCHIVE = "archive/publication.tar"
ARCHIVE_SHA256 = ARCHIVE + ".sha256"


def _info(name: str, size: int, folder: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = 0 if folder else size
    info.type = tarfile.DIRTYPE if folder else tarfile.REGTYPE
    info.mode = 0o755 if folder else 0o644
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


class _Hashing:
    """A write-only file that hashes what it writes (the archive's SHA-256 in one pass)."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.sha = hashlib.sha256()

    def write(self, data: bytes) -> int:
        """Hash and write ``data``."""
        self.sha.update(data)
        return self.fh.write(data)


def write_archive(out: Path, paths: Iterable[str]) -> str:
    """Write ``archive/publication.tar`` of the files ``paths`` inside ``out`` (confined
    relative paths of regular files, read back from disk) and its ``.sha256`` file; returns
    the archive's SHA-256 (hex). The archive replaces the old one only when complete."""
    names = sorted(set(paths))
    folder = out / "archive"
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise PublishError(f"{out}: archive: not a folder")
    folder.mkdir(exist_ok=True)
    tmp = folder / ".publication.tar.tmp"
    if os.path.lexists(tmp):
        os.unlink(tmp)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(fd, "wb") as fh:
        sink = _Hashing(fh)
        stream = cast(BinaryIO, sink)
        with tarfile.open(fileobj=stream, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            made: set[str] = set()
            for rel in names:
                parts = rel.split("/")
                for depth in range(1, len(parts)):
                    sub = "/".join(parts[:depth])
                    if sub not in made:
                        made.add(sub)
                        tar.addfile(_info(sub, 0, folder=True))
                data = read_regular(out, rel)
                if data is None:
                    raise PublishError(f"{out}: {rel}: missing while writing the archive")
                tar.addfile(_info(rel, len(data)), io.BytesIO(data))
        digest = sink.sha.hexdigest()
    os.replace(tmp, folder / "publication.tar")
    write_file(out, ARCHIVE_SHA256, f"{digest}  publication.tar\n".encode("ascii"))
    return digest


__all__ = ["ARCHIVE", "ARCHIVE_SHA256", "write_archive"]
