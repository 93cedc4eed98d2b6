"""The layer's guards: production refusal, bad settings, fail-closed runs, results decoding."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from releasegate.config import Environment
from releasegate.errors import ConfigError, UsageError
from releasegate.layers import get
from releasegate.layers._load import collect, hdr, launcher
from releasegate.layers._load.profiles import LoadSettings, Profile, ServerMetrics
from releasegate.layers.load import SPEC
from releasegate.policy import Access, access
from releasegate.results import LayerStatus
from releasegate.spec import AbortRule, Policy, RunOptions
from tests.load.conftest import run_layer

TINY = Profile(users=1, spawn_rate=1, duration_s=2, max_duration_s=5, max_requests=100)


def test_spec_is_registered_and_declares_writes() -> None:
    assert get("load") is SPEC
    assert SPEC.policy is Policy.LOADS
    assert {"http_req_duration", "http_req_failed", "rps", "achieved_rate"} <= set(SPEC.metrics)


def test_production_is_refused_without_both_flags(ctx_factory: Callable[..., Any]) -> None:
    """The production policy (releasegate.policy) refuses load before the target starts."""
    for options in (RunOptions(), RunOptions(allow_production_load=True), RunOptions(max_rate=5)):
        ctx = ctx_factory("http://127.0.0.1:9", TINY, production=True, options=options)
        with pytest.raises(UsageError, match="production") as info:
            access(SPEC, ctx.environment, options)
        assert "--allow-production-load" in str(info.value.hint)
        assert "--max-rate" in str(info.value.hint)
    both = RunOptions(allow_production_load=True, max_rate=5)
    ctx = ctx_factory("http://127.0.0.1:9", TINY, production=True, options=both)
    assert access(SPEC, ctx.environment, both) is Access.FULL


def test_unknown_profile_is_refused_by_prepare_before_the_target_starts() -> None:
    with pytest.raises(ConfigError, match="did you mean 'average'") as info:
        SPEC.prepare(LoadSettings(), RunOptions(load_profile="averag"), Environment(name="e"))  # type: ignore[misc]
    assert info.value.key == "--profile"


def test_unknown_profile_and_locustfile_are_config_errors(ctx_factory: Callable[..., Any]) -> None:
    ctx = ctx_factory("http://127.0.0.1:9", TINY, options=RunOptions(load_profile="nope"))
    with pytest.raises(ConfigError, match="unknown load profile 'nope'"):
        run_layer(ctx)
    ctx = ctx_factory("http://127.0.0.1:9", TINY, locustfile="no/such/file.py")
    with pytest.raises(ConfigError, match="does not exist"):
        run_layer(ctx)


def test_abort_rule_outside_the_live_series_is_a_config_error(ctx_factory: Callable[..., Any]) -> None:
    rule = AbortRule(
        key="load.rps", expr="value > 1", metric="load.rps", aggregation="value", op=">", threshold=1
    )
    with pytest.raises(ConfigError, match="not in the live series"):
        run_layer(ctx_factory("http://127.0.0.1:9", TINY, abort_rules=[rule]))


def test_profiles_validate_their_shape() -> None:
    with pytest.raises(ValueError, match="either stages or an arrival_rate"):
        Profile.model_validate(
            {"arrival_rate": 5, "stages": [{"duration_s": 1, "users": 1, "spawn_rate": 1}]}
        )
    with pytest.raises(ValueError, match="extra"):
        LoadSettings.model_validate({"profiles": {"x": {"userz": 3}}})
    staged = Profile.model_validate(
        {
            "stages": [
                {"duration_s": 3, "users": 2, "spawn_rate": 2},
                {"duration_s": 4, "users": 9, "spawn_rate": 9},
            ]
        }
    )
    assert (staged.duration_s, staged.users) == (7, 9)


@pytest.mark.integration
def test_a_crashing_locustfile_is_an_error_never_a_pass(
    ctx_factory: Callable[..., Any], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('this locustfile is broken')\n", encoding="utf-8")
    result = run_layer(ctx_factory("http://127.0.0.1:9", TINY, locustfile=str(broken)))
    assert result.status is LayerStatus.ERROR
    assert result.error
    assert "wrote no results" in result.error


@pytest.mark.integration
def test_an_unreachable_target_is_an_error_or_all_failures(ctx_factory: Callable[..., Any]) -> None:
    result = run_layer(ctx_factory("http://127.0.0.1:9", TINY))
    if result.status is LayerStatus.OK:
        failed = [s for s in result.samples if s.metric == "http_req_failed"]
        assert failed
        assert all(s.buckets[1][1] > 0 and s.buckets[0][1] == 0 for s in failed)
    else:
        assert result.error


def _results(cells: list[list[Any]], spawn: float = 0.5, stop: float = 6.0) -> dict[str, Any]:
    return {"t0": 100.0, "stopped_at": 100.0 + stop, "spawn_complete_s": spawn, "cells": cells, "errors": {}}


def _cell(t: int, name: str, ok: int, failed: int, ms: float, *, lag_ms: float | None = None) -> list[Any]:
    h = hdr.new()
    for _ in range(ok + failed):
        hdr.record_ms(h, ms)
    lag = corr = None
    if lag_ms is not None:
        lh, ch = hdr.new(), hdr.new()
        hdr.record_ms(lh, lag_ms)
        hdr.record_ms(ch, ms + lag_ms)
        lag, corr = hdr.encode(lh), hdr.encode(ch)
    return [t, name, ok, failed, hdr.encode(h), lag, corr]


def test_samples_encode_rates_counts_and_achieved_rate() -> None:
    cells = [_cell(t, "GET /a", 18, 2, 10.0, lag_ms=5.0) for t in range(6)]
    results = _results(cells)
    samples = collect.client_samples(results, collect.endpoints(results), target_rate=40.0)
    by = {s.metric: s for s in samples}
    assert by["http_req_failed"].buckets == [(0.0, 108), (1.0, 12)]
    assert by["http_reqs"].values == [120.0]
    assert by["achieved_rate"].values[0] == pytest.approx(0.5)  # 20 per second of 40 wanted
    assert by["schedule_lag"].count == 6
    assert by["http_req_corrected"].count == 6
    assert len(by["http_req_duration"].timeline) == 6
    assert by["rps"].values[0] == pytest.approx(20.0)
    assert "achieved_rate" not in {
        s.metric for s in collect.client_samples(results, collect.endpoints(results), None)
    }


def test_a_run_decodes_each_histogram_of_the_results_once(
    ctx_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = [
        _cell(t, name, 9, 1, ms + t, lag_ms=2.0 + t)
        for t in range(5)
        for name, ms in (("GET /a", 10), ("GET /b", 50))
    ]
    results = {**_results(cells), "workers": {"missing": []}, "stop_reason": "duration", "aborted": None}

    def fake_locust(launch: launcher.Launch, progress: Any = None) -> launcher.Outcome:
        Path(launch.plan["out"]).write_text(json.dumps(results), encoding="utf-8")
        return launcher.Outcome(returncode=0, timed_out=False, logs=[], pids=[], seconds=0.1)

    decoded: Counter[str] = Counter()
    real_decode = hdr.decode

    def counting_decode(text: str) -> Any:
        decoded[text] += 1
        return real_decode(text)

    monkeypatch.setattr(launcher, "run", fake_locust)
    monkeypatch.setattr(hdr, "decode", counting_decode)
    ctx = ctx_factory("http://127.0.0.1:9", TINY)
    ctx.settings = ctx.settings.model_copy(update={"server_metrics": ServerMetrics(enabled=False)})
    result = run_layer(ctx)

    assert result.status is LayerStatus.OK, result.error
    assert set(decoded) == {h for cell in cells for h in cell[4:]}
    assert sum(decoded.values()) == 3 * len(cells)  # duration, lag and corrected: once each
    durations = [s for s in result.samples if s.metric == "http_req_duration"]
    assert [len(s.timeline) for s in durations] == [5, 5]
    assert {r.check for r in result.records} >= {"GET /a", "GET /b"}
