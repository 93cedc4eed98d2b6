"""Helpers for the contract layer's tests: a LayerContext builder, httpbin on loopback, a login."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from releasegate.config import AuthConfig, Environment, LoginFlow
from releasegate.fixtures.promptlib import DEMO_USERS
from releasegate.layers import contract
from releasegate.layers.contract import ContractSettings
from releasegate.policy import Access, access
from releasegate.redact import collect_secrets
from releasegate.spec import LayerContext, RunOptions

USER_ENV, PASSWORD_ENV = "RG_TEST_CONTRACT_USER", "RG_TEST_CONTRACT_PASSWORD"
PRO = next(u for u in DEMO_USERS if u.email.startswith("pro@"))

# Short, bounded runs: the whole suite stays within a few minutes on 2 cores.
FAST = {"max_examples": 5, "seed": 1, "timeout_s": 120.0, "workers": 1}


def login_env(monkeypatch: pytest.MonkeyPatch) -> AuthConfig:
    monkeypatch.setenv(USER_ENV, PRO.email)
    monkeypatch.setenv(PASSWORD_ENV, PRO.password)
    return AuthConfig(login=LoginFlow(username_env=USER_ENV, password_env=PASSWORD_ENV))


def login_token(base_url: str) -> str:
    response = httpx.post(
        f"{base_url}/api/auth/login", json={"email": PRO.email, "password": PRO.password}, timeout=10
    )
    response.raise_for_status()
    token = response.json()["access_token"]
    assert isinstance(token, str)
    return token


def make_ctx(
    tmp_path: Path,
    base_url: str,
    *,
    env: Environment | None = None,
    options: RunOptions | None = None,
    **settings: Any,
) -> LayerContext:
    environment = env or Environment(name="test", base_url=base_url)
    run_dir = tmp_path / "run"
    options = options or RunOptions()
    return LayerContext(
        run_id="test-run",
        stage="pre-deploy",
        environment=environment,
        base_url=base_url,
        settings=ContractSettings(**{**FAST, **settings}),
        run_dir=run_dir,
        artifact_dir=run_dir / "contract",
        options=options,
        secrets=collect_secrets(environment.secret_env_names()),
        progress=lambda _msg: None,
        read_only=access(contract.SPEC, environment, options) is Access.READ_ONLY,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


_HTTPBIN = (
    "import sys; from httpbin import app; from werkzeug.serving import run_simple; "
    "run_simple('127.0.0.1', int(sys.argv[1]), app, threaded=True)"
)


@pytest.fixture(scope="session")
def httpbin_url() -> Iterator[str]:
    """httpbin (a real third-party API with a Swagger 2.0 spec) served on loopback for the session."""
    import flasgger  # noqa: F401  (httpbin serves /spec.json only with it; `make deps` installs both)
    import httpbin  # noqa: F401

    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", _HTTPBIN, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/spec.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("httpbin did not start within 20 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture
def ctx_factory(tmp_path: Path) -> Callable[..., LayerContext]:
    def _make(base_url: str, **kwargs: Any) -> LayerContext:
        return make_ctx(tmp_path, base_url, **kwargs)

    return _make
