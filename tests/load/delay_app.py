"""A bare ASGI app with known latencies, for accuracy tests and benches.

``GET /delay/<ms>`` answers after sleeping ``ms`` milliseconds; ``GET /mix`` sleeps a delay drawn
from a fixed cycle (10, 20, ..., 100 ms) so its true percentiles are known; anything else
answers at once. Start: ``python -m uvicorn tests.load.delay_app:app --port N``.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

MIX_MS: tuple[int, ...] = tuple(range(10, 101, 10))
_cycle = itertools.cycle(MIX_MS)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    path: str = scope["path"]
    if path.startswith("/delay/"):
        await asyncio.sleep(int(path.rsplit("/", 1)[1]) / 1000.0)
    elif path == "/mix":
        await asyncio.sleep(next(_cycle) / 1000.0)
    status = 500 if path == "/fail" else 200
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]}
    )
    await send({"type": "http.response.body", "body": b"ok"})
