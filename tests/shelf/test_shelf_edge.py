"""CORS between the two origins, and the rate limit."""

from __future__ import annotations

import httpx
import pytest

from releasegate.fixtures.shelf.edge import TokenBuckets
from releasegate.fixtures.shelf.launcher import Running, start
from releasegate.fixtures.shelf.settings import RateLimit, SettingsError, parse_rate_limit


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("off", None),
        ("", None),
        ("100/s", RateLimit(100, 1.0)),
        (" 600 / m ", RateLimit(600, 60.0)),
        ("5/minute", RateLimit(5, 60.0)),
    ],
)
def test_rate_limits_parse(raw: str | None, expected: RateLimit | None) -> None:
    assert parse_rate_limit(raw) == expected


@pytest.mark.parametrize("raw", ["100", "0/s", "5/hour", "many/s"])
def test_bad_rate_limits_are_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="100/s or 600/m"):
        parse_rate_limit(raw)


def test_a_bucket_spends_its_burst_then_refills_evenly() -> None:
    buckets = TokenBuckets(RateLimit(2, 1.0))
    assert [buckets.take("a", now=10.0) for _ in range(2)] == [0.0, 0.0]
    assert buckets.take("a", now=10.0) == pytest.approx(0.5)
    assert buckets.take("b", now=10.0) == 0.0  # every client has its own bucket
    assert buckets.take("a", now=10.6) == 0.0  # half a second later one token is back
    assert buckets.take("a", now=10.6) > 0


def _preflight(running: Running, origin: str) -> httpx.Response:
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }
    return httpx.options(f"{running.api_url}/v2/api/user", headers=headers, timeout=10)


@pytest.mark.integration
def test_preflight_from_the_web_origin_is_allowed(shelf: Running) -> None:
    response = _preflight(shelf, shelf.web_url)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == shelf.web_url
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


@pytest.mark.integration
def test_preflight_from_another_origin_is_refused(shelf: Running) -> None:
    response = _preflight(shelf, "http://127.0.0.1:9")
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    plain = httpx.get(f"{shelf.api_url}/v2/api/books", headers={"Origin": "http://127.0.0.1:9"}, timeout=10)
    assert "access-control-allow-origin" not in plain.headers
    ours = httpx.get(f"{shelf.api_url}/v2/api/books", headers={"Origin": shelf.web_url}, timeout=10)
    assert ours.headers["access-control-allow-origin"] == shelf.web_url


@pytest.mark.integration
def test_no_rate_limit_by_default(shelf: Running) -> None:
    with httpx.Client(base_url=shelf.api_url, timeout=10) as client:
        codes = {client.get("/v2/api/books?limit=1").status_code for _ in range(40)}
    assert codes == {200}


@pytest.mark.integration
def test_a_tight_rate_limit_answers_429_with_retry_after() -> None:
    with (
        start(rate_limit="5/s", seed_books=False) as running,
        httpx.Client(base_url=running.api_url, timeout=10) as client,
    ):
        responses = [client.get("/v2/api/books") for _ in range(12)]
        codes = [r.status_code for r in responses]
        assert codes[:5] == [200] * 5
        limited = [r for r in responses if r.status_code == 429]
        assert limited, codes
        assert int(limited[0].headers["retry-after"]) >= 1
        assert limited[0].json()["error"]["code"] == "rate_limited"
        assert client.get("/v2/status").status_code == 200  # health is never limited
        preflight = client.options(
            "/v2/api/books", headers={"Origin": running.web_url, "Access-Control-Request-Method": "GET"}
        )
        assert preflight.status_code == 200
