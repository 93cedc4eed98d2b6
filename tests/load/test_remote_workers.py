"""A master for workers of other hosts, on loopback: all deliver -> GO; one dies -> INCONCLUSIVE
naming it; none comes -> INCONCLUSIVE within the bounded wait, with the command that joins."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.load.hosts import RELEASEGATE, children, free_port, load_config, start, stop, wait_for

pytestmark = pytest.mark.integration


def _master(tmp: Path, port: int, *, expect: int, wait_s: float, duration_s: float) -> list[str]:
    config = load_config(tmp / "releasegate.toml", duration_s=duration_s)
    return [
        *RELEASEGATE,
        "run",
        "--config",
        str(config),
        "--layers",
        "load",
        "--expect-workers",
        str(expect),
        "--master-bind",
        f"127.0.0.1:{port}",
        "--worker-wait",
        f"{wait_s:g}",
        "--no-history",
        "--plain",
        "--report-dir",
        str(tmp / "reports"),
    ]


def _worker(port: int, name: str) -> list[str]:
    return [*RELEASEGATE, "load-worker", "--master", f"127.0.0.1:{port}", "--name", name, "--max-run", "90"]


def _verdict(tmp: Path) -> dict[str, Any]:
    (run,) = (tmp / "reports").glob("2*/verdict.json")
    data: dict[str, Any] = json.loads(run.read_text(encoding="utf-8"))
    return data


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _live_requests(tmp: Path) -> int:
    for live in (tmp / "reports").glob("2*/load/live.json"):
        try:
            return int(json.loads(live.read_text(encoding="utf-8")).get("requests", 0))
        except (OSError, ValueError):
            return 0
    return 0


def _run_master(tmp_path: Path, port: int, wait_s: float) -> tuple[int, str]:
    """A master for one worker run to its end in the foreground: (exit code, its output)."""
    done = subprocess.run(
        _master(tmp_path, port, expect=1, wait_s=wait_s, duration_s=3),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def test_no_worker_comes_is_inconclusive_within_the_wait(tmp_path: Path) -> None:
    port = free_port()
    code, out = _run_master(tmp_path, port, wait_s=3)
    assert code == 3, out
    assert "0 of 1 expected worker(s) joined" in out
    assert f"releasegate load-worker --master 127.0.0.1:{port}" in out
    assert _verdict(tmp_path)["verdict"] == "INCONCLUSIVE"


def test_two_workers_deliver_and_the_run_is_judged(tmp_path: Path) -> None:
    port = free_port()
    master = start(_master(tmp_path, port, expect=2, wait_s=30, duration_s=3), tmp_path / "master.log")
    workers = [start(_worker(port, f"w{i}"), tmp_path / f"w{i}.log") for i in (1, 2)]
    try:
        assert master.wait(timeout=120) == 0, (tmp_path / "master.log").read_text()
        for i, w in enumerate(workers, 1):
            assert w.wait(timeout=30) == 0, (tmp_path / f"w{i}.log").read_text()
    finally:
        stop([master, *workers])
    (results,) = (tmp_path / "reports").glob("2*/load/results.json")
    roster = json.loads(results.read_text(encoding="utf-8"))["workers"]["roster"]
    assert sorted(e["host"] for e in roster.values()) == ["w1", "w2"]
    assert all(e["final"] and e["requests"] > 0 for e in roster.values())
    assert _verdict(tmp_path)["verdict"] == "GO"
    log = (tmp_path / "master.log").read_text()
    assert "2 of 2 worker(s) joined" in log or "with 2 workers" in log


def test_a_worker_killed_mid_run_makes_it_inconclusive_naming_it(tmp_path: Path) -> None:
    port = free_port()
    master = start(_master(tmp_path, port, expect=2, wait_s=30, duration_s=10), tmp_path / "master.log")
    keep = start(_worker(port, "w-keep"), tmp_path / "keep.log")
    doomed = start(_worker(port, "w-doomed"), tmp_path / "doomed.log")
    try:
        wait_for(lambda: _live_requests(tmp_path) > 20, 60, "the run to send requests")
        for pid in children(doomed.pid):  # the Locust worker itself: its host goes away
            os.killpg(pid, signal.SIGKILL)
        assert master.wait(timeout=120) == 3, (tmp_path / "master.log").read_text()
        assert keep.wait(timeout=30) == 0, (tmp_path / "keep.log").read_text()
        assert doomed.wait(timeout=30) == 3
    finally:
        stop([master, keep, doomed])
    log = (tmp_path / "master.log").read_text()
    assert "1 of 2 expected worker(s) delivered their data" in log, log
    assert "w-doomed at 127.0.0.1" in log, log
    assert "dropped out at t=" in log, log
    verdict = _verdict(tmp_path)
    assert verdict["verdict"] == "INCONCLUSIVE"
    assert "w-doomed" in json.dumps(verdict)


def test_a_master_that_cannot_listen_says_so_not_that_workers_did_not_come(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code, out = _run_master(tmp_path, port, wait_s=20)
    assert code == 3, out
    assert "wrote no results" in out
    assert "expected worker(s) joined" not in out


def test_a_worker_whose_master_dies_stops_by_itself(tmp_path: Path) -> None:
    port = free_port()
    master = start(_master(tmp_path, port, expect=1, wait_s=30, duration_s=20), tmp_path / "master.log")
    worker = start(_worker(port, "w-orphan"), tmp_path / "orphan.log")
    try:
        wait_for(lambda: _live_requests(tmp_path) > 10, 60, "the run to send requests")
        (locust,) = [pid for pid in children(master.pid) if b"locust" in _cmdline(pid)]
        os.killpg(locust, signal.SIGKILL)  # the master's host goes away: no quit message, no heartbeat
        assert worker.wait(timeout=60) == 3, (tmp_path / "orphan.log").read_text()
        assert master.wait(timeout=60) == 3, (tmp_path / "master.log").read_text()
    finally:
        stop([master, worker])
    assert "went silent before the run ended" in (tmp_path / "orphan.log").read_text()
