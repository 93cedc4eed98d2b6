"""A health check passes only on proof of health: an HTML page answering 200 is not it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from releasegate.config import Environment, HealthCheck
from releasegate.exitcodes import ExitCode
from tests.trust.conftest import releasegate, verdict_of
from tests.trust.servers import trust_app

BUDGETS = (
    "[layers.smoke]\nsecurity_headers = false\nnoindex = false\n"
    '[budgets]\n"smoke.checks_failed" = "count == 0"\n'
)


def _smoke(tmp_path: Path, url: str, environment: str = "") -> tuple[int, str, dict[str, object]]:
    config = f'[environments.t]\nbase_url = "{url}"\n{environment}\n{BUDGETS}'
    (tmp_path / "releasegate.toml").write_text(config, encoding="utf-8")
    reports = tmp_path / "reports"
    done = releasegate(
        tmp_path,
        "run",
        "--env",
        "t",
        "--layers",
        "smoke",
        "--report-dir",
        str(reports),
        "--plain",
        "--no-history",
    )
    results = json.loads((reports / "latest" / "results.json").read_text(encoding="utf-8"))
    health = next(r for r in results["layers"][0]["records"] if r["check"] == "health")
    return done.returncode, done.stdout + done.stderr, health


def test_an_html_page_as_health_endpoint_is_no_go(tmp_path: Path) -> None:
    with trust_app(health="html") as (url, _proc):
        code, output, health = _smoke(tmp_path, url)
    assert health["status"] == "fail", health
    assert "not a JSON object (text/html)" in str(health["message"])
    assert code == ExitCode.NO_GO, output
    assert verdict_of(tmp_path / "reports")["verdict"] == "NO_GO"


def test_the_same_page_passes_when_the_environment_says_what_to_expect(tmp_path: Path) -> None:
    with trust_app(health="html") as (url, _proc):
        code, output, health = _smoke(
            tmp_path, url, 'health = { path = "/health", status = 200, contains = "Welcome" }'
        )
    assert health["status"] == "pass", health
    assert code == ExitCode.GO, output


def test_a_json_health_endpoint_passes(tmp_path: Path) -> None:
    with trust_app() as (url, _proc):
        code, output, health = _smoke(tmp_path, url)
    assert health["status"] == "pass", health
    assert code == ExitCode.GO, output


def test_health_path_false_switches_the_check_off_and_empty_is_rejected() -> None:
    assert Environment(health_path=False).health_check is None
    assert Environment().health_check == HealthCheck(path="/health")
    assert Environment(health_path="/status").health_check == HealthCheck(path="/status")
    assert Environment(health={"path": "/hz", "contains": "ok"}).health_path == "/hz"
    with pytest.raises(ValidationError, match="health_path is empty"):
        Environment(health_path="")
    with pytest.raises(ValidationError, match="disagree"):
        Environment(health_path="/a", health={"path": "/b"})


def test_health_path_false_skips_the_probe(tmp_path: Path) -> None:
    with trust_app(health="html") as (url, _proc):
        code, output, health = _smoke(tmp_path, url, 'health_path = false\npages = [{ path = "/api/items" }]')
    assert health["status"] == "skipped", health
    assert "switched off" in str(health["message"])
    assert code == ExitCode.GO, output
