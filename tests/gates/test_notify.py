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
    assert body["blocks"][0]["text"]["type"] == "mrkdwn"
    assert body["releasegate"]["verdict"] == "NO_GO"
    assert "load.http_req_duration" in body["text"]


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
    assert note == "notification to the webhook in RG_WEBHOOK failed: HTTPStatusError"


def test_unset_variable_skips():
    note = notify_from_config(
        config(notify={"webhook_env": "RG_WEBHOOK"}), scenario_verdict(), scenario_run(), environ={}
    )
    assert note == "notification skipped: environment variable RG_WEBHOOK is not set"
    assert notify_from_config(config(), scenario_verdict(), scenario_run(), environ={}) is None


def test_payload_is_bounded():
    assert len(payload(scenario_verdict(), scenario_run())["text"].splitlines()) <= 12
