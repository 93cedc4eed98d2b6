"""Live abort rules on the per-second series: table tests, each able to fire and to hold."""

from __future__ import annotations

import pytest

from releasegate.layers._load import hdr
from releasegate.layers._load.abort import Cell, Rule, check_supported, evaluate, observe
from releasegate.spec import AbortRule


def _rule(metric: str, agg: str, op: str, threshold: float, **kw: object) -> Rule:
    base = AbortRule(
        key=f"load.{metric}",
        expr=f"{agg} {op} {threshold}",
        metric=f"load.{metric}",
        aggregation=agg,
        op=op,
        threshold=threshold,
        window_s=3,
        grace_s=2,
    )
    return Rule.from_any({**base.__dict__, **kw})


def _second(ok: int, failed: int, ms: float = 10.0, name: str = "GET /a") -> dict[str, Cell]:
    h = hdr.new()
    for _ in range(ok + failed):
        hdr.record_ms(h, ms)
    return {name: Cell(ok, failed, hdr.encode(h))}


def test_error_rate_fires_after_a_full_window_and_says_why() -> None:
    rule = _rule("http_req_failed", "rate", "<", 0.05)
    series = {t: _second(50, 50) for t in range(10)}
    assert evaluate([rule], series, now_s=2) is None  # window not yet full
    breach = evaluate([rule], series, now_s=4)
    assert breach is not None
    assert breach.observed == pytest.approx(0.5)
    assert "load.http_req_failed" in breach.sentence()
    assert "t=4s" in breach.sentence()


def test_healthy_series_never_fires() -> None:
    rules = [_rule("http_req_failed", "rate", "<", 0.05), _rule("http_req_duration", "p(95)", "<", 0.5)]
    series = {t: _second(100, 1, ms=20) for t in range(20)}
    assert all(evaluate(rules, series, now_s=n) is None for n in range(20))


def test_grace_period_holds_the_rule() -> None:
    rule = _rule("http_req_failed", "rate", "<", 0.05, grace_s=8.0)
    series = {t: _second(0, 10) for t in range(20)}
    assert evaluate([rule], series, now_s=7) is None
    assert evaluate([rule], series, now_s=8) is not None


def test_latency_percentile_and_endpoint_selector() -> None:
    rule = _rule("http_req_duration", "p(95)", "<", 0.25, tags={"endpoint": "GET /slow*"})
    series = {
        t: {**_second(10, 0, ms=300, name="GET /slow"), **_second(100, 0, ms=5, name="GET /fast")}
        for t in range(6)
    }
    breach = evaluate([rule], series, now_s=5)
    assert breach is not None
    assert breach.observed == pytest.approx(0.3, rel=0.01)
    other = _rule("http_req_duration", "p(95)", "<", 0.25, tags={"endpoint": "GET /fast"})
    assert evaluate([other], series, now_s=5) is None


def test_counts_and_rps() -> None:
    window = [_second(30, 3), _second(30, 3)]
    assert observe(_rule("http_reqs", "rps", ">", 1), window) == 33
    assert observe(_rule("http_req_failed", "count", "<", 1), window) == 6
    assert observe(_rule("http_req_failed", "rate", "<", 1), [{}]) is None


@pytest.mark.parametrize(
    ("metric", "agg", "tags", "problem"),
    [
        ("rps", "value", {}, "not in the live series"),
        ("http_req_failed", "p(95)", {}, "aggregation"),
        ("http_req_duration", "avg", {"status": "500"}, "tag"),
    ],
)
def test_unsupported_rules_are_named(metric: str, agg: str, tags: dict[str, str], problem: str) -> None:
    message = check_supported(_rule(metric, agg, "<", 1.0, tags=tags))
    assert message is not None
    assert problem in message


def test_live_abort_and_the_verdict_aggregate_alike() -> None:
    """One set of aggregations: the live rule sees what the verdict will see on the same data."""
    from releasegate.gates.aggregate import aggregate
    from releasegate.layers._load import hdr as hdr_mod
    from releasegate.results import MetricKind, Samples

    hist = hdr_mod.new()
    for ms in [5, 7, 9, 12, 15, 40, 80, 120, 300, 900] * 7:
        hdr_mod.record_ms(hist, float(ms))
    samples = Samples(
        metric="http_req_duration", kind=MetricKind.TREND, unit="s", buckets=hdr_mod.buckets_s(hist)
    )
    for agg, name, arg in [
        ("p(95)", "p", 95.0),
        ("median", "med", None),
        ("avg", "avg", None),
        ("max", "max", None),
    ]:
        rule = Rule("k", "e", "load.http_req_duration", agg, "<", 1.0, {}, 1.0, 0.0)
        live = observe(rule, [{"GET /": Cell(ok=70, hist=hist)}])
        assert live == aggregate(name, arg, [samples], MetricKind.TREND), agg


def test_a_failure_rate_aborts_only_beyond_chance() -> None:
    """2 % failing against a 5 % limit is not stopped by a lucky window; 100 % failing is."""
    from releasegate.layers._load.abort import wilson_lower

    rule = Rule("load.http_req_failed", "rate < 5%", "load.http_req_failed", "rate", "<", 0.05, {}, 10.0, 0.0)
    # a window where chance put 3 of 40 requests (7.5 %) over the limit: not certain
    unlucky = {t: {"GET /": Cell(ok=4 if t % 4 else 3, failed=0 if t % 4 else 1)} for t in range(12)}
    assert evaluate([rule], unlucky, 12) is None
    everything = {t: {"GET /": Cell(ok=0, failed=10)} for t in range(12)}
    breach = evaluate([rule], everything, 12)
    assert breach is not None
    assert breach.observed == 1.0
    assert wilson_lower(0, 0) == 0.0
    assert 0.0 < wilson_lower(3, 40) < 0.05 < wilson_lower(100, 100)
