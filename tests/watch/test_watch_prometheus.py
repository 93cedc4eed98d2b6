"""The watch layer against a real Prometheus scraping promptlib, redeployed on the same port.

Each case: clean traffic long enough for a baseline window, a deploy (the process replaced,
possibly with a fault), then ``releasegate run --stage post-deploy --layers smoke,watch``
while the traffic goes on. The smoke probes never touch /api/tags, so a fault there is seen
only by the service's own metrics.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.watch.helpers import (
    PROMETHEUS,
    Deployment,
    Prometheus,
    Traffic,
    budget,
    layer,
    prometheus,
    release,
)
from tests.watch.helpers import write_config as _write

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(PROMETHEUS is None, reason="Debian's prometheus package is not installed (make deps)"),
]

WATCH_S = 10.0
# A freshly started process on a busy two-core runner answers slower for a while: the latency
# budget leaves room for that; 300 ms added by the latency fault is far beyond it.
BUDGETS = """\
"smoke.checks_failed" = "count == 0"
"watch.error_rate" = "rate < 0.5%"
"watch.latency{route:*}" = { expr = "median < baseline * 2 + 150ms", allow_missing = true }
"""


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    d = Deployment()
    d.deploy()
    yield d
    d.stop()


@pytest.fixture(scope="module")
def prom(deployment: Deployment, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prometheus]:
    with prometheus(f"127.0.0.1:{deployment.port}", tmp_path_factory.mktemp("prometheus")) as server:
        server.wait_for_target()
        yield server


def _config(tmp_path: Path, prom_url: str) -> Path:
    settings = {
        "duration_s": WATCH_S,
        "interval_s": 1.0,
        "timeout_s": 60.0,
        "min_requests": 50,
        "prometheus_url": prom_url,
        "selector": '{job="api"}',
        "rate_window": "5s",
    }
    return _write(tmp_path / "releasegate.toml", settings, BUDGETS)


def _release(
    tmp_path: Path, deployment: Deployment, prom: Prometheus, faults: str
) -> tuple[int, dict[str, Any], dict[str, Any]]:
    config = _config(tmp_path, prom.url)
    with Traffic(deployment.url, rate=20.0, cap=2000):
        if deployment.app is not None and deployment.app.faults:
            deployment.deploy()  # a clean version first: the baseline window must be healthy
        time.sleep(WATCH_S + 2)
        began = deployment.deploy(faults)
        prom.wait_for_target()  # the new version scraped: rate() has the series again
        time.sleep(2)
        return release(config, deployment.url, tmp_path / "reports", "--deployed-at", f"{began:.3f}")


def test_clean_deploy_is_go(tmp_path: Path, deployment: Deployment, prom: Prometheus) -> None:
    code, verdict, results = _release(tmp_path, deployment, prom, "")
    watch = layer(results, "watch")
    assert watch["status"] == "ok", watch["error"]
    assert watch["baseline_samples"], "the Prometheus baseline window was read"
    assert code == 0, verdict["reason"]
    assert budget(verdict, "watch.error_rate")[0]["status"] == "pass"
    latency = [b for b in budget(verdict, "watch.latency") if b["expanded"].get("route") == "/api/tags"]
    assert latency
    assert latency[0]["status"] == "pass"
    assert latency[0]["baseline"] is not None
    queries = next(r for r in watch["records"] if r["check"] == "queries")
    assert 'job="api"' in queries["message"]
    assert "histogram_quantile(0.95" in queries["message"]


def test_errors_on_an_endpoint_no_probe_touches_are_no_go(
    tmp_path: Path, deployment: Deployment, prom: Prometheus
) -> None:
    code, verdict, results = _release(tmp_path, deployment, prom, "errors:/api/tags=20%")
    smoke = layer(results, "smoke")
    assert all(r["status"] == "pass" for r in smoke["records"]), "every probe still passed"
    assert code == 1, verdict["reason"]
    rate = budget(verdict, "watch.error_rate")[0]
    assert rate["status"] == "fail"
    assert rate["observed"] > 0.02
    route = next(r for r in layer(results, "watch")["records"] if r["check"] == "route /api/tags")
    assert route["status"] == "fail"
    assert "worse error rate" in route["message"]
    # the finding under the failing budget, against a baseline window of many intervals
    (finding,) = [f for f in rate["findings"] if f["metric"] == "error_rate"]
    assert finding["where"] == "route /api/tags"
    assert "significant" in finding["what"]


def test_latency_fault_fails_the_baseline_budget(
    tmp_path: Path, deployment: Deployment, prom: Prometheus
) -> None:
    code, verdict, _results = _release(tmp_path, deployment, prom, "latency=300ms")
    assert code == 1, verdict["reason"]
    failed = [b for b in budget(verdict, "watch.latency") if b["status"] == "fail"]
    assert any(b["expanded"].get("route") == "/api/tags" for b in failed)
    assert all(b["observed"] > b["limit"] for b in failed)
    assert budget(verdict, "watch.error_rate")[0]["status"] == "pass"


def test_prometheus_stopped_mid_watch_is_inconclusive(tmp_path: Path, deployment: Deployment) -> None:
    if deployment.app is not None and deployment.app.faults:
        deployment.deploy()
    with prometheus(f"127.0.0.1:{deployment.port}", tmp_path / "prom") as server:
        server.wait_for_target()
        config = _config(tmp_path, server.url)
        stopper = threading.Timer(5.0, server.stop)
        with Traffic(deployment.url, rate=20.0, cap=1000):
            stopper.start()
            try:
                code, verdict, results = release(config, deployment.url, tmp_path / "reports")
            finally:
                stopper.cancel()
    assert code == 3, verdict["reason"]
    watch = layer(results, "watch")
    assert watch["status"] == "error"
    assert "cannot be reached" in watch["error"]
    assert budget(verdict, "watch.error_rate")[0]["status"] == "inconclusive"


def test_a_selector_matching_no_series_is_inconclusive(
    tmp_path: Path, deployment: Deployment, prom: Prometheus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCH_PROM_AUTH", "Bearer watch-secret-value")
    settings = {
        "duration_s": 3.0,
        "interval_s": 1.0,
        "timeout_s": 30.0,
        "prometheus_url": prom.url,
        "selector": '{job="no-such-job"}',
        "rate_window": "5s",
        "auth_header_env": "WATCH_PROM_AUTH",
    }
    config = _write(tmp_path / "releasegate.toml", settings, BUDGETS)
    with Traffic(deployment.url, rate=10.0, cap=200):
        code, verdict, results = release(config, deployment.url, tmp_path / "reports")
    watch = layer(results, "watch")
    assert code == 3, verdict["reason"]
    assert watch["status"] == "error"
    assert "returned no series" in watch["error"]
    assert 'job="no-such-job"' in watch["error"]
    assert "watch-secret-value" not in (tmp_path / "reports" / "latest" / "results.json").read_text()


def test_a_query_prometheus_refuses_is_inconclusive(
    tmp_path: Path, deployment: Deployment, prom: Prometheus
) -> None:
    settings = {"duration_s": 3.0, "interval_s": 1.0, "timeout_s": 30.0, "prometheus_url": prom.url}
    broken = '[layers.watch.queries]\nthroughput_by_route = "sum by (route) (rate(x[$range]"\n'
    config = _write(tmp_path / "releasegate.toml", settings, BUDGETS, broken)
    code, verdict, results = release(config, deployment.url, tmp_path / "reports")
    assert code == 3, verdict["reason"]
    assert "Prometheus refused query throughput_by_route" in layer(results, "watch")["error"]
