"""The command line and the launcher: real processes, real ports."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from releasegate.fixtures.promptlib import DEFAULT_COMMIT, FAULTS
from releasegate.fixtures.promptlib.launcher import PromptlibStartError, start

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "releasegate.fixtures.promptlib", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def test_list_faults_documents_every_fault() -> None:
    result = _cli("--list-faults")
    assert result.returncode == 0
    for name in FAULTS:
        assert re.search(rf"^\s+{re.escape(name)}\s+\S", result.stdout, re.M)


@pytest.mark.parametrize(
    ("args", "env"), [(("--faults", "latncy"), {}), ((), {"PROMPTLIB_FAULTS": "js-eror"})]
)
def test_unknown_fault_is_a_usage_error(args: tuple[str, ...], env: dict[str, str]) -> None:
    result = _cli("--port", "0", *args, env=env)
    assert result.returncode == 2
    assert "unknown fault" in result.stderr
    assert "Did you mean" in result.stderr
    assert result.stdout == ""


def test_launcher_raises_with_stderr_when_the_app_cannot_start() -> None:
    with pytest.raises(PromptlibStartError, match="unknown fault 'nope'"):
        start(faults="nope", timeout=20)


def test_faults_and_commit_from_the_command_line() -> None:
    with start(faults=["unhealthy", "wrong-version"], commit="abc123" * 6 + "abcd") as app:
        assert app.faults == ("unhealthy", "wrong-version")
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", app.url)
        assert not app.url.endswith(":0")
        health = httpx.get(f"{app.url}/health")
        assert health.status_code == 503
        assert health.json()["status"] == "fail"
        assert httpx.get(f"{app.url}/version").json()["commit"] != "abc123" * 6 + "abcd"
    assert app.process.poll() is not None
    app.stop()


def test_faults_and_commit_from_the_environment() -> None:
    env = {"PROMPTLIB_FAULTS": "missing-security-headers", "PROMPTLIB_COMMIT": "feedface" * 5}
    with start(extra_env=env) as app:
        response = httpx.get(f"{app.url}/version")
        assert response.json()["commit"] == "feedface" * 5
        assert "x-frame-options" not in response.headers


def test_clean_start_reports_the_default_commit(clean_app: object) -> None:
    url = clean_app.url  # type: ignore[attr-defined]
    assert httpx.get(f"{url}/version").json()["commit"] == DEFAULT_COMMIT


def test_data_dir_keeps_the_database_across_restarts(tmp_path: Path) -> None:
    with start(data_dir=tmp_path) as first:
        created = httpx.post(
            f"{first.url}/api/auth/signup", json={"email": "kept@example.com", "password": "long-enough-1"}
        )
        assert created.status_code == 201
    assert (tmp_path / "promptlib.sqlite3").exists()
    with start(data_dir=tmp_path) as second:
        login = httpx.post(
            f"{second.url}/api/auth/login", json={"email": "kept@example.com", "password": "long-enough-1"}
        )
        assert login.status_code == 200
        assert httpx.get(f"{second.url}/health").json()["checks"]["migrations"][0]["status"] == "pass"
