"""Start Locust in child processes (one local process, or a master and N workers) and reap them.

Locust is never imported here: it runs as ``python -m locust`` in its own processes, each in
its own session so that it and anything it forked can be stopped by process group. Every
wait is bounded; on a timeout or any failure every started process is terminated, then
killed, by PID.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from releasegate.proc import stop_group

ROOT = Path(__file__).resolve().parents[3]
PLAN_ENV = "RELEASEGATE_LOAD_PLAN"
HEADERS_ENV = "RELEASEGATE_LOAD_HEADERS"
NAME_ENV = "RELEASEGATE_LOAD_WORKER_NAME"  # how reports name a remote worker
REMOTE_ENV = "RELEASEGATE_LOAD_REMOTE"  # set by `releasegate load-worker`: the plan comes from the master
BUILTIN_LOCUSTFILES = {"generic": "suites/load/generic.py", "promptlib": "suites/load/promptlib.py"}
POLL_S = 0.2


def resolve_locustfile(name: str, base_dir: Path | None = None) -> Path:
    if name in BUILTIN_LOCUSTFILES:
        return ROOT / "releasegate" / BUILTIN_LOCUSTFILES[name]
    path = Path(name)
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Remote:
    """A master for workers on other hosts (``--expect-workers N --master-bind HOST:PORT``)."""

    host: str
    port: int
    expect: int
    wait_s: float = 60.0

    @property
    def join(self) -> str:
        """The command a worker host runs to join (an address to fill in when bound to all)."""
        host = "<this-host>" if self.host in ("0.0.0.0", "::", "*") else self.host
        return f"releasegate load-worker --master {host}:{self.port}"


@dataclass
class Launch:
    locustfile: Path
    host: str
    users: int
    spawn_rate: float
    safety_run_time_s: float
    workers: int
    artifact_dir: Path
    plan: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)
    extra_env: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 120.0
    remote: Remote | None = None


@dataclass
class Outcome:
    returncode: int | None
    timed_out: bool
    logs: list[Path]
    pids: list[int]
    seconds: float


def _env(launch: Launch, plan_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(launch.extra_env)
    env[PLAN_ENV] = str(plan_path)
    if launch.headers:
        env[HEADERS_ENV] = json.dumps(dict(launch.headers))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def commands(launch: Launch, port: int | None = None) -> list[list[str]]:
    """The command lines: the first runs the whole test (local or master), the rest are workers."""
    base = [sys.executable, "-m", "locust", "-f", str(launch.locustfile)]
    out = launch.artifact_dir / "locust"
    main = [
        *base,
        "--headless",
        "--host",
        launch.host,
        "-u",
        str(launch.users),
        "-r",
        f"{launch.spawn_rate:g}",
        "-t",
        f"{max(1, int(launch.safety_run_time_s))}s",
        "--only-summary",
        "--exit-code-on-error",
        "0",
        "--csv",
        str(out),
        "--html",
        str(out) + ".html",
    ]
    if launch.remote is not None:
        r = launch.remote
        master = ["--master", "--master-bind-host", r.host, "--master-bind-port", str(r.port)]
        wait = ["--expect-workers", str(r.expect), "--expect-workers-max-wait", f"{max(1, int(r.wait_s))}"]
        return [[*main, *master, *wait]]
    if launch.workers <= 0:
        return [main]
    assert port is not None
    main += [
        "--master",
        "--master-bind-host",
        "127.0.0.1",
        "--master-bind-port",
        str(port),
        "--expect-workers",
        str(launch.workers),
        "--expect-workers-max-wait",
        "30",
    ]
    worker = [*base, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
    return [main] + [list(worker) for _ in range(launch.workers)]


def run(launch: Launch, progress: Callable[[dict[str, Any]], None] | None = None) -> Outcome:
    """Run the load test to completion (or the timeout); always leaves no process behind."""
    launch.artifact_dir.mkdir(parents=True, exist_ok=True)
    plan_path = launch.artifact_dir / "plan.json"
    plan_path.write_text(json.dumps(dict(launch.plan), indent=2), encoding="utf-8")
    env = _env(launch, plan_path)
    port = free_port() if launch.workers > 0 else None
    cmds = commands(launch, port)
    procs: list[subprocess.Popen[bytes]] = []
    handles: list[IO[bytes]] = []
    logs: list[Path] = []
    started = time.monotonic()
    timed_out = False
    try:
        for i, cmd in enumerate(cmds):
            log = launch.artifact_dir / ("locust.log" if i == 0 else f"locust-worker-{i}.log")
            fh = log.open("wb")
            handles.append(fh)
            logs.append(log)
            procs.append(
                subprocess.Popen(
                    cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
                )
            )
        live = launch.plan.get("live")
        last = 0.0
        while procs[0].poll() is None:
            now = time.monotonic()
            if now - started > launch.timeout_s:
                timed_out = True
                break
            if progress and live and now - last > 5.0:
                last = now
                with contextlib.suppress(OSError, ValueError):
                    progress(json.loads(Path(live).read_text(encoding="utf-8")))
            time.sleep(POLL_S)
        if not timed_out:
            deadline = time.monotonic() + 10.0
            while any(p.poll() is None for p in procs[1:]) and time.monotonic() < deadline:
                time.sleep(POLL_S)
    finally:
        stop_group(procs)
        for handle in handles:
            handle.close()
    return Outcome(
        returncode=procs[0].returncode if procs and not timed_out else None,
        timed_out=timed_out,
        logs=logs,
        pids=[p.pid for p in procs],
        seconds=time.monotonic() - started,
    )


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
