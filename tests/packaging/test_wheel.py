"""The package another team installs: a wheel with only ``releasegate`` in it, that works outside
this repository (the embedded demo, ``releasegate init`` against a running app, a verdict)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from releasegate.fixtures.promptlib.launcher import RunningApp, start

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def _run(cmd: list[str], cwd: Path, timeout: float = 900, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        cmd,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env or dict(os.environ),
    )
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    source = tmp_path_factory.mktemp("src") / "releasegate"  # a copy: the build writes build/ beside it
    top_level = {".git", ".venv", "node_modules", "reports", "build", "dist"}

    def skip(folder: str, names: list[str]) -> set[str]:
        at_root = Path(folder) == ROOT
        return {n for n in names if (at_root and n in top_level) or n.endswith((".egg-info", "_cache"))}

    shutil.copytree(ROOT, source, symlinks=True, ignore=skip)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)], cwd=out)
    return next(out.glob("releasegate-*.whl"))


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment outside the repository with the wheel and its dependencies."""
    home = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", str(home)], cwd=home)
    pip = [str(home / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _run([*pip, str(wheel)], cwd=home, timeout=1200)
    return home


@pytest.fixture(scope="module")
def promptlib_app() -> Iterator[RunningApp]:
    with start() as app:
        yield app


def test_the_wheel_holds_only_releasegate(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
    top = {n.split("/", 1)[0] for n in names if not n.startswith("releasegate-")}
    assert top == {"releasegate"}, top
    for shipped in (
        "releasegate/gates/schema/verdict.schema.json",
        "releasegate/webtools/package-lock.json",
        "releasegate/layers/_web/runner.mjs",
        "releasegate/fixtures/personas.yaml",
        "releasegate/suites/contract/schemathesis.toml",
        "releasegate/gates/reports/html.py",
    ):
        assert shipped in names, shipped


def test_an_empty_directory_runs_the_demo_and_init_writes_a_config_that_reaches_a_verdict(
    venv: Path, promptlib_app: RunningApp, tmp_path: Path
) -> None:
    releasegate = str(venv / "bin" / "releasegate")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    demo = tmp_path / "demo"
    demo.mkdir()
    out = _run([releasegate, "run", "--layers", "smoke", "--plain", "--no-history"], cwd=demo, env=env)
    assert "verdict: GO" in out, out
    assert not (demo / "releasegate.toml").exists()  # nothing of this repository was needed

    app = tmp_path / "app"
    app.mkdir()
    _run([releasegate, "init", "--base-url", promptlib_app.url, "--yes"], cwd=app, env=env)
    assert (app / "releasegate.toml").is_file()
    done = subprocess.run(
        [releasegate, "run", "--config", "releasegate.toml", "--layers", "smoke", "--plain", "--no-history"],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr  # a verdict, not a usage error
    assert "verdict:" in done.stdout
