"""A response prepared once and sent many times: body, gzip body, validators and every
header already encoded, for a published file or a cached API answer.

`send_ready` answers 304 when the request's ``If-None-Match`` (or, with no ETag given,
``If-Modified-Since``) says the client has it, the gzip body when the client accepts gzip,
and no body for HEAD.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from email.utils import parsedate_to_datetime
from typing import Any

from starlette.responses import Response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]


def encode_headers(pairs: list[tuple[str, str]]) -> Headers:
    """ASGI header pairs."""
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs]


def etag_matches(header: str, etag: str) -> bool:
    """Weak comparison of an ``If-None-Match`` list with our tag (also its gzip variant)."""
    if header.strip() == "*":
        return True
    bare = etag.removeprefix("W/").strip('"')
    for tag in header.split(","):
        tag = tag.strip().removeprefix("W/").strip('"')
        if tag in (bare, bare + "-gz"):
            return True
    return False


def request_header(scope: Scope, wanted: bytes) -> str | None:
    """The value of one request header (lower-case name), or None."""
    for name, value in scope["headers"]:
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


def accepts_gzip(scope: Scope) -> bool:
    """Whether the request's ``Accept-Encoding`` takes gzip (and not with q=0)."""
    value = request_header(scope, b"accept-encoding")
    if value is None:
        return False
    for part in value.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def not_modified(scope: Scope, etag: str | None, mtime_ns: int | None) -> bool:
    """Whether the request's validators say the client already has this version."""
    inm = request_header(scope, b"if-none-match")
    if inm is not None:
        return etag is not None and etag_matches(inm, etag)
    ims = request_header(scope, b"if-modified-since")
    if ims is None or mtime_ns is None:
        return False
    try:
        since = parsedate_to_datetime(ims).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
    return int(mtime_ns // 1_000_000_000) <= since


class Ready:
    """A prepared 200 answer (and its 304 twin), plain and gzip."""

    __slots__ = ("body", "etag", "gzipped", "h200", "h200gz", "h304", "h304gz", "mtime_ns")

    def __init__(
        self,
        body: bytes,
        gzipped: bytes | None,
        etag: str,
        media_type: str,
        common: list[tuple[str, str]],
        mtime_ns: int | None = None,
    ) -> None:
        self.body = body
        self.gzipped = gzipped
        self.etag = etag
        self.mtime_ns = mtime_ns
        vary = [("vary", "Accept-Encoding")] if gzipped is not None else []
        gz_etag = etag[:-1] + '-gz"'
        self.h304 = encode_headers([*common, ("etag", etag), *vary])
        self.h304gz = encode_headers([*common, ("etag", gz_etag), *vary])
        self.h200 = self.h304 + encode_headers(
            [("content-type", media_type), ("content-length", str(len(body)))]
        )
        self.h200gz = self.h304gz + encode_headers(
            [
                ("content-type", media_type),
                ("content-length", str(len(gzipped or b""))),
                ("content-encoding", "gzip"),
            ]
        )

    @property
    def weight(self) -> int:
        """Bytes of memory it holds."""
        return len(self.body) + len(self.gzipped or b"")


async def send_ready(scope: Scope, send: Send, ready: Ready) -> None:
    """Send a prepared answer (304, gzip or plain; no body for HEAD)."""
    gz = ready.gzipped is not None and accepts_gzip(scope)
    if not_modified(scope, ready.etag, ready.mtime_ns):
        headers = ready.h304gz if gz else ready.h304
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    if gz:
        headers, body = ready.h200gz, ready.gzipped or b""
    else:
        headers, body = ready.h200, ready.body
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


class ReadyResponse(Response):
    """A Starlette response that sends a `Ready` answer (for FastAPI endpoints)."""

    def __init__(self, ready: Ready) -> None:
        self.ready = ready
        self.background = None
        self.status_code = 200

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        await send_ready(scope, send, self.ready)
