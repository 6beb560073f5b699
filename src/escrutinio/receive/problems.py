"""RFC 9457 problem details of a refused submission: ``type``, ``title``, ``status``,
``detail``, a stable ``code`` and the ``field`` at fault, as bytes ready to send."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from escrutinio.receive.receiver import RateLimited
from escrutinio.submission.errors import SubmissionError

PROBLEM_TYPE = "application/problem+json"
PROBLEM_BASE = "urn:escrutinio:problem:"
ACTAS_PATH = "/api/v1/actas"
IMAGES_PATH = "/api/v1/images/"


def problem_parts(
    exc: SubmissionError, instance: str
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The status, headers (lower-case names) and body of the problem details answer to a
    refused request (``Retry-After`` for a rate limit)."""
    doc: dict[str, Any] = {
        "type": PROBLEM_BASE + exc.code,
        "title": HTTPStatus(exc.status).phrase,
        "status": exc.status,
        "detail": exc.detail,
        "code": exc.code,
        "field": exc.field,
        "instance": instance,
        **exc.extra,
    }
    headers = [(b"content-type", PROBLEM_TYPE.encode()), (b"cache-control", b"no-store")]
    if isinstance(exc, RateLimited):
        headers.append((b"retry-after", str(exc.retry_after).encode()))
    return exc.status, headers, json.dumps(doc, ensure_ascii=False).encode("utf-8")
