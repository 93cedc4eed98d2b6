"""``releasegate init`` against real servers: promptlib, and an app whose API lives under a prefix."""

from __future__ import annotations

import ast
import io
import json
import socket
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from releasegate import scaffold
from releasegate.cli import build_parser, main
from releasegate.commands import init
from releasegate.commands.judging import checked_budgets
from releasegate.configfile import load
from releasegate.exitcodes import ExitCode
from releasegate.fixtures.promptlib.launcher import RunningApp
from releasegate.fixtures.shelf.launcher import Running
from releasegate.fixtures.shelf.launcher import start as start_shelf
from tests.adopt.prefixed_app import serve

pytestmark = pytest.mark.integration

WRITTEN = (scaffold.CONFIG, scaffold.PERSONAS, scaffold.SCENARIO, scaffold.CONFTEST, scaffold.WORKFLOW)


@pytest.fixture(scope="module")
def shelf() -> Iterator[Running]:
    """The second reference target: API under /v2/api, health at /v2/status, a frontend on its own origin."""
    with start_shelf() as running:
        yield running


@pytest.fixture(scope="module")
def prefixed() -> Iterator[str]:
    with serve() as url:
        yield url


def releasegate(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The real CLI in its own process, stdin not a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "releasegate", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def environment(toml: Path) -> dict[str, Any]:
    data = tomllib.loads(toml.read_text())
    env = data["environments"][data["default_environment"]]
    assert isinstance(env, dict)
    return env


def test_init_against_promptlib_writes_a_config_that_validates_and_reaches_go(
    promptlib: RunningApp, tmp_path: Path
) -> None:
    proc = releasegate("init", "--base-url", promptlib.url, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in WRITTEN:
        assert (tmp_path / name).is_file(), f"{name} was not written"
    assert "openapi   /openapi.json" in proc.stdout
    assert "next:" in proc.stdout

    toml = tmp_path / scaffold.CONFIG
    env = environment(toml)
    assert env["base_url"] == promptlib.url
    assert env["openapi"] == "/openapi.json"
    assert env["health_path"] == "/health"
    assert env["version_path"] == "/version"
    assert {"path": "/explore"} in env["pages"]
    config = load(toml)
    assert config.stages["pre-deploy"].layers == ["smoke", "contract", "e2e", "load", "web"]
    assert config.layers["web"]["pages"] == ["/", "/explore", "/pricing"]  # the first three pages
    budgets = checked_budgets(config)
    assert budgets is not None
    for command in ("envs", "layers"):
        listed = releasegate(command, "--config", str(toml), cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr

    run = releasegate(
        "run", "--config", str(toml), "--layers", "smoke", "--report-dir", str(tmp_path / "reports"),
        "--plain", cwd=tmp_path, timeout=180,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "verdict: GO" in run.stdout
    assert f"staging at {promptlib.url}" in run.stdout + run.stderr


def test_the_written_suite_uses_only_the_public_e2e_api(
    promptlib: RunningApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--base-url", promptlib.url, "--yes"]) == ExitCode.GO
    for name in (scaffold.SCENARIO, scaffold.CONFTEST):
        tree = ast.parse((tmp_path / name).read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        ours = {
            m for m in imported if m and m.split(".")[0] in ("releasegate", "suites", "gates", "fixtures")
        }
        assert ours == {"releasegate.e2e"}, f"{name} imports {ours}"
    scenario = (tmp_path / scaffold.SCENARIO).read_text()
    assert '@pytest.mark.persona("visitor")' in scenario
    assert "'/explore'" in scenario
    assert "visitor:" in (tmp_path / scaffold.PERSONAS).read_text()
    workflow = (tmp_path / scaffold.WORKFLOW).read_text()
    assert f"uses: {scaffold.ACTION}" in workflow
    assert "group: release-gate-staging" in workflow


@pytest.mark.slow
def test_the_written_persona_suite_runs_against_the_app(
    promptlib: RunningApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--base-url", promptlib.url, "--yes"]) == ExitCode.GO
    run = releasegate(
        "run", "--layers", "e2e", "--report-dir", str(tmp_path / "reports"), "--plain", "--no-history",
        cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "verdict: GO" in run.stdout
    scenarios = json.loads(next((tmp_path / "reports").glob("*/results.json")).read_text())
    (e2e,) = [layer for layer in scenarios["layers"] if layer["layer"] == "e2e"]
    passed = [r for r in e2e["records"] if r["status"] == "pass"]
    assert any("test_visitor_opens_the_main_pages" in json.dumps(r) for r in passed), e2e["records"]


def test_init_finds_a_prefixed_api_and_rejects_the_decoys(prefixed: str, tmp_path: Path) -> None:
    proc = releasegate("init", "--base-url", prefixed, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    env = environment(tmp_path / scaffold.CONFIG)
    assert env["openapi"] == "/v2/api/openapi.json"  # not the JSON decoy at /openapi.json
    assert env["health_path"] == "/v2/status"  # not /healthz (text) nor /status (HTML)
    assert "version_path" not in env  # none: written commented out with a note
    assert "# version_path" in (tmp_path / scaffold.CONFIG).read_text()
    assert env["endpoints"] == [{"path": "/v2/api/items"}]
    assert env["pages"] == [{"path": "/"}, {"path": "/about"}]  # no /logout, no assets
    assert "version   not found" in proc.stdout
    checked_budgets(load(tmp_path / scaffold.CONFIG))


def test_init_against_shelf_finds_its_api_from_its_frontend_and_reaches_go(
    shelf: Running, tmp_path: Path
) -> None:
    proc = releasegate("init", "--base-url", shelf.api_url, "--web-url", shelf.web_url, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    env = environment(tmp_path / scaffold.CONFIG)
    assert (env["base_url"], env["web_url"]) == (shelf.api_url, shelf.web_url)
    assert env["openapi"] == "/v2/api/openapi.json"
    assert env["health_path"] == "/v2/status"
    assert env["version_path"] == "/v2/status"  # its status answer reports the version
    assert {"path": "/login"} in env["pages"]
    run = releasegate("run", "--layers", "smoke", "--plain", "--no-history", cwd=tmp_path, timeout=180)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "verdict: GO" in run.stdout


def test_init_against_shelfs_bare_api_tries_the_version_prefixes(shelf: Running, tmp_path: Path) -> None:
    """The API root answers 404 JSON and links nothing: /v2 is among the prefixes tried anyway."""
    proc = releasegate("init", "--base-url", shelf.api_url, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    env = environment(tmp_path / scaffold.CONFIG)
    assert env["openapi"] == "/v2/api/openapi.json"
    assert env["health_path"] == "/v2/status"
    assert "pages" not in env
    assert load(tmp_path / scaffold.CONFIG).stages["pre-deploy"].layers == ["smoke", "contract", "load"]


def test_existing_files_are_not_overwritten_without_force(promptlib: RunningApp, tmp_path: Path) -> None:
    mine = tmp_path / scaffold.CONFIG
    mine.write_text("# my own config\n")
    proc = releasegate("init", "--base-url", promptlib.url, cwd=tmp_path)
    assert proc.returncode == 2
    assert "not overwriting releasegate.toml" in proc.stderr
    assert "--force" in proc.stderr
    assert mine.read_text() == "# my own config\n"
    assert not (tmp_path / "suites").exists(), "nothing is written when a file exists"

    forced = releasegate("init", "--base-url", promptlib.url, "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert "overwrote releasegate.toml" in forced.stdout
    assert "[environments.staging]" in mine.read_text()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_url_exits_3_naming_it(promptlib: RunningApp, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    proc = releasegate("init", "--base-url", url, cwd=tmp_path)
    assert proc.returncode == 3
    assert f"cannot reach {url}/ (--base-url)" in proc.stderr
    web = releasegate("init", "--base-url", promptlib.url, "--web-url", url, cwd=tmp_path)
    assert web.returncode == 3
    assert f"cannot reach {url}/ (--web-url)" in web.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-url", "ftp://example.com"], "is not an http(s) URL"),
        (["--base-url", "staging.example.com"], "is not an http(s) URL"),
        (["--base-url", "http://127.0.0.1:1", "--web-url", "nope"], "--web-url 'nope'"),
        ([], "init needs the environment's URL"),
    ],
)
def test_bad_urls_and_usage_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    proc = releasegate("init", *args, cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert list(tmp_path.iterdir()) == []


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "code"), [("y\n", ExitCode.GO), ("n\n", ExitCode.USAGE)])
def test_on_a_terminal_it_asks_for_the_url_and_before_writing(
    promptlib: RunningApp, tmp_path: Path, answer: str, code: ExitCode
) -> None:
    args = build_parser().parse_args(["init"])
    out = io.StringIO()
    got = init.run(args, cwd=tmp_path, stdin=Terminal(f"{promptlib.url}\n{answer}"), out=out)
    assert got == code
    assert "URL of the environment to verify" in out.getvalue()
    assert "write releasegate.toml" in out.getvalue()
    assert (tmp_path / scaffold.CONFIG).exists() is (code == ExitCode.GO)
