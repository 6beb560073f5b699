"""The lean ASGI route's own body handling (the rest of its answers are the endpoint tests'):
a body that stops arriving gets 408, one that grows past the limit without a
Content-Length gets 413, and other requests go on to the app behind it."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from escrutinio.receive.config import ReceiveConfig
from escrutinio.receive.fast import ActasRoute
from escrutinio.receive.receiver import Receiver

CONFIG = ReceiveConfig(db="unused", receipt_key="unused", images="unused", max_body_bytes=1024)


def _call(
    route: ActasRoute, path: str, method: str, messages: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)  # the client stopped sending
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "path": path,
        "method": method,
        "headers": [(b"content-type", b"application/json")],
    }
    # a thread of its own: an event loop left running by another test (the browser
    # tests' sync API) must not stop asyncio.run here
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, route(scope, receive, send)).result()  # type: ignore[arg-type]
    return sent


def _problem(sent: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    return int(sent[0]["status"]), json.loads(sent[1]["body"])


def _route(config: ReceiveConfig = CONFIG) -> tuple[ActasRoute, list[str]]:
    passed: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        passed.append(scope["path"])

    return ActasRoute(app, cast(Receiver, object()), config), passed


def test_a_body_that_stops_arriving_is_refused_with_408() -> None:
    config = ReceiveConfig(
        db="unused", receipt_key="unused", images="unused", body_timeout_seconds=0.05
    )
    route, _ = _route(config)
    first = {"type": "http.request", "body": b"{", "more_body": True}
    status, doc = _problem(_call(route, "/api/v1/actas", "POST", [first]))
    assert status == 408 and doc["code"] == "body_timeout"


def test_a_chunked_body_past_the_limit_is_refused_with_413() -> None:
    route, _ = _route()
    chunks = [{"type": "http.request", "body": b" " * 600, "more_body": True}] * 2
    status, doc = _problem(_call(route, "/api/v1/actas", "POST", list(chunks)))
    assert status == 413 and doc["code"] == "body_too_large"
    assert doc["instance"] == "/api/v1/actas"


def test_an_image_past_its_limit_is_refused_and_other_requests_pass_through() -> None:
    config = ReceiveConfig(db="unused", receipt_key="unused", images="unused", max_image_bytes=10)
    route, passed = _route(config)
    big = [{"type": "http.request", "body": b"x" * 11, "more_body": False}]
    status, doc = _problem(_call(route, "/api/v1/images/" + "a" * 64, "PUT", big))
    assert status == 413 and doc["code"] == "body_too_large"
    for path, method in [("/api/v1/actas", "GET"), ("/api/v1/images/a/b", "PUT"), ("/x", "POST")]:
        assert _call(route, path, method, []) == []
    assert passed == ["/api/v1/actas", "/api/v1/images/a/b", "/x"]
