"""Accuracy: exact percentiles against the raw truth, and a two-worker run merged exactly."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from releasegate.gates.aggregate import percentile, weighted
from releasegate.layers._load.profiles import Profile
from releasegate.results import LayerStatus
from releasegate.spec import RunOptions
from tests.load.conftest import run_layer

HERE = Path(__file__).parent


def _nearest_rank(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


@pytest.mark.integration
def test_two_workers_report_the_true_percentiles(
    delay_url: str, ctx_factory: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw_dir = tmp_path / "raw"
    raw_dir.mkdir()
    monkeypatch.setenv("RG_TEST_RAW_DIR", str(raw_dir))
    profile = Profile(users=8, spawn_rate=8, duration_s=6, max_duration_s=20, max_requests=50_000)
    ctx = ctx_factory(
        delay_url, profile, locustfile=str(HERE / "raw_locustfile.py"), options=RunOptions(workers=2)
    )
    result = run_layer(ctx)
    assert result.status is LayerStatus.OK, result.error
    truth: dict[str, list[float]] = defaultdict(list)
    files = list(raw_dir.glob("raw-*.txt"))
    assert len(files) == 2  # one per worker: the master sends nothing
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            name, ms = line.split("\t")
            truth[name].append(float(ms) / 1000.0)
    for name, values in truth.items():
        sample = next(
            s for s in result.samples if s.metric == "http_req_duration" and s.tags["endpoint"] == name
        )
        assert sample.count == len(values)  # every request of every worker merged, none lost
        pairs = weighted([], sample.buckets)
        for pct in (50.0, 95.0, 99.0):
            true = _nearest_rank(values, pct)
            got = percentile(pairs, pct)
            assert got is not None
            assert abs(got - true) <= 0.01 * true, (name, pct, got, true)
    fixed = next(
        s
        for s in result.samples
        if s.metric == "http_req_duration" and s.tags["endpoint"] == "GET /delay/200"
    )
    assert 0.200 <= (percentile(weighted([], fixed.buckets), 50.0) or 0) < 0.230
