"""Submitting a batch: plan the envelopes (reusing the journal's), send those without a
receipt in parallel, check each receipt, keep it, and count the outcomes."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from escrutinio.images.store import sniff
from escrutinio.ledger.note import Ed25519Signer, Ed25519Verifier
from escrutinio.submission import (
    ImageRef,
    ReceiptError,
    build_envelope,
    envelope_hash,
    request_body,
    verify_receipt,
)
from escrutinio.submit_client.actas import Outgoing
from escrutinio.submit_client.journal import Journal, acta_key
from escrutinio.submit_client.transport import Retrying, Unreachable, send


class ImageFileError(ValueError):
    """An image file that cannot be read or is not a JPEG, PNG or PDF."""


@dataclass(frozen=True)
class Planned:
    """One acta ready to send: its signed body, envelope hash and images (SHA-256, file,
    media type; the bytes are read again when sent, so a batch never holds them all)."""

    item: Outgoing
    sha256: str
    body: bytes
    images: list[tuple[str, Path, str]]

    def image_bytes(self) -> list[tuple[str, bytes, str]]:
        """The images' bytes, checked against the hashes signed."""
        out = []
        for sha256, path, media_type in self.images:
            data = _read(path)
            if hashlib.sha256(data).hexdigest() != sha256:
                raise ImageFileError(f"{path}: changed since its envelope was signed")
            out.append((sha256, data, media_type))
        return out


@dataclass(frozen=True)
class Rejection:
    """An acta the server (or the reader) refused, with the problem's code, field, detail."""

    where: str
    label: str
    code: str
    field: str | None
    detail: str


@dataclass
class Summary:
    """What a run did."""

    sent: int = 0
    already: int = 0
    known: int = 0
    """Answered 200: the server had the envelope already and returned its original receipt."""
    outcomes: Counter[str] = field(default_factory=Counter)
    rejected: list[Rejection] = field(default_factory=list)
    unsent: list[Rejection] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImageFileError(f"{path}: cannot read ({exc.strerror})") from None


def _image(path: Path) -> ImageRef:
    data = _read(path)
    media_type = sniff(data)
    if media_type is None:
        raise ImageFileError(f"{path}: not a JPEG, PNG or PDF file")
    return ImageRef.of(data, media_type)


def plan(items: list[Outgoing], signer: Ed25519Signer, journal: Journal) -> list[Planned]:
    """The signed body of every acta: the journal's envelope when this acta (with these
    images, from this key) was planned before, else a new one, journaled before returning."""
    key_id = f"{signer.key_id:08x}"
    new: dict[str, dict[str, Any]] = {}
    out: list[Planned] = []
    for item in items:
        refs = [_image(p) for p in item.images]
        images = [(r.sha256, p, r.media_type) for r, p in zip(refs, item.images, strict=True)]
        key = acta_key(item.acta, signer.name, key_id, [r.to_json() for r in refs])
        envelope = journal.envelopes.get(key) or new.get(key)
        if envelope is None:
            envelope = build_envelope(item.acta, signer.name, key_id, refs)
            new[key] = envelope
        out.append(Planned(item, envelope_hash(envelope), request_body(envelope, signer), images))
    journal.add_envelopes(new)
    return out


def write_receipt(folder: Path, sha256: str, receipt: bytes) -> None:
    """``folder/<envelope sha256>.json`` holding the receipt's bytes (written whole)."""
    target = folder / f"{sha256}.json"
    if target.is_file() and target.read_bytes() == receipt:
        return
    temp = folder / f".{sha256}.{threading.get_ident()}.tmp"
    with temp.open("wb") as fh:
        fh.write(receipt)
        fh.flush()
        os.fsync(fh.fileno())
    temp.replace(target)


@dataclass
class Submitter:
    """Sends planned actas to one server and keeps their receipts."""

    server: str
    journal: Journal
    receipts: Path | None
    verifier: Ed25519Verifier | None
    policy: Retrying
    parallel: int = 4
    timeout: float = 60.0
    client: httpx.Client | None = None
    """A client to use instead of a new one (tests pass an in-process one)."""

    def _check(self, planned: Planned, receipt: bytes) -> str:
        """The receipt's outcome, after checking it is for this envelope (and its
        signature, with the log key)."""
        if self.verifier is not None:
            checked = verify_receipt(receipt, self.verifier)
            sha, outcome = checked.envelope_sha256, str(checked.acta.get("outcome", ""))
        else:
            try:
                body = json.loads(receipt)["receipt"]
                sha, outcome = str(body["envelope_sha256"]), str(body["acta"]["outcome"])
            except (ValueError, KeyError, TypeError) as exc:
                raise ReceiptError(f"the answer is not a receipt ({exc})") from None
        if sha != planned.sha256:
            raise ReceiptError(f"the receipt is for envelope {sha}, not {planned.sha256}")
        return outcome

    def _one(self, client: httpx.Client, planned: Planned, summary: Summary) -> None:
        label, where = planned.item.label, f"{planned.item.file}:{planned.item.line}"
        try:
            answer = send(client, self.policy, self.server, planned.body, planned.image_bytes())
        except ImageFileError as exc:
            with summary._lock:
                summary.rejected.append(Rejection(where, label, "image_file", None, str(exc)))
            return
        except Unreachable as exc:
            with summary._lock:
                summary.unsent.append(Rejection(where, label, "unreachable", None, str(exc)))
            return
        if answer.problem is not None:
            p = answer.problem
            with summary._lock:
                summary.sent += 1
                summary.rejected.append(
                    Rejection(
                        where,
                        label,
                        str(p.get("code", answer.status)),
                        p.get("field"),
                        str(p.get("detail", "")),
                    )
                )
            return
        try:
            outcome = self._check(planned, answer.content)
        except ReceiptError as exc:
            with summary._lock:
                summary.sent += 1
                summary.rejected.append(Rejection(where, label, "bad_receipt", None, str(exc)))
            return
        if self.receipts is not None:
            write_receipt(self.receipts, planned.sha256, answer.content)
        self.journal.add_receipt(planned.sha256, answer.content)
        with summary._lock:
            summary.sent += 1
            if answer.status == 200:
                summary.known += 1
            else:
                summary.outcomes[outcome] += 1

    def run(self, planned: list[Planned], progress: Callable[[int], None] | None = None) -> Summary:
        """Send every planned acta without a journaled receipt (at most ``parallel`` at
        once); those with one count as already receipted (their receipt file rewritten
        when missing)."""
        summary = Summary()
        todo: list[Planned] = []
        for item in planned:
            known = self.journal.receipts.get(item.sha256)
            if known is None:
                todo.append(item)
                continue
            if self.receipts is not None:
                write_receipt(self.receipts, item.sha256, known)
            summary.already += 1
            if progress is not None:
                progress(1)
        unique = list({p.sha256: p for p in reversed(todo)}.values())[::-1]
        limits = httpx.Limits(
            max_connections=self.parallel, max_keepalive_connections=self.parallel
        )
        with (
            self.client or httpx.Client(timeout=self.timeout, limits=limits) as client,
            ThreadPoolExecutor(self.parallel) as pool,
        ):

            def task(item: Planned) -> None:
                try:
                    self._one(client, item, summary)
                finally:
                    if progress is not None:
                        progress(1)

            for future in [pool.submit(task, item) for item in unique]:
                future.result()
        summary.already += len(todo) - len(unique)
        return summary
