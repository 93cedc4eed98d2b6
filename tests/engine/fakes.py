"""Fake layers for unit tests of the engine and CLI (the tools are not the point there)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from releasegate import layers as registry
from releasegate.results import LayerResult, LayerStatus, MetricKind, Record, Samples, Status
from releasegate.spec import LayerContext, LayerSettings, LayerSpec, MetricSpec, Policy

METRICS = {"checks_failed": MetricSpec(MetricKind.COUNTER, "", "failing checks", ("check",))}


class FakeSettings(LayerSettings):
    timeout_s: float = 5.0
    knob: int = 1


def passing(ctx: LayerContext) -> LayerResult:
    ctx.progress("working")
    return LayerResult(
        layer="smoke",
        status=LayerStatus.OK,
        records=[Record(layer="smoke", check="ok", status=Status.PASS, message="fine")],
        samples=[Samples(metric="checks_failed", kind=MetricKind.COUNTER, values=[0.0])],
    )


def failing(ctx: LayerContext) -> LayerResult:
    return LayerResult(
        layer="contract",
        status=LayerStatus.OK,
        records=[
            Record(
                layer="contract", check="GET /x", status=Status.FAIL, message="GET /x: expected 200, saw 500"
            )
        ],
    )


def crashing(ctx: LayerContext) -> LayerResult:
    raise RuntimeError("tool exploded")


def empty(ctx: LayerContext) -> LayerResult:
    return LayerResult(layer="web", status=LayerStatus.OK)


def slow(ctx: LayerContext) -> LayerResult:
    time.sleep(3)
    return passing(ctx)


def leaky(ctx: LayerContext) -> LayerResult:
    ctx.progress(f"using token {ctx.secrets[0]}")
    result = passing(ctx)
    result.records[0].message = f"sent Authorization: Bearer {ctx.secrets[0]}"
    return result


def spec(
    name: str, run: Callable[[LayerContext], LayerResult], *, policy: Policy = Policy.READS
) -> LayerSpec:
    return LayerSpec(name, f"fake {name}", FakeSettings, METRICS, run, policy)


@contextmanager
def fake_layers(monkeypatch: pytest.MonkeyPatch, specs: dict[str, LayerSpec]) -> Iterator[None]:
    monkeypatch.setattr(registry, "get", lambda name: specs[name] if name in specs else _missing(name))
    monkeypatch.setattr(registry, "available", lambda: dict(specs))
    yield


def _missing(name: str) -> LayerSpec:
    raise ModuleNotFoundError(f"no layer {name}", name=f"releasegate.layers.{name}")


def failing_smoke(ctx: LayerContext) -> LayerResult:
    return LayerResult(
        layer="smoke",
        status=LayerStatus.OK,
        records=[
            Record(layer="smoke", check="health", status=Status.FAIL, message="health: expected 2xx, saw 503")
        ],
        samples=[
            Samples(metric="checks_failed", kind=MetricKind.COUNTER, tags={"check": "health"}, values=[1.0])
        ],
    )
