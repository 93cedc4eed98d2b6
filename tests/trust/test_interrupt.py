"""Ctrl-C / SIGTERM during a load run: every child stops, the reports are still written, exit 3."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from releasegate.exitcodes import ExitCode
from tests.trust.conftest import ROOT
from tests.trust.servers import seen, trust_app

CONFIG = """
[layers.load]
profile = "long"
endpoints = [{ path = "/api/items" }]
server_metrics = { enabled = false }
[layers.load.profiles.long]
users = 2
spawn_rate = 2
arrival_rate = 20
duration_s = 120
max_duration_s = 120
max_requests = 5000

[budgets]
"load.http_req_failed" = "rate < 1%"
"""
REPORTS = ("verdict.json", "report.html", "summary.md", "junit.xml")


# a SIGTERM handler installed before releasegate's (coverage's `sigterm = true` does this in every
# subprocess under `make test`) must not turn SIGTERM into an exit that leaves Locust running
PRIOR_HANDLER = (
    "import signal, sys; signal.signal(signal.SIGTERM, lambda *_: sys.exit(143)); "
    "from releasegate.cli import main; sys.exit(main(sys.argv[1:]))"
)


@pytest.mark.parametrize(
    ("sig", "prior"), [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGTERM, True)]
)
def test_an_interrupted_load_run_stops_its_children_and_still_reports(
    tmp_path: Path, sig: signal.Signals, prior: bool
) -> None:
    (tmp_path / "releasegate.toml").write_text(CONFIG, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELEASEGATE_", "GITHUB_"))}
    env["PYTHONPATH"] = str(ROOT)
    with trust_app() as (url, _app):
        start = [sys.executable, "-c", PRIOR_HANDLER] if prior else [sys.executable, "-m", "releasegate"]
        cmd = [*start, "run", "--base-url", url, "--layers", "load"]
        cmd += ["--plain", "--no-history", "--report-dir", str(tmp_path / "reports")]
        proc = subprocess.Popen(
            cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            deadline = time.monotonic() + 60
            while seen(url) < 20 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.2)
            assert seen(url) >= 20, "the load never reached the target"
            proc.send_signal(sig)
            output, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        after_exit = seen(url)
        time.sleep(2.0)
        assert seen(url) == after_exit, "requests kept coming after releasegate exited"
    assert proc.returncode == ExitCode.INCONCLUSIVE, output
    run_dir = (tmp_path / "reports" / "latest").resolve()
    for name in REPORTS:
        assert (run_dir / name).is_file(), (name, output)
    verdict = json.loads((run_dir / "verdict.json").read_text(encoding="utf-8"))
    assert verdict["verdict"] == "INCONCLUSIVE"
    results = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    load = results["layers"][0]
    assert load["status"] == "error"
    assert "interrupted" in load["error"]
    assert "interrupted" in output
