"""The lean routes for the hot requests, ``POST /api/v1/actas`` with a JSON body and ``PUT
/api/v1/images/{sha256}``, as plain ASGI ahead of FastAPI's routing (a megabyte image body
would otherwise pass chunk by chunk through every FastAPI middleware). Bodies are read
with the same size limits and timeout. An acta's checks run on the event loop itself (CPU
work under one GIL either way; only a sender missing from the cache, or a revoked
sender's old receipt, goes to a worker thread to read the database), and the request
waits for the group committer's future without holding a thread; an image is hashed and
written durably in a worker thread. Every answer is the one the FastAPI routes give (same
receipt, same RFC 9457 problem documents); multipart bodies and other media types go on
to the FastAPI route, which also keeps the OpenAPI description of both endpoints.
"""

from __future__ import annotations

import asyncio
import json

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from escrutinio.model.errors import EscrutinioError
from escrutinio.receive.config import ReceiveConfig
from escrutinio.receive.problems import ACTAS_PATH, IMAGES_PATH, problem_parts
from escrutinio.receive.receiver import NeedsIO, Receiver
from escrutinio.store.envelopes import Stored
from escrutinio.submission.errors import SubmissionError

_JSON = b"application/json"


def _json_media(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bool(value.split(b";", 1)[0].strip().lower() == _JSON)
    return False


def _media_type(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return str(value.decode("latin-1").split(";", 1)[0].strip().lower())
    return ""


class ActasRoute:
    """ASGI middleware answering JSON ``POST /api/v1/actas`` and ``PUT
    /api/v1/images/{sha256}`` itself; every other request (and the lifespan) goes to
    ``app``."""

    def __init__(self, app: ASGIApp, receiver: Receiver, config: ReceiveConfig) -> None:
        self.app = app
        self.receiver = receiver
        self.limit = config.max_body_bytes
        self.image_limit = config.max_image_bytes
        self.timeout = config.body_timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] == "http":
            path, method = scope["path"], scope["method"]
            if path == ACTAS_PATH and method == "POST" and _json_media(scope):
                await self._post_acta(scope, receive, send)
                return
            if method == "PUT" and path.startswith(IMAGES_PATH):
                sha256 = path[len(IMAGES_PATH) :]
                if sha256 and "/" not in sha256:
                    await self._put_image(sha256, scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _put_image(self, sha256: str, scope: Scope, receive: Receive, send: Send) -> None:
        """Keep an image uploaded by hash (hashing and the durable write in a worker
        thread); the answer of the FastAPI route."""
        media = _media_type(scope)
        try:
            raw = await self._body(scope, receive, self.image_limit)
            created = await run_in_threadpool(self.receiver.put_image, sha256, raw, media)
        except SubmissionError as exc:
            await _answer(send, *problem_parts(exc, scope["path"]))
            return
        body = json.dumps({"sha256": sha256, "bytes": len(raw), "media_type": media})
        headers = [(b"content-type", _JSON), (b"cache-control", b"no-store")]
        await _answer(send, 201 if created else 200, headers, body.encode())

    async def _post_acta(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            raw = await self._body(scope, receive, self.limit)
            stored = await self._store(raw)
        except SubmissionError as exc:
            await _answer(send, *problem_parts(exc, ACTAS_PATH))
            return
        except EscrutinioError as exc:
            problem = SubmissionError(503, "store_unavailable", str(exc))
            await _answer(send, *problem_parts(problem, ACTAS_PATH))
            return
        headers = [(b"content-type", _JSON), (b"cache-control", b"no-store")]
        await _answer(send, 201 if stored.created else 200, headers, stored.receipt)

    async def _store(self, raw: bytes) -> Stored:
        try:
            checked = self.receiver.check(raw, blocking=False)
        except NeedsIO:
            checked = await run_in_threadpool(self.receiver.check, raw)
        if isinstance(checked, Stored):
            return checked
        return await asyncio.wrap_future(self.receiver.committer.submit(checked))

    async def _body(self, scope: Scope, receive: Receive, limit: int) -> bytes:
        """The body, refused (413) past ``limit`` — by Content-Length before reading when
        given — or (408) when it takes longer than the timeout."""
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                raise SubmissionError(
                    413,
                    "body_too_large",
                    f"the body has {value.decode()} bytes; the limit is {limit:,}",
                )
        parts: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    message: Message = await receive()
                    if message["type"] != "http.request":  # the client went away
                        raise SubmissionError(400, "malformed_json", "the body did not arrive")
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > limit:
                        raise SubmissionError(
                            413, "body_too_large", f"the body exceeds the limit of {limit:,} bytes"
                        )
                    parts.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            raise SubmissionError(
                408, "body_timeout", f"the body did not arrive within {self.timeout:g} s"
            ) from None
        return parts[0] if len(parts) == 1 else b"".join(parts)


async def _answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode("ascii"))],
        }
    )
    await send({"type": "http.response.body", "body": body})
