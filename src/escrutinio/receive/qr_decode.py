"""QR decoding after the receipt: the submission server hands the images each committed
batch attached to a bounded queue, and one low-priority background thread decodes their
QR codes and records the results in ``qr_checks`` exactly as ``escrutinio qr-check`` does
(`escrutinio.images.checking.check_and_record`), so a mismatch or an unreadable QR is
flagged on the acta without an operator. Receipts never wait for it: a full queue drops
the work, and a server stopped with work queued loses only results that ``escrutinio
qr-check`` (which checks every image without a recorded result) computes again."""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
from collections.abc import Iterable

from escrutinio.images.checking import check_and_record
from escrutinio.images.store import ImageStore
from escrutinio.model.definition import Definition
from escrutinio.store import images as store_images
from escrutinio.store.store import Store

DEFAULT_QUEUE = 10_000
"""Most images waiting to be decoded; more are dropped (``qr-check`` redoes them)."""

BATCH = 32
"""Most images looked up in the store at once."""

NICENESS = 10
"""How much lower the decoding thread's scheduling priority is (Linux: per thread)."""

log = logging.getLogger(__name__)


class QrDecoder:
    """Decodes and records the QR codes of newly attached images on a background thread."""

    def __init__(
        self,
        store: Store,
        images: ImageStore,
        definition: Definition,
        max_queue: int = DEFAULT_QUEUE,
    ) -> None:
        self.store = store
        self.images = images
        self.definition = definition
        self._queue: queue.Queue[int | None] = queue.Queue(max_queue)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.dropped = 0
        """Images not queued because the queue was full (``qr-check`` redoes them)."""
        self.recorded = 0
        """Images whose result this decoder recorded."""

    def enqueue(self, log_indexes: Iterable[int]) -> None:
        """Queue the images recorded by these log entries (never blocks: when the queue
        is full the rest is dropped)."""
        started = False
        for idx in log_indexes:
            if not started:
                self._start()
                started = True
            try:
                self._queue.put_nowait(idx)
            except queue.Full:
                self.dropped += 1

    def pending(self) -> int:
        """Images queued and not decoded yet (approximate)."""
        return self._queue.qsize()

    def close(self, finish: bool = False) -> None:
        """Stop the thread: after the queued work when ``finish``, else after the image it
        is decoding (the rest is left for ``qr-check``)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        if not finish:
            with contextlib.suppress(queue.Empty):
                while True:
                    self._queue.get_nowait()
        self._queue.put(None)
        thread.join()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="escrutinio-qr-decode", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        with contextlib.suppress(OSError, AttributeError):  # Linux lowers one thread only
            os.setpriority(
                os.PRIO_PROCESS,
                threading.get_native_id(),
                os.getpriority(os.PRIO_PROCESS, 0) + NICENESS,
            )
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < BATCH:
                try:
                    idx = self._queue.get_nowait()
                except queue.Empty:
                    break
                if idx is None:
                    stop = True
                    break
                batch.append(idx)
            self.decode(batch)
            if stop:
                return

    def decode(self, log_indexes: list[int]) -> None:
        """Decode and record the images recorded by these log entries, skipping any that
        already has a result; a failure is logged, never raised (``qr-check`` redoes it)."""
        try:
            refs = store_images.image_refs(self.store, at=log_indexes)
            done = store_images.checked_image_ids(self.store, [r.id for r in refs])
        except Exception:
            log.exception("QR decoding: cannot read the images of log entries %s", log_indexes)
            return
        for ref in refs:
            if ref.id in done:
                continue
            try:
                check_and_record(self.store, self.images, self.definition, ref)
            except Exception:
                log.exception("QR decoding of image %s failed", ref.sha256)
                continue
            self.recorded += 1
