"""The preflight checks as functions: variables, version matching, migrations, coverage, audit."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from releasegate.config import AuthConfig, Config, Environment, NotifyConfig
from releasegate.layers._preflight.audit import check_audit, count_vulnerabilities
from releasegate.layers._preflight.coverage import check_coverage, line_rate
from releasegate.layers._preflight.target import (
    check_migrations,
    check_version,
    migration_checks,
    versions_match,
)
from releasegate.layers._preflight.variables import check_variables
from releasegate.layers.preflight import applicable_budgets
from releasegate.results import Status

SECRET = "s3cr3t-value-PLANTED-4242"


def cobertura(path: Path, covered: int, valid: int) -> Path:
    rate = covered / valid
    path.write_text(
        f'<?xml version="1.0" ?>\n<coverage version="7.10" timestamp="1" lines-valid="{valid}" '
        f'lines-covered="{covered}" line-rate="{rate:.4f}" branches-covered="0" branches-valid="0" '
        f'branch-rate="0" complexity="0"><sources><source>/app</source></sources><packages/></coverage>\n'
    )
    return path


@pytest.mark.parametrize(
    ("expected", "reported", "match"),
    [
        ("abc1234def", "abc1234def", True),
        ("ABC1234", "abc1234def5678", True),
        ("abc1234def5678", "abc1234", True),
        ("abc12", "abc1234", False),
        ("abc1234", "abd1234", False),
        ("1.4.0", "1.4.0", True),
        ("", "abc", False),
    ],
)
def test_versions_match(expected: str, reported: str, match: bool) -> None:
    assert versions_match(expected, reported) is match


def test_missing_variable_is_named_and_counted_but_values_never_copied() -> None:
    env = Environment(
        name="staging", headers_from_env={"X-Api-Key": "RG_TEST_KEY"}, auth=AuthConfig(token_env="RG_TOKEN")
    )
    outcome = check_variables(Config(), env, {"RG_TEST_KEY": SECRET})
    assert outcome.samples[0].values == [1.0]
    failed = [r for r in outcome.records if r.status is Status.FAIL]
    assert [r.tags["variable"] for r in failed] == ["RG_TOKEN"]
    assert "RG_TOKEN is not set" in failed[0].message
    assert SECRET not in json.dumps([r.model_dump(mode="json") for r in outcome.records])


def test_all_variables_set_counts_zero_and_webhook_is_optional() -> None:
    env = Environment(name="staging", auth=AuthConfig(token_env="RG_TOKEN"))
    config = Config(notify=NotifyConfig(webhook_env="RG_HOOK"))
    outcome = check_variables(config, env, {"RG_TOKEN": SECRET})
    assert outcome.samples[0].values == [0.0]
    hook = next(r for r in outcome.records if r.tags["variable"] == "RG_HOOK")
    assert hook.status is Status.SKIPPED
    assert "notifications are off" in hook.message


def _client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_version_check_not_applicable_without_expected_version() -> None:
    with _client(lambda r: httpx.Response(200, json={"commit": "x"})) as client:
        outcome = check_version(client, "http://t/version", None)
    assert not outcome.applicable
    assert not outcome.samples


def test_version_check_unreachable_has_no_data() -> None:
    with httpx.Client(timeout=2) as client:
        outcome = check_version(client, "http://127.0.0.1:1/version", "abc1234")
    assert outcome.applicable
    assert not outcome.samples
    assert outcome.records[0].status is Status.ERROR
    assert "127.0.0.1:1" in outcome.records[0].message


def test_migration_entries_from_health_payloads() -> None:
    inadarei = {
        "status": "pass",
        "checks": {"database": [{"status": "pass"}], "migrations": [{"status": "fail"}]},
    }
    flat = {"checks": [{"name": "db-migrations", "status": "pass"}, {"name": "cache", "status": "pass"}]}
    assert [n for n, _ in migration_checks(inadarei)] == ["migrations"]
    assert [n for n, _ in migration_checks(flat)] == ["db-migrations"]
    assert migration_checks({"status": "pass"}) == []
    assert migration_checks(["not", "a", "dict"]) == []


def test_pending_migrations_fail_and_absent_check_does_not_apply() -> None:
    body = {"status": "fail", "checks": {"migrations": [{"status": "fail", "output": "pending: 0002_x"}]}}
    with _client(lambda r: httpx.Response(503, json=body)) as client:
        outcome = check_migrations(client, "http://t/health")
    assert outcome.samples[0].values == [1.0]
    assert "pending: 0002_x" in outcome.records[0].message
    with _client(lambda r: httpx.Response(200, json={"status": "pass"})) as client:
        outcome = check_migrations(client, "http://t/health")
    assert not outcome.applicable


@pytest.mark.parametrize(
    "response",
    [httpx.Response(502, text="<html>Bad gateway</html>"), httpx.Response(500, json={"detail": "boom"})],
)
def test_a_broken_health_endpoint_leaves_migrations_unmeasured_not_skipped(response: httpx.Response) -> None:
    with _client(lambda r: response) as client:
        outcome = check_migrations(client, "http://t/health")
    assert outcome.applicable
    assert not outcome.samples
    assert outcome.records[0].status is Status.ERROR
    assert f"HTTP {response.status_code}" in outcome.records[0].message


@pytest.mark.parametrize(("covered", "valid"), [(79, 100), (85, 100)])
def test_coverage_line_rate_from_cobertura(tmp_path: Path, covered: int, valid: int) -> None:
    outcome = check_coverage(cobertura(tmp_path / "coverage.xml", covered, valid))
    assert outcome.samples[0].values == [pytest.approx(covered / valid)]
    assert outcome.samples[0].unit == "ratio"


def test_coverage_from_line_rate_only(tmp_path: Path) -> None:
    path = tmp_path / "c.xml"
    path.write_text('<coverage line-rate="0.5"/>')
    assert line_rate(path) == (0.5, None, None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<coverage", "well-formed"),
        ("<report/>", "Cobertura"),
        ('<coverage line-rate="x"/>', "not a number"),
        ("<coverage/>", "neither lines-covered"),
    ],
)
def test_unreadable_coverage_is_no_data(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(text)
    outcome = check_coverage(path)
    assert not outcome.samples
    assert outcome.records[0].status is Status.ERROR
    assert reason in outcome.records[0].message


def test_pip_audit_json_is_counted() -> None:
    report = {
        "dependencies": [
            {"name": "jinja2", "version": "2.0", "vulns": [{"id": "PYSEC-1", "fix_versions": ["2.11.3"]}]},
            {"name": "httpx", "version": "0.28", "vulns": []},
        ],
        "fixes": [],
    }
    assert count_vulnerabilities(report) == [("jinja2", "2.0", "PYSEC-1", ["2.11.3"])]
    with pytest.raises(ValueError, match="dependencies"):
        count_vulnerabilities({"nothing": 1})


def test_audit_without_pip_audit_is_inconclusive(tmp_path: Path) -> None:
    outcome = check_audit(None, artifact_dir=tmp_path, timeout_s=5, command=[])
    assert not outcome.samples
    assert "pip-audit is not installed" in outcome.records[0].message


def test_audit_that_cannot_reach_its_service_is_inconclusive(tmp_path: Path) -> None:
    # A real process that fails the way pip-audit does offline: no JSON, an error on stderr.
    failing = [
        sys.executable,
        "-c",
        "import sys; sys.stderr.write('ConnectionError: offline\\n'); sys.exit(1)",
    ]
    outcome = check_audit(tmp_path / "req.txt", artifact_dir=tmp_path, timeout_s=30, command=failing)
    assert not outcome.samples
    assert outcome.records[0].status is Status.ERROR
    assert "ConnectionError: offline" in outcome.records[0].message


def test_budgets_of_checks_that_did_not_apply_are_left_out() -> None:
    config = Config(
        budgets={"preflight.coverage_line_rate": "value >= 90%", "smoke.checks_failed": "count == 0"}
    )
    checks = {
        "missing_variables": "measured",
        "version_mismatch": "not applicable",
        "migrations_pending": "no data",
        "coverage_line_rate": "measured",
    }
    assert applicable_budgets(config, checks) == {
        "preflight.missing_variables": "value == 0",
        "preflight.migrations_pending": "value == 0",
        "preflight.coverage_line_rate": "value >= 90%",
    }
