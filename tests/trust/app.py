"""A small ASGI target whose faults are chosen by environment variables (for the verdict tests).

``TRUST_STATUS``: status every API request answers (default 200); ``TRUST_DIE_AFTER``: the
process exits after that many API requests (a target dying mid-run); ``TRUST_PREFIX``: the
path prefix the API is served under (``/api``); ``TRUST_SERVERS``: the
``servers`` URL the spec declares (default: the prefix); ``TRUST_HEALTH=html``: ``/health``
answers a 200 HTML page. ``GET /openapi.json`` serves a spec of two
operations under ``servers: [{url: TRUST_PREFIX}]``; ``GET /__count`` answers the number of
requests seen so far (not counted itself). Start: ``python -m uvicorn tests.trust.app:app``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

STATUS = int(os.environ.get("TRUST_STATUS", "200"))
DIE_AFTER = int(os.environ.get("TRUST_DIE_AFTER", "0"))
PREFIX = os.environ.get("TRUST_PREFIX", "/api")
SERVERS = os.environ.get("TRUST_SERVERS", PREFIX)
HEALTH = os.environ.get("TRUST_HEALTH", "json")
_seen = {"requests": 0}


def spec() -> dict[str, Any]:
    item = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}
    ok = {"description": "ok", "content": {"application/json": {"schema": item}}}
    many = {
        "description": "ok",
        "content": {"application/json": {"schema": {"type": "array", "items": item}}},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "trust", "version": "1"},
        "servers": [{"url": SERVERS}],
        "paths": {
            "/items": {"get": {"operationId": "list", "responses": {"200": many}}},
            "/items/{id}": {
                "get": {
                    "operationId": "get",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                    ],
                    "responses": {"200": ok, "404": {"description": "missing"}},
                }
            },
        },
    }


async def _answer(send: Send, status: int, body: object, kind: bytes = b"application/json") -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", kind)]})
    await send({"type": "http.response.body", "body": data})


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    path: str = scope["path"]
    if path == "/__count":
        await _answer(send, 200, _seen)
        return
    if path == "/openapi.json":
        await _answer(send, 200, spec())
        return
    _seen["requests"] += 1
    if DIE_AFTER and _seen["requests"] > DIE_AFTER:
        os._exit(0)
    if STATUS != 200:
        await _answer(send, STATUS, {"detail": "refused"})
    elif path == "/health" and HEALTH == "html":
        page = b"<!doctype html><html><body><h1>Welcome</h1></body></html>"
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]}
        )
        await send({"type": "http.response.body", "body": page})
    elif path == "/health":
        await _answer(send, 200, {"status": "ok"})
    elif not path.startswith(PREFIX + "/items"):
        await _answer(send, 404, {"detail": "not found"})
    elif scope["method"] not in ("GET", "HEAD"):
        await _answer(send, 405, {"detail": "method not allowed"})
    else:
        rest = path[len(PREFIX + "/items") :].strip("/")
        if not rest:
            await _answer(send, 200, [{"id": 1}])
        elif rest.isdigit():
            await _answer(send, 200, {"id": int(rest)})
        else:
            await _answer(send, 404, {"detail": "no such item"})
