"""A dependency vulnerability audit with pip-audit (optional, off unless asked for).

pip-audit queries a vulnerability service over the network. When it is not installed, cannot
reach the service, times out or prints no report, the check has no data, and its budget is
inconclusive: an audit that did not happen is never a clean audit.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from releasegate.layers._preflight.outcome import Outcome, gauge, record
from releasegate.results import Status

METRIC = "vulnerabilities"


def find_pip_audit() -> list[str] | None:
    """The command that runs pip-audit: next to this interpreter, else on PATH."""
    beside = Path(sys.executable).with_name("pip-audit")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("pip-audit")
    return [found] if found else None


def count_vulnerabilities(report: Any) -> list[tuple[str, str, str, list[str]]]:
    """``(package, version, id, fix versions)`` for each vulnerability in pip-audit's JSON."""
    deps = report.get("dependencies") if isinstance(report, dict) else report
    if not isinstance(deps, list):
        raise ValueError("no 'dependencies' list in the pip-audit report")
    found = []
    for dep in deps:
        if not isinstance(dep, dict):
            continue
        for vuln in dep.get("vulns") or []:
            found.append(
                (
                    str(dep.get("name")),
                    str(dep.get("version")),
                    str(vuln.get("id")),
                    list(vuln.get("fix_versions") or []),
                )
            )
    return found


def check_audit(
    requirements: Path | None,
    *,
    artifact_dir: Path,
    timeout_s: float,
    command: list[str] | None = None,
    environ: dict[str, str] | None = None,
) -> Outcome:
    outcome = Outcome(metric=METRIC)
    base = command if command is not None else find_pip_audit()
    if not base:
        outcome.records.append(
            record(
                "audit", Status.ERROR, "pip-audit is not installed: `pip install pip-audit`, or drop --audit"
            )
        )
        return outcome
    artifact_dir.mkdir(parents=True, exist_ok=True)
    cmd = [*base, "--format", "json", "--progress-spinner", "off"]
    if requirements is not None:
        cmd += ["--requirement", str(requirements)]
    what = str(requirements) if requirements else "the installed environment"
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env={**os.environ, **(environ or {})},
            check=False,
        )
    except subprocess.TimeoutExpired:
        outcome.records.append(
            record("audit", Status.ERROR, f"pip-audit of {what} timed out after {timeout_s:.0f}s")
        )
        return outcome
    (artifact_dir / "pip-audit.json").write_text(proc.stdout)
    (artifact_dir / "pip-audit.stderr.txt").write_text(proc.stderr)
    try:
        vulns = count_vulnerabilities(json.loads(proc.stdout))
    except (json.JSONDecodeError, ValueError):
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1][:300]
        outcome.records.append(
            record(
                "audit",
                Status.ERROR,
                f"pip-audit of {what} produced no report (exit {proc.returncode}): {last}; "
                "the audit needs network access to its vulnerability service",
            )
        )
        return outcome
    if not vulns:
        outcome.records.append(record("audit", Status.PASS, f"no known vulnerabilities in {what}"))
    for package, version, vid, fixes in vulns:
        fix = f"; fixed in {', '.join(fixes)}" if fixes else "; no fix released"
        outcome.records.append(
            record("audit", Status.FAIL, f"{package} {version}: {vid}{fix}", package=package, id=vid)
        )
    outcome.samples.append(gauge(METRIC, len(vulns)))
    return outcome
