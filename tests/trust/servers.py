"""The verdict tests' target (tests.trust.app) under uvicorn on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from releasegate.layers._load.launcher import free_port

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def trust_app(**faults: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start the app with ``TRUST_<NAME>`` faults; yields (base URL, process); stopped on exit."""
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "tests.trust.app:app", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), **{f"TRUST_{k.upper()}": v for k, v in faults.items()}}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(url + "/__count", timeout=0.5)
                break
            except httpx.HTTPError:
                if proc.poll() is not None:
                    raise RuntimeError("trust app exited at start-up") from None
                time.sleep(0.1)
        else:
            raise RuntimeError("trust app did not start within 20 s")
        yield url, proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def seen(url: str) -> int:
    """Requests the app has answered so far."""
    return int(httpx.get(url + "/__count", timeout=2).json()["requests"])
