"""Group commit for the submission endpoint: one writer thread per server process takes
every checked envelope waiting (up to a batch size) and stores them all in one transaction
under the log's append lock, so a commit and a lock hold cover many envelopes instead of
one. Each request waits for its own answer, which exists only after the commit (the same
technique as the group commit of database write-ahead logs: Gawlick and Kinkade, "Varieties
of concurrency control in IMS/VS Fast Path", IEEE Database Engineering 8(2), 1985).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

from sqlalchemy.engine import Connection

from escrutinio.ledger.note import Ed25519Signer
from escrutinio.store.envelopes import Pending, Stored, store_envelopes
from escrutinio.store.store import Store

DEFAULT_BATCH = 64
"""Most envelopes stored per transaction."""

_Job = tuple[Pending, "Future[Stored]"]


class GroupCommitter:
    """Stores checked envelopes through one writer thread, a batch per transaction."""

    def __init__(
        self,
        store: Store,
        signer: Ed25519Signer,
        maximum_merge_delay: int,
        max_batch: int = DEFAULT_BATCH,
        on_images: Callable[[list[int]], None] | None = None,
    ) -> None:
        self.store = store
        self.signer = signer
        self.maximum_merge_delay = maximum_merge_delay
        self.max_batch = max_batch
        self.on_images = on_images
        """Called after each commit (and after its receipts were handed out) with the
        log indexes of the ``image`` leaves the batch added, when any."""
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._conn: Connection | None = None  # the writer thread's own, between batches

    def store_one(self, pending: Pending) -> Stored:
        """Store one envelope with whatever else is waiting and return its receipt once
        committed; raises what its ``authorise`` or the store raised."""
        return self.submit(pending).result()

    def submit(self, pending: Pending) -> Future[Stored]:
        """Queue one envelope for the writer; the future of its receipt (set only after
        its batch committed), for a caller that waits without a thread of its own (e.g.
        `asyncio.wrap_future`)."""
        future: Future[Stored] = Future()
        self._start()
        self._jobs.put((pending, future))
        return future

    def close(self) -> None:
        """Let the writer finish the envelopes already queued, then stop it."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._jobs.put(None)
            thread.join()
        self._drop()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="escrutinio-group-commit", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._jobs.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                batch.append(job)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[_Job]) -> None:
        try:
            answers = self._store([p for p, _ in batch])
        except Exception:
            # the batch was undone as a whole: store each alone so only the culprit fails
            answers = [self._alone(p) for p, _ in batch]
        for (_, future), answer in zip(batch, answers, strict=True):
            if isinstance(answer, Exception):
                future.set_exception(answer)
            else:
                future.set_result(answer)
        if self.on_images is not None:
            added = [i for a in answers if not isinstance(a, Exception) for i in a.images]
            if added:
                # never let the follow-up work stop the writer (qr-check redoes it)
                with contextlib.suppress(Exception):
                    self.on_images(added)

    def _store(self, pendings: list[Pending]) -> list[Stored | Exception]:
        # one connection kept by the writer: no pool checkout and liveness ping per batch;
        # after any failure it is dropped, and the next batch (or the retries one by one)
        # opens a fresh one through the pool, which pings it
        if self._conn is None:
            self._conn = self.store.engine.connect()
        try:
            return store_envelopes(
                self.store,
                pendings,
                self.signer,
                maximum_merge_delay=self.maximum_merge_delay,
                connection=self._conn,
            )
        except Exception:
            self._drop()
            raise

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # a broken one: the pool discards it anyway
                conn.close()

    def _alone(self, pending: Pending) -> Stored | Exception:
        try:
            return self._store([pending])[0]
        except Exception as exc:
            return exc
