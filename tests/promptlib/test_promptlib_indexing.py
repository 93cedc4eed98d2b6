"""Not indexable by default (`X-Robots-Tag: noindex, nofollow`); indexable when started as production."""

from __future__ import annotations

import httpx
import pytest

from releasegate.fixtures.promptlib import INDEXABLE_ENV
from releasegate.fixtures.promptlib.launcher import start
from tests.promptlib.helpers import InProcessClient

PATHS = ("/", "/explore", "/login", "/api/prompts", "/health", "/openapi.json", "/no-such-page")


def test_every_response_says_noindex_by_default(client: httpx.Client) -> None:
    for path in PATHS:
        response = client.get(path)
        assert response.headers.get("x-robots-tag") == "noindex, nofollow", (path, response.status_code)


def test_noindex_does_not_depend_on_the_security_headers() -> None:
    from releasegate.fixtures.promptlib.app import create_app
    from releasegate.fixtures.promptlib.faults import parse_faults
    from releasegate.fixtures.promptlib.settings import Settings

    client = InProcessClient(create_app(Settings(faults=parse_faults("missing-security-headers"))))
    try:
        response = client.get("/explore")
    finally:
        client.close()
    assert "x-frame-options" not in response.headers
    assert response.headers["x-robots-tag"] == "noindex, nofollow"


@pytest.mark.parametrize(
    ("flag", "env"), [(True, {}), (False, {INDEXABLE_ENV: "1"})], ids=["--indexable", INDEXABLE_ENV]
)
def test_a_production_start_is_indexable(flag: bool, env: dict[str, str]) -> None:
    with start(indexable=flag, extra_env=env) as app:
        responses = [httpx.get(f"{app.url}{path}", timeout=10) for path in ("/", "/api/prompts")]
    for response in responses:
        assert response.status_code == 200
        assert "x-robots-tag" not in response.headers
        assert response.headers["x-content-type-options"] == "nosniff"
