"""Monthly availability (the SLA report) from the scheduled probes in the history. Pure.

Counted by time, not by probe: each probe run covers the interval from its start until the
next run, at most ``interval`` (the schedule's period); a longer gap is *unknown* (neither up
nor down), as is the time before the first and after the last covered interval. A run whose
probes partly failed counts that share of its interval as down (``good / total`` of it up).

* availability = up / (up + down), the share of the observed time that was up;
* downtime = down time; the error budget allowed = (1 - objective) x the calendar month;
  used = downtime; remaining = allowed - used (negative once overspent);
* incidents = maximal runs of consecutive covered intervals with a failed probe (an unknown
  gap ends one), with their start, end, duration and the checks that failed;
* met = availability >= objective; None when nothing in the month was observed (never a pass).

``releasegate sla`` renders :func:`monthly_report` as Markdown, HTML or JSON.
"""

from __future__ import annotations

import itertools
import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

from releasegate.gates.history import History
from releasegate.gates.units import fmt_value
from releasegate.spec import SloSource

DEFAULT_INTERVAL_S = 300.0  # the uptime workflow's schedule: every five minutes


@dataclass(frozen=True)
class ProbeRun:
    """One scheduled run's probes: how many were good, and which checks failed."""

    at: datetime
    good: int
    total: int
    failing: tuple[str, ...] = ()

    @property
    def up_share(self) -> float:
        return self.good / self.total if self.total else 0.0


@dataclass(frozen=True)
class Incident:
    start: datetime
    end: datetime
    failing: tuple[str, ...]

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class SlaReport:
    environment: str
    month: str  # YYYY-MM
    start: datetime
    end: datetime
    objective: float
    interval_s: float
    up_s: float
    down_s: float
    probes: int
    incidents: list[Incident] = field(default_factory=list)

    @property
    def period_s(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def observed_s(self) -> float:
        return self.up_s + self.down_s

    @property
    def unknown_s(self) -> float:
        return max(0.0, self.period_s - self.observed_s)

    @property
    def availability(self) -> float | None:
        return self.up_s / self.observed_s if self.observed_s > 0 else None

    @property
    def budget_allowed_s(self) -> float:
        return (1.0 - self.objective) * self.period_s

    @property
    def budget_remaining_s(self) -> float:
        return self.budget_allowed_s - self.down_s

    @property
    def met(self) -> bool | None:
        a = self.availability
        return None if a is None else a >= self.objective

    def to_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "month": self.month,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "objective": self.objective,
            "interval_s": self.interval_s,
            "probes": self.probes,
            "availability": self.availability,
            "observed_minutes": round(self.observed_s / 60, 3),
            "unknown_minutes": round(self.unknown_s / 60, 3),
            "downtime_minutes": round(self.down_s / 60, 3),
            "error_budget": {
                "allowed_minutes": round(self.budget_allowed_s / 60, 3),
                "used_minutes": round(self.down_s / 60, 3),
                "remaining_minutes": round(self.budget_remaining_s / 60, 3),
            },
            "met": self.met,
            "incidents": [
                {
                    "start": i.start.isoformat(),
                    "end": i.end.isoformat(),
                    "duration_minutes": round(i.duration_s / 60, 3),
                    "failing": list(i.failing),
                }
                for i in self.incidents
            ],
        }


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """``"2026-11"`` -> its first instant and the first instant of the next month, in UTC."""
    try:
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"{month!r} is not a month like 2026-11") from None
    nxt = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, nxt


def infer_interval(runs: Sequence[ProbeRun], default_s: float = DEFAULT_INTERVAL_S) -> float:
    """The schedule's period: the median gap between consecutive runs (``default_s`` with fewer than 3)."""
    stamps = sorted(r.at for r in runs)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(stamps) if b > a]
    return float(statistics.median(gaps)) if len(gaps) >= 2 else default_s


def compute(
    runs: Iterable[ProbeRun],
    *,
    environment: str,
    month: str,
    objective: float,
    interval_s: float,
    now: datetime | None = None,
) -> SlaReport:
    """The month's figures from ``runs`` (any order; runs outside the month only cover into it)."""
    start, end = month_bounds(month)
    if now is not None:
        end = max(start, min(end, now))
    ordered = sorted(runs, key=lambda r: r.at)
    up = down = 0.0
    incidents: list[Incident] = []
    current: tuple[datetime, datetime, list[str]] | None = None
    probes = 0
    for i, run in enumerate(ordered):
        nxt = ordered[i + 1].at if i + 1 < len(ordered) else None
        covers_until = run.at + timedelta(seconds=interval_s)
        if nxt is not None and nxt - run.at <= timedelta(seconds=interval_s):
            covers_until = nxt
        lo, hi = max(run.at, start), min(covers_until, end)
        if start <= run.at < end:
            probes += 1
        if hi <= lo or run.total == 0:
            continue
        seconds = (hi - lo).total_seconds()
        up += seconds * run.up_share
        down += seconds * (1.0 - run.up_share)
        failed = run.good < run.total
        if failed and current is not None and current[1] == lo:
            current = (current[0], hi, current[2] + [c for c in run.failing if c not in current[2]])
        elif failed:
            if current is not None:
                incidents.append(Incident(current[0], current[1], tuple(current[2])))
            current = (lo, hi, list(run.failing))
        elif current is not None:
            incidents.append(Incident(current[0], current[1], tuple(current[2])))
            current = None
    if current is not None:
        incidents.append(Incident(current[0], current[1], tuple(current[2])))
    return SlaReport(
        environment=environment,
        month=month,
        start=start,
        end=end,
        objective=objective,
        interval_s=interval_s,
        up_s=up,
        down_s=down,
        probes=probes,
        incidents=incidents,
    )


def history_runs(history: History, environment: str, source: SloSource | None) -> list[ProbeRun]:
    """Each stored run's probes of the SLO source metric, with the checks that failed."""
    if source is None:
        return []
    per_run: dict[datetime, tuple[int, int, list[str]]] = {}
    for at, s in history.series_over_time(environment=environment, layer=source.layer, metric=source.metric):
        good = int(sum(c for v, c in s.buckets if v) + sum(1 for v in s.values if v))  # 1 = available
        total = s.count
        good_so_far, total_so_far, failing = per_run.get(at, (0, 0, []))
        if good < total:
            failing = [*failing, s.tags.get("check") or source.metric]
        per_run[at] = (good_so_far + good, total_so_far + total, failing)
    return [ProbeRun(at, g, t, tuple(f)) for at, (g, t, f) in sorted(per_run.items())]


def monthly_report(
    history_location: str | Path,
    environment: str,
    *,
    source: SloSource | None,
    month: str,
    objective: float,
    interval_s: float | None = None,
    now: datetime | None = None,
) -> SlaReport:
    with History(history_location) as history:
        runs = history_runs(history, environment, source)
    interval = interval_s if interval_s is not None else infer_interval(runs)
    return compute(
        runs, environment=environment, month=month, objective=objective, interval_s=interval, now=now
    )


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else fmt_value(value, "ratio")


def _verdict(report: SlaReport) -> str:
    return {True: "✅ objective met", False: "❌ objective missed", None: "❔ no data: nothing was observed"}[
        report.met
    ]


def render_markdown(report: SlaReport) -> str:
    r = report
    lines = [
        f"## SLA {r.month} · `{r.environment}`: {_verdict(r)}",
        "",
        "| | |",
        "|---|---|",
        f"| availability | **{_pct(r.availability)}** (objective {_pct(r.objective)}) |",
        f"| downtime | {_minutes(r.down_s)} |",
        f"| error budget | allowed {_minutes(r.budget_allowed_s)} · used {_minutes(r.down_s)} · "
        f"remaining {_minutes(r.budget_remaining_s)} |",
        f"| observed | {_minutes(r.observed_s)} of {_minutes(r.period_s)} ({r.probes} probe runs, "
        f"interval {fmt_value(r.interval_s, 's')}); unknown {_minutes(r.unknown_s)} |",
        "",
    ]
    if r.incidents:
        lines += ["| incident start | end | duration | failing checks |", "|---|---|---|---|"]
        lines += [
            f"| {i.start:%Y-%m-%d %H:%M:%S} | {i.end:%Y-%m-%d %H:%M:%S} | {_minutes(i.duration_s)} | "
            f"{', '.join(i.failing) or 'n/a'} |"
            for i in r.incidents
        ]
    else:
        lines.append("No incidents.")
    return "\n".join(lines) + "\n"


def render_html(report: SlaReport) -> str:
    r = report
    rows = "".join(
        f"<tr><td>{i.start:%Y-%m-%d %H:%M:%S}</td><td>{i.end:%Y-%m-%d %H:%M:%S}</td>"
        f"<td>{_minutes(i.duration_s)}</td>"
        f"<td>{escape(', '.join(i.failing) or 'n/a')}</td></tr>"
        for i in r.incidents
    )
    incidents = (
        f"<table><tr><th>start</th><th>end</th><th>duration</th><th>failing checks</th></tr>{rows}</table>"
        if rows
        else "<p>No incidents.</p>"
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>SLA {escape(r.month)} {escape(r.environment)}</title></head><body>"
        f"<h1>SLA {escape(r.month)} · {escape(r.environment)}: {escape(_verdict(r))}</h1>"
        f"<p>availability <b>{_pct(r.availability)}</b> (objective {_pct(r.objective)}); downtime "
        f"{_minutes(r.down_s)}; error budget allowed {_minutes(r.budget_allowed_s)}, "
        f"used {_minutes(r.down_s)}, "
        f"remaining {_minutes(r.budget_remaining_s)}; unknown {_minutes(r.unknown_s)}</p>"
        f"{incidents}</body></html>\n"
    )


def render_json(report: SlaReport) -> str:
    return json.dumps(report.to_dict(), indent=2) + "\n"
