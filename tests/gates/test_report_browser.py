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


def _png(path: Path, width: int = 64, height: int = 40) -> None:
    """A small valid PNG (a grey rectangle), standing in for a failure screenshot."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x99\x99\x99" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.mark.integration
@pytest.mark.parametrize(("name", "width", "height"), [("desktop", 1280, 900), ("phone", 390, 844)])
def test_findings_report_reads_at_desktop_and_phone_width(tmp_path, name, width, height):
    """The verdict is visible without scrolling, the page never scrolls sideways (long commands
    and tables scroll inside their box), screenshots show as thumbnails, and copy works."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from releasegate.configfile import load_config
    from releasegate.gates import judge, validate_budgets
    from releasegate.layers import available
    from releasegate.results import RunInfo, RunResult
    from tests.gates.factories import T0
    from tests.gates.test_findings import contract_layer, e2e_layer, load_layer, web_layer

    layers = [contract_layer(), e2e_layer(), load_layer(), web_layer()]
    info = RunInfo(run_id="run-9", environment="staging", stage="pre-deploy", base_url="http://127.0.0.1:8000",
                   layers=[la.layer for la in layers], started_at=T0)  # fmt: skip
    run = RunResult(info=info, layers=layers)
    verdict = judge(run, validate_budgets(load_config("releasegate.toml"), available()))
    run_dir = tmp_path / "run"
    _png(run_dir / "e2e/marketer/failure.png")
    paths = write_reports(run_dir, verdict, run)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=find_chromium().path, args=["--no-sandbox"], headless=True
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(paths["report.html"].as_uri(), timeout=30_000)
            box = page.locator("#verdict h1").bounding_box()
            assert box is not None
            assert box["y"] + box["height"] <= height  # the verdict without scrolling
            assert page.locator("#verdict h1").inner_text() == "NO-GO"
            sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert sideways <= 0, f"the page scrolls {sideways}px sideways at {width}px"
            thumb = page.locator(".thumb img").first
            thumb.scroll_into_view_if_needed()
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle(),
                                   timeout=10_000)  # fmt: skip
            button = page.locator(".cmd button").first
            button.scroll_into_view_if_needed()
            button.click()
            page.wait_for_function(
                "b => b.textContent === 'copied'", arg=button.element_handle(), timeout=5_000
            )
            page.evaluate("window.scrollTo(0, 0)")
            shot = tmp_path / f"findings-{name}.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, ARTIFACTS / f"gates-findings-{name}.png")
    except OSError:
        pass
