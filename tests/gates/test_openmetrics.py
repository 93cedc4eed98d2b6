"""``metrics.prom``: the verdict as OpenMetrics gauges, written every run and pushed on request."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from releasegate.config import Config
from releasegate.gates import run_gates
from releasegate.gates.reports.openmetrics import render_openmetrics
from tests.gates.factories import LAYERS, layer, rate, run, trend

RAW = {
    "load.http_req_duration": "p(95) < 800ms",
    "load.http_req_failed": {"expr": "rate < 1%", "level": "warn"},
}


def _run(p95: float) -> Any:
    return run(
        layer(
            "load", trend("http_req_duration", [p95] * 20, endpoint="GET /"), rate("http_req_failed", 98, 2)
        )
    )


def _families(text: str) -> dict[str, list[Any]]:
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def test_metrics_prom_parses_as_openmetrics_and_carries_the_verdict(tmp_path: Path) -> None:
    config = Config(budgets=RAW, history={"enabled": False})
    verdict = run_gates(tmp_path, _run(0.9), config, layers=LAYERS, record_history=False)
    families = _families((tmp_path / "metrics.prom").read_text(encoding="utf-8"))
    decided = {s.labels["decision"]: s.value for s in families["releasegate_verdict"]}
    assert decided["NO_GO"] == 1.0
    assert sum(decided.values()) == 1.0
    assert families["releasegate_exit_code"][0].value == 1.0
    observed = {s.labels["budget"]: s for s in families["releasegate_budget_observed"]}
    duration = observed["load.http_req_duration"]
    assert duration.value == pytest.approx(0.9)
    assert duration.labels["status"] == "fail"
    assert {"environment", "stage", "layer", "level"} <= set(duration.labels)
    limits = {s.labels["budget"]: s.value for s in families["releasegate_budget_limit"]}
    assert limits["load.http_req_duration"] == pytest.approx(0.8)
    passed = {s.labels["budget"]: s.value for s in families["releasegate_budget_passed"]}
    assert passed == {"load.http_req_duration": 0.0, "load.http_req_failed": 0.0}
    assert [s.labels["layer"] for s in families["releasegate_layer_duration_seconds"]] == ["load"]
    assert verdict.notes == []  # no pushgateway configured: nothing to say


def test_label_values_are_escaped() -> None:
    r = _run(0.1)
    r.info.environment = 'odd "env"\nname\\'
    config = Config(budgets=RAW, history={"enabled": False})
    from releasegate.gates import judge, validate_budgets

    text = render_openmetrics(judge(r, validate_budgets(config, LAYERS)), r)
    families = _families(text)
    assert families["releasegate_exit_code"][0].labels["environment"] == 'odd "env"\nname\\'


class _Gateway(BaseHTTPRequestHandler):
    received: list[tuple[str, str, bytes]] = []
    status = 200

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).received.append((self.path, self.headers.get("Content-Type", ""), body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[tuple[str, type[_Gateway]]]:
    handler = type("Gateway", (_Gateway,), {"received": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


def test_push_to_the_pushgateway(tmp_path: Path, gateway: tuple[str, type[_Gateway]]) -> None:
    url, handler = gateway
    config = Config(budgets=RAW, history={"enabled": False}, notify={"pushgateway_url": url})
    verdict = run_gates(tmp_path, _run(0.1), config, layers=LAYERS, record_history=False)
    assert len(handler.received) == 1
    path, content_type, body = handler.received[0]
    assert path == "/metrics/job/releasegate/environment/demo/stage/pre-deploy"
    assert content_type.startswith("text/plain; version=0.0.4")
    assert body.decode() == (tmp_path / "metrics.prom").read_text(encoding="utf-8")
    assert any("pushed to the Pushgateway" in n for n in verdict.notes)


def test_a_failed_push_is_a_note_never_silent(tmp_path: Path, gateway: tuple[str, type[_Gateway]]) -> None:
    url, handler = gateway
    handler.status = 500
    config = Config(budgets=RAW, history={"enabled": False}, notify={"pushgateway_url": url})
    verdict = run_gates(tmp_path / "a", _run(0.1), config, layers=LAYERS, record_history=False)
    assert any("failed: HTTP 500" in n for n in verdict.notes)
    unreachable = Config(
        budgets=RAW, history={"enabled": False}, notify={"pushgateway_url": "http://127.0.0.1:9"}
    )
    verdict = run_gates(tmp_path / "b", _run(0.1), unreachable, layers=LAYERS, record_history=False)
    assert any("Pushgateway at http://127.0.0.1:9 failed: ConnectError" in n for n in verdict.notes)
    assert '"notes"' in (tmp_path / "b" / "verdict.json").read_text()
