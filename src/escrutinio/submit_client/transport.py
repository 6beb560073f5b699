"""Sending one signed envelope over HTTP with retries: images first by hash
(``PUT /api/v1/images/{sha256}``), then the envelope (``POST /api/v1/actas``).

Network errors, 5xx and 429 are retried with exponential backoff and full jitter (AWS
Architecture Blog, "Exponential Backoff And Jitter", 2015), never waiting less than a 429's
``Retry-After``; any other 4xx is the server's final answer and is never retried.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

ACTAS_PATH = "/api/v1/actas"
IMAGES_PATH = "/api/v1/images/"


@dataclass(frozen=True)
class Answer:
    """The server's final answer: a receipt (200/201) or a refusal with its problem."""

    status: int
    content: bytes
    problem: dict[str, Any] | None = None


class Unreachable(Exception):
    """No final answer after every retry (the last error is the message)."""


@dataclass
class Retrying:
    """Retry policy: ``retries`` more attempts after the first, waits from ``base`` seconds
    doubling up to ``cap``."""

    retries: int = 5
    base: float = 0.25
    cap: float = 20.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def wait(self, attempt: int, retry_after: float = 0.0) -> float:
        """The pause before retry ``attempt`` (0-based): full jitter, at least Retry-After."""
        return max(retry_after, self.rng.uniform(0, min(self.cap, self.base * 2**attempt)))


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return 1.0


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        doc = json.loads(response.content)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        return doc
    text = response.text[:200]
    return {"code": f"http_{response.status_code}", "detail": text, "field": None}


def request(
    client: httpx.Client,
    policy: Retrying,
    method: str,
    url: str,
    content: bytes,
    content_type: str,
) -> Answer:
    """One request with retries; the final answer, or `Unreachable`."""
    last = ""
    for attempt in range(policy.retries + 1):
        retry_after = 0.0
        try:
            response = client.request(
                method, url, content=content, headers={"Content-Type": content_type}
            )
        except httpx.TransportError as exc:
            last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        else:
            status = response.status_code
            if status < 400:
                return Answer(status, response.content)
            if status == 429:
                retry_after = _retry_after(response)
                last = f"429 {_problem(response).get('detail', '')}"
            elif status >= 500:
                last = f"{status} {_problem(response).get('detail', '')}"
            else:
                return Answer(status, response.content, _problem(response))
        if attempt < policy.retries:
            policy.sleep(policy.wait(attempt, retry_after))
    raise Unreachable(f"{method} {url}: no answer after {policy.retries + 1} attempts ({last})")


def send(
    client: httpx.Client,
    policy: Retrying,
    server: str,
    body: bytes,
    images: list[tuple[str, bytes, str]],
) -> Answer:
    """Upload ``images`` (sha256, bytes, media type) then post the signed ``body``; the
    first refusal of an image, or the envelope's answer."""
    base = server.rstrip("/")
    for sha256, data, media_type in images:
        answer = request(client, policy, "PUT", base + IMAGES_PATH + sha256, data, media_type)
        if answer.problem is not None:
            return answer
    return request(client, policy, "POST", base + ACTAS_PATH, body, "application/json")
