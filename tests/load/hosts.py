"""Hosts for the distributed load tests: network namespaces joined by a bridge, and processes.

``namespaces(n)`` makes ``n`` hosts (``10.250.0.1`` ... on one /24) and a ``hub`` namespace
holding the bridge; every address lives inside a namespace made here (none is ever added to
the machine's own), the names are unique per call, and every namespace is deleted on exit,
also when the test fails. Processes start in their own session and are stopped by PID.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

RELEASEGATE = [sys.executable, "-m", "releasegate"]
SUBNET = "10.250.0"


@dataclass(frozen=True)
class Host:
    netns: str
    address: str

    def wrap(self, cmd: Sequence[str]) -> list[str]:
        return ["ip", "netns", "exec", self.netns, *cmd]


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=15, check=False)


def netns_unavailable() -> str | None:
    """Why namespaces cannot be made here (None when they can)."""
    if shutil.which("ip") is None:
        return "`ip` (iproute2) is not installed"
    if os.geteuid() != 0:
        return "`ip netns` needs root (CAP_SYS_ADMIN) and this test runs unprivileged"
    probe = f"rgprobe{secrets.token_hex(3)}"
    made = _ip("netns", "add", probe)
    if made.returncode != 0:
        return f"`ip netns add` failed: {made.stderr.strip()}"
    _ip("netns", "del", probe)
    return None


@contextlib.contextmanager
def namespaces(n: int) -> Iterator[list[Host]]:
    why = netns_unavailable()
    if why:
        pytest.skip(f"network namespaces unavailable: {why}")
    tag = f"rg{secrets.token_hex(3)}"  # interface names stay under 15 characters
    hub = f"{tag}hub"
    made: list[str] = []
    links: list[str] = []
    try:
        _check(_ip("netns", "add", hub))
        made.append(hub)
        _check(_ip("-n", hub, "link", "add", "br0", "type", "bridge"))
        _check(_ip("-n", hub, "link", "set", "br0", "up"))
        hosts = []
        for i in range(n):
            ns, veth, end = f"{tag}h{i}", f"{tag}v{i}", f"{tag}e{i}"
            _check(_ip("netns", "add", ns))
            made.append(ns)
            _check(_ip("link", "add", veth, "type", "veth", "peer", "name", end))
            links.append(veth)
            _check(_ip("link", "set", veth, "netns", hub))
            _check(_ip("link", "set", end, "netns", ns))
            _check(_ip("-n", hub, "link", "set", veth, "master", "br0"))
            _check(_ip("-n", hub, "link", "set", veth, "up"))
            address = f"{SUBNET}.{i + 1}"
            _check(_ip("-n", ns, "addr", "add", f"{address}/24", "dev", end))
            _check(_ip("-n", ns, "link", "set", end, "up"))
            _check(_ip("-n", ns, "link", "set", "lo", "up"))
            hosts.append(Host(ns, address))
        yield hosts
    finally:
        for ns in reversed(made):
            _ip("netns", "del", ns)
        for veth in links:  # only left in this namespace when a move failed
            _ip("link", "del", veth)
        leftover = set(_ip("netns", "list").stdout.split()) & set(made)
        assert not leftover, f"namespaces left behind: {leftover}"


def _check(done: subprocess.CompletedProcess[str]) -> None:
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(done.args)}: {done.stderr.strip()}")


def start(cmd: Sequence[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    with log.open("wb") as fh:
        return subprocess.Popen(
            list(cmd),
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def stop(procs: Sequence[subprocess.Popen[bytes]]) -> None:
    """Each process group: SIGTERM, then SIGKILL after a grace; leaders reaped."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for proc in procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, sig)
        deadline = time.monotonic() + 5.0
        while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
            time.sleep(0.05)
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=2.0)


def wait_for(check: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s:g}s waiting for {what}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def load_config(path: Path, *, duration_s: float, locustfile: str = "generic", extra: str = "") -> Path:
    path.write_text(
        f"""
[layers.load]
profile = "quick"
locustfile = "{locustfile}"
{extra}
[layers.load.profiles.quick]
users = 4
spawn_rate = 4
duration_s = {duration_s}
max_duration_s = 30
max_requests = 3000
think_time_s = [0.02, 0.05]
""",
        encoding="utf-8",
    )
    return path
