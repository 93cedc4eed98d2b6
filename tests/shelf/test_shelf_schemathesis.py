"""The spec is honest: the installed schemathesis CLI, default checks, finds nothing on a clean start."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from releasegate.fixtures.shelf.launcher import Running, start
from tests.shelf.conftest import READER, login

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TIMEOUT = 180


def _schemathesis() -> str:
    beside = Path(sys.executable).parent / "schemathesis"
    found = str(beside) if beside.exists() else shutil.which("schemathesis")
    assert found is not None, "the schemathesis CLI is missing: run `make deps`"
    return found


def _auth_header(running: Running, how: str) -> str:
    if how == "token":
        with httpx.Client(base_url=f"{running.api_url}/v2/api", timeout=10) as client:
            return f"Authorization: Token {login(client, *READER)}"
    form = {"grant_type": "password", "username": READER[0], "password": READER[1]}
    token = httpx.post(running.oauth_token_url, data=form, timeout=10).json()["access_token"]
    return f"Authorization: Bearer {token}"


@pytest.mark.parametrize("how", ["token", "bearer"])
def test_a_clean_start_has_no_failures(how: str, tmp_path: Path) -> None:
    """With a JSON-login `Token` or an OAuth `Bearer`, every operation but the account's deletion
    runs with valid credentials (deleting the account would turn the rest of the run into 401s;
    schemathesis's `ignored_auth` check still sends each operation without them)."""
    with start(seed_user=READER) as running:
        command = [
            _schemathesis(), "run", running.spec_url, "--seed", "1", "--max-examples", "10",
            "--phases", "examples,coverage,fuzzing,stateful",
            "--exclude-operation-id", "deleteAccount", "-H", _auth_header(running, how),
        ]  # fmt: skip
        env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
        result = subprocess.run(
            command, cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False
        )
    assert result.returncode == 0, result.stdout[-6000:]
    assert "9 selected / 10 total" in result.stdout
    assert "Stateful" in result.stdout
