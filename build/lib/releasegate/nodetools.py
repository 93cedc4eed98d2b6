"""The web layer's Node tools, found or installed on first use.

Lighthouse and Lighthouse CI are pinned in ``releasegate/webtools/package.json`` and its
lockfile (package data). In a checkout, ``npm ci`` at the repository root (``make deps``)
installs them into ``node_modules``; an installed releasegate installs them on first use, or
with ``releasegate install web``, into a per-user cache keyed by the lockfile
(``$XDG_CACHE_HOME/releasegate/node-<hash>/``, default ``~/.cache``), with ``npm ci``. Node.js
and npm must be on the PATH; a clear error says so when they are not.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from releasegate.errors import ConfigError

__all__ = ["CACHE_ENV", "NodeToolsError", "cache_dir", "ensure_web_tools", "find_web_tools"]

PACKAGE = Path(__file__).resolve().parent / "webtools"
CACHE_ENV = "RELEASEGATE_CACHE"
INSTALL_TIMEOUT_S = 900.0


class NodeToolsError(ConfigError):
    """Node.js or npm is missing, or ``npm ci`` failed."""


def _lock_hash() -> str:
    data = (PACKAGE / "package-lock.json").read_bytes()
    return hashlib.sha256(data).hexdigest()[:12]


def cache_dir() -> Path:
    """Where an installed releasegate keeps its Node tools."""
    base = os.environ.get(CACHE_ENV) or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    root = Path(base) / "releasegate" if CACHE_ENV not in os.environ else Path(base)
    return root / f"node-{_lock_hash()}"


def _has_lighthouse(folder: Path) -> bool:
    return (folder / "node_modules" / ".bin" / "lighthouse").is_file()


def find_web_tools() -> Path | None:
    """The folder whose ``node_modules`` holds the pinned tools, without installing anything."""
    checkout = PACKAGE.parents[1]  # the repository root, in a checkout
    for folder in (checkout, Path.cwd(), cache_dir()):
        if _has_lighthouse(folder):
            return folder
    return None


def ensure_web_tools(progress: Callable[[str], None] = lambda _m: None) -> Path:
    """The folder holding ``node_modules/.bin/lighthouse``, installing into the cache when needed."""
    found = find_web_tools()
    if found is not None:
        return found
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing = " and ".join(name for name, path in (("node", node), ("npm", npm)) if path is None)
        raise NodeToolsError(
            f"the web layer needs Node.js and npm to install Lighthouse, and {missing} is not on the PATH",
            hint="install Node.js 20 or newer (Debian: apt-get install nodejs npm), "
            "or leave the web layer out with --layers",
        )
    target = cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(PACKAGE / name, target / name)
    progress(f"web: installing the pinned Lighthouse into {target} (npm ci, once)")
    try:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=target,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise NodeToolsError(f"npm ci in {target} did not finish within {INSTALL_TIMEOUT_S:.0f}s") from None
    if done.returncode != 0 or not _has_lighthouse(target):
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
        raise NodeToolsError(
            f"npm ci in {target} failed (exit {done.returncode}): {tail}",
            hint="check the npm registry is reachable, then run `releasegate install web` again",
        )
    return target
