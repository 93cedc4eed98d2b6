"""A windowed budget is judged over the whole run too: a run shorter than its window cannot pass it."""

from __future__ import annotations

from pathlib import Path

from releasegate.exitcodes import ExitCode
from tests.trust.conftest import budget, releasegate, verdict_of
from tests.trust.servers import trust_app

CONFIG = """
[layers.load]
profile = "tiny"
endpoints = [{ path = "/api/items" }]
server_metrics = { enabled = false }
[layers.load.profiles.tiny]
users = 2
spawn_rate = 2
duration_s = 20
max_duration_s = 20
max_requests = 300

[budgets]
"load.http_req_failed{endpoint:*}" = { expr = "rate < 5%", abort = true, window = "10s", grace = "5s" }
"""


def _run(tmp_path: Path, url: str) -> tuple[int, str, Path]:
    (tmp_path / "releasegate.toml").write_text(CONFIG, encoding="utf-8")
    reports = tmp_path / "reports"
    done = releasegate(
        tmp_path,
        "run",
        "--base-url",
        url,
        "--layers",
        "load",
        "--report-dir",
        str(reports),
        "--plain",
        "--no-history",
    )
    return done.returncode, done.stdout + done.stderr, reports


def test_every_request_refused_in_a_run_shorter_than_the_window_is_no_go(tmp_path: Path) -> None:
    with trust_app(status="429") as (url, _proc):
        code, output, reports = _run(tmp_path, url)
    assert code == ExitCode.NO_GO, output
    b = budget(verdict_of(reports), "load.http_req_failed{endpoint:GET /api/items}")
    assert b["status"] == "fail", b["message"]
    assert "100 %" in b["message"]


def test_a_clean_short_run_passes_the_same_budget(tmp_path: Path) -> None:
    with trust_app() as (url, _proc):
        code, output, reports = _run(tmp_path, url)
    b = budget(verdict_of(reports), "load.http_req_failed{endpoint:GET /api/items}")
    assert b["status"] == "pass", b["message"]
    assert code == ExitCode.GO, output
