"""The client's local journal: an append-only JSON Lines file, each line fsync'd before the
step it records is relied on.

Two kinds of line::

    {"type": "envelope", "acta_key": "<64 hex>", "envelope": {...}}
    {"type": "receipt", "envelope_sha256": "<64 hex>", "receipt": "<the receipt's bytes>"}

``acta_key`` is SHA-256 of the canonical JSON of the acta object, the sender, its key ID
and its image references: the same acta with the same images from the same key maps to the
same envelope on every run, so a re-run signs the same bytes (Ed25519 is deterministic,
RFC 8032) and the server answers with the original receipt. A last line cut short by a crash
is ignored; any other unreadable line stops the run.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from escrutinio.model.canonical import canonical_json
from escrutinio.model.errors import EscrutinioError


class JournalError(EscrutinioError):
    """The journal cannot be read or written."""


def acta_key(acta: dict[str, Any], sender: str, key_id: str, images: list[dict[str, Any]]) -> str:
    """The identity of one acta as sent by one key with these images (see the module doc)."""
    doc = {"acta": acta, "images": images, "key_id": key_id, "sender": sender}
    return hashlib.sha256(canonical_json(doc)).hexdigest()


@dataclass
class Journal:
    """The journal file, its envelopes by acta key and its receipts by envelope hash."""

    path: Path
    envelopes: dict[str, dict[str, Any]] = field(default_factory=dict)
    receipts: dict[str, bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, path: Path) -> Journal:
        """Read the journal at ``path`` (none yet: an empty one)."""
        journal = cls(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return journal
        except OSError as exc:
            raise JournalError(f"{path}: cannot read the journal ({exc.strerror})") from None
        lines = data.split(b"\n")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                journal._load(record)
            except (ValueError, KeyError, TypeError) as exc:
                if number == len(lines):  # no final newline: cut short by a crash
                    break
                raise JournalError(f"{path}, line {number}: not a journal record ({exc})") from None
        return journal

    def _load(self, record: dict[str, Any]) -> None:
        kind = record["type"]
        if kind == "envelope":
            self.envelopes[str(record["acta_key"])] = dict(record["envelope"])
        elif kind == "receipt":
            self.receipts[str(record["envelope_sha256"])] = str(record["receipt"]).encode("utf-8")
        else:
            raise ValueError(f"unknown record type {kind!r}")

    def _append(self, records: list[dict[str, Any]]) -> None:
        text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
        with self._lock:
            try:
                with self.path.open("a", encoding="utf-8") as fh:
                    fh.write(text)
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as exc:
                raise JournalError(f"{self.path}: cannot write the journal ({exc})") from None

    def add_envelopes(self, envelopes: dict[str, dict[str, Any]]) -> None:
        """Record new envelopes (by acta key) durably, before any of them is sent."""
        if not envelopes:
            return
        self._append(
            [{"type": "envelope", "acta_key": k, "envelope": e} for k, e in envelopes.items()]
        )
        self.envelopes.update(envelopes)

    def add_receipt(self, envelope_sha256: str, receipt: bytes) -> None:
        """Record a receipt durably."""
        self._append(
            [
                {
                    "type": "receipt",
                    "envelope_sha256": envelope_sha256,
                    "receipt": receipt.decode("utf-8"),
                }
            ]
        )
        with self._lock:
            self.receipts[envelope_sha256] = receipt
