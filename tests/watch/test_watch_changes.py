"""Which routes got worse (pure): the comparison, its tests of significance, the order, the chart."""

from __future__ import annotations

import math

import pytest

from releasegate.gates.reports.charts import windows_chart
from releasegate.layers._watch.changes import _sign_test, _z_test, changes, findings
from releasegate.layers._watch.series import RouteTick, Tick


def _ticks(per_route: dict[str, list[tuple[float, float, float]]], start: float = 0.0) -> list[Tick]:
    """route -> [(requests, errors, latency)] per interval, one second each."""
    n = max(len(v) for v in per_route.values())
    return [
        Tick(
            at=start + i + 1,
            seconds=1.0,
            routes={r: RouteTick(*vals[i]) for r, vals in per_route.items() if i < len(vals)},
        )
        for i in range(n)
    ]


BASE = _ticks({"/a": [(100, 0, 0.010)] * 6, "/b": [(100, 1, 0.010)] * 6, "/c": [(50, 0, 0.010)] * 6})


def test_an_unchanged_service_has_no_findings() -> None:
    same = _ticks({"/a": [(100, 0, 0.010)] * 6, "/b": [(100, 1, 0.011)] * 6, "/c": [(50, 0, 0.009)] * 6})
    assert changes(same, BASE, 1.2) == []


def test_only_the_worse_routes_are_findings_most_worsened_first() -> None:
    watch = _ticks(
        {
            "/a": [(100, 20, 0.010)] * 6,  # 20 % errors: 120 extra
            "/b": [(100, 4, 0.010)] * 6,  # 1 % -> 4 %: 18 extra
            "/c": [(50, 0, 0.300)] * 6,  # 30x slower
        }
    )
    found = changes(watch, BASE, 1.2)
    assert [(c.route, c.metric) for c in found] == [
        ("/a", "error_rate"),
        ("/b", "error_rate"),
        ("/c", "latency"),
    ]
    assert found[0].count == 120
    assert all(c.significant for c in found)
    out = findings(found, 0.95)
    assert out[0].where == "route /a"
    assert out[0].metric == "error_rate"
    assert out[0].tags == {"route": "/a"}
    assert "0.00% -> 20.00%" in out[0].what
    assert "significant" in out[0].what
    assert "p95 latency 10.0 ms -> 300.0 ms" in out[2].what


def test_a_small_rise_is_listed_but_not_significant() -> None:
    base = _ticks({"/a": [(10, 0, 0.01)]})
    watch = _ticks({"/a": [(10, 1, 0.01)]})
    (change,) = changes(watch, base, 1.2)
    assert not change.significant
    assert "not significant" in findings([change], 0.95)[0].what


def test_routes_without_a_baseline_are_not_judged() -> None:
    assert changes(_ticks({"/new": [(100, 50, 1.0)] * 3}), BASE, 1.2) == []
    assert changes(_ticks({"/a": [(100, 50, 1.0)] * 3}), [], 1.2) == []


@pytest.mark.parametrize(
    ("base", "now", "expected"),
    [
        ((1000, 5), (1000, 5), 0.5),  # the same share: no evidence either way
        ((1000, 0), (1000, 0), 1.0),  # no errors anywhere
        ((1000, 5), (1000, 50), 0.0),  # far above
    ],
)
def test_z_test(base: tuple[int, int], now: tuple[int, int], expected: float) -> None:
    assert _z_test(base[0], base[1], now[0], now[1]) == pytest.approx(expected, abs=1e-6)


def test_sign_test() -> None:
    assert _sign_test([2.0] * 5, 1.0) == pytest.approx(1 / 32)
    assert _sign_test([1.0] * 5, 1.0) == 1.0  # all ties
    assert _sign_test([0.5, 2.0], 1.0) == pytest.approx(0.75)
    assert math.isclose(_sign_test([], 1.0), 1.0)


def test_windows_chart_draws_both_panels_and_every_limit() -> None:
    svg = windows_chart(
        "t",
        [(-3.0, 0.01)],
        [(1.0, 0.02), (2.0, 0.03)],
        unit="ratio",
        limits=[("error <", 0.005), ("warn <", 0.02)],
    )
    assert svg.count("<polyline") == 2
    assert 'data-window="baseline"' in svg
    assert svg.count('class="limit"') == 2
    assert "error &lt; 0.5 %" in svg
    assert "warn &lt; 2 %" in svg


def test_windows_chart_says_when_a_window_has_no_data() -> None:
    svg = windows_chart("t", [], [(1.0, 0.02)], unit="ratio")
    assert "no data" in svg
    assert 'data-window="baseline"' not in svg
    assert windows_chart("t", [], [], unit="ratio") == ""
