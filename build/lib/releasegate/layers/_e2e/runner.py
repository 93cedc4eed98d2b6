"""Runs the persona suite as a pytest subprocess (one attempt) with a hard timeout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from releasegate.proc import stop_group

PROJECT_ROOT = Path(__file__).resolve().parents[3]
PLUGIN = "releasegate.layers._e2e.plugin"
_DROP_ENV = (
    "PYTEST_ADDOPTS",
    "PYTEST_CURRENT_TEST",
    "PYTEST_XDIST_WORKER",
    "PYTEST_XDIST_WORKER_COUNT",
    "PYTEST_XDIST_TESTRUNUID",
    "PYTEST_PLUGINS",
)


@dataclass(frozen=True)
class Attempt:
    """What one pytest subprocess runs and where it writes."""

    number: int
    targets: Sequence[str]
    base_url: str
    run_id: str
    personas: Path
    results_dir: Path
    output_dir: Path
    state_dir: Path
    chromium: str | None
    workers: int = 1
    shard: tuple[int, int] | None = None
    only_tags: Sequence[str] = ()
    personas_only: Sequence[str] = ()
    headed: bool = False
    slow_mo_ms: int = 0
    action_timeout_ms: int = 15000
    email_domain: str = "example.com"
    extra_args: Sequence[str] = field(default_factory=tuple)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)  # the environment's headers

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "pytest", *self.targets]
        cmd += ["-p", "no:locust", "-p", "no:cacheprovider", "-p", PLUGIN, "-o", "addopts=", "-q", "-rN"]
        cmd += [
            "--base-url",
            self.base_url,
            "--tracing",
            "retain-on-failure",
            "--screenshot",
            "only-on-failure",
        ]
        cmd += ["--output", str(self.output_dir), "--rg-results-dir", str(self.results_dir)]
        cmd += ["--rg-run-id", self.run_id, "--rg-personas", str(self.personas)]
        cmd += ["--rg-state-dir", str(self.state_dir), "--rg-chromium", self.chromium or "bundled"]
        cmd += ["--rg-timeout-ms", str(self.action_timeout_ms), "--rg-email-domain", self.email_domain]
        for tag in self.only_tags:
            cmd += ["--rg-only-tag", tag]
        for key in self.personas_only:
            cmd += ["--rg-persona", key]
        if self.workers > 1:
            cmd += ["-n", str(self.workers)]
        if self.shard is not None:
            cmd += ["--shard", f"{self.shard[0]}/{self.shard[1]}"]
        if self.headed:
            cmd.append("--headed")
        if self.slow_mo_ms:
            cmd += ["--slowmo", str(self.slow_mo_ms)]
        return [*cmd, *self.extra_args]


@dataclass(frozen=True)
class Outcome:
    exit_code: int | None  # None: killed after the timeout
    duration_s: float
    log: Path


HEADERS_ENV = "RG_E2E_HEADERS"


def child_env(secret: str, headers: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROP_ENV}
    if headers:
        env[HEADERS_ENV] = json.dumps(dict(headers))  # through the environment, never the command line
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
    env["RG_E2E_SECRET"] = secret
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_attempt(attempt: Attempt, *, secret: str, timeout_s: float, log: Path) -> Outcome:
    """Run one attempt; on timeout the whole process group (browsers included) is killed."""
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            attempt.command(),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=str(PROJECT_ROOT),
            env=child_env(secret, attempt.headers),
            start_new_session=True,
        )
        try:
            code: int | None = process.wait(timeout=max(1.0, timeout_s))
        except subprocess.TimeoutExpired:
            stop_group(process)
            code = None
    return Outcome(code, time.monotonic() - started, log)
