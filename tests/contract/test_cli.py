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
