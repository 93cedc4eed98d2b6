"""Running the schemathesis CLI as a bounded child process.

The run gets its own ``schemathesis.toml`` (headers as ``${VAR}`` references, never values;
a per-run cache directory holding the crash files ``st replay`` reads) and its own report
directory. The child is stopped at the hard time limit: SIGINT first so it can write its
reports, SIGKILL of its whole process group after a short grace.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from releasegate.proc import interruptible, stop_group

__all__ = ["UNSAFE_METHODS", "RunPlan", "StRun", "build_command", "run_schemathesis", "st_command"]

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE", "TRACE")
REPORT_FORMATS = "junit,ndjson,vcr,json"
_GRACE_S = 5.0


@dataclass(frozen=True)
class RunPlan:
    spec_file: Path
    api_url: str
    work_dir: Path  # the layer's artifact directory
    seed: int
    phases: Sequence[str]
    max_examples: int
    workers: int | str
    request_timeout_s: float
    checks: Sequence[str] = ()
    exclude_checks: Sequence[str] = ()
    include_operations: Sequence[str] = ()
    exclude_operations: Sequence[str] = ()
    safe_methods_only: bool = False
    max_time_s: int | None = None
    header_vars: Mapping[str, str] = field(default_factory=dict)  # header -> "Bearer ${VAR}" template
    extra_args: Sequence[str] = ()
    base_settings: Mapping[str, Any] = field(default_factory=dict)  # the user's schemathesis.toml

    @property
    def config_file(self) -> Path:
        return self.work_dir / "schemathesis.toml"

    @property
    def report_dir(self) -> Path:
        return self.work_dir / "reports"

    @property
    def cache_dir(self) -> Path:
        return self.work_dir / "st-cache"


@dataclass(frozen=True)
class StRun:
    exit_code: int | None  # None when it had to be killed
    timed_out: bool
    duration_s: float
    output_file: Path
    overridden: tuple[str, ...] = ()  # keys of the user's schemathesis.toml releasegate replaced


def st_command() -> list[str]:
    """How this interpreter runs the schemathesis CLI."""
    return [sys.executable, "-m", "schemathesis.cli"]


# schemathesis masks any parameter whose name holds one of its markers, and its marker "auth"
# also masks a parameter named "author", "key" one named "monkey": releasegate masks the real
# secrets in every artifact itself (releasegate.scrub), so the tool's markers name secrets only
SENSITIVE_MARKERS = (
    "token", "secret", "password", "passwd", "credential", "session", "authorization",
    "api-key", "api_key", "apikey", "cookie", "bearer", "jwt", "private-key", "private_key",
)  # fmt: skip
DEFAULT_SETTINGS: dict[str, Any] = {
    "output": {"sanitization": {"sensitive-markers": list(SENSITIVE_MARKERS)}}
}


def generated_settings(plan: RunPlan) -> dict[str, Any]:
    """What releasegate sets for one run (auth headers as ``${VAR}`` references, the cache)."""
    settings: dict[str, Any] = {"cache": {"directory": str(plan.cache_dir)}}
    if plan.header_vars:
        settings["headers"] = dict(plan.header_vars)
    if plan.safe_methods_only:
        settings["phases"] = {"coverage": {"unexpected-methods": []}}
    return settings


def merge_settings(
    base: Mapping[str, Any], ours: Mapping[str, Any], path: str = ""
) -> tuple[dict[str, Any], list[str]]:
    """``ours`` laid over the user's ``base``; the keys where both set a different value."""
    merged = dict(base)
    conflicts: list[str] = []
    for key, value in ours.items():
        where = f"{path}.{key}" if path else key
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key], inner = merge_settings(merged[key], value, where)
            conflicts += inner
            continue
        if key in merged and merged[key] != value:
            conflicts.append(where)
        merged[key] = value
    return merged, conflicts


def write_config(plan: RunPlan) -> list[str]:
    """Write the run's schemathesis.toml: the user's (or the suite's) settings with releasegate's
    on top; returns the keys where releasegate's value replaced the user's."""
    import tomli_w

    base, _ = merge_settings(DEFAULT_SETTINGS, plan.base_settings)  # the user's settings win over these
    merged, conflicts = merge_settings(base, generated_settings(plan))
    header = (
        "# Written by releasegate's contract layer for one run; secrets appear only as ${VAR} references.\n"
    )
    plan.config_file.write_text(header + tomli_w.dumps(merged), encoding="utf-8")
    return conflicts


def build_command(plan: RunPlan) -> list[str]:
    cmd = [*st_command(), "--config-file", str(plan.config_file), "--no-color", "run", str(plan.spec_file)]
    cmd += ["--url", plan.api_url, "--seed", str(plan.seed), "--phases", ",".join(plan.phases)]
    cmd += ["--max-examples", str(plan.max_examples), "--workers", str(plan.workers)]
    cmd += ["--request-timeout", f"{plan.request_timeout_s:g}"]
    cmd += ["--report", REPORT_FORMATS, "--report-dir", str(plan.report_dir), "--generation-database", "none"]
    if plan.checks:
        cmd += ["--checks", ",".join(plan.checks)]
    if plan.exclude_checks:
        cmd += ["--exclude-checks", ",".join(plan.exclude_checks)]
    for label in plan.include_operations:
        cmd += ["--include-name", label]
    for label in plan.exclude_operations:
        cmd += ["--exclude-name", label]
    if plan.safe_methods_only:
        for method in UNSAFE_METHODS:
            cmd += ["--exclude-method", method]
    if plan.max_time_s:
        cmd += ["--max-time", str(plan.max_time_s)]
    return [*cmd, *plan.extra_args]


def run_schemathesis(plan: RunPlan, *, env: Mapping[str, str], hard_timeout_s: float) -> StRun:
    plan.work_dir.mkdir(parents=True, exist_ok=True)
    plan.report_dir.mkdir(parents=True, exist_ok=True)
    conflicts = write_config(plan)
    output_file = plan.work_dir / "schemathesis-output.txt"
    started = time.monotonic()
    timed_out = False
    with output_file.open("wb") as out:
        proc = subprocess.Popen(
            interruptible(build_command(plan)),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=plan.work_dir,
            env={**env, "NO_COLOR": "1", "COLUMNS": "120"},
            start_new_session=True,
        )
        try:
            proc.wait(timeout=max(1.0, hard_timeout_s))
        except subprocess.TimeoutExpired:
            timed_out = True
            stop_group(proc, first=signal.SIGINT, grace_s=_GRACE_S)
        finally:
            if proc.poll() is None:
                stop_group(proc, first=signal.SIGINT, grace_s=_GRACE_S)
    code = proc.returncode
    return StRun(
        exit_code=None if code is None or code < 0 else code,
        timed_out=timed_out,
        duration_s=time.monotonic() - started,
        output_file=output_file,
        overridden=tuple(conflicts),
    )
