"""The app factory: the publication's files at ``/`` and the read API at ``/api/v1/``.

`create_app` returns a plain ASGI callable: requests under ``/api/`` (and the lifespan) go to
the FastAPI app, every other request to the static file server, which does not pay for
FastAPI's routing. One watcher task per process follows the folder (`escrutinio.serve.hub`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp

from escrutinio.receive.app import add_routes, create_receive_api
from escrutinio.receive.config import ReceiveConfig
from escrutinio.receive.fast import ActasRoute
from escrutinio.receive.receiver import Receiver
from escrutinio.serve.api import PREFIX, router
from escrutinio.serve.catalog import Catalog, answer_key
from escrutinio.serve.docs import docs_page
from escrutinio.serve.files import PublishedFiles
from escrutinio.serve.hub import POLL_SECONDS, Hub
from escrutinio.serve.problems import (
    Problem,
    http_exception_handler,
    problem_handler,
    validation_handler,
)
from escrutinio.serve.ready import Message, Ready, Receive, Scope, Send, send_ready
from escrutinio.serve.static import StaticFiles

FOLDER_ENV = "ESCRUTINIO_SERVE_DIR"
"""Where `app_from_env` (the factory of ``--workers`` processes) finds the folder."""

DESCRIPTION = (
    "Read-only API over one escrutinio publication folder. JSON answers have the shapes the "
    "CLI prints with --format json; proofs are computed from the published tiles; "
    "/api/v1/events streams each new publication as a server-sent event."
)


class Site:
    """The ASGI app: static files, and the API for ``/api/…`` and lifespan events."""

    def __init__(self, api: FastAPI, static: StaticFiles, front: ASGIApp | None = None) -> None:
        self.api = api
        self.front: ASGIApp = front or api  # the API behind any lean route in front of it
        self.static = static
        self.answers: dict[str, Ready] = api.state.catalog.answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point (an API answer already built is sent without FastAPI)."""
        if scope["type"] == "http":
            path = scope["path"]
            if not (path == "/api" or path.startswith("/api/")):
                await self.static(scope, receive, send)
                return
            if scope["method"] in ("GET", "HEAD"):
                key = answer_key(path, scope["query_string"].decode("latin-1"))
                hit = self.answers.get(key)
                if hit is not None:
                    await send_ready(scope, send, hit)
                    return
            if scope["method"] == "HEAD":
                await self.api({**scope, "method": "GET"}, receive, _headers_only(send))
                return
        await self.front(scope, receive, send)


def _headers_only(send: Send) -> Send:
    """A ``send`` that drops the body (HEAD answered by a GET endpoint)."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return wrapped


def create_api(folder: str | Path, poll_seconds: float = POLL_SECONDS) -> FastAPI:
    """The FastAPI app of the read API over ``folder`` (its watcher runs in its lifespan)."""
    files = PublishedFiles(folder)
    hub = Hub(files, poll_seconds)
    catalog = Catalog(files, hub)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub.start()
        catalog.warm()
        try:
            yield
        finally:
            await hub.stop()

    api = FastAPI(
        title="escrutinio publication API",
        version="1",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{PREFIX}/openapi.json",
        lifespan=lifespan,
    )
    api.state.catalog = catalog
    api.state.files = files
    api.add_exception_handler(Problem, problem_handler)
    api.add_exception_handler(StarletteHTTPException, http_exception_handler)
    api.add_exception_handler(RequestValidationError, validation_handler)
    api.include_router(router)

    @api.get(f"{PREFIX}/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(
            docs_page(api.openapi()),
            headers={"Cache-Control": "public, max-age=60", "X-Content-Type-Options": "nosniff"},
        )

    @api.get(f"{PREFIX}/", include_in_schema=False)
    async def index() -> Response:
        return Response(status_code=308, headers={"Location": f"{PREFIX}/docs"})

    return api


def create_app(
    folder: str | Path,
    poll_seconds: float = POLL_SECONDS,
    receive: ReceiveConfig | None = None,
    receiver: Receiver | None = None,
) -> Site:
    """The whole server over a publication folder (which it never writes); with
    ``receive``, also the submission routes (``POST /api/v1/actas``, ``PUT
    /api/v1/images/…``), which write to the store ``receive.db`` and nowhere else."""
    root = Path(folder)
    if not root.is_dir():
        raise NotADirectoryError(f"{root}: not a folder")
    api = create_api(root, poll_seconds)
    if receive is None:
        return Site(api, StaticFiles(api.state.files))
    receiver = receiver or Receiver.open(receive)
    add_routes(api, receiver, receive)
    return Site(api, StaticFiles(api.state.files), ActasRoute(api, receiver, receive))


def app_from_env() -> ASGIApp:
    """The factory uvicorn calls in each worker process (folder from `FOLDER_ENV`, the
    submission settings from `escrutinio.receive.config.CONFIG_ENV`)."""
    receive = ReceiveConfig.from_env()
    folder = os.environ.get(FOLDER_ENV)
    if folder is None:
        if receive is None:
            raise RuntimeError(f"neither {FOLDER_ENV} nor submission settings are set")
        return create_receive_api(receive)
    return create_app(folder, receive=receive)
