"""The web layer's Node tools: found in a checkout, installed into the cache on first use."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from releasegate import nodetools

ROOT = Path(__file__).resolve().parents[1]


def test_the_root_files_are_the_packaged_ones() -> None:
    for name in ("package.json", "package-lock.json"):
        assert (ROOT / name).resolve() == (nodetools.PACKAGE / name).resolve()


def test_a_checkout_finds_its_node_modules() -> None:
    if not (ROOT / "node_modules" / ".bin" / "lighthouse").is_file():
        pytest.skip("npm ci has not run in this checkout")
    assert nodetools.find_web_tools() == ROOT


def test_missing_node_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(nodetools, "find_web_tools", lambda: None)
    monkeypatch.setenv(nodetools.CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "node" else f"/usr/bin/{name}")
    with pytest.raises(nodetools.NodeToolsError, match="node is not on the PATH"):
        nodetools.ensure_web_tools()


@pytest.mark.integration
@pytest.mark.slow
def test_first_use_installs_the_pinned_lighthouse_into_the_cache(tmp_path: Path) -> None:
    """The real npm ci from the shipped lockfile, in a fresh cache outside any checkout."""
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    env = {**os.environ, nodetools.CACHE_ENV: str(tmp_path / "cache")}
    code = (
        "import releasegate.nodetools as n;"
        "n.find_web_tools = lambda: None if not (n.cache_dir() / 'node_modules').exists() else n.cache_dir();"
        "print(n.ensure_web_tools())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    folder = Path(done.stdout.strip().splitlines()[-1])
    version = subprocess.run(
        [str(folder / "node_modules" / ".bin" / "lighthouse"), "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert version.stdout.strip() == "12.8.2"
