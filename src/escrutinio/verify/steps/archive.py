"""The ``archive`` step: ``archive/publication.tar`` (written by ``publish --archive``), when
the publication has one, is the publication itself.

Its SHA-256 must be the one ``archive/publication.tar.sha256`` gives; it must hold only
folders and regular files with confined relative paths; its ``manifest.json`` and
``manifest.note`` must be byte for byte the publication's (which the earlier steps checked
against the signed checkpoint), and its other files exactly the manifest's files with the
manifest's SHA-256. A publication without an archive passes with a note.
"""

from __future__ import annotations

import hashlib
import io
import tarfile

from escrutinio.model.paths import path_problem
from escrutinio.verify.source import FetchError
from escrutinio.verify.steps.context import Context, Failed
from escrutinio.verify.steps.manifest import MANIFEST_NOTE

TAR = "archive/publication.tar"
SUMS = TAR + ".sha256"


def _members(data: bytes) -> dict[str, str]:
    """SHA-256 of every regular file in the tar ``data``, by path."""
    found: dict[str, str] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            for member in tar:
                problem = path_problem(member.name)
                if problem is not None:
                    raise Failed(f"{TAR}: member refused: {problem}")
                if member.isdir():
                    continue
                if not member.isfile():
                    raise Failed(f"{TAR}: {member.name!r} is not a regular file")
                if member.name in found:
                    raise Failed(f"{TAR}: {member.name!r} appears twice")
                fh = tar.extractfile(member)
                assert fh is not None
                found[member.name] = hashlib.sha256(fh.read()).hexdigest()
    except tarfile.TarError as exc:
        raise Failed(f"{TAR}: not a readable tar file ({exc})") from None
    return found


def check_archive(ctx: Context) -> str:
    """The archive and its SHA-256 file, when present, match the verified publication.
    Needs ``ctx.manifest``. Not fatal."""
    try:
        sums = ctx.source.read(SUMS)
    except FetchError:
        return "no archive in this publication"
    line = sums.decode("ascii", "replace").split()
    if len(line) != 2 or line[1] != "publication.tar" or len(line[0]) != 64:
        raise Failed(f"{SUMS}: expected one line '<sha256>  publication.tar'")
    try:
        data = ctx.source.read(TAR)
    except FetchError as exc:
        raise Failed(f"{TAR}: {exc}") from None
    if hashlib.sha256(data).hexdigest() != line[0].lower():
        raise Failed(f"{TAR}: SHA-256 differs from {SUMS}")
    found = _members(data)
    want = dict(ctx.manifest.get("files", {}))
    for rel in ("manifest.json", MANIFEST_NOTE):
        want[rel] = hashlib.sha256(ctx.source.read(rel)).hexdigest()
    missing = sorted(set(want) - set(found))
    extra = sorted(set(found) - set(want))
    differ = sorted(rel for rel in set(want) & set(found) if want[rel] != found[rel])
    if missing or extra or differ:
        parts = [
            f"{what}: {', '.join(repr(p) for p in paths[:3])}"
            for what, paths in (("missing", missing), ("not listed", extra), ("differ", differ))
            if paths
        ]
        raise Failed(f"{TAR} is not this publication ({'; '.join(parts)})")
    ctx.covered.update((TAR, SUMS))
    return f"{len(found):,} files, the manifest's, SHA-256 {line[0][:16]}…"
