"""Running ``releasegate run`` as a subprocess against loopback targets, with a config written per test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 240


def releasegate(cwd: Path, *args: str, timeout_s: float = RUN_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    """``python -m releasegate ARGS`` in ``cwd``, bounded in time, output captured."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELEASEGATE_", "GITHUB_"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "releasegate", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def verdict_of(report_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((report_dir / "latest" / "verdict.json").read_text(encoding="utf-8"))
    return data


def budget(verdict: dict[str, Any], key: str) -> dict[str, Any]:
    found = [b for b in verdict["budgets"] if b["key"] == key]
    assert found, f"no budget {key} in {[b['key'] for b in verdict['budgets']]}"
    return found[0]
