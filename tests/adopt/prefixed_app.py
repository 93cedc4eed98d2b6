"""A tiny app whose API lives under a prefix: spec at /v2/api/openapi.json, health at /v2/status.

Seeded decoys for discovery: no /health; /healthz answers 2xx plain text and /status 2xx HTML
(neither is a JSON health answer); /openapi.json answers JSON that is not a spec.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

app = FastAPI(title="prefixed", openapi_url="/v2/api/openapi.json", docs_url="/v2/api/docs", redoc_url=None)

PAGE = """<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1>
<a href="/v2/api/docs">API</a> <a href="/about">About</a> <a href="/logout">Log out</a>
<a href="/styles.css">styles</a> <a href="mailto:team@example.com">mail</a></body></html>"""


@app.get("/", response_class=HTMLResponse, include_in_schema=False)
def home() -> str:
    return PAGE.format(title="Prefixed home")


@app.get("/about", response_class=HTMLResponse, include_in_schema=False)
def about() -> str:
    return PAGE.format(title="About")


@app.get("/v2/status", include_in_schema=False)
def status() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/v2/api/items")
def items() -> list[dict[str, int]]:
    return [{"id": 1}]


@app.get("/v2/api/items/{item_id}")
def item(item_id: int) -> dict[str, int]:
    return {"id": item_id}


@app.get("/healthz", include_in_schema=False)
def healthz() -> PlainTextResponse:
    return PlainTextResponse("ok")


@app.get("/status", include_in_schema=False)
def html_status() -> HTMLResponse:
    return HTMLResponse("<p>all good</p>")


@app.get("/openapi.json", include_in_schema=False)
def not_a_spec() -> JSONResponse:
    return JSONResponse({"detail": "the spec moved to /v2/api/openapi.json"})


@contextmanager
def serve(timeout_s: float = 15.0) -> Iterator[str]:
    """The app on a free loopback port, in a thread of this process; yields its URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the prefixed test app did not start")
        time.sleep(0.05)
    try:
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
