"""RFC 9457 problem details: every error the server returns is ``application/problem+json``."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

PROBLEM_TYPE = "application/problem+json"
"""The media type of a problem details document."""


class Problem(Exception):
    """An error to answer with a problem details document (status, title, detail)."""

    def __init__(self, status: int, detail: str, *, title: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase


def problem_body(status: int, title: str, detail: str, instance: str) -> bytes:
    """The JSON body of a problem details document."""
    doc = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def problem_response(status: int, detail: str, instance: str, title: str | None = None) -> Response:
    """A ``Response`` carrying a problem details document that nobody should cache long."""
    body = problem_body(status, title or HTTPStatus(status).phrase, detail, instance)
    headers = {"Cache-Control": "no-store"}
    if status == 405:
        headers["Allow"] = "GET, HEAD"
    return Response(body, status_code=status, media_type=PROBLEM_TYPE, headers=headers)


async def problem_handler(request: Request, exc: Exception) -> Response:
    """FastAPI exception handler for `Problem`."""
    assert isinstance(exc, Problem)
    return problem_response(exc.status, exc.detail, request.url.path, exc.title)


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """FastAPI exception handler turning Starlette's HTTP errors into problem details."""
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no API resource at {request.url.path}"
    return problem_response(exc.status_code, detail, request.url.path)


async def validation_handler(request: Request, exc: Exception) -> Response:
    """FastAPI handler for invalid query or path parameters: 400 naming each bad field."""
    errors: list[dict[str, Any]] = list(getattr(exc, "errors", list)())
    parts: list[str] = []
    for err in errors:
        where = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    detail = "; ".join(parts) or "invalid request"
    return problem_response(400, detail, request.url.path)
