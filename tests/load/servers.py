"""Loopback servers for the load tests and benches, started as bounded subprocesses."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx

from releasegate.layers._load.launcher import free_port

ROOT = Path(__file__).resolve().parents[2]


def require_loopback(url: str) -> str:
    host = urlparse(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"tests and benches only load loopback targets, not {url!r}")
    return url


@contextlib.contextmanager
def delay_server(workers: int = 1) -> Iterator[str]:
    """tests.load.delay_app under uvicorn on a free loopback port; stopped on exit."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "tests.load.delay_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--workers",
        str(workers),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(url + "/", timeout=0.5)
                break
            except httpx.HTTPError:
                if proc.poll() is not None:
                    raise RuntimeError("delay server exited at start-up") from None
                time.sleep(0.1)
        else:
            raise RuntimeError("delay server did not start within 20 s")
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
