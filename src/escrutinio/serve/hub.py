"""One watcher per server process: it polls the publication folder and fans each new
publication out to every connected live client.

Every `POLL_SECONDS` the watcher compares the modification time, size and inode of the files
of `escrutinio.serve.state.WATCHED`; when they moved it re-reads the state (the files are
small) and, when the checkpoint or bulletin changed, calls the listeners (the API's caches)
and puts the new state in every subscriber's queue. A client too slow to take its events
keeps only the newest one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable

from escrutinio.serve.files import PublishedFiles
from escrutinio.serve.state import WATCHED, PublicationState, read_state

POLL_SECONDS = 0.5
"""How often the folder is looked at (the issue asks for pages updated within 5 s)."""

QUEUE_SIZE = 4
"""Events a subscriber may have waiting before the older ones are dropped."""


class Hub:
    """The current publication state, its watcher task and the live subscribers."""

    def __init__(self, files: PublishedFiles, poll_seconds: float = POLL_SECONDS) -> None:
        self.files = files
        self.poll_seconds = poll_seconds
        self.current: PublicationState | None = read_state(files)
        self._stamp = self._stamps()
        self._subscribers: set[asyncio.Queue[PublicationState]] = set()
        self._listeners: list[Callable[[PublicationState], None]] = []
        self._task: asyncio.Task[None] | None = None

    @property
    def subscribers(self) -> int:
        """How many live clients are connected to this process."""
        return len(self._subscribers)

    def on_change(self, listener: Callable[[PublicationState], None]) -> None:
        """Call ``listener`` with every new state (before clients hear of it)."""
        self._listeners.append(listener)

    def _stamps(self) -> tuple[tuple[int, int, int] | None, ...]:
        out: list[tuple[int, int, int] | None] = []
        for name in WATCHED:
            try:
                st = os.stat(os.path.join(self.files.root, name))
                out.append((st.st_mtime_ns, st.st_size, st.st_ino))
            except OSError:
                out.append(None)
        return tuple(out)

    def poll(self) -> PublicationState | None:
        """Look at the folder once; the new state when a new publication appeared."""
        stamp = self._stamps()
        if stamp == self._stamp:
            return None
        state = read_state(self.files)
        if state is None:  # a publish is under way: look again next time
            return None
        self._stamp = stamp
        if state == self.current:
            return None
        self.current = state
        for listener in self._listeners:
            listener(state)
        return state

    def announce(self, state: PublicationState) -> None:
        """Hand ``state`` to every subscriber (dropping its oldest event when it is full)."""
        for queue in list(self._subscribers):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(state)

    async def run(self) -> None:
        """Poll forever (the background task of `start`)."""
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                state = self.poll()
            except OSError:
                continue
            if state is not None:
                self.announce(state)

    def start(self) -> None:
        """Start the watcher task in the running event loop."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        """Stop the watcher task."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[PublicationState]]:
        """A queue that receives every new state while the context is open."""
        queue: asyncio.Queue[PublicationState] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)
