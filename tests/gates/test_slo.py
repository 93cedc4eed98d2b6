"""Availability and multi-window burn rates from the smoke history, and budgets on them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from releasegate.exitcodes import ExitCode
from releasegate.gates import Decision, judge
from releasegate.gates.history import History
from releasegate.gates.slo import Event, alerts, attach_slo, build_report, run_events, slo_report, window_stat
from releasegate.results import RunResult
from releasegate.spec import SloSource
from tests.gates.factories import T0, budgets, layer, rate, run


def every_5_minutes(hours: float, bad_after: float | None = None, probes: int = 10) -> list[Event]:
    """One smoke run every 5 minutes; all probes fail from ``bad_after`` hours on."""
    out = []
    for i in range(int(hours * 12)):
        at = T0 + timedelta(minutes=5 * i)
        broken = bad_after is not None and i >= bad_after * 12
        out.append(Event(at, 0 if broken else probes, probes))
    return out


def test_availability_and_burn_rate_per_window():
    events = every_5_minutes(24, bad_after=23.5)  # last 30 minutes down
    now = events[-1].at
    hour = window_stat(events, "1h", 0.995, now)
    assert hour.total == 120
    assert hour.good == 60
    assert hour.availability == pytest.approx(0.5)
    assert hour.burn_rate == pytest.approx(100.0)
    day = window_stat(events, "1d", 0.995, now)
    assert day.availability == pytest.approx(1 - 6 / 288)
    assert window_stat([], "1h", 0.995, now).availability is None


def test_fast_burn_pages_on_both_windows():
    events = every_5_minutes(12, bad_after=11.5)
    fired = alerts(events, 0.995, events[-1].at)
    assert [a.firing for a in fired] == [True, True]
    assert fired[0].long_window == "1h"
    assert fired[0].factor == 14.4


def test_recovered_outage_stops_paging_thanks_to_the_short_window():
    events = every_5_minutes(12, bad_after=11.0)[:-12] + [
        Event(T0 + timedelta(hours=11, minutes=5 * i), 10, 10) for i in range(12)
    ]
    events.sort(key=lambda e: e.at)
    # an outage that ended: the 1 h window still burns, the 5 m window does not
    outage = [Event(T0 + timedelta(hours=10, minutes=5 * i), 0, 10) for i in range(6)]
    merged = sorted([e for e in events if e.at not in {o.at for o in outage}] + outage, key=lambda e: e.at)
    now = T0 + timedelta(hours=11)
    fired = alerts(merged, 0.995, now)
    assert fired[0].long_burn is not None
    assert fired[0].long_burn > 14.4
    assert fired[0].short_burn == 0.0
    assert not fired[0].firing


def test_healthy_history_does_not_alert():
    events = every_5_minutes(12)
    report = build_report(events, "demo", 0.995, events[-1].at)
    assert not any(a.firing for a in report.alerts)
    assert report.exit_code is ExitCode.GO
    assert "1h" in report.render()
    assert "100 %" in report.render()


def smoke_run(run_id: str, hours: float, good: int, bad: int) -> RunResult:
    return run(
        layer("smoke", rate("availability", bad, good)), run_id=run_id, started=T0 + timedelta(hours=hours)
    )


def test_report_from_history_and_budget_on_burn_rate(history_location):
    path = history_location
    slo_budgets = budgets(
        {
            "slo.burn_rate{window:1h}": {"expr": "value < 14.4", "objective": "99.5%"},
            "smoke.availability": "rate >= 0%",
        }
    )
    with History(path) as h:
        for i in range(12):
            r = smoke_run(f"s{i}", i / 12, good=10, bad=0)
            h.record(r, judge(r, slo_budgets))
        ok, down_now = smoke_run("now-ok", 1.0, 10, 0), smoke_run("now-down", 1.0, 0, 10)
        healthy = attach_slo(ok, run_events(ok, h, SMOKE), 0.995)
        broken = attach_slo(down_now, run_events(down_now, h, SMOKE), 0.995)
    assert judge(healthy, slo_budgets).decision is Decision.GO
    down = judge(broken, slo_budgets)
    assert down.decision is Decision.NO_GO
    assert down.budgets[0].observed == pytest.approx((10 / 120) / 0.005)  # s1..s11 and now in (now - 1h, now]
    report = slo_report(path, "demo", source=SMOKE, now=T0 + timedelta(minutes=55))
    assert report.windows[2].window == "1h"
    assert report.windows[2].total == 120
    assert report.exit_code is ExitCode.GO
    assert slo_report(path, "staging", source=SMOKE).exit_code is ExitCode.INCONCLUSIVE


def test_slo_budget_without_history_is_inconclusive():
    lone = run(layer("e2e"))
    r = attach_slo(lone, run_events(lone, None, SMOKE), 0.995)
    v = judge(r, budgets({"slo.burn_rate{window:1h}": "value < 14.4"}))
    assert v.decision is Decision.INCONCLUSIVE


SMOKE = SloSource("smoke", "availability")
