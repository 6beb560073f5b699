"""Key files for the log and its witnesses.

A signer key file holds one line, the secret key string of Go's golang.org/x/mod/sumdb/note
(``PRIVATE+KEY+<name>+<key id>+<base64>``, see C2SP signed-note), and is created with mode
0600; loading refuses it when group or others may read it (the rule OpenSSH applies to
private keys).  A verifier key file holds the public ``<name>+<key id>+<base64>`` line and may
be world-readable.  Keys are Ed25519 (RFC 8032).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

from escrutinio.ledger.cosignature import CosignatureVerifier, parse_cosigner_key
from escrutinio.ledger.note import (
    Ed25519Signer,
    Ed25519Verifier,
    KeyFormatError,
    parse_signer_key,
    parse_verifier_key,
)

MAX_KEY_FILE_SIZE = 4096


class _Named(Protocol):
    @property
    def name(self) -> str: ...


_Key = TypeVar("_Key", bound=_Named)


class KeyFileError(OSError):
    """A key file is missing, unreadable, malformed, too permissive or for another name."""


class PublicKey(Protocol):
    """Anything that can render its verifier key string."""

    @property
    def name(self) -> str: ...

    def verifier_key(self) -> str:
        """Return the verifier key string."""
        ...


def generate_key(name: str) -> Ed25519Signer:
    """Generate a fresh Ed25519 signing key for key name ``name``."""
    return Ed25519Signer.generate(name)


def write_signer_key(path: str | Path, signer: Ed25519Signer, *, overwrite: bool = False) -> None:
    """Write ``signer``'s secret key string to ``path`` with mode 0600.

    Refuses to replace an existing file unless ``overwrite`` is true.
    """
    target = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        fd = os.open(target, flags, 0o600)
    except FileExistsError as exc:
        raise KeyFileError(f"{target}: key file already exists, not overwriting") from exc
    except OSError as exc:
        raise KeyFileError(f"{target}: cannot create key file: {exc.strerror}") from exc
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (signer.signer_key() + "\n").encode("ascii"))
    finally:
        os.close(fd)


def write_verifier_key(path: str | Path, key: PublicKey) -> None:
    """Write the public verifier key string of ``key`` to ``path`` (mode 0644)."""
    target = Path(path)
    try:
        target.write_text(key.verifier_key() + "\n", encoding="utf-8")
        target.chmod(0o644)
    except OSError as exc:
        raise KeyFileError(f"{target}: cannot write verifier key: {exc.strerror}") from exc


def generate_key_files(
    name: str, signer_path: str | Path, verifier_path: str | Path
) -> Ed25519Signer:
    """Generate a key for ``name`` and write its signer (0600) and verifier key files."""
    signer = generate_key(name)
    write_signer_key(signer_path, signer)
    write_verifier_key(verifier_path, signer.verifier())
    return signer


def _read_key_line(path: Path, *, private: bool) -> str:
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        raise KeyFileError(f"{path}: key file not found") from exc
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot access key file: {exc.strerror}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileError(f"{path}: not a regular file")
    if private and info.st_mode & 0o077:
        raise KeyFileError(
            f"{path}: private key is accessible by group or others "
            f"(mode {stat.S_IMODE(info.st_mode):04o}); run chmod 600 on it"
        )
    if info.st_size > MAX_KEY_FILE_SIZE:
        raise KeyFileError(f"{path}: too large to be a key file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read key file: {exc.strerror}") from exc
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise KeyFileError(f"{path}: malformed key file (not ASCII text)") from exc
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) != 1:
        raise KeyFileError(f"{path}: malformed key file (expected one key line, got {len(lines)})")
    return lines[0].strip()


def _check_name(path: Path, actual: str, expected: str | None) -> None:
    if expected is not None and actual != expected:
        raise KeyFileError(f"{path}: key is for {actual!r}, expected {expected!r}")


def _load(
    path: str | Path,
    expected_name: str | None,
    parse: Callable[[str], _Key],
    *,
    private: bool,
    what: str,
) -> _Key:
    """Read one key line from ``path``, parse it as ``what`` and check its name."""
    source = Path(path)
    line = _read_key_line(source, private=private)
    try:
        key = parse(line)
    except KeyFormatError as exc:
        raise KeyFileError(f"{source}: malformed {what} key: {exc}") from exc
    _check_name(source, key.name, expected_name)
    return key


def load_signer_key(path: str | Path, expected_name: str | None = None) -> Ed25519Signer:
    """Load a signer key file, checking permissions, format and (optionally) the key name."""
    return _load(path, expected_name, parse_signer_key, private=True, what="signer")


def load_verifier_key(path: str | Path, expected_name: str | None = None) -> Ed25519Verifier:
    """Load a note (type 0x01) verifier key file, optionally checking the key name."""
    return _load(path, expected_name, parse_verifier_key, private=False, what="verifier")


def load_cosigner_key(path: str | Path, expected_name: str | None = None) -> CosignatureVerifier:
    """Load a witness (type 0x04) verifier key file, optionally checking the key name."""
    return _load(path, expected_name, parse_cosigner_key, private=False, what="cosigner")
