"""report.html opened in headless Chromium: the verdict and the failing budget are at the top."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from releasegate.browser import find_chromium
from releasegate.gates.runner import write_reports
from tests.gates.scenario import scenario_run, scenario_verdict

ARTIFACTS = Path(__file__).resolve().parents[2] / "reports" / "test-artifacts"


@pytest.mark.integration
def test_report_opens_offline_with_verdict_and_failure_first(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    paths = write_reports(tmp_path / "run", scenario_verdict(), scenario_run())
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=find_chromium().path, args=["--no-sandbox"], headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda req: requests.append(req.url))
            page.goto(paths["report.html"].as_uri(), timeout=30_000)
            verdict = page.locator("#verdict h1")
            assert verdict.inner_text() == "NO-GO"
            assert verdict.is_visible()
            first_problem = page.locator("#problems tr.budget").first
            assert first_problem.get_attribute("data-key") == "load.http_req_duration"
            assert (
                "p95 of load.http_req_duration was 950 ms against a budget of 800 ms"
                in first_problem.inner_text()
            )
            box = first_problem.bounding_box()
            assert box is not None
            assert box["y"] < 900
            assert page.locator("#passed").get_attribute("open") is None  # passing budgets folded
            assert page.locator("svg.chart").count() >= 3
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
    assert all(url.startswith("file://") for url in requests), requests
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, ARTIFACTS / "gates-report.png")
    except OSError:
        pass  # a read-only checkout keeps the screenshot in the pytest tmp dir only
