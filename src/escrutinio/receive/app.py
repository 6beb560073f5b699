"""The submission routes as an ASGI app: ``POST /api/v1/actas`` and
``PUT /api/v1/images/{sha256}``. A JSON ``POST /api/v1/actas`` is answered ahead of these
routes by `escrutinio.receive.fast` (the route here describes it in the OpenAPI document
and takes multipart bodies). Bodies are read with a size limit and a timeout, the
synchronous pipeline (`escrutinio.receive.receiver`) runs in a worker thread, and every
refusal is RFC 9457 ``application/problem+json`` with ``type``, ``title``, ``status``,
``detail``, a stable ``code`` and the ``field`` at fault."""

from __future__ import annotations

import asyncio
import json

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from escrutinio.model.errors import EscrutinioError
from escrutinio.receive.config import ReceiveConfig
from escrutinio.receive.fast import ActasRoute
from escrutinio.receive.multipart import parse_multipart
from escrutinio.receive.problems import ACTAS_PATH, IMAGES_PATH, problem_parts
from escrutinio.receive.receiver import Receiver
from escrutinio.submission.envelope import MAX_IMAGES
from escrutinio.submission.errors import SubmissionError


def problem(exc: SubmissionError, instance: str) -> Response:
    """The problem details response of a refused request."""
    status, headers, body = problem_parts(exc, instance)
    return Response(
        body,
        status_code=status,
        headers={name.decode(): value.decode() for name, value in headers},
    )


async def read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The request body, refused (413) past ``limit`` bytes — by Content-Length before
    reading when given — or (408) when it takes longer than ``timeout`` seconds."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise SubmissionError(
            413, "body_too_large", f"the body has {declared} bytes; the limit is {limit:,}"
        )

    async def collect() -> bytes:
        parts: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise SubmissionError(
                    413, "body_too_large", f"the body exceeds the limit of {limit:,} bytes"
                )
            parts.append(chunk)
        return b"".join(parts)

    try:
        return await asyncio.wait_for(collect(), timeout)
    except TimeoutError:
        raise SubmissionError(
            408, "body_timeout", f"the body did not arrive within {timeout:g} s"
        ) from None


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def add_routes(api: FastAPI, receiver: Receiver, config: ReceiveConfig) -> None:
    """Add the submission routes to ``api``."""

    @api.post(ACTAS_PATH, include_in_schema=True, summary="Submit a signed acta envelope")
    async def post_acta(request: Request) -> Response:
        try:
            media = _media_type(request)
            if media == "application/json":
                raw = await read_body(request, config.max_body_bytes, config.body_timeout_seconds)
                stored = await run_in_threadpool(receiver.submit, raw)
            elif media == "multipart/form-data":
                limit = config.max_body_bytes + MAX_IMAGES * config.max_image_bytes
                whole = await read_body(request, limit, config.body_timeout_seconds)
                parts = parse_multipart(request.headers["content-type"], whole)
                if len(parts.envelope) > config.max_body_bytes:
                    raise SubmissionError(
                        413,
                        "body_too_large",
                        f"the envelope part exceeds the limit of {config.max_body_bytes:,} bytes",
                    )
                stored = await run_in_threadpool(receiver.submit, parts.envelope, parts.images)
            else:
                raise SubmissionError(
                    415,
                    "unsupported_media_type",
                    "send the signed envelope as Content-Type: application/json, or with its "
                    "images as multipart/form-data",
                )
        except SubmissionError as exc:
            return problem(exc, request.url.path)
        except EscrutinioError as exc:
            return problem(SubmissionError(503, "store_unavailable", str(exc)), request.url.path)
        return Response(
            stored.receipt,
            status_code=201 if stored.created else 200,
            media_type="application/json",
            headers={"Cache-Control": "no-store"},
        )

    @api.put(IMAGES_PATH + "{sha256}", summary="Upload an acta image by its SHA-256")
    async def put_image(sha256: str, request: Request) -> Response:
        try:
            media = _media_type(request)
            raw = await read_body(request, config.max_image_bytes, config.body_timeout_seconds)
            created = await run_in_threadpool(receiver.put_image, sha256, raw, media)
        except SubmissionError as exc:
            return problem(exc, request.url.path)
        body = json.dumps({"sha256": sha256, "bytes": len(raw), "media_type": media})
        return Response(
            body.encode(),
            status_code=201 if created else 200,
            media_type="application/json",
            headers={"Cache-Control": "no-store"},
        )


def create_receive_api(config: ReceiveConfig, receiver: Receiver | None = None) -> ActasRoute:
    """A FastAPI app with only the submission routes (``serve --accept-actas`` without a
    publication folder), behind the lean route for JSON ``POST /api/v1/actas``."""
    api = FastAPI(
        title="escrutinio submission API",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    receiver = receiver or Receiver.open(config)
    add_routes(api, receiver, config)
    return ActasRoute(api, receiver, config)
