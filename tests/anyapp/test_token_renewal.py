"""Tokens that expire during a load run are renewed, and each renewal is counted, not hidden."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from releasegate.auth import renew_at
from releasegate.fixtures.shelf.launcher import start

pytestmark = pytest.mark.integration

EMAIL, PASSWORD = "renewal@shelf.test", "renewal-PLANTED-pw-8d2"

CONFIG = """\
[environments.shelf]
base_url = "{api}"
health_path = "/v2/status"
[environments.shelf.auth]
scheme = "Token"
[environments.shelf.auth.login]
path = "/v2/api/users/login"
body = {{ user = {{ email = "${{SHELF_EMAIL}}", password = "${{SHELF_PASSWORD}}" }} }}
token = "user.token"
[layers.load]
profile = "short"
endpoints = [{{ method = "GET", path = "/v2/api/user/books", name = "GET /user/books" }}]
[layers.load.profiles.short]
users = 2
spawn_rate = 2
arrival_rate = 10
duration_s = 14
max_duration_s = 30
max_requests = 400
[budgets]
"load.http_req_failed" = "rate < 5%"
"""


def test_renewal_times() -> None:
    assert renew_at(None, now=100.0) is None
    assert renew_at(3600, now=0.0) == 3570.0  # 30 s before the end
    assert renew_at(5, now=0.0) == 4.0  # a fifth of a short life


def test_a_token_that_expires_mid_run_is_renewed_and_counted(tmp_path: Path) -> None:
    with start(seed_user=(EMAIL, PASSWORD), token_ttl=6) as shelf:
        config = tmp_path / "releasegate.toml"
        config.write_text(CONFIG.format(api=shelf.api_url))
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "releasegate",
                "run",
                "--config",
                str(config),
                "--env",
                "shelf",
                "--layers",
                "load",
                "--plain",
                "--no-history",
            ],
            cwd=tmp_path,
            env={**os.environ, "SHELF_EMAIL": EMAIL, "SHELF_PASSWORD": PASSWORD},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    run_dir = next(p for p in (tmp_path / "reports").iterdir() if p.is_dir() and not p.is_symlink())
    assert done.returncode == 0, done.stdout + done.stderr + (run_dir / "summary.md").read_text()
    run_dir = next(p for p in (tmp_path / "reports").iterdir() if p.is_dir() and not p.is_symlink())
    results = json.loads((run_dir / "results.json").read_text())
    load = next(lr for lr in results["layers"] if lr["layer"] == "load")
    counts = {
        s["tags"]["endpoint"]: len(s["values"]) + sum(c for _, c in s["buckets"])
        for s in load["samples"]
        if s["metric"] == "http_req_duration"
    }
    renewals = [n for name, n in counts.items() if "token renewal" in name]
    assert renewals, counts  # each renewal shows as a request of its own
    assert sum(renewals) >= 2  # a 6 s token over a 14 s run
    assert counts["GET /user/books"] > 20
    for path in (p for p in run_dir.rglob("*") if p.is_file()):
        assert PASSWORD.encode() not in path.read_bytes(), path
