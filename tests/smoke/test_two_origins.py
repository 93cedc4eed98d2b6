"""One environment, two origins: pages on web_url, the API on base_url, and CORS between them."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from releasegate.smoke import PageSpec, SmokeParams, run_checks

SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Robots-Tag": "noindex",
}


def _server(handler: Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            status, headers, body = handler(self)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_OPTIONS = _answer

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def web() -> Iterator[str]:
    def page(req: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "text/html", **SECURITY}, b"<html><title>Shelf</title>Your shelf</html>"

    yield from _server(page)


@pytest.fixture
def allowed_origins() -> set[str]:
    return set()


@pytest.fixture
def api(allowed_origins: set[str]) -> Iterator[str]:
    def answer(req: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        origin = req.headers.get("Origin", "")
        cors = {"Access-Control-Allow-Origin": origin} if origin in allowed_origins else {}
        if req.command == "OPTIONS":
            return 204, cors, b""
        if req.path == "/v2/status":
            return 200, {"Content-Type": "application/json", **cors}, json.dumps({"status": "pass"}).encode()
        return 404, {"Content-Type": "application/json"}, b'{"detail": "Not Found"}'

    yield from _server(answer)


def _params(api: str, web: str | None, pages: list[PageSpec]) -> SmokeParams:
    return SmokeParams(base_url=api, web_url=web, health_path="/v2/status", pages=pages, repeats=1)


def test_pages_on_the_web_origin_and_cors_allowed(api: str, web: str, allowed_origins: set[str]) -> None:
    allowed_origins.add(web)
    run = run_checks(_params(api, web, [PageSpec("GET /", "page", "GET", "/", contains="Your shelf")]))
    by_check = {o.check: o for o in run.outcomes}
    assert by_check["GET /"].status == "pass", by_check["GET /"].message
    assert by_check["GET /"].probes[0].url.startswith(web)
    assert by_check["cors: web origin"].status == "pass"
    assert by_check["not indexable"].status == "pass"
    assert all(o.status == "pass" for o in run.outcomes if o.category == "security")


def test_an_api_that_does_not_answer_the_web_origin_fails_cors(api: str, web: str) -> None:
    run = run_checks(_params(api, web, [PageSpec("GET /", "page", "GET", "/")]))
    cors = next(o for o in run.outcomes if o.check == "cors: web origin")
    assert cors.status == "fail"
    assert web in cors.message


def test_page_checks_on_an_api_root_that_answers_404_say_they_could_not_apply(api: str) -> None:
    run = run_checks(_params(api, None, []))
    statuses = {o.check: o.status for o in run.outcomes}
    assert statuses["page checks"] == "skipped"
    assert "could not apply" in next(o.message for o in run.outcomes if o.check == "page checks")
    assert "not indexable" not in statuses
    assert "cors: web origin" not in statuses  # one origin: nothing to check
    assert statuses["health"] == "pass"
