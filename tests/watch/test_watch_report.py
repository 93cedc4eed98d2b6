"""What a reader sees of a real watch: the windows charts, the before/after table and the
per-route findings, from a short watch of promptlib's own /metrics."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from releasegate.cli import main
from tests.watch.helpers import Deployment, Traffic, layer, release, write_config

pytestmark = pytest.mark.integration

BUDGETS = """\
"smoke.checks_failed" = "count == 0"
"watch.error_rate" = "rate < 0.5%"
"watch.latency{route:/api/tags}" = "p(95) < baseline * 1.2"
"""


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, dict[str, Any], Path]]:
    """One release of a version that fails 20 % of /api/tags and answers it 200 ms late."""
    tmp = tmp_path_factory.mktemp("watch-report")
    settings = {"duration_s": 5.0, "interval_s": 1.0, "timeout_s": 60.0, "min_requests": 30}
    config = write_config(tmp / "releasegate.toml", settings, BUDGETS)
    reports = tmp / "reports"
    d = Deployment()
    d.deploy()
    try:
        with Traffic(d.url, rate=20.0, cap=1000):
            time.sleep(3)
            assert (
                main(
                    [
                        "watch",
                        "mark",
                        "--config",
                        str(config),
                        "--base-url",
                        d.url,
                        "--report-dir",
                        str(reports),
                    ]
                )
                == 0
            )
            d.deploy("errors:/api/tags=20%,latency:/api/tags=200ms")
            code, _verdict, results = release(config, d.url, reports)
    finally:
        d.stop()
    return code, results, (reports / "latest").resolve()


def _row(html: str, key: str) -> str:
    """The problem table's row of budget ``key``."""
    match = re.search(rf'<tr class="budget [a-z]+" data-key="{re.escape(key)}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {key}"
    return match.group(1)


def _chart(html: str, title_start: str) -> str:
    match = re.search(
        rf'<svg class="chart"[^>]*aria-label="{re.escape(title_start)}[^"]*".*?</svg>', html, re.S
    )
    assert match, f"no chart titled {title_start}..."
    return match.group(0)


def test_the_worse_routes_are_findings_and_the_unchanged_one_is_not(
    watched: tuple[int, dict[str, Any], Path],
) -> None:
    code, results, _ = watched
    assert code == 1
    findings = layer(results, "watch")["findings"]
    by = {(f["metric"], f["tags"]["route"]): f for f in findings}
    rate = by[("error_rate", "/api/tags")]
    assert rate["where"] == "route /api/tags"
    assert "-> " in rate["what"]
    assert "significant" in rate["what"]
    assert rate["count"] >= 1
    assert "significant" in by[("latency", "/api/tags")]["what"]
    assert ("error_rate", "/api/prompts") not in by
    assert ("error_rate", "/explore") not in by


def test_the_report_shows_the_findings_under_the_failing_budget(
    watched: tuple[int, dict[str, Any], Path],
) -> None:
    _, _, run_dir = watched
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    row = _row(html, "watch.error_rate")
    assert 'data-where="route /api/tags"' in row
    assert 'data-where="route /api/prompts"' not in row
    latency = _row(html, "watch.latency{route:/api/tags}")
    assert 'data-where="route /api/tags"' in latency
    assert "latency" in latency


def test_the_report_charts_both_windows_with_the_budget_lines(
    watched: tuple[int, dict[str, Any], Path],
) -> None:
    _, _, run_dir = watched
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    rate = _chart(html, "watch.error_rate: rate per interval")
    assert 'data-window="baseline"' in rate
    assert 'data-window="after"' in rate
    assert 'class="band"' in rate  # the baseline window is shaded
    assert 'class="limit"' in rate
    assert "error &lt; 0.5 %" in rate
    points = re.search(r'data-window="after" points="([^"]+)"', rate)
    assert points
    assert len(points.group(1).split()) >= 3
    p95 = _chart(html, "watch.latency{route:/api/tags}: p(95) per interval")
    assert 'data-window="baseline"' in p95
    assert 'data-window="after"' in p95
    assert "error &lt;" in p95  # the limit baseline x 1.2, drawn
    assert "watch.latency{route:/api/tags} over time" not in html  # not also as a load-style timeline


def test_the_summary_has_the_before_after_table(watched: tuple[int, dict[str, Any], Path]) -> None:
    _, _, run_dir = watched
    md = (run_dir / "summary.md").read_text(encoding="utf-8")
    assert "Before vs after the change:" in md
    row = next(line for line in md.splitlines() if line.startswith("| ❌ | `watch.error_rate` rate"))
    cells = [c.strip() for c in row.split("|")]
    assert cells[3].endswith("%"), row  # baseline
    assert cells[4].endswith("%"), row  # now
    assert cells[5] == "< 0.5 %", row
    assert "route /api/tags" in md  # the finding under the failing budget
