"""Snapshot tests for summary.md, junit.xml and verdict.json; the published schema; annotations; HTML."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from releasegate.gates import Decision, github_annotations
from releasegate.gates.model import VerdictDocument
from releasegate.gates.reports.html import render_html
from releasegate.gates.reports.jsonout import SCHEMA_PATH, render_json, render_schema
from releasegate.gates.reports.junit import render_junit
from releasegate.gates.reports.markdown import render_markdown
from releasegate.gates.runner import write_reports
from tests.gates.scenario import scenario_run, scenario_verdict

SNAPSHOTS = Path(__file__).parent / "snapshots"


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with UPDATE_SNAPSHOTS=1 once and review it"
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; review and run with UPDATE_SNAPSHOTS=1"


@pytest.fixture(scope="module")
def verdict():
    return scenario_verdict()


def test_scenario_is_no_go(verdict):
    assert verdict.decision is Decision.NO_GO
    assert verdict.reason.startswith(
        "2 budgets failed: load.http_req_duration: p95 of load.http_req_duration was 950 ms"
    )


def test_summary_md_snapshot(verdict):
    text = render_markdown(verdict)
    assert text.startswith("## ❌ NO-GO\n")
    check_snapshot("summary.md", text)


def test_junit_xml_snapshot(verdict):
    text = render_junit(verdict)
    root = ET.fromstring(text)
    assert root.get("failures") == "2"
    assert root.get("errors") == "2"
    cases = root.findall(".//testcase")
    budget_cases = [c for c in cases if not c.get("classname", "").endswith(".findings")]
    assert len(budget_cases) == len(verdict.budgets)
    sources = {c.get("name"): c for c in cases if c.get("classname", "").endswith(".findings")}
    assert sorted(sources) == ["health: GET http://127.0.0.1:8000/health", "marketer: save the prompt"]
    assert sources["marketer: save the prompt"].get("time") == "4.200"
    assert sources["marketer: save the prompt"].find("failure") is None  # feeds a warn budget only
    assert sources["marketer: save the prompt"].find("system-out") is not None
    failure = root.find(".//testcase[@name='load.http_req_duration [p(95) < 800ms]']/failure")
    assert failure is not None
    assert "observed: 950 ms" in (failure.text or "")
    assert "delta:    +18.7 %" in (failure.text or "")
    check_snapshot("junit.xml", text)


def test_verdict_json_snapshot(verdict):
    text = render_json(verdict)
    doc = json.loads(text)
    assert doc["verdict"] == "NO_GO"
    assert doc["schema_version"] == 1
    item = next(
        b for b in doc["budgets"] if b["key"] == "load.http_req_duration" and b["expr"] == "p(95) < 800ms"
    )
    assert {k: item[k] for k in ("status", "observed", "limit")} == {
        "status": "fail",
        "observed": 0.95,
        "limit": 0.8,
    }
    assert item["message"].startswith("p95 of load.http_req_duration was 950 ms against a budget of 800 ms")
    assert doc["generated_at"] == "2025-01-15T12:02:00Z"
    VerdictDocument.model_validate_json(text)
    check_snapshot("verdict.json", text)


def test_published_schema_is_in_sync():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema(), (
        "run python -c 'from gates.reports.jsonout import write_schema; write_schema()'"
    )


def test_verdict_json_validates_against_the_published_schema(verdict):
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(json.loads(render_json(verdict)), json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def test_github_annotations(verdict):
    lines = github_annotations(verdict)
    assert lines[0].startswith("::error title=releasegate fail%3A load.http_req_duration::p95 of")
    assert any(line.startswith("::warning title=releasegate warn%3A e2e.flaky::") for line in lines)
    assert any("smoke.layer_status" in line and line.startswith("::error") for line in lines)
    assert all("\n" not in line for line in lines)


def test_html_report_orders_verdict_problems_then_passed(verdict):
    html = render_html(verdict, scenario_run())
    i_verdict = html.index('id="verdict"')
    i_layers = html.index('id="layers"')
    i_problems = html.index('id="problems"')
    i_charts = html.index('id="charts"')
    i_passed = html.index('id="passed"')
    assert i_verdict < i_layers < i_problems < i_charts < i_passed
    assert "<h1>NO-GO</h1>" in html
    assert '<a href="load/GET__api_prompts.png">' in html
    assert "<code>curl -sS http://127.0.0.1:8000/api/prompts</code>" in html
    assert html.count("<svg") >= 3  # percentiles over time, histogram, web vitals
    assert "budget 800 ms" in html
    assert "http://" not in html.replace("http://127.0.0.1:8000", "").replace(
        "http://www.w3.org/2000/svg", ""
    )
    assert "<script src" not in html  # one inline script (copy buttons), nothing fetched
    assert html.count("<script") == 1
    assert '<div class="finding" data-where="marketer: save the prompt">' in html
    assert "<pre><code>python -m pytest suites/e2e -k saves_a_prompt --headed</code></pre>" in html


def test_write_reports_writes_all_five(tmp_path, verdict):
    paths = write_reports(tmp_path / "run", verdict, scenario_run())
    assert sorted(paths) == ["junit.xml", "metrics.prom", "report.html", "summary.md", "verdict.json"]
    assert all(p.stat().st_size > 100 for p in paths.values())


def test_web_vital_bars_are_labelled_short_with_the_whole_label_on_hover():
    from releasegate.gates.reports.charts import budget_bars, fit
    from releasegate.gates.reports.html import vital_label

    assert vital_label("web.largest_contentful_paint{page:/explore}") == "LCP /explore"
    assert vital_label("web.resource_size{page:/,type:script}") == "size / script"
    assert vital_label("web.performance") == "performance"
    long = "web.some_future_metric{page:/a/very/long/path/to/a/page}"
    short = fit(long)
    assert len(short) == 34
    assert short.startswith(long[:16])
    assert short.endswith(long[-17:])
    svg = budget_bars("bars", [(long, 1.0, 2.0, "s", True)])
    assert f"<title>{long}</title>{short}</text>" in svg


def test_line_chart_legend_entries_do_not_overlap():
    import re

    from releasegate.gates.reports.charts import LEGEND_CHAR, line_chart

    names = ["availability of the whole site", "p95", "p99"]
    svg = line_chart("t", {n: [(0.0, 1.0), (1.0, 2.0)] for n in names}, unit="s")
    xs = [float(x) for x in re.findall(r'<text x="([0-9.]+)" y="[0-9.]+" class="lg"', svg)]
    assert len(xs) == 3
    for (x, name), nxt in zip(zip(xs, names, strict=True), xs[1:], strict=False):
        assert nxt >= x + LEGEND_CHAR * len(name)
