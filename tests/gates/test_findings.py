"""Findings from each layer's own record-building code, linked to the budgets they feed, rendered
in every format. The runs are built from realistic tool output (no tools run here); a real
end-to-end run is in test_findings_run.py."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from releasegate.config import Environment
from releasegate.configfile import load_config
from releasegate.gates import Decision, judge, validate_budgets
from releasegate.gates.model import BudgetVerdict, Verdict
from releasegate.gates.reports.html import render_html
from releasegate.gates.reports.jsonout import render_json
from releasegate.gates.reports.junit import render_junit
from releasegate.gates.reports.markdown import render_markdown
from releasegate.layers import available
from releasegate.layers._contract import records as contract_records
from releasegate.layers._contract.parse import FailureExample, OperationStats, StReport
from releasegate.layers._e2e import parse as e2e_parse
from releasegate.layers._load import collect
from releasegate.layers._smoke import checks
from releasegate.layers._smoke.probe import Probe
from releasegate.layers._web.aggregate import PageOutcome, findings_for
from releasegate.layers._web.parse import parse as parse_lhr
from releasegate.layers.smoke import SmokeSettings
from releasegate.layers.smoke import _findings as smoke_findings
from releasegate.layers.smoke import _record as smoke_record
from releasegate.results import (
    Finding,
    LayerResult,
    LayerStatus,
    MetricKind,
    RunInfo,
    RunResult,
    Samples,
    shareable,
)
from releasegate.spec import LayerContext
from tests.gates.factories import T0
from tests.web.test_web_units import lhr

URL = "http://127.0.0.1:8000"
SERVER_ERROR = "Server error (ST101)"


def _counter(metric: str, n: float, **tags: str) -> Samples:
    return Samples(metric=metric, kind=MetricKind.COUNTER, tags=tags, values=[n])


def _layer(name: str, samples: list[Samples], findings: list[Finding], **kw: object) -> LayerResult:
    return LayerResult(
        layer=name,
        status=LayerStatus.OK,
        started_at=T0,
        finished_at=T0 + timedelta(seconds=30),
        samples=samples,
        findings=findings,
        **kw,  # type: ignore[arg-type]
    )


def contract_layer() -> LayerResult:
    """GET /api/prompts answers 500 on limit=100; GET /api/tags drifts from its schema."""
    report = StReport(
        operations={
            "GET /api/prompts": OperationStats(
                cases=40, checks_passed=300, checks_failed=5, server_errors=4, response_times=[0.01] * 40
            ),
            "GET /api/tags": OperationStats(
                cases=20, checks_passed=100, checks_failed=1, response_times=[0.01] * 20
            ),
        },
        failures={
            ("not_a_server_error", "GET /api/prompts"): FailureExample(
                "not_a_server_error",
                "GET /api/prompts",
                "Server error",
                "Server error\nTraceback ...",
                "ST101",
                "Ab12",
                500,
                "fuzzing",
                "GET",
                f"{URL}/api/prompts?limit=100",
                count=4,
            ),
            ("response_schema_conformance", "GET /api/tags"): FailureExample(
                "response_schema_conformance",
                "GET /api/tags",
                "Response violates schema",
                "1 is not of type 'string'",
                "ST108",
                "Cd34",
                200,
                "examples",
                "GET",
                f"{URL}/api/tags",
            ),
        },
    )
    evidence = contract_records.Evidence(
        artifacts=[
            "contract/reports/junit.xml",
            "contract/reports/vcr.yaml",
            "contract/.hypothesis/examples/x",
        ],
        header_templates={},
        replay_prefix="schemathesis --config-file contract/schemathesis.toml replay",
    )
    samples = {"Ab12": f"curl -X GET -H 'Authorization: [Filtered]' '{URL}/api/prompts?limit=100'"}
    found = contract_records.findings(report, {}, samples, evidence)
    data = contract_records.run_samples(
        report, ["GET /api/prompts", "GET /api/tags"], {}, {}, changes=None, duration_s=30.0
    )
    return _layer(
        "contract", data, found, artifacts=["contract/reports/junit.xml", "contract/.hypothesis/db"]
    )


def e2e_layer() -> LayerResult:
    entry = {
        "nodeid": "suites/e2e/test_marketer.py::test_signs_up[chromium]",
        "scenario": "test_signs_up",
        "persona": "marketer",
        "role": "marketer",
        "outcome": "failed",
        "error": "call: button did not submit",
        "duration_s": 3.5,
        "artifacts": [{"path": "/run/e2e/marketer/failure.png"}, {"path": "/run/e2e/marketer/trace.zip"}],
        "journey": {
            "steps": [
                {"name": "open explore", "duration_s": 0.4, "ok": True},
                {"name": "sign up", "duration_s": 2.0, "ok": False},
            ],
            "failed_step": "sign up",
            "message": "marketer failed at: sign up — button did not submit",
            "console_errors": [],
            "vitals": [],
            "cleanup_errors": [],
        },
    }
    scenarios = e2e_parse.group([[entry]])
    rel = lambda p: p.removeprefix("/run/")  # noqa: E731
    records = [
        e2e_parse.to_record(s, rel, "python -m pytest suites/e2e -k {scenario} --headed") for s in scenarios
    ]
    found = [f for s, r in zip(scenarios, records, strict=True) for f in e2e_parse.findings(s, r)]
    return _layer("e2e", e2e_parse.to_samples(scenarios, 0), found, records=records)


def load_layer() -> LayerResult:
    eps = {
        "GET /api/prompts": collect.EndpointData("GET /api/prompts", ok=96, failed=4),
        "GET /api/tags": collect.EndpointData("GET /api/tags", ok=100, failed=0),
    }
    errors = {"GET /api/prompts": {f"HTTPError('500 Server Error: for url: {URL}/api/prompts?limit=20')": 4}}
    found = collect.findings(eps, errors, base_url=URL, evidence=["load/locust.html"], redact=lambda t: t)
    samples = [
        Samples(
            metric="http_req_failed",
            kind=MetricKind.RATE,
            unit="ratio",
            tags=ep.tags,
            buckets=[(0.0, ep.ok), (1.0, ep.failed)],
            duration_s=30.0,
        )
        for ep in eps.values()
    ]
    return _layer("load", samples, found, artifacts=["load/locust.html", "load/locust_stats.csv"])


def web_layer() -> LayerResult:
    heavy = PageOutcome(page="/explore", preset="desktop", url=f"{URL}/explore")
    heavy.runs = [parse_lhr(lhr(lcp_ms=v, url=f"{URL}/explore")) for v in (4100.0, 4300.0, 4200.0)]
    heavy.artifacts = [f"web/desktop/explore/run-{i}.report.{x}" for i in (1, 2, 3) for x in ("json", "html")]
    light = PageOutcome(page="/", preset="desktop", url=f"{URL}/")
    light.runs = [parse_lhr(lhr(lcp_ms=900.0, url=f"{URL}/")) for _ in range(3)]
    light.artifacts = ["web/desktop/home/run-1.report.html"]
    samples = [
        Samples(
            metric="largest_contentful_paint",
            kind=MetricKind.TREND,
            unit="s",
            tags=o.tags,
            values=[r.vitals["largest_contentful_paint"] for r in o.runs],
        )
        for o in (heavy, light)
    ]
    return _layer("web", samples, findings_for(heavy) + findings_for(light), artifacts=heavy.artifacts)


def smoke_layer(tmp_path_factory: pytest.TempPathFactory) -> LayerResult:
    run_dir = tmp_path_factory.mktemp("run")
    ctx = LayerContext(
        run_id="run-9",
        stage="pre-deploy",
        environment=Environment(name="staging", base_url=URL),
        base_url=URL,
        settings=SmokeSettings(),
        run_dir=run_dir,
        artifact_dir=run_dir / "smoke",
    )
    down = [Probe("GET", f"{URL}/health", 503, 0.02, '{"status": "fail"}', {}) for _ in range(3)]
    outcome = checks.health_outcome("/health", down)
    record = smoke_record(outcome, ctx)
    samples = [
        _counter("checks_failed", 1.0, check="health"),
        Samples(
            metric="availability",
            kind=MetricKind.RATE,
            unit="ratio",
            tags={"check": "health"},
            values=[0.0, 0.0, 0.0],
        ),
    ]
    return _layer("smoke", samples, smoke_findings(outcome, record), records=[record])


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    layers = [smoke_layer(tmp_path_factory), contract_layer(), e2e_layer(), load_layer(), web_layer()]
    info = RunInfo(
        run_id="run-9",
        environment="staging",
        stage="pre-deploy",
        base_url=URL,
        layers=[la.layer for la in layers],
        started_at=T0,
        finished_at=T0 + timedelta(minutes=3),
    )
    return RunResult(info=info, layers=layers)


@pytest.fixture(scope="module")
def verdict(run: RunResult) -> Verdict:
    specs = available()
    return judge(run, validate_budgets(load_config("releasegate.toml"), specs))


def budget(verdict: Verdict, key: str) -> BudgetVerdict:
    return next(b for b in verdict.budgets if b.key == key)


def test_each_layer_finds_the_cause_where_it_happened(run: RunResult) -> None:
    contract = run.layer("contract")
    assert contract is not None
    server = [f for f in contract.findings if f.kind == "server_error"]
    assert [(f.where, f.count, f.tags["status_code"]) for f in server] == [("GET /api/prompts", 4, "500")]
    assert server[0].commands == [
        f"curl -X GET -H \"Authorization: ${{AUTHORIZATION}}\" '{URL}/api/prompts?limit=100'",
        "schemathesis --config-file contract/schemathesis.toml replay Ab12",
    ]
    schema = next(f for f in contract.findings if f.where == "GET /api/tags")
    assert schema.what == "Response violates schema (ST108): 1 is not of type 'string' [HTTP 200]"
    (e2e,) = run.layer("e2e").findings  # type: ignore[union-attr]
    assert e2e.where == "marketer: sign up"
    assert e2e.what == "marketer failed at: sign up — button did not submit"
    assert e2e.evidence == ["e2e/marketer/failure.png", "e2e/marketer/trace.zip"]
    (load,) = run.layer("load").findings  # type: ignore[union-attr]
    assert (load.where, load.count, load.tags["status_code"]) == ("GET /api/prompts", 4, "500")
    assert load.what.startswith("HTTP 500: ")
    lcp = next(f for f in run.layer("web").findings if f.metric == "largest_contentful_paint")  # type: ignore[union-attr]
    assert lcp.what == "Largest Contentful Paint: median 4.20 s over 3 run(s) (4.10 s-4.30 s)"
    assert lcp.evidence == [f"web/desktop/explore/run-{i}.report.html" for i in (1, 2, 3)]
    smoke = run.layer("smoke").findings  # type: ignore[union-attr]
    assert {f.metric for f in smoke} == {"checks_failed", "availability"}
    assert smoke[0].where == f"health: GET {URL}/health"
    assert "expected GET /health to answer 2xx reporting pass, saw HTTP 503" in smoke[0].what


def test_tool_internal_and_outside_paths_are_never_evidence() -> None:
    assert shareable(
        [
            "a/b.html",
            "/abs/x.png",
            "../up.txt",
            "contract/.hypothesis/db",
            "c/st-cache/x",
            "http://h/x",
            "a/b.html",
        ]
    ) == ["a/b.html"]


def test_a_budget_shows_only_the_findings_that_feed_it(verdict: Verdict) -> None:
    assert verdict.decision is Decision.NO_GO
    server = budget(verdict, "contract.server_errors")
    assert [(f.kind, f.tags["status_code"]) for f in server.findings] == [("server_error", "500")]
    assert not any(".hypothesis" in e for b in verdict.budgets for e in b.evidence)
    failures = budget(verdict, "contract.failures{level:error}")
    assert {f.where for f in failures.findings} == {"GET /api/prompts", "GET /api/tags"}
    assert [f.where for f in budget(verdict, "e2e.failed").findings] == ["marketer: sign up"]
    per_endpoint = budget(verdict, "load.http_req_failed{endpoint:GET /api/prompts}")
    assert [f.count for f in per_endpoint.findings] == [4]
    lcp = budget(verdict, "web.largest_contentful_paint{page:/explore}")
    assert [(f.where, f.metric) for f in lcp.findings] == [("/explore (desktop)", "largest_contentful_paint")]
    assert budget(verdict, "web.largest_contentful_paint{page:/}").findings == []  # passed: nothing shown
    assert [f.metric for f in budget(verdict, "smoke.availability").findings] == ["availability"]
    layers = {la.name: la for la in verdict.layers}
    assert layers["contract"].status == "ok"
    assert layers["contract"].failed_budgets == 2


def test_html_shows_causes_commands_and_relative_links_only(verdict: Verdict, run: RunResult) -> None:
    html = render_html(verdict, run)
    for text in (
        "GET /api/prompts",
        "HTTP 500",
        "marketer failed at: sign up — button did not submit",
        "Largest Contentful Paint: median 4.20 s",
        "saw HTTP 503",
        "failed budgets: 2",
    ):
        assert text in html, text
    assert "<pre><code>schemathesis --config-file contract/schemathesis.toml replay Ab12</code></pre>" in html
    assert "curl -X GET -H &quot;Authorization: ${AUTHORIZATION}&quot;" in html
    assert "[Filtered]" not in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert "web/desktop/explore/run-1.report.html" in hrefs
    assert "load/locust_stats.csv" in hrefs  # raw reports section
    assert all(not h.startswith(("/", "http:", "https:", "file:")) and ".." not in h for h in hrefs)
    assert ".hypothesis" not in html
    assert "overflow-x:auto" in html


def test_raw_reports_are_linked_on_a_go_too(run: RunResult) -> None:
    ok = RunResult(
        info=run.info.model_copy(update={"layers": ["load"]}),
        layers=[_layer("load", [], [], artifacts=["load/locust.html", "load/results.json"])],
    )
    verdict = judge(ok, validate_budgets(load_config("releasegate.toml"), available()))
    html = render_html(verdict, ok)
    assert '<section id="raw">' in html
    assert '<a href="load/locust.html">' in html


def test_summary_md_leads_with_the_causes_and_stays_under_the_limit(verdict: Verdict) -> None:
    text = render_markdown(verdict)
    assert text.index("**") < text.index("### ") < text.index("| | budget |")
    assert "- **GET /api/prompts**: HTTP 500: Server error (ST101): Server error (×4)" in text  # noqa: RUF001
    assert "schemathesis --config-file contract/schemathesis.toml replay Ab12" in text
    assert "❌ contract failed budgets: 2" in text
    cut = render_markdown(verdict, limit=2000)
    assert len(cut.encode()) <= 2000
    assert "Truncated to stay under GitHub's" in cut
    assert cut.count("```") % 2 == 0


def test_junit_has_a_case_per_finding_source_with_its_cause(verdict: Verdict) -> None:
    root = ET.fromstring(render_junit(verdict))
    sources = {
        c.get("name"): c for c in root.iter("testcase") if c.get("classname", "").endswith(".findings")
    }
    assert "marketer: sign up" in sources
    failure = sources["marketer: sign up"].find("failure")
    assert failure is not None
    assert failure.get("message") == "marketer failed at: sign up — button did not submit (x1)"
    assert sources["marketer: sign up"].get("time") == "3.500"
    prompts = sources["GET /api/prompts"].find("failure")
    assert prompts is not None
    assert "HTTP 500" in (prompts.get("message") or "")
    assert int(root.get("tests", "0")) == sum(1 for _ in root.iter("testcase"))


def test_verdict_json_holds_the_findings(verdict: Verdict) -> None:
    doc = json.loads(render_json(verdict))
    server = next(b for b in doc["budgets"] if b["key"] == "contract.server_errors")
    assert server["findings"][0]["where"] == "GET /api/prompts"
    assert server["findings"][0]["reproduce"].count("\n") == 1  # curl and replay on their own lines
