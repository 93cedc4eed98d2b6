"""The Slack-compatible webhook, against a local fake webhook server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest

from releasegate.gates.notify import notify_from_config, payload, post_summary
from tests.gates.factories import config
from tests.gates.scenario import scenario_run, scenario_verdict


class FakeWebhook:
    def __init__(self, status: int = 200) -> None:
        self.bodies: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                outer.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T000/B000/XXXX"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def test_post_summary_sends_a_slack_payload():
    with FakeWebhook() as hook:
        post_summary(hook.url, scenario_verdict(), scenario_run())
    assert len(hook.bodies) == 1
    body = hook.bodies[0]
    assert body["text"].startswith("❌ *NO-GO* · demo · pre-deploy · run run-1 · commit abc1234")
    assert body["releasegate"]["verdict"] == "NO_GO"
    assert "load.http_req_duration" in body["text"]
    assert_valid_blocks(body["blocks"])
    header = body["blocks"][0]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": "❌ NO-GO · releasegate"}}
    fields = [f["text"] for b in body["blocks"] if "fields" in b for f in b["fields"]]
    assert fields == ["*Environment*\ndemo", "*Stage*\npre-deploy", "*Version*\nabc1234", "*Run*\nrun-1"]
    flaky = next(
        b["text"]["text"] for b in body["blocks"] if "e2e.flaky" in b.get("text", {}).get("text", "")
    )
    assert "> marketer: save the prompt: flaky, passed on a retry after" in flaky  # its top finding
    assert not any(b["type"] == "actions" for b in body["blocks"])  # no report_url: no button


def assert_valid_blocks(blocks: list[dict[str, Any]]) -> None:
    """Block Kit's structure and limits, as Slack validates them."""
    assert 0 < len(blocks) <= 50
    for block in blocks:
        kind = block["type"]
        assert kind in {"header", "section", "divider", "context", "actions"}
        if kind == "header":
            assert block["text"]["type"] == "plain_text"
            assert len(block["text"]["text"]) <= 150
        if kind == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                assert block["text"]["type"] == "mrkdwn"
                assert 0 < len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))
        if kind == "actions":
            for element in block["elements"]:
                assert element["type"] == "button"
                assert len(element["text"]["text"]) <= 75
                assert element["url"].startswith("https://")


def test_report_button_from_the_url_template_and_long_texts_are_cut():
    verdict = scenario_verdict()
    verdict.problems[0].message = "x" * 5000
    with FakeWebhook() as hook:
        note = notify_from_config(
            config(
                notify={
                    "webhook_env": "RG_WEBHOOK",
                    "report_url": "https://ci.example.com/rg/{run_id}/report.html",
                }
            ),
            verdict,
            scenario_run(),
            environ={"RG_WEBHOOK": hook.url},
        )
    assert note == "summary posted to the webhook in RG_WEBHOOK"
    blocks = hook.bodies[0]["blocks"]
    assert_valid_blocks(blocks)
    (actions,) = [b for b in blocks if b["type"] == "actions"]
    assert actions["elements"][0]["url"] == "https://ci.example.com/rg/run-1/report.html"


def test_an_unreachable_webhook_is_a_note_in_the_report(tmp_path):
    import socket

    from releasegate.gates.runner import run_gates
    from tests.gates.factories import LAYERS

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    cfg = config(
        {"load.http_req_duration": "p(95) < 800ms"},
        notify={"webhook_env": "RG_WEBHOOK"},
        history={"enabled": False},
    )
    verdict = run_gates(
        tmp_path, scenario_run(), cfg, layers=LAYERS, environ={"RG_WEBHOOK": f"http://127.0.0.1:{port}/hook"}
    )
    note = "notification to the webhook in RG_WEBHOOK failed: ConnectError"
    assert note in verdict.notes
    assert note in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert note in (tmp_path / "summary.md").read_text(encoding="utf-8")


def test_webhook_from_config_and_no_secrets_in_payload():
    r = scenario_run()
    r.info.base_url = "https://deploy:s3cr3t-token@staging.example.com/app?key=hunter2"
    with FakeWebhook() as hook:
        note = notify_from_config(
            config(notify={"webhook_env": "RG_WEBHOOK"}),
            scenario_verdict(),
            r,
            environ={"RG_WEBHOOK": hook.url},
        )
    assert note == "summary posted to the webhook in RG_WEBHOOK"
    sent = json.dumps(hook.bodies[0])
    for secret in ("s3cr3t-token", "hunter2", "/hooks/T000/B000/XXXX"):
        assert secret not in sent
    assert hook.bodies[0]["releasegate"]["target"] == "https://staging.example.com/app"


def test_webhook_refusal_is_reported_not_raised():
    with FakeWebhook(status=500) as hook:
        note = notify_from_config(
            config(notify={"webhook_env": "RG_WEBHOOK"}),
            scenario_verdict(),
            scenario_run(),
            environ={"RG_WEBHOOK": hook.url},
        )
        with pytest.raises(httpx.HTTPStatusError):
            post_summary(hook.url, scenario_verdict(), scenario_run())
    assert note == "notification to the webhook in RG_WEBHOOK failed: HTTPStatusError (HTTP 500)"


def test_unset_variable_skips():
    note = notify_from_config(
        config(notify={"webhook_env": "RG_WEBHOOK"}), scenario_verdict(), scenario_run(), environ={}
    )
    assert note == "notification skipped: environment variable RG_WEBHOOK is not set"
    assert notify_from_config(config(), scenario_verdict(), scenario_run(), environ={}) is None


def test_payload_is_bounded():
    assert len(payload(scenario_verdict(), scenario_run())["text"].splitlines()) <= 12
