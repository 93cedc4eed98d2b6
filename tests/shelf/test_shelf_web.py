"""The frontend origin over HTTP: SPA fallback, page metadata, security headers, the API's URL."""

from __future__ import annotations

import re

import httpx
import pytest

from releasegate.fixtures.shelf.launcher import Running

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("path", ["/", "/login", "/signup", "/shelf", "/some/deep/link"])
def test_history_routes_fall_back_to_index(shelf: Running, path: str) -> None:
    response = httpx.get(f"{shelf.web_url}{path}", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="en">' in html
    assert re.search(r"<title>[^<]+</title>", html)
    assert '<meta name="description" content="' in html
    assert '<meta name="robots" content="noindex">' in html
    assert f'<meta name="shelf-api" content="{shelf.api_url}">' in html


def test_assets_are_served_and_unknown_files_are_404(shelf: Running) -> None:
    script = httpx.get(f"{shelf.web_url}/app.js", timeout=10)
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert '"shelf.token"' in script.text
    assert "broken-save" not in script.text
    assert httpx.get(f"{shelf.web_url}/app.css", timeout=10).headers["content-type"].startswith("text/css")
    assert httpx.get(f"{shelf.web_url}/missing.png", timeout=10).status_code == 404


def test_security_headers_on_the_frontend(shelf: Running) -> None:
    headers = httpx.get(f"{shelf.web_url}/login", timeout=10).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"]
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert f"connect-src 'self' {shelf.api_url}" in csp


def test_the_pages_stay_light(shelf: Running) -> None:
    total = sum(
        len(httpx.get(f"{shelf.web_url}{p}", timeout=10).content) for p in ("/", "/app.js", "/app.css")
    )
    assert total < 30_000
