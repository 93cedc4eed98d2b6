"""The spec is honest: the installed schemathesis CLI, default checks, finds nothing on a clean start."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from fixtures.shelf.launcher import start
from tests.shelf.conftest import READER, login

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TIMEOUT = 180


def _schemathesis() -> str:
    beside = Path(sys.executable).parent / "schemathesis"
    found = str(beside) if beside.exists() else shutil.which("schemathesis")
    assert found is not None, "the schemathesis CLI is missing: run `make deps`"
    return found


@pytest.mark.parametrize("signed_in", [True, False], ids=["token", "anonymous"])
def test_a_clean_start_has_no_failures(signed_in: bool, tmp_path: Path) -> None:
    """Signed in, every operation but the account's deletion runs with a valid `Token` (deleting the
    account would turn the rest of the run into 401s); anonymous, every operation runs."""
    with start(seed_user=READER) as running:
        extra: list[str] = ["--exclude-operation-id", "deleteAccount"] if signed_in else []
        if signed_in:
            with httpx.Client(base_url=f"{running.api_url}/v2/api", timeout=10) as client:
                extra += ["-H", f"Authorization: Token {login(client, *READER)}"]
        command = [
            _schemathesis(), "run", running.spec_url, "--seed", "1", "--max-examples", "10",
            "--phases", "examples,coverage,fuzzing,stateful", *extra,
        ]  # fmt: skip
        env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
        result = subprocess.run(
            command, cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False
        )
    assert result.returncode == 0, result.stdout[-6000:]
    assert f"{9 if signed_in else 10} selected / 10 total" in result.stdout
    assert "Stateful" in result.stdout
