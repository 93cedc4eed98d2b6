"""``releasegate preflight`` end to end against promptlib: each check passes clean and blocks seeded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.pipelines.conftest import CliRunner
from tests.pipelines.test_preflight_checks import cobertura

pytestmark = pytest.mark.integration

PLANTED = "planted-SECRET-value-7f3a9c"
COMMIT = "c0ffee1234567890c0ffee1234567890c0ffee12"


def verdict(report_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((report_dir / "latest" / "verdict.json").read_text())
    return data


def failing_keys(report_dir: Path) -> set[str]:
    return {
        b["key"] for b in verdict(report_dir)["budgets"] if b["status"] == "fail" and b["level"] == "error"
    }


def config_file(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "releasegate.toml"
    path.write_text(
        f"""
[environments.staging]
base_url = "{url}"
headers_from_env = {{ "X-Api-Key" = "RG_PREFLIGHT_KEY" }}
auth = {{ token_env = "RG_PREFLIGHT_TOKEN" }}
"""
    )
    return path


def test_missing_variable_is_no_go_naming_it_without_printing_values(
    cli: CliRunner, promptlib, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RG_PREFLIGHT_KEY", PLANTED)
    monkeypatch.delenv("RG_PREFLIGHT_TOKEN", raising=False)
    reports = tmp_path / "reports"
    config = config_file(tmp_path, promptlib.url)
    result = cli("preflight", "--config", str(config), "--env", "staging", "--report-dir", str(reports))
    assert result.code == 1, result.out + result.err
    assert "RG_PREFLIGHT_TOKEN" in result.out
    assert "preflight.missing_variables" in failing_keys(reports)
    assert PLANTED not in result.out + result.err
    written = [p for p in reports.rglob("*") if p.is_file()]
    assert any(p.name == "report.html" for p in written)
    for path in written:
        assert PLANTED.encode() not in path.read_bytes(), f"{path} holds the secret"

    monkeypatch.setenv("RG_PREFLIGHT_TOKEN", PLANTED[::-1])
    result = cli("preflight", "--config", str(config), "--env", "staging", "--report-dir", str(reports))
    assert result.code == 0, result.out + result.err
    assert PLANTED[::-1] not in result.out + result.err


def test_version_mismatch_is_no_go_and_the_deployed_commit_passes(
    cli: CliRunner, start_promptlib, tmp_path: Path
) -> None:
    app = start_promptlib(commit=COMMIT)
    reports = tmp_path / "reports"
    wrong = cli(
        "preflight", "--base-url", app.url, "--expect-version", "deadbeef99", "--report-dir", str(reports)
    )
    assert wrong.code == 1, wrong.out + wrong.err
    assert failing_keys(reports) == {"preflight.version_mismatch"}
    assert "expected version deadbeef99" in wrong.out
    right = cli(
        "preflight", "--base-url", app.url, "--expect-version", COMMIT[:10], "--report-dir", str(reports)
    )
    assert right.code == 0, right.out + right.err
    judged = {b["key"]: b["status"] for b in verdict(reports)["budgets"]}
    assert judged["preflight.version_mismatch"] == "pass"
    assert judged["preflight.migrations_pending"] == "pass"


def test_pending_migrations_block(cli: CliRunner, start_promptlib, tmp_path: Path) -> None:
    app = start_promptlib("unhealthy")
    reports = tmp_path / "reports"
    result = cli("preflight", "--base-url", app.url, "--report-dir", str(reports))
    assert result.code == 1, result.out + result.err
    assert failing_keys(reports) == {"preflight.migrations_pending"}
    assert "pending" in result.out


@pytest.mark.parametrize(("covered", "code"), [(79, 1), (80, 0), (93, 0)])
def test_coverage_budget_at_80_percent(
    cli: CliRunner, promptlib, tmp_path: Path, covered: int, code: int
) -> None:
    xml = cobertura(tmp_path / "coverage.xml", covered, 100)
    reports = tmp_path / "reports"
    result = cli(
        "preflight", "--base-url", promptlib.url, "--coverage-xml", str(xml), "--report-dir", str(reports)
    )
    assert result.code == code, result.out + result.err
    judged = {b["key"]: b for b in verdict(reports)["budgets"]}
    assert judged["preflight.coverage_line_rate"]["status"] == ("fail" if code else "pass")


def test_audit_that_cannot_reach_its_service_is_inconclusive(
    cli: CliRunner, promptlib, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("httpx==0.28.1\n")
    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(var, "http://127.0.0.1:1")
    reports = tmp_path / "reports"
    args = ("preflight", "--base-url", promptlib.url, "--requirements", str(requirements), "--audit")
    result = cli(*args, "--report-dir", str(reports))
    assert result.code == 3, result.out + result.err
    judged = {b["key"]: b["status"] for b in verdict(reports)["budgets"]}
    assert judged["preflight.vulnerabilities"] == "inconclusive"


def test_bad_flags_are_usage_errors(cli: CliRunner, promptlib, tmp_path: Path) -> None:
    result = cli("preflight", "--base-url", promptlib.url, "--requirements", "requirements.txt")
    assert result.code == 2
    assert "--audit" in result.err
    result = cli("preflight", "--base-url", promptlib.url, "--coverage-xml", str(tmp_path / "nope.xml"))
    assert result.code == 2
    assert "nope.xml" in result.err


def test_a_budget_in_the_file_replaces_the_default(cli: CliRunner, promptlib, tmp_path: Path) -> None:
    config = tmp_path / "releasegate.toml"
    config.write_text('[budgets]\n"preflight.coverage_line_rate" = "value >= 90%"\n')
    xml = cobertura(tmp_path / "coverage.xml", 85, 100)
    reports = tmp_path / "reports"
    args = ("preflight", "--config", str(config), "--base-url", promptlib.url, "--coverage-xml", str(xml))
    result = cli(*args, "--report-dir", str(reports))
    assert result.code == 1, result.out + result.err
    judged = {b["key"]: b for b in verdict(reports)["budgets"]}
    assert judged["preflight.coverage_line_rate"]["expr"] == "value >= 90%"


def test_a_malformed_preflight_budget_is_a_config_error(cli: CliRunner, promptlib, tmp_path: Path) -> None:
    config = tmp_path / "releasegate.toml"
    config.write_text('[budgets]\n"preflight.coverage_line_rate" = "p(95) >= 90%"\n')
    result = cli("preflight", "--config", str(config), "--base-url", promptlib.url)
    assert result.code == 2
    assert "preflight.coverage_line_rate" in result.err
