"""The API's view of the publication: the live state, the publication read into memory
(`escrutinio.website.bundle.Bundle`, the same reader the site generator uses) and a cache of
the JSON answers already built, all renewed when the watcher sees a new publication."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gzip
import hashlib
import json
from typing import Any

from escrutinio.serve.files import PublishedFiles
from escrutinio.serve.hub import Hub
from escrutinio.serve.problems import Problem
from escrutinio.serve.proofs import PublishedProofs
from escrutinio.serve.ready import Ready
from escrutinio.serve.state import PublicationState
from escrutinio.website.bundle import Bundle, BundleError

MAX_CACHED_ANSWERS = 4096
"""JSON answers kept per publication (the oldest go first)."""


def make_answer(doc: Any, cache_control: str) -> Ready:
    """A JSON document (UTF-8, compact) prepared with its gzip form and strong ETag."""
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= 1024 else None
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    common = [("cache-control", cache_control), ("x-content-type-options", "nosniff")]
    return Ready(body, gzipped, etag, "application/json", common)


def answer_key(path: str, query: str) -> str:
    """The cache key of an API answer: its path and raw query string."""
    return path + "?" + query


class Catalog:
    """Everything the API answers from, for the current publication of one folder."""

    def __init__(self, files: PublishedFiles, hub: Hub) -> None:
        self.files = files
        self.hub = hub
        self._bundle: Bundle | None = None
        self._bundle_for: PublicationState | None = None
        self._loading: asyncio.Lock | None = None
        self.answers: dict[str, Ready] = {}
        self._warming: set[asyncio.Task[None]] = set()
        self._proofs: PublishedProofs | None = None
        self._proofs_for: PublicationState | None = None
        hub.on_change(self._renew)

    @property
    def state(self) -> PublicationState:
        """The current complete publication; 503 while the folder holds none."""
        state = self.hub.current
        if state is None:
            raise Problem(503, "the folder holds no complete publication yet")
        return state

    def proofs(self) -> PublishedProofs:
        """Proofs in the tree of the current publication (one memo per publication)."""
        state = self.state
        if self._proofs is None or self._proofs_for != state:
            root = base64.b64decode(state.root_hash)
            self._proofs, self._proofs_for = (
                PublishedProofs(self.files, state.tree_size, root),
                state,
            )
        return self._proofs

    def _renew(self, state: PublicationState) -> None:
        self.answers.clear()
        self.warm()

    def warm(self) -> None:
        """Start reading the current publication in the background (from the event loop),
        so the first API request after a new publication does not wait for it."""
        if self.hub.current is None:
            return
        task = asyncio.get_running_loop().create_task(self._warm())
        self._warming.add(task)
        task.add_done_callback(self._warming.discard)

    async def _warm(self) -> None:
        with contextlib.suppress(Problem):
            await self.bundle()

    def remember(self, key: str, answer: Ready) -> None:
        """Keep an answer for the current publication."""
        if len(self.answers) >= MAX_CACHED_ANSWERS:
            self.answers.pop(next(iter(self.answers)))
        self.answers[key] = answer

    async def bundle(self) -> Bundle:
        """The current publication read into memory (loaded once per publication, in a worker
        thread); 503 when it cannot be read."""
        state = self.state
        if self._bundle is not None and self._bundle_for == state:
            return self._bundle
        if self._loading is None:
            self._loading = asyncio.Lock()
        async with self._loading:
            state = self.state
            if self._bundle is not None and self._bundle_for == state:
                return self._bundle
            try:
                bundle = await asyncio.to_thread(Bundle.load, self.files.root)
            except BundleError as exc:
                raise Problem(503, f"the publication cannot be read: {exc}") from None
            self._bundle, self._bundle_for = bundle, state
            return bundle
