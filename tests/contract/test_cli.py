"""End to end through the CLI: a seeded fault makes `releasegate run --layers contract` say NO-GO."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

CONFIG = """
[layers.contract]
max_examples = 5
seed = 1
phases = ["examples", "coverage", "fuzzing"]
timeout_s = 120

[budgets]
"contract.failures{level:error}" = "count == 0"
"contract.operations_tested" = "value >= 90%"
"contract.breaking_changes" = { expr = "count == 0", allow_missing = true }
"""


def test_cli_run_with_a_server_error_is_no_go(tmp_path: Path) -> None:
    """Run from another directory with a relative --report-dir, as users do."""
    config = tmp_path / "releasegate.toml"
    config.write_text(CONFIG)
    reports = tmp_path / "reports"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "releasegate.cli",
            "run",
            "--config",
            str(config),
            "--layers",
            "contract",
            "--demo-faults",
            "server-error-on-input",
            "--report-dir",
            "reports",
            "--no-history",
            "--plain",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    verdict = json.loads(next(reports.glob("*/verdict.json")).read_text())
    statuses = {b["key"]: b["status"] for b in verdict["budgets"]}
    assert statuses["contract.failures{level:error}"] == "fail"
    assert statuses["contract.operations_tested"] == "pass"
    results = json.loads(next(reports.glob("*/results.json")).read_text())
    contract = next(layer for layer in results["layers"] if layer["layer"] == "contract")
    failing = [r for r in contract["records"] if r["status"] == "fail" and r["tags"].get("case_id")]
    assert any(
        r["tags"]["check"] == "not_a_server_error" and r["tags"]["operation"] == "GET /api/prompts"
        for r in failing
    )
    assert contract["meta"]["seed"] == 1


ENV_CONFIG = """
[environments.demo]
base_url = "{url}"
[environments.demo.auth.login]
username_env = "RG_CLI_EMAIL"
password_env = "RG_CLI_PASSWORD"
{signup}
[layers.contract]
max_examples = 3
seed = 3
timeout_s = 120
"""
SIGNUP_TOML = """[environments.demo.auth.signup]
path = "/api/auth/signup"
delete = { method = "DELETE", path = "/api/me", body = { password = "${RG_CLI_PASSWORD}" } }
"""


@pytest.mark.parametrize("signup", ["", SIGNUP_TOML], ids=["configured", "generated"])
def test_the_report_says_who_the_contract_run_acted_as(tmp_path: Path, signup: str) -> None:
    """Without [auth.signup] the report notes that the contract layer ran as the shared account;
    with it (the TOML of docs/auth.md) the run has its own account, removed at the end."""
    import os

    from releasegate.fixtures.promptlib import DEMO_USERS
    from releasegate.fixtures.promptlib.launcher import start

    pro = next(u for u in DEMO_USERS if u.email.startswith("pro@"))
    with start() as app:
        config = tmp_path / "releasegate.toml"
        config.write_text(ENV_CONFIG.format(url=app.url, signup=signup))
        env = {**os.environ, "RG_CLI_EMAIL": pro.email, "RG_CLI_PASSWORD": pro.password}
        proc = subprocess.run(
            [sys.executable, "-m", "releasegate.cli", "run", "--config", str(config), "--env", "demo",
             "--layers", "contract", "--report-dir", "reports", "--no-history", "--plain"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False,
        )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    run_dir = next((tmp_path / "reports").glob("*/verdict.json")).parent
    summary = (run_dir / "summary.md").read_text(encoding="utf-8")
    notes = json.loads((run_dir / "verdict.json").read_text(encoding="utf-8")).get("notes", [])
    cleanup = json.loads((run_dir / "contract" / "cleanup.json").read_text(encoding="utf-8"))
    shared = "contract: ran as the environment's configured (shared) account"
    if signup:
        assert cleanup["account"]["mode"] == "generated"
        assert cleanup["account"]["outcome"] == "deleted"
        assert not any(shared in n for n in notes), notes
        assert pro.password not in summary
        return
    assert cleanup["account"]["mode"] == "configured"
    assert any(shared in n for n in notes), notes
    assert "configured (shared) account" in summary


def test_ctrl_c_during_the_contract_run_still_removes_its_account(tmp_path: Path) -> None:
    """SIGINT mid-fuzzing: schemathesis is stopped, the run reports INCONCLUSIVE, and the throwaway
    account and what it created are removed before releasegate exits."""
    import os
    import signal
    import time

    import httpx

    from releasegate.fixtures.promptlib import DEMO_USERS
    from releasegate.fixtures.promptlib.launcher import start

    pro = next(u for u in DEMO_USERS if u.email.startswith("pro@"))
    with start() as app:
        config = tmp_path / "releasegate.toml"
        config.write_text(
            ENV_CONFIG.format(url=app.url, signup=SIGNUP_TOML).replace(
                "max_examples = 3", "max_examples = 60"
            )
        )
        env = {**os.environ, "RG_CLI_EMAIL": pro.email, "RG_CLI_PASSWORD": pro.password}
        cmd = [sys.executable, "-m", "releasegate.cli", "run", "--config", str(config), "--env", "demo",
               "--layers", "contract", "--report-dir", "reports", "--no-history", "--plain"]  # fmt: skip
        proc = subprocess.Popen(
            cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and proc.poll() is None:
                events = list((tmp_path / "reports").glob("*/contract/reports/*.ndjson"))
                if events and "ScenarioFinished" in events[0].read_text(encoding="utf-8", errors="replace"):
                    break
                time.sleep(0.2)
            assert proc.poll() is None, "the run ended before it could be interrupted"
            proc.send_signal(signal.SIGINT)
            output, _ = proc.communicate(timeout=90)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        run_dir = next((tmp_path / "reports").glob("*/verdict.json")).parent
        cleanup = json.loads((run_dir / "contract" / "cleanup.json").read_text(encoding="utf-8"))
        email = cleanup["account"]["email"]
        # the email is free again: the account is gone (a sign-up of a taken email answers 409)
        free = httpx.post(
            f"{app.url}/api/auth/signup", json={"email": email, "password": "probe-password-1"}, timeout=10
        )
    assert proc.returncode == 3, output
    assert cleanup["account"]["outcome"] == "deleted", cleanup["account"]
    assert free.status_code == 201
    assert all(r["outcome"] != "remains" for r in cleanup["resources"]), cleanup["resources"]
