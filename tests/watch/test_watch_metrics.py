"""The watch layer without Prometheus: scrapes of promptlib's own /metrics, a mark before the deploy."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from releasegate.cli import main
from tests.watch.helpers import Deployment, Traffic, budget, layer, release, write_config

pytestmark = pytest.mark.integration

BUDGETS = """\
"smoke.checks_failed" = "count == 0"
"watch.error_rate" = "rate < 0.5%"
"watch.latency{route:*}" = { expr = "p(95) < baseline * 1.2", level = "warn", allow_missing = true }
"""
ABORT = """\
"watch.error_rate{route:*}" = { expr = "rate < 5%", abort = true, window = "3s", grace = "2s" }
"""


@pytest.fixture
def deployment() -> Iterator[Deployment]:
    d = Deployment()
    d.deploy()
    yield d
    d.stop()


def _config(tmp_path: Path, budgets: str) -> Path:
    settings = {"duration_s": 8.0, "interval_s": 1.0, "timeout_s": 60.0, "min_requests": 50}
    return write_config(tmp_path / "releasegate.toml", settings, budgets)


def _mark(config: Path, url: str, reports: Path) -> Path:
    code = main(["watch", "mark", "--config", str(config), "--base-url", url, "--report-dir", str(reports)])
    assert code == 0
    marks = list((reports / "watch").glob("*.json"))
    assert len(marks) == 1
    return marks[0]


def _release(
    tmp_path: Path, d: Deployment, faults: str, budgets: str = BUDGETS
) -> tuple[int, dict[str, Any], dict[str, Any]]:
    config = _config(tmp_path, budgets)
    reports = tmp_path / "reports"
    with Traffic(d.url, rate=20.0, cap=1500):
        time.sleep(4)
        mark = _mark(config, d.url, reports)
        assert json.loads(mark.read_text())["routes"]["/api/tags"]["requests"] > 0
        d.deploy(faults)
        return release(config, d.url, reports)


def test_clean_deploy_is_go(tmp_path: Path, deployment: Deployment) -> None:
    code, verdict, results = _release(tmp_path, deployment, "")
    watch = layer(results, "watch")
    assert watch["status"] == "ok", watch["error"]
    assert watch["meta"]["source"] == "metrics"
    assert watch["baseline_samples"], "the mark was read as the baseline"
    assert code == 0, verdict["reason"]
    assert budget(verdict, "watch.error_rate")[0]["status"] == "pass"


def test_errors_are_no_go_and_abort_the_watch(tmp_path: Path, deployment: Deployment) -> None:
    code, verdict, results = _release(tmp_path, deployment, "errors:/api/tags=20%", BUDGETS + ABORT)
    assert code == 1, verdict["reason"]
    assert all(r["status"] == "pass" for r in layer(results, "smoke")["records"])
    watch = layer(results, "watch")
    assert watch["aborted"].startswith("aborted at t=")
    assert "watch.error_rate{route:/api/tags}" in watch["aborted"]
    assert watch["meta"]["requests"] < 8 * 20  # stopped before the end of the watch
    rate = budget(verdict, "watch.error_rate")[0]
    assert rate["status"] == "fail"
    route = next(r for r in watch["records"] if r["check"] == "route /api/tags")
    assert "worse error rate" in route["message"]


def test_without_a_mark_the_baseline_is_missing_not_the_first_scrape(
    tmp_path: Path, deployment: Deployment
) -> None:
    config = _config(tmp_path, BUDGETS)
    with Traffic(deployment.url, rate=20.0, cap=600):
        code, verdict, results = release(config, deployment.url, tmp_path / "reports")
    watch = layer(results, "watch")
    assert watch["baseline_samples"] == []
    note = next(r for r in watch["records"] if r["check"] == "baseline")
    assert "is not a baseline" in note["message"]
    latency = budget(verdict, "watch.latency")
    assert latency
    assert all(b["status"] == "inconclusive" for b in latency)
    assert code == 0, verdict["reason"]  # warn level with allow_missing: reported, not blocking


def test_a_restart_during_the_watch_is_inconclusive(tmp_path: Path, deployment: Deployment) -> None:
    import threading

    config = _config(tmp_path, BUDGETS)
    redeploy = threading.Timer(3.0, deployment.deploy)
    with Traffic(deployment.url, rate=20.0, cap=600):
        redeploy.start()
        try:
            code, verdict, results = release(config, deployment.url, tmp_path / "reports")
        finally:
            redeploy.cancel()
            redeploy.join()
    watch = layer(results, "watch")
    assert code == 3, verdict["reason"]
    assert watch["status"] == "error"
    assert "restarted" in watch["error"] or "failed" in watch["error"], watch["error"]


def test_too_little_traffic_is_inconclusive(tmp_path: Path, deployment: Deployment) -> None:
    config = _config(tmp_path, BUDGETS)
    code, verdict, results = release(config, deployment.url, tmp_path / "reports")
    assert code == 3, verdict["reason"]
    assert "too little traffic" in layer(results, "watch")["error"]


@pytest.mark.slow
def test_the_post_deploy_stage_blocks_a_deploy_every_probe_passed(
    tmp_path: Path, deployment: Deployment
) -> None:
    """The whole stage (smoke, smoke personas in a browser, the watch) with the shipped config:
    a release that fails 20 % of /api/tags, which neither probe nor persona calls, is NO-GO."""
    reports = tmp_path / "reports"
    with Traffic(deployment.url, rate=20.0, cap=3000):
        time.sleep(4)
        assert main(["watch", "mark", "--base-url", deployment.url, "--report-dir", str(reports)]) == 0
        deployment.deploy("errors:/api/tags=20%")
        code = main(
            [
                "run",
                "--base-url",
                deployment.url,
                "--stage",
                "post-deploy",
                "--watch-duration",
                "10",
                "--report-dir",
                str(reports),
                "--no-history",
                "--plain",
            ]
        )
    results = json.loads((reports / "latest" / "results.json").read_text(encoding="utf-8"))
    assert sorted(lr["layer"] for lr in results["layers"]) == ["e2e", "smoke", "watch"]
    for name in ("smoke", "e2e"):
        assert all(r["status"] == "pass" for r in layer(results, name)["records"]), name
    assert code == 1
    verdict = json.loads((reports / "latest" / "verdict.json").read_text(encoding="utf-8"))
    assert [b["key"] for b in verdict["budgets"] if b["status"] == "fail"] == ["watch.error_rate"]
