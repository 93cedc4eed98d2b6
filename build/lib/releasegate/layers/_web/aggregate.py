"""From the runs of one page to samples for gates and records for people.

Every run contributes one value to each sample, so gates aggregate over runs (``median``
by default, ``max`` for a pessimistic budget). Records show each metric's runs, their
median and spread, and link every run's JSON and HTML report. A page whose runs disagree
on a metric by more than ``unstable_spread`` of its median (and by more than
``unstable_min_delta_s`` for timings) is flagged ``flaky`` rather than silently averaged.
A page with a failed run yields an error record and no samples at all.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from releasegate.layers._web.parse import CATEGORIES, RESOURCE_TYPES, VITALS, PageRun
from releasegate.layers._web.settings import WebSettings
from releasegate.results import Finding, Measurement, MetricKind, Record, Samples, Status, shareable

LAYER = "web"
UNITS: dict[str, str] = {name: ("" if name == "cumulative_layout_shift" else "s") for name in VITALS}
LABELS: dict[str, str] = {
    "largest_contentful_paint": "Largest Contentful Paint",
    "cumulative_layout_shift": "Cumulative Layout Shift",
    "total_blocking_time": "Total Blocking Time",
    "first_contentful_paint": "First Contentful Paint",
    "speed_index": "Speed Index",
}


@dataclass
class PageOutcome:
    """Everything measured (or not) for one page under one preset."""

    page: str
    preset: str
    url: str
    runs: list[PageRun] = field(default_factory=list)
    artifacts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def tags(self) -> dict[str, str]:
        return {"page": self.page, "preset": self.preset}

    @property
    def failed(self) -> bool:
        return bool(self.errors) or not self.runs


@dataclass(frozen=True)
class Spread:
    low: float
    high: float
    median: float

    @property
    def relative(self) -> float:
        if self.median == 0:
            return 0.0 if self.high == self.low else float("inf")
        return (self.high - self.low) / abs(self.median)


def spread(values: Sequence[float]) -> Spread:
    return Spread(min(values), max(values), float(statistics.median(values)))


def samples_for(outcome: PageOutcome) -> list[Samples]:
    """One value per run for every metric; nothing for a page with a failed run."""
    if outcome.failed:
        return []
    runs, tags = outcome.runs, outcome.tags
    out = [
        Samples(
            metric=name,
            kind=MetricKind.TREND,
            unit=UNITS[name],
            tags=tags,
            values=[r.vitals[name] for r in runs],
        )
        for name in VITALS
    ]
    out += [
        Samples(
            metric="score",
            kind=MetricKind.TREND,
            unit="ratio",
            tags={**tags, "category": cat},
            values=[r.scores[cat] for r in runs],
        )
        for cat in CATEGORIES
    ]
    for kind in RESOURCE_TYPES:
        typed = {**tags, "type": kind}
        out.append(
            Samples(
                metric="resource_size",
                kind=MetricKind.TREND,
                unit="B",
                tags=typed,
                values=[r.sizes[kind] for r in runs],
            )
        )
        out.append(
            Samples(
                metric="resource_count",
                kind=MetricKind.TREND,
                unit="",
                tags=typed,
                values=[r.counts[kind] for r in runs],
            )
        )
    return out


def unstable_metrics(outcome: PageOutcome, settings: WebSettings) -> dict[str, Spread]:
    """The metrics on which this page's runs disagree beyond the configured threshold."""
    if outcome.failed or len(outcome.runs) < 2:
        return {}
    found: dict[str, Spread] = {}
    for name in settings.unstable_metrics:
        if name not in VITALS:
            continue
        s = spread([r.vitals[name] for r in outcome.runs])
        floor = settings.unstable_min_delta_s if UNITS[name] == "s" else 0.0
        if s.relative > settings.unstable_spread and (s.high - s.low) > floor:
            found[name] = s
    return found


def _measurements(values: Sequence[float], unit: str) -> list[Measurement]:
    s = spread(values)
    out = [Measurement(name=f"run {i}", value=v, unit=unit) for i, v in enumerate(values, start=1)]
    out += [
        Measurement(name="median", value=s.median, unit=unit),
        Measurement(name="min", value=s.low, unit=unit),
        Measurement(name="max", value=s.high, unit=unit),
        Measurement(
            name="spread", value=round(s.relative, 4) if s.relative != float("inf") else 1e9, unit="ratio"
        ),
    ]
    return out


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "ratio":
        return f"{value:.2f}"
    return f"{value:.3f}"


def records_for(outcome: PageOutcome, settings: WebSettings) -> list[Record]:
    """Records per page per metric, or one error record for a page that could not be measured."""
    where = f"{outcome.page} ({outcome.preset})"
    if outcome.failed:
        why = "; ".join(outcome.errors) or "no run produced a report"
        return [
            Record(
                layer=LAYER,
                check=f"{outcome.preset} {outcome.page}",
                status=Status.ERROR,
                message=f"{where} could not be measured: {why}",
                tags=outcome.tags,
                artifacts=list(outcome.artifacts),
                duration_s=outcome.duration_s,
                reproduction=_repro(outcome),
            )
        ]
    unstable = unstable_metrics(outcome, settings)
    records: list[Record] = []
    for name in VITALS:
        values = [r.vitals[name] for r in outcome.runs]
        s, unit = spread(values), UNITS[name]
        message = f"{LABELS[name]} on {where}: median {_fmt(s.median, unit)} over {len(values)} run(s)"
        message += f", {_fmt(s.low, unit)}-{_fmt(s.high, unit)}"
        status = Status.PASS
        if name in unstable:
            status = Status.FLAKY
            message += (
                f"; UNSTABLE: runs differ by {s.relative:.0%} of the median "
                f"(threshold {settings.unstable_spread:.0%}), so the median is not to be trusted"
            )
        records.append(_record(outcome, name, status, message, _measurements(values, unit)))
    blamed = outcome.runs[len(outcome.runs) // 2].blamed
    for cat in CATEGORIES:
        values = [r.scores[cat] for r in outcome.runs]
        message = f"{cat} score on {where}: median {spread(values).median:.2f}"
        if cat == "performance" and blamed:
            message += "; Lighthouse points at: " + "; ".join(blamed)
        records.append(
            _record(
                outcome,
                f"score {cat}",
                Status.PASS,
                message,
                _measurements(values, "ratio"),
                extra={"category": cat},
            )
        )
    weights = [
        Measurement(
            name=f"{kind} bytes (median)",
            value=spread([r.sizes[kind] for r in outcome.runs]).median,
            unit="B",
        )
        for kind in RESOURCE_TYPES
    ] + [
        Measurement(
            name=f"{kind} requests (median)", value=spread([r.counts[kind] for r in outcome.runs]).median
        )
        for kind in RESOURCE_TYPES
    ]
    total = weights[0].value
    records.append(
        _record(
            outcome,
            "resources",
            Status.PASS,
            f"page weight of {where}: {total / 1000:.0f} KB transferred",
            weights,
        )
    )
    return records


def _record(
    outcome: PageOutcome,
    metric: str,
    status: Status,
    message: str,
    measurements: list[Measurement],
    *,
    extra: dict[str, str] | None = None,
) -> Record:
    return Record(
        layer=LAYER,
        check=f"{outcome.preset} {outcome.page} {metric}",
        status=status,
        message=message,
        tags={**outcome.tags, "metric": metric.split(" ", maxsplit=1)[0], **(extra or {})},
        measurements=measurements,
        artifacts=list(outcome.artifacts),
        duration_s=outcome.duration_s,
        reproduction=_repro(outcome),
    )


def _repro(outcome: PageOutcome) -> str:
    preset = " --preset=desktop" if outcome.preset == "desktop" else ""
    return (
        f"CHROME_PATH=/usr/bin/chromium npx lighthouse {outcome.url}{preset} --view "
        '--chrome-flags="--headless=new --no-sandbox"'
    )


def findings_for(outcome: PageOutcome) -> list[Finding]:
    """What each metric measured on this page (page x metric), with every run's Lighthouse HTML
    report: gates show the ones whose budget failed. A page that could not be measured is one
    finding of its own."""
    where = f"{outcome.page} ({outcome.preset})"
    reports = shareable(a for a in outcome.artifacts if a.endswith(".html")) or shareable(outcome.artifacts)
    base = {
        "layer": LAYER,
        "where": where,
        "evidence": reports,
        "reproduce": _repro(outcome),
        "duration_s": outcome.duration_s,
    }
    if outcome.failed:
        why = "; ".join(outcome.errors) or "no run produced a report"
        return [Finding(**base, kind="page_error", what=f"could not be measured: {why}", tags=outcome.tags)]
    runs = outcome.runs
    out: list[Finding] = []

    def add(
        metric: str, label: str, values: list[float], unit: str, tags: dict[str, str], *, note: str = ""
    ) -> None:
        s = spread(values)
        what = f"{label}: median {_fmt_any(s.median, unit)} over {len(values)} run(s)"
        if len(values) > 1:
            what += f" ({_fmt_any(s.low, unit)}-{_fmt_any(s.high, unit)})"
        out.append(
            Finding(
                **base,
                kind="measured",
                what=what + note,
                count=len(values),
                metric=metric,
                tags={**outcome.tags, **tags},
            )
        )

    for name in VITALS:
        add(name, LABELS[name], [r.vitals[name] for r in runs], UNITS[name], {})
    blamed = runs[len(runs) // 2].blamed
    for cat in CATEGORIES:
        note = "; Lighthouse points at: " + "; ".join(blamed) if cat == "performance" and blamed else ""
        add("score", f"{cat} score", [r.scores[cat] for r in runs], "ratio", {"category": cat}, note=note)
    for kind in RESOURCE_TYPES:
        add("resource_size", f"{kind} bytes", [r.sizes[kind] for r in runs], "B", {"type": kind})
        add("resource_count", f"{kind} requests", [r.counts[kind] for r in runs], "", {"type": kind})
    return out


def _fmt_any(value: float, unit: str) -> str:
    if unit == "B":
        return f"{value / 1000:.0f} KB"
    if unit == "":
        return f"{value:g}"
    return _fmt(value, unit)
