"""Server-side metrics: Prometheus text parsed and diffed into per-endpoint counts and buckets."""

from __future__ import annotations

from releasegate.layers._load import collect, prom

BEFORE = """# TYPE http_requests_total counter
http_requests_total{method="GET",route="/api/tags",status="200"} 5
http_request_duration_seconds_bucket{method="GET",route="/api/tags",le="0.005"} 5
http_request_duration_seconds_bucket{method="GET",route="/api/tags",le="0.01"} 5
http_request_duration_seconds_bucket{method="GET",route="/api/tags",le="+Inf"} 5
http_request_duration_seconds_sum{method="GET",route="/api/tags"} 0.01
"""
AFTER = """http_requests_total{method="GET",route="/api/tags",status="200"} 105
http_requests_total{method="GET",route="/api/tags",status="500"} 2
http_request_duration_seconds_bucket{method="GET",route="/api/tags",le="0.005"} 55
http_request_duration_seconds_bucket{method="GET",route="/api/tags",le="0.01"} 100
http_request_duration_seconds_bucket{method="GET",route="/api/tags",le="+Inf"} 107
http_request_duration_seconds_sum{method="GET",route="/api/tags"} 1.01
"""


def test_diff_counts_only_the_run() -> None:
    view = prom.diff(
        prom.parse(BEFORE), prom.parse(AFTER), "http_requests_total", "http_request_duration_seconds"
    )
    assert view.requests == {("GET /api/tags", "200"): 100, ("GET /api/tags", "500"): 2}
    assert view.buckets["GET /api/tags"] == [(0.005, 50), (0.01, 45), (0.01, 7)]
    assert view.total == 102
    samples = collect.server_samples(view)
    assert {s.metric for s in samples} == {"server_requests", "server_req_duration"}
    assert all(s.tags["source"] == "server" for s in samples)


def test_labels_with_escapes_and_junk_lines() -> None:
    series = prom.parse('x{route="/a\\"b",method="GET"} 1\nnot a metric line\ny 2e3\n')
    assert series[("x", (("method", "GET"), ("route", '/a\\"b')))] == 1
    assert series[("y", ())] == 2000


def test_no_metrics_endpoint_is_none() -> None:
    assert prom.scrape("http://127.0.0.1:9/metrics", 0.5) is None
