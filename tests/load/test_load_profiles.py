"""Staged profiles and the rate cap, end to end: real Locust against the real promptlib."""

from __future__ import annotations

import statistics
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from releasegate.layers._load.profiles import DEFAULT_PROFILES, Profile, Stage
from releasegate.results import LayerStatus
from releasegate.spec import RunOptions
from tests.load.conftest import run_layer

ROOT = Path(__file__).resolve().parents[2]

SPIKE = Profile(
    stages=[
        Stage(duration_s=4, users=1, spawn_rate=1),
        Stage(duration_s=5, users=8, spawn_rate=8),
        Stage(duration_s=4, users=1, spawn_rate=8),
    ],
    think_time_s=(0.1, 0.1),
    max_duration_s=40,
    max_requests=20_000,
)


def _per_second(result: Any) -> list[tuple[float, float]]:
    rps = next(s for s in result.samples if s.metric == "rps")
    return [(p.t, p.values[0]) for p in rps.timeline]


def _median_between(points: list[tuple[float, float]], lo: float, hi: float) -> float:
    inside = [n for t, n in points if lo <= t <= hi]
    assert inside, f"no seconds between {lo} and {hi}: {points}"
    return statistics.median(inside)


@pytest.mark.integration
@pytest.mark.slow
def test_a_spike_profile_raises_and_lowers_the_load_stage_by_stage(
    promptlib: Any, ctx_factory: Callable[..., Any]
) -> None:
    result = run_layer(ctx_factory(promptlib.url, SPIKE))
    assert result.status is LayerStatus.OK, result.error
    assert result.meta["stop_reason"] == "duration"
    points = _per_second(result)
    t0 = points[0][0]
    before = _median_between(points, t0 + 1, t0 + 3)
    spike = _median_between(points, t0 + 6, t0 + 8)
    after = _median_between(points, t0 + 11, t0 + 12)
    assert spike > 3 * before, points
    assert spike > 3 * after, points


@pytest.mark.integration
@pytest.mark.slow
def test_the_rate_cap_paces_users_that_would_go_flat_out(
    promptlib: Any, ctx_factory: Callable[..., Any]
) -> None:
    flat_out = Profile(users=4, spawn_rate=4, duration_s=8, max_duration_s=20, max_requests=100_000)
    result = run_layer(ctx_factory(promptlib.url, flat_out, options=RunOptions(max_rate=10)))
    assert result.status is LayerStatus.OK, result.error
    assert result.meta["stop_reason"] == "duration"
    steady = [n for _, n in _per_second(result)[1:-1]]
    assert steady, _per_second(result)
    assert statistics.median(steady) <= 12.5


@pytest.mark.integration
@pytest.mark.slow
def test_the_rate_cap_stops_journeys_whose_requests_outrun_it(
    promptlib: Any, ctx_factory: Callable[..., Any]
) -> None:
    journeys = Profile(users=4, spawn_rate=4, duration_s=30, max_duration_s=40, max_requests=100_000)
    ctx = ctx_factory(promptlib.url, journeys, locustfile="promptlib", options=RunOptions(max_rate=3))
    result = run_layer(ctx)
    assert result.status is LayerStatus.OK, result.error
    assert result.meta["stop_reason"] == "max_rate"
    assert any(r.check == "caps" and "max_rate" in r.message for r in result.records)
    seconds = [t for t, _ in _per_second(result)]
    assert max(seconds) - min(seconds) < 20


def _shipped() -> dict[str, Profile]:
    toml = tomllib.loads((ROOT / "releasegate.toml").read_text(encoding="utf-8"))
    in_file = toml["layers"]["load"]["profiles"]
    return {
        **{f"default {n}": p for n, p in DEFAULT_PROFILES.items()},
        **{f"releasegate.toml {n}": Profile.model_validate(p) for n, p in in_file.items()},
    }


@pytest.mark.parametrize(("name", "profile"), sorted(_shipped().items()))
def test_shipped_profiles_fit_under_their_own_caps(name: str, profile: Profile) -> None:
    assert profile.duration_s <= profile.max_duration_s, f"{name}: the duration cap would cut it short"
    if profile.arrival_rate:
        expected = profile.arrival_rate * profile.duration_s
        assert expected <= profile.max_requests, f"{name}: the request cap would cut it short"
