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
    base_config: str = ""  # the suite's schemathesis.toml text the run's settings are added to

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


def st_command() -> list[str]:
    """How this interpreter runs the schemathesis CLI."""
    return [sys.executable, "-m", "schemathesis.cli"]


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(plan: RunPlan) -> None:
    lines = [
        "# Written by releasegate's contract layer for one run; secrets appear only as ${VAR} references.",
        "[cache]",
        f"directory = {_toml_string(str(plan.cache_dir))}",
    ]
    if plan.header_vars:
        pairs = ", ".join(f"{_toml_string(k)} = {_toml_string(v)}" for k, v in plan.header_vars.items())
        lines = [f"headers = {{ {pairs} }}", *lines]
    if plan.safe_methods_only:
        lines += ["[phases.coverage]", "unexpected-methods = []"]
    base = plan.base_config.rstrip("\n") + "\n\n" if plan.base_config.strip() else ""
    plan.config_file.write_text(base + "\n".join(lines) + "\n", encoding="utf-8")


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
    write_config(plan)
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
    )
