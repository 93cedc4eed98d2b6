"""Availability and error-budget burn rates from the probe history.

Every stored run contributes the probes of the one layer metric whose spec says it feeds the
SLO (``LayerSpec.slo_metric``: a rate metric whose observations are 1 for an available probe,
0 otherwise; the smoke layer's ``availability``) at the moment the run started.
For a window ``w`` ending ``now``:

* availability(w) = good probes / all probes in ``(now - w, now]``;
* burn_rate(w) = (1 - availability(w)) / (1 - objective): 1 spends the error budget
  exactly over the SLO period, 14.4 spends a 30-day budget's 2 % in one hour;
* error_budget_remaining(w) = 1 - burn_rate(w).

Multi-window alerts (the SRE workbook's): page when the burn rate over **1 h and 5 m** is
both above **14.4**, or over **6 h and 30 m** both above **6**. The short window makes an
alert stop soon after the problem does.

``releasegate slo`` prints :func:`slo_report`; budgets gate on the ``slo`` metrics
(``slo.burn_rate{window:1h}``, ``slo.availability{window:1d}``), which :func:`attach_slo`
adds to a run before it is judged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from releasegate.exitcodes import ExitCode
from releasegate.gates.budgets import DEFAULT_OBJECTIVE
from releasegate.gates.catalog import SLO_WINDOWS
from releasegate.gates.history import History
from releasegate.gates.units import fmt_value
from releasegate.results import LayerResult, LayerStatus, MetricKind, RunResult, Samples
from releasegate.spec import SloSource

ALERT_POLICIES: tuple[tuple[str, str, float], ...] = (("1h", "5m", 14.4), ("6h", "30m", 6.0))
REPORT_WINDOWS = ("5m", "30m", "1h", "6h", "1d", "7d", "30d")


@dataclass(frozen=True)
class Event:
    """Probes observed at one moment."""

    at: datetime
    good: int
    total: int


@dataclass(frozen=True)
class WindowStat:
    window: str
    good: int
    total: int
    availability: float | None
    burn_rate: float | None

    @property
    def error_budget_remaining(self) -> float | None:
        return None if self.burn_rate is None else 1.0 - self.burn_rate


@dataclass(frozen=True)
class Alert:
    long_window: str
    short_window: str
    factor: float
    long_burn: float | None
    short_burn: float | None

    @property
    def firing(self) -> bool:
        return (
            self.long_burn is not None
            and self.short_burn is not None
            and self.long_burn > self.factor
            and self.short_burn > self.factor
        )


@dataclass(frozen=True)
class SloReport:
    environment: str
    objective: float
    now: datetime
    windows: list[WindowStat] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    source: SloSource | None = None

    @property
    def has_data(self) -> bool:
        return any(w.total for w in self.windows)

    @property
    def exit_code(self) -> ExitCode:
        """NO_GO while an alert fires, INCONCLUSIVE without any probe, else GO."""
        if any(a.firing for a in self.alerts):
            return ExitCode.NO_GO
        return ExitCode.GO if self.has_data else ExitCode.INCONCLUSIVE

    def render(self) -> str:
        lines = [
            f"SLO {fmt_value(self.objective, 'ratio')} availability for {self.environment} "
            f"at {self.now.isoformat(timespec='seconds')}",
            f"{'window':>7}  {'probes':>7}  {'availability':>12}  {'burn rate':>9}",
        ]
        for w in self.windows:
            burn = "n/a" if w.burn_rate is None else f"{w.burn_rate:.2f}x"
            lines.append(f"{w.window:>7}  {w.total:>7}  {fmt_value(w.availability, 'ratio'):>12}  {burn:>9}")
        for a in self.alerts:
            state = "FIRING" if a.firing else "ok"
            lines.append(
                f"alert {a.long_window}/{a.short_window} > {a.factor:g}x: {state} "
                f"({_burn(a.long_burn)} / {_burn(a.short_burn)})"
            )
        if not self.has_data:
            name, layer = _source_name(self.source), _layer(self.source)
            lines.append(f"no {name} data in the history: run the {layer} first")
        return "\n".join(lines)


def _source_name(source: SloSource | None) -> str:
    return f"{source.layer}.{source.metric}" if source else "availability"


def _layer(source: SloSource | None) -> str:
    return f"{source.layer} layer" if source else "layer that feeds the SLO"


def _burn(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def events_from_samples(at: datetime, samples: Iterable[Samples]) -> Event:
    good = total = 0
    for s in samples:
        total += s.count
        good += sum(1 for v in s.values if v) + sum(c for v, c in s.buckets if v)
    return Event(at, good, total)


def window_stat(events: Sequence[Event], window: str, objective: float, now: datetime) -> WindowStat:
    start = now - timedelta(seconds=SLO_WINDOWS[window])
    inside = [e for e in events if start < e.at <= now]
    good, total = sum(e.good for e in inside), sum(e.total for e in inside)
    if total == 0:
        return WindowStat(window, 0, 0, None, None)
    availability = good / total
    return WindowStat(window, good, total, availability, (1.0 - availability) / (1.0 - objective))


def burn_rate(events: Sequence[Event], window: str, objective: float, now: datetime) -> float | None:
    return window_stat(events, window, objective, now).burn_rate


def alerts(events: Sequence[Event], objective: float, now: datetime) -> list[Alert]:
    return [
        Alert(
            long,
            short,
            factor,
            burn_rate(events, long, objective, now),
            burn_rate(events, short, objective, now),
        )
        for long, short, factor in ALERT_POLICIES
    ]


def history_events(history: History, environment: str, source: SloSource | None) -> list[Event]:
    if source is None:
        return []
    return [
        events_from_samples(at, [s])
        for at, s in history.series_over_time(
            environment=environment, layer=source.layer, metric=source.metric
        )
    ]


def slo_report(
    history_location: str | Path,
    environment: str,
    *,
    source: SloSource | None,
    objective: float = DEFAULT_OBJECTIVE,
    now: datetime | None = None,
    windows: Sequence[str] = REPORT_WINDOWS,
) -> SloReport:
    """Availability and burn rates of ``environment`` from the history (what ``releasegate slo`` prints)."""
    with History(history_location) as history:
        events = history_events(history, environment, source)
    moment = now or (max(e.at for e in events) if events else datetime.now().astimezone())
    return dataclasses.replace(build_report(events, environment, objective, moment, windows), source=source)


def build_report(
    events: Sequence[Event],
    environment: str,
    objective: float,
    now: datetime,
    windows: Sequence[str] = REPORT_WINDOWS,
) -> SloReport:
    return SloReport(
        environment=environment,
        objective=objective,
        now=now,
        windows=[window_stat(events, w, objective, now) for w in windows],
        alerts=alerts(events, objective, now),
    )


def slo_layer(
    events: Sequence[Event], objective: float, now: datetime, source: SloSource | None = None
) -> LayerResult:
    """The ``slo`` pseudo-layer budgets are judged on: one gauge per window and metric."""
    samples = []
    for window in SLO_WINDOWS:
        stat = window_stat(events, window, objective, now)
        if stat.availability is None or stat.burn_rate is None:
            continue
        tags = {"window": window}
        samples += [
            Samples(
                metric="availability",
                kind=MetricKind.GAUGE,
                unit="ratio",
                tags=tags,
                values=[stat.availability],
            ),
            Samples(metric="burn_rate", kind=MetricKind.GAUGE, unit="", tags=tags, values=[stat.burn_rate]),
            Samples(
                metric="error_budget_remaining",
                kind=MetricKind.GAUGE,
                unit="ratio",
                tags=tags,
                values=[1.0 - stat.burn_rate],
            ),
        ]
    status = LayerStatus.OK if samples else LayerStatus.ERROR
    error = None if samples else f"no {_source_name(source)} data in the history for the SLO"
    return LayerResult(
        layer="slo",
        status=status,
        started_at=now,
        finished_at=now,
        samples=samples,
        error=error,
        meta={"objective": objective},
    )


def run_events(run: RunResult, history: History | None, source: SloSource | None) -> list[Event]:
    """The environment's availability events: the history's plus this run's own probes of the
    layer metric that feeds the SLO (``source``, declared by the layers' specs)."""
    if source is None:
        return []
    events = history_events(history, run.info.environment, source) if history is not None else []
    events = [e for e in events if e.at != run.info.started_at]
    probes = run.layer(source.layer)
    if probes is not None and probes.status is LayerStatus.OK:
        mine = [s for s in probes.samples if s.metric == source.metric]
        if mine:
            events.append(events_from_samples(run.info.started_at, mine))
    return events


def attach_slo(
    run: RunResult, events: list[Event], objective: float, source: SloSource | None = None
) -> RunResult:
    """A copy of ``run`` with the ``slo`` layer computed from availability events (see ``run_events``)."""
    layer = slo_layer(events, objective, run.info.started_at, source)
    info = run.info.model_copy(update={"layers": [*run.info.layers, "slo"]})
    return run.model_copy(update={"info": info, "layers": [*run.layers, layer]})
