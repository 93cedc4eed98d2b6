"""Real parts for the watch tests: a Prometheus server, promptlib redeployed on one port, traffic."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from releasegate.cli import main
from releasegate.fixtures.promptlib.launcher import RunningApp, start

PROMETHEUS = shutil.which("prometheus")
ENDPOINTS = ("/api/prompts?limit=5", "/api/tags", "/api/prompts?limit=5", "/api/tags", "/explore")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Deployment:
    """promptlib on a fixed loopback port; ``deploy(faults)`` replaces the process (a new release)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app: RunningApp | None = None

    def deploy(self, faults: str = "") -> float:
        """Stop the running version and start the next one; returns when the deploy began (epoch)."""
        began = time.time()
        if self.app is not None:
            self.app.stop()
        self.app = start(faults=faults or None, port=self.port)
        return began

    def stop(self) -> None:
        if self.app is not None:
            self.app.stop()
            self.app = None


class Traffic:
    """Bounded loopback traffic: ``workers`` threads at ``rate`` requests/s in total, at most ``cap``."""

    def __init__(self, url: str, *, rate: float = 20.0, workers: int = 4, cap: int = 3000) -> None:
        self.url, self.rate, self.workers, self.cap = url, rate, workers, cap
        self.sent = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def _work(self, index: int) -> None:
        pause = self.workers / self.rate
        with httpx.Client(base_url=self.url, timeout=5.0) as client:
            n = index
            while not self._stop.is_set():
                with self._lock:
                    if self.sent >= self.cap:
                        return
                    self.sent += 1
                began = time.monotonic()
                with contextlib.suppress(httpx.HTTPError):
                    client.get(ENDPOINTS[n % len(ENDPOINTS)])
                n += 1
                self._stop.wait(max(0.0, pause - (time.monotonic() - began)))

    def __enter__(self) -> Traffic:
        self._threads = [
            threading.Thread(target=self._work, args=(i,), daemon=True) for i in range(self.workers)
        ]
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=10)


class Prometheus:
    """A throwaway Prometheus scraping ``target`` (host:port) every second, on a free loopback port."""

    def __init__(self, target: str, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "prometheus.yml").write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            f"scrape_configs:\n  - job_name: api\n    static_configs:\n      - targets: ['{target}']\n",
            encoding="utf-8",
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Prometheus:
        assert PROMETHEUS is not None
        log = (self.workdir / "prometheus.log").open("wb")
        self.process = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={self.workdir / 'prometheus.yml'}",
                f"--storage.tsdb.path={self.workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.workdir / "prometheus.log").read_text(errors="replace")[-2000:])
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return self
            time.sleep(0.2)
        raise RuntimeError("prometheus was not ready within 30 s")

    def wait_for_target(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError, KeyError, IndexError):
                body = httpx.get(
                    f"{self.url}/api/v1/query", params={"query": 'up{job="api"}'}, timeout=2
                ).json()
                if body["data"]["result"][0]["value"][1] == "1":
                    return
            time.sleep(0.3)
        raise RuntimeError("prometheus never scraped the target")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@contextlib.contextmanager
def prometheus(target: str, workdir: Path) -> Iterator[Prometheus]:
    server = Prometheus(target, workdir)
    try:
        yield server.start()
    finally:
        server.stop()


def write_config(path: Path, watch: dict[str, Any], budgets: str, tables: str = "") -> Path:
    """A releasegate.toml: ``[layers.watch]`` from ``watch``, then ``tables`` (more TOML), then budgets."""
    lines = ["[layers.smoke]", "repeats = 1", "", "[layers.watch]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in watch.items()]
    path.write_text("\n".join(lines) + "\n\n" + tables + "\n[budgets]\n" + budgets, encoding="utf-8")
    return path


def release(
    config: Path, url: str, report_dir: Path, *args: str
) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """``releasegate run --base-url URL --layers smoke,watch``: (exit code, verdict.json, results.json)."""
    code = main(
        [
            "run",
            "--config",
            str(config),
            "--base-url",
            url,
            "--stage",
            "post-deploy",
            "--layers",
            "smoke,watch",
            "--report-dir",
            str(report_dir),
            "--no-history",
            "--plain",
            *args,
        ]
    )
    run_dir = report_dir / "latest"
    verdict = json.loads((run_dir / "verdict.json").read_text(encoding="utf-8"))
    results = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    return int(code), verdict, results


def budget(verdict: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    return [b for b in verdict["budgets"] if b["key"].startswith(prefix)]


def layer(results: dict[str, Any], name: str) -> dict[str, Any]:
    return next(lr for lr in results["layers"] if lr["layer"] == name)
