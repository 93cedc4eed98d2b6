"""The monthly SLA figures as table tests: known up/down intervals in, exact figures out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from releasegate.gates.sla import (
    ProbeRun,
    compute,
    infer_interval,
    month_bounds,
    render_html,
    render_json,
    render_markdown,
)

START = datetime(2026, 11, 1, tzinfo=UTC)
MONTH_S = 30 * 86400.0  # November
STEP = 300.0


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def every_5_min(first: float, last: float, good: int = 1, total: int = 1, failing: tuple[str, ...] = ()):
    """Runs at minutes first, first+5, ... < last."""
    n = int((last - first) // 5)
    return [ProbeRun(at(first + 5 * i), good, total, failing) for i in range(n)]


def report(runs, objective=0.995, interval_s=STEP, now=None):
    return compute(
        runs, environment="production", month="2026-11", objective=objective, interval_s=interval_s, now=now
    )


def test_month_bounds() -> None:
    assert month_bounds("2026-12") == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="not a month"):
        month_bounds("2026-13")


@pytest.mark.parametrize(
    ("runs", "up_min", "down_min", "availability"),
    [
        # up all month: every interval covered and up
        (every_5_min(0, 30 * 1440), 30 * 1440, 0, 1.0),
        # one hour down in the middle of the month
        (every_5_min(0, 600) + every_5_min(600, 660, good=0, failing=("health",))
         + every_5_min(660, 30 * 1440), 30 * 1440 - 60, 60, (30 * 1440 - 60) / (30 * 1440)),
        # half of the probes failing for 10 minutes: 5 minutes down
        (every_5_min(0, 100) + every_5_min(100, 110, good=1, total=2, failing=("page /",))
         + every_5_min(110, 200), 195, 5, 195 / 200),
    ],
)  # fmt: skip
def test_time_up_and_down(runs, up_min, down_min, availability) -> None:
    r = report(runs)
    assert r.up_s == pytest.approx(up_min * 60)
    assert r.down_s == pytest.approx(down_min * 60)
    assert r.availability == pytest.approx(availability)


def test_a_gap_longer_than_the_interval_is_unknown_not_up() -> None:
    # probes 00:00-01:00, nothing for two hours, probes 03:00-04:00
    r = report(every_5_min(0, 60) + every_5_min(180, 240))
    assert r.up_s == pytest.approx(120 * 60)  # each last probe covers one interval only
    assert r.down_s == 0
    assert r.unknown_s == pytest.approx(MONTH_S - 120 * 60)
    assert r.availability == 1.0


def test_error_budget_and_objective() -> None:
    # 99.5 % of November allows 216 minutes; 240 minutes down overspends it by 24
    runs = (
        every_5_min(0, 1000) + every_5_min(1000, 1240, good=0, failing=("health",)) + every_5_min(1240, 43200)
    )
    r = report(runs)
    assert r.budget_allowed_s == pytest.approx(216 * 60)
    assert r.down_s == pytest.approx(240 * 60)
    assert r.budget_remaining_s == pytest.approx(-24 * 60)
    assert r.met is False
    assert report(runs, objective=0.99).met is True  # 432 min allowed
    assert report(runs, objective=0.99).budget_remaining_s == pytest.approx(192 * 60)


def test_incidents_with_their_failing_checks() -> None:
    runs = (
        every_5_min(0, 60)
        + every_5_min(60, 75, good=0, total=2, failing=("health",))
        + every_5_min(75, 80, good=1, total=2, failing=("page /",))
        + every_5_min(80, 200)
        + every_5_min(200, 210, good=0, failing=("version",))
        + every_5_min(210, 300)
    )
    (first, second) = report(runs).incidents
    assert (first.start, first.end, first.failing) == (at(60), at(80), ("health", "page /"))
    assert first.duration_s == 20 * 60
    assert (second.start, second.end, second.failing) == (at(200), at(210), ("version",))


def test_an_unknown_gap_ends_an_incident() -> None:
    runs = [ProbeRun(at(0), 0, 1, ("health",)), ProbeRun(at(60), 0, 1, ("health",))]
    incidents = report(runs).incidents
    assert [(i.start, i.end) for i in incidents] == [(at(0), at(5)), (at(60), at(65))]


def test_runs_outside_the_month_only_cover_into_it_and_now_caps_the_period() -> None:
    before = ProbeRun(START - timedelta(minutes=2), 1, 1)
    r = report([before, *every_5_min(3, 60)], now=at(60))
    assert r.up_s == pytest.approx(58 * 60)  # 3 minutes from the run before the month, 55 from its own
    assert r.period_s == pytest.approx(3600)
    assert r.probes == 11


def test_nothing_observed_is_no_verdict() -> None:
    r = report([])
    assert r.availability is None
    assert r.met is None
    assert "no data" in render_markdown(r)


def test_interval_is_the_median_gap() -> None:
    assert infer_interval(every_5_min(0, 60)) == STEP
    assert infer_interval([ProbeRun(at(0), 1, 1)]) == 300.0


def test_renderings() -> None:
    runs = every_5_min(0, 60) + every_5_min(60, 70, good=0, failing=("health",)) + every_5_min(70, 120)
    r = report(runs, now=at(120))
    md = render_markdown(r)
    assert "## SLA 2026-11 · `production`: ❌ objective missed" in md
    assert "| downtime | 10.0 min |" in md
    assert "| 2026-11-01 01:00:00 | 2026-11-01 01:10:00 | 10.0 min | health |" in md
    doc = json.loads(render_json(r))
    assert doc["downtime_minutes"] == 10.0
    assert doc["error_budget"] == {"allowed_minutes": 0.6, "used_minutes": 10.0, "remaining_minutes": -9.4}
    assert doc["incidents"][0]["failing"] == ["health"]
    assert "<td>health</td>" in render_html(r)
