"""Contract testing with the real schemathesis CLI (default checks and phases).

A clean start must come out clean, and each contract fault must be found.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from releasegate.fixtures.promptlib.launcher import RunningApp, start

MAX_EXAMPLES = "25"
TIMEOUT = 120


def _schemathesis() -> str:
    beside = Path(sys.executable).parent / "schemathesis"
    found = str(beside) if beside.exists() else shutil.which("schemathesis")
    assert found is not None, "the schemathesis CLI is missing: run `make deps`"
    return found


def run_schemathesis(app: RunningApp, workdir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`schemathesis run URL/openapi.json --seed 1`, from an empty directory (no config file)."""
    command = [
        _schemathesis(),
        "run",
        f"{app.url}/openapi.json",
        "--seed",
        "1",
        "--max-examples",
        MAX_EXAMPLES,
        *extra,
    ]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        command, cwd=workdir, check=False, capture_output=True, text=True, timeout=TIMEOUT, env=env
    )


def test_clean_start_has_no_failures(tmp_path: Path) -> None:
    with start() as app:
        result = run_schemathesis(app, tmp_path)
    assert result.returncode == 0, result.stdout[-6000:]
    assert "Coverage" in result.stdout
    assert "Stateful" in result.stdout


@pytest.mark.parametrize(
    ("fault", "finding"),
    [
        ("schema-drift", "Response violates schema"),
        ("server-error-on-input", "Server error"),
        ("undocumented-status", "Undocumented status code"),
        ("ignored-auth", "API accepts requests without authentication"),
    ],
)
def test_contract_fault_is_found(fault: str, finding: str, tmp_path: Path) -> None:
    with start(faults=fault) as app:
        result = run_schemathesis(app, tmp_path, "--max-failures", "1")
    assert result.returncode == 1, result.stdout[-6000:]
    assert finding in result.stdout, result.stdout[-6000:]
