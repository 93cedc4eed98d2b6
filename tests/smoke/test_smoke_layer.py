"""The smoke layer end to end: `releasegate run` against the real reference target, clean and with faults."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from releasegate import cli
from releasegate.exitcodes import ExitCode
from releasegate.fixtures.promptlib import DEFAULT_COMMIT

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """\
[environments.demo]
embedded = true
pages = [{ path = "/", contains = "Prompts that work" }, { path = "/explore", contains = "Explore prompts" }]
endpoints = [{ path = "/api/prompts", contains = "items" }]

[layers.smoke]
repeats = 2

[budgets]
"smoke.checks_failed" = "count == 0"
"smoke.availability" = "rate >= 99.5%"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "releasegate.toml"
    path.write_text(CONFIG)
    return path


def smoke(capsys, tmp_path: Path, *args: str) -> tuple[ExitCode, str, dict[str, dict[str, str]]]:
    report_dir = tmp_path / "reports"
    argv = [
        "run",
        "--stage",
        "post-deploy",
        "--layers",
        "smoke",
        "--report-dir",
        str(report_dir),
        "--no-history",
    ]
    code = cli.main([*argv, *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    results = json.loads((report_dir / "latest" / "results.json").read_text())
    records = {r["check"]: r for r in results["layers"][0]["records"]}
    return code, out, records


def failing(records: dict[str, dict[str, str]]) -> dict[str, str]:
    return {check: r["message"] for check, r in records.items() if r["status"] == "fail"}


def test_clean_target_is_go(capsys, tmp_path, config, promptlib) -> None:
    args = ["--config", str(config), "--env", "demo", "--base-url", promptlib.url]
    code, out, records = smoke(capsys, tmp_path, *args, "--expect-version", DEFAULT_COMMIT[:7])
    assert failing(records) == {}
    assert code == ExitCode.GO, out
    assert out.startswith("verdict: GO")
    assert records["version"]["status"] == "pass"
    assert records["health: database"]["status"] == "pass"


@pytest.mark.parametrize(
    ("fault", "extra", "check", "words"),
    [
        ("unhealthy", [], "health", "HTTP 503 with status 'fail'"),
        ("wrong-version", ["--expect-version", DEFAULT_COMMIT], "version", "to report version"),
        ("missing-security-headers", [], "header: X-Content-Type-Options", "expected 'nosniff', saw absent"),
        ("latency=2500ms", [], "response time: GET /api/prompts", "expected under 2s"),
    ],
)
def test_seeded_fault_is_no_go_naming_the_check(  # noqa: PLR0917
    capsys, tmp_path, config, start_promptlib, fault, extra, check, words
) -> None:
    app = start_promptlib(fault)
    code, out, records = smoke(
        capsys, tmp_path, "--config", str(config), "--env", "demo", "--base-url", app.url, *extra
    )
    assert code == ExitCode.NO_GO, out
    assert out.startswith("verdict: NO-GO")
    assert check in failing(records), failing(records)
    assert words in records[check]["message"]
    assert f"  failed: [smoke] {check}: " in out


def test_refused_connection_is_no_go_and_named(capsys, tmp_path, config) -> None:
    code, out, records = smoke(capsys, tmp_path, "--config", str(config), "--base-url", "http://127.0.0.1:1")
    assert code == ExitCode.NO_GO, out
    assert "connection refused by http://127.0.0.1:1/health" in records["health"]["message"]


def test_embedded_demo_with_a_fault_via_the_console_script(tmp_path: Path) -> None:
    """The installed entry point, as a user runs it: embedded target started, faulted, stopped."""
    done = subprocess.run(
        [sys.executable, "-m", "releasegate", "run", "--stage", "post-deploy", "--layers", "smoke", "--plain",
         "--demo-faults", "unhealthy", "--report-dir", str(tmp_path / "r"), "--no-history"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == ExitCode.NO_GO, done.stdout + done.stderr
    assert "verdict: NO-GO" in done.stdout
    assert "report: " in done.stdout
    assert "[smoke] started (1/1" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_smoke_suite_under_pytest(start_promptlib) -> None:
    """`pytest suites/smoke --base-url URL --rg-env demo`: one test per kind of check."""
    app = start_promptlib("unhealthy")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(ROOT / "suites" / "smoke"), "--base-url", app.url,
         "--rg-env", "demo", "-p", "no:playwright", "-p", "no:cacheprovider", "-q", "-rA"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.stdout + done.stderr
    assert "FAILED suites/smoke/test_smoke.py::test_smoke[health]" in done.stdout
    assert "health: expected GET /health to answer 2xx reporting pass, saw HTTP 503" in done.stdout
    assert "PASSED suites/smoke/test_smoke.py::test_smoke[page]" in done.stdout
    assert "SKIPPED" in done.stdout
