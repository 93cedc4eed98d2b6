"""Synthetic layer specs and run results for the gates' unit tests (gates are pure: no tools needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from releasegate.config import Config
from releasegate.gates.budgets import BudgetSet, parse_budgets
from releasegate.gates.catalog import build_catalog
from releasegate.results import (
    LayerResult,
    LayerStatus,
    MetricKind,
    Record,
    RunInfo,
    RunResult,
    Samples,
    Status,
    TimePoint,
)
from releasegate.spec import LayerContext, LayerSettings, LayerSpec, MetricSpec

T0 = datetime(2025, 1, 15, 12, 0, 0, tzinfo=UTC)


def _never_run(ctx: LayerContext) -> LayerResult:
    raise AssertionError("unit tests never run a layer")


def _spec(name: str, metrics: dict[str, MetricSpec], slo_metric: str | None = None) -> LayerSpec:
    return LayerSpec(
        name=name,
        summary=name,
        settings_model=LayerSettings,
        metrics=metrics,
        run=_never_run,
        slo_metric=slo_metric,
    )


LAYERS: dict[str, LayerSpec] = {
    "smoke": _spec(
        "smoke",
        {
            "availability": MetricSpec(MetricKind.RATE, "ratio", "probe succeeded", ("check",)),
            "response_time": MetricSpec(MetricKind.TREND, "s", "probe latency", ("check",)),
            "failed": MetricSpec(MetricKind.COUNTER, "", "failed probes", ("check",)),
        },
        slo_metric="availability",
    ),
    "load": _spec(
        "load",
        {
            "http_req_duration": MetricSpec(
                MetricKind.TREND, "s", "latency", ("endpoint", "method", "persona")
            ),
            "http_req_failed": MetricSpec(
                MetricKind.RATE, "ratio", "failed requests", ("endpoint", "method")
            ),
            "http_reqs": MetricSpec(MetricKind.COUNTER, "", "requests", ("endpoint",)),
            "data_received": MetricSpec(MetricKind.COUNTER, "B", "bytes received", ("endpoint",)),
            "vus": MetricSpec(MetricKind.GAUGE, "", "virtual users", ()),
        },
    ),
    "web": _spec(
        "web",
        {
            "largest_contentful_paint": MetricSpec(MetricKind.TREND, "s", "LCP", ("page",)),
            "cumulative_layout_shift": MetricSpec(MetricKind.TREND, "", "CLS", ("page",)),
            "total_blocking_time": MetricSpec(MetricKind.TREND, "s", "TBT", ("page",)),
            "total_byte_weight": MetricSpec(MetricKind.GAUGE, "B", "page weight", ("page",)),
            "performance_score": MetricSpec(MetricKind.GAUGE, "ratio", "score", ("page",)),
        },
    ),
    "contract": _spec(
        "contract",
        {
            "failures": MetricSpec(MetricKind.COUNTER, "", "failed checks", ("check", "operation")),
        },
    ),
    "e2e": _spec(
        "e2e",
        {
            "failed": MetricSpec(MetricKind.COUNTER, "", "failed scenarios", ("persona", "scenario")),
            "flaky": MetricSpec(MetricKind.COUNTER, "", "flaky scenarios", ("persona", "scenario")),
            "scenario_duration": MetricSpec(MetricKind.TREND, "s", "scenario time", ("persona", "scenario")),
        },
    ),
}
CATALOG = build_catalog(LAYERS)


def budgets(raw: dict[str, Any]) -> BudgetSet:
    return parse_budgets(raw, CATALOG)


def config(raw_budgets: dict[str, Any] | None = None, **kw: Any) -> Config:
    return Config(budgets=raw_budgets or {}, **kw)


def trend(metric: str, values: list[float], unit: str = "s", **tags: str) -> Samples:
    return Samples(metric=metric, kind=MetricKind.TREND, unit=unit, tags=tags, values=values)


def rate(metric: str, good: int, bad: int, **tags: str) -> Samples:
    return Samples(
        metric=metric, kind=MetricKind.RATE, unit="ratio", tags=tags, values=[1.0] * bad + [0.0] * good
    )


def counter(metric: str, total: float, unit: str = "", **tags: str) -> Samples:
    return Samples(metric=metric, kind=MetricKind.COUNTER, unit=unit, tags=tags, values=[total])


def layer(
    name: str,
    *samples: Samples,
    status: LayerStatus = LayerStatus.OK,
    records: list[Record] | None = None,
    error: str | None = None,
    seconds: float = 60.0,
    **kw: Any,
) -> LayerResult:
    return LayerResult(
        layer=name,
        status=status,
        samples=list(samples),
        records=records or [],
        error=error,
        started_at=T0,
        finished_at=T0 + timedelta(seconds=seconds),
        **kw,
    )


def run(
    *layers: LayerResult,
    run_id: str = "run-1",
    environment: str = "demo",
    stage: str = "pre-deploy",
    commit: str | None = "abc1234",
    started: datetime = T0,
    **info: Any,
) -> RunResult:
    names = info.pop("layers", [lr.layer for lr in layers])
    return RunResult(
        info=RunInfo(
            run_id=run_id,
            environment=environment,
            stage=stage,
            base_url="http://127.0.0.1:8000",
            layers=names,
            commit=commit,
            started_at=started,
            finished_at=started + timedelta(minutes=2),
            releasegate_version="0.1.0",
            **info,
        ),
        layers=list(layers),
    )


def failing_record(layer_name: str, check: str, **tags: str) -> Record:
    return Record(
        layer=layer_name,
        check=check,
        status=Status.FAIL,
        message="boom",
        tags=tags,
        artifacts=[f"{layer_name}/{check.replace(' ', '_').replace('/', '_')}.png"],
        reproduction=f"curl -sS http://127.0.0.1:8000{check.rsplit(' ', maxsplit=1)[-1]}",
    )


def timeline(values_per_second: list[list[float]]) -> list[TimePoint]:
    return [TimePoint(t=float(i), values=v) for i, v in enumerate(values_per_second)]
