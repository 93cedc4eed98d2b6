"""One Lighthouse run in a subprocess: bounded, killed with its browser on timeout, scrubbed of secrets.

Lighthouse starts Chromium through chrome-launcher, which puts the browser in a process
group of its own; killing Lighthouse's group would leave it running. Every run therefore
gives Chromium a ``--user-data-dir`` of its own, and on timeout the processes whose command
line names that directory are killed by id, after Lighthouse's own group.

Lighthouse echoes the extra request headers it was given (``configSettings.extraHeaders``)
into both the JSON and the HTML report; :func:`scrub` replaces every secret in every file a
run wrote, and :func:`leaks` proves none is left.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from releasegate.proc import pids_with, sweep
from releasegate.redact import all_forms, mask, redact

FailureKind = Literal["timeout", "browser", "http", "lighthouse"]
_RUNTIME_ERROR = re.compile(r"Runtime error encountered:\s*(?P<msg>.+)")
_STATUS_CODE = re.compile(r"\(Status code: (?P<code>\d{3})\)")
_BROWSER_SIGNS = ("connect to Chrome", "CHROME_PATH", "crashed", "TARGET_CRASHED", "PROTOCOL_TIMEOUT")


@dataclass(frozen=True)
class RunRequest:
    """What one Lighthouse invocation measures and where it writes."""

    url: str
    preset: str
    out_base: Path  # reports land at <out_base>.report.json / .report.html
    headers: Mapping[str, str]
    timeout_s: float
    storage: tuple[tuple[str, str, str], ...] = ()  # (area, key, value) set before the page loads


@dataclass(frozen=True)
class RunOutput:
    request: RunRequest
    json_path: Path | None
    html_path: Path | None
    duration_s: float
    failure: FailureKind | None = None
    message: str = ""
    status_code: int | None = None

    @property
    def retryable(self) -> bool:
        """Worth one more try: hangs, browser trouble and Lighthouse's own flakes (NO_NAVSTART, ...)."""
        return self.failure in ("timeout", "browser", "lighthouse")


@dataclass(frozen=True)
class Tool:
    """The Lighthouse CLI and the browser it drives."""

    lighthouse: str
    chrome_path: str
    chrome_flags: Sequence[str]


def command(tool: Tool, request: RunRequest, profile_dir: Path, headers_file: Path | None) -> list[str]:
    flags = [*tool.chrome_flags, f"--user-data-dir={profile_dir}"]
    cmd = [
        tool.lighthouse,
        request.url,
        "--output=json",
        "--output=html",
        f"--output-path={request.out_base}",
        f"--chrome-flags={' '.join(flags)}",
        "--disable-full-page-screenshot",
        "--quiet",
    ]
    if request.preset == "desktop":
        cmd.append("--preset=desktop")
    if headers_file is not None:
        cmd.append(f"--extra-headers={headers_file}")
    return cmd


def run_lighthouse(tool: Tool, request: RunRequest, secrets: Sequence[str]) -> RunOutput:
    """Run Lighthouse once; never raises for tool failures, returns them in ``failure``."""
    request.out_base.parent.mkdir(parents=True, exist_ok=True)
    json_path = request.out_base.with_name(request.out_base.name + ".report.json")
    html_path = request.out_base.with_name(request.out_base.name + ".report.html")
    for stale in (json_path, html_path):
        stale.unlink(missing_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="releasegate-lh-"))
    profile = scratch / "profile"
    headers_file: Path | None = None
    if request.headers:
        headers_file = scratch / "headers.json"
        fd = os.open(headers_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(dict(request.headers), fh)
    env = {**os.environ, "CHROME_PATH": tool.chrome_path}
    started = time.monotonic()
    timed_out = False
    try:
        try:
            proc = subprocess.Popen(
                command(tool, request, profile, headers_file),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            return RunOutput(request, None, None, 0.0, "lighthouse", f"Lighthouse did not start: {exc}")
        try:
            _, err = proc.communicate(timeout=request.timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill(proc, profile)
            _, err = proc.communicate(timeout=10)
    finally:
        _kill_browsers(profile)
        shutil.rmtree(scratch, ignore_errors=True)
    duration = time.monotonic() - started
    written = [p for p in (json_path, html_path) if p.exists()]
    scrub(written, secrets)
    stderr = redact(err.decode("utf-8", "replace"), secrets)
    found_json = json_path if json_path.exists() else None
    found_html = html_path if html_path.exists() else None
    if timed_out:
        return RunOutput(
            request,
            found_json,
            found_html,
            duration,
            "timeout",
            f"Lighthouse did not finish within {request.timeout_s:g}s (run_timeout_s); it was killed",
        )
    if proc.returncode != 0 or found_json is None:
        return _failure(
            request,
            json_path=found_json,
            html_path=found_html,
            duration=duration,
            rc=proc.returncode,
            stderr=stderr,
        )
    return RunOutput(request, found_json, found_html, duration)


def _failure(
    request: RunRequest,
    *,
    json_path: Path | None,
    html_path: Path | None,
    duration: float,
    rc: int,
    stderr: str,
) -> RunOutput:
    match = _RUNTIME_ERROR.search(stderr)
    text = match["msg"].strip() if match else _tail(stderr)
    code = _STATUS_CODE.search(stderr)
    if code:
        return RunOutput(
            request,
            json_path,
            html_path,
            duration,
            "http",
            f"the page answered HTTP {code['code']}, Lighthouse could not load it",
            int(code["code"]),
        )
    if rc < 0 or any(sign in stderr for sign in _BROWSER_SIGNS):
        return RunOutput(request, json_path, html_path, duration, "browser", f"the browser failed: {text}")
    return RunOutput(request, json_path, html_path, duration, "lighthouse", f"Lighthouse exited {rc}: {text}")


def _tail(text: str, lines: int = 3) -> str:
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " | ".join(kept[-lines:]) or "no output"


def _kill(proc: subprocess.Popen[bytes], profile: Path) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    _kill_browsers(profile)


def _kill_browsers(profile: Path, settle_s: float = 5.0) -> None:
    """Kill the Chromium processes started for this run (identified by their profile directory).

    Sweeps until a sweep finds none: a browser caught starting up may still spawn helpers, and a
    killed process stays visible until it has exited. Bounded by ``settle_s``.
    """
    sweep(f"--user-data-dir={profile}".encode(), whole_arg=True, settle_s=settle_s)


def _pids_with_arg(arg: bytes) -> list[int]:
    return pids_with(arg, whole_arg=True)


def scrub(paths: Iterable[Path], secrets: Sequence[str]) -> None:
    """Replace every secret in the given files, in place."""
    forms = all_forms(secrets)
    if not forms:
        return
    for path in paths:
        text = path.read_text("utf-8", errors="surrogateescape")
        cleaned = mask(text, forms)
        if cleaned != text:
            path.write_text(cleaned, "utf-8", errors="surrogateescape")


def leaks(root: Path, secrets: Sequence[str]) -> list[Path]:
    """Files under ``root`` still holding any secret (in any of its forms)."""
    needles = [form.encode() for form in all_forms(secrets)]
    if not needles:
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and _holds_any(p, needles))


def _holds_any(path: Path, needles: Collection[bytes]) -> bool:
    data = path.read_bytes()
    return any(needle in data for needle in needles)
