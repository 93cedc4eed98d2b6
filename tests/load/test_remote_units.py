"""Remote workers without Locust: the bind address, who delivered, the flags, the worker command."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from releasegate.cli import main
from releasegate.errors import UsageError
from releasegate.layers._load.launcher import Launch, Remote, commands
from releasegate.layers._load.workers import no_show, parse_bind, records, shortfall
from releasegate.results import Status
from tests.load.hosts import free_port


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.0.0.0:5557", ("0.0.0.0", 5557)),
        ("10.0.0.5", ("10.0.0.5", 5557)),
        ("master.svc:6000", ("master.svc", 6000)),
        ("[::]:5558", ("::", 5558)),
        ("[::1]", ("::1", 5557)),
        ("fe80::1", ("fe80::1", 5557)),
    ],
)
def test_bind_addresses(text: str, expected: tuple[str, int]) -> None:
    assert parse_bind(text) == expected


@pytest.mark.parametrize("text", ["", ":5557", "host:port", "host:0", "host:70000", "[::1", "[::1]x"])
def test_bad_bind_addresses(text: str) -> None:
    with pytest.raises(UsageError, match="HOST\\[:PORT\\]"):
        parse_bind(text)


def _worker(requests: int, *, final: bool = True, dropped: float | None = None) -> dict[str, Any]:
    return {"host": "h", "address": "10.0.0.2", "requests": requests, "final": final, "dropped_s": dropped}


def _results(**roster: dict[str, Any]) -> dict[str, Any]:
    return {"workers": {"roster": roster}}


def test_all_workers_delivered() -> None:
    results = _results(a=_worker(10), b=_worker(5))
    assert shortfall(results, 2) is None
    assert [r.status for r in records(results)] == [Status.PASS, Status.PASS]


@pytest.mark.parametrize(
    ("worker", "said"),
    [
        (_worker(7, final=False, dropped=3.5), "dropped out at t=3.5s after 7 requests"),
        (_worker(7, final=False), "never sent its final statistics (7 requests)"),
        (_worker(0), "sent no request"),
    ],
)
def test_a_worker_that_did_not_deliver_is_named(worker: dict[str, Any], said: str) -> None:
    results = _results(a=_worker(10), b=worker)
    message = shortfall(results, 2)
    assert message is not None
    assert message.startswith("1 of 2 expected worker(s) delivered their data: h at 10.0.0.2 (b)")
    assert said in message
    assert [r.status for r in records(results)] == [Status.PASS, Status.ERROR]


def test_fewer_workers_than_expected_came() -> None:
    message = shortfall(_results(a=_worker(10)), 2)
    assert message is not None
    assert message.startswith("1 of 2 expected worker(s) delivered")


def test_no_show_says_how_many_came_and_how_to_join(tmp_path: Path) -> None:
    remote = Remote(host="0.0.0.0", port=5557, expect=3, wait_s=20)
    live = tmp_path / "live.json"
    assert no_show(remote, live).startswith("0 of 3 expected worker(s) joined")
    live.write_text('{"waiting": true, "workers": 2, "expected": 3}', encoding="utf-8")
    message = no_show(remote, live)
    assert message.startswith("2 of 3 expected worker(s) joined the master on 0.0.0.0:5557 within 20s")
    assert "releasegate load-worker --master <this-host>:5557" in message


def test_the_master_command_waits_for_remote_workers_and_starts_none(tmp_path: Path) -> None:
    launch = Launch(
        locustfile=tmp_path / "f.py",
        host="http://t",
        users=2,
        spawn_rate=2,
        safety_run_time_s=10,
        workers=0,
        artifact_dir=tmp_path,
        plan={},
        remote=Remote(host="10.0.0.1", port=6000, expect=2, wait_s=15),
    )
    (master,) = commands(launch)
    joined = " ".join(master)
    assert "--master --master-bind-host 10.0.0.1 --master-bind-port 6000" in joined
    assert "--expect-workers 2 --expect-workers-max-wait 15" in joined


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--expect-workers", "2"], "--expect-workers and --master-bind go together"),
        (["--master-bind", "0.0.0.0"], "--expect-workers and --master-bind go together"),
        (["--expect-workers", "0", "--master-bind", "0.0.0.0"], "must be 1 or more"),
        (["--expect-workers", "2", "--master-bind", "x:y"], "is not HOST[:PORT]"),
        (["--expect-workers", "2", "--master-bind", "h", "--workers", "2"], "use one of them"),
        (["--expect-workers", "2", "--master-bind", "h", "--worker-wait", "0"], "must be above 0"),
    ],
)
def test_run_flags_are_checked_before_anything_runs(
    flags: list[str], said: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["run", "--layers", "load", "--no-history", "--report-dir", str(tmp_path / "reports"), *flags]
    assert main(argv) == 2
    assert said in capsys.readouterr().err


def test_load_worker_help_explains() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "releasegate", "load-worker", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert "--master HOST[:PORT]" in done.stdout
    assert "locustfile comes from the master" in " ".join(done.stdout.split())


@pytest.mark.integration
def test_load_worker_without_a_master_gives_up_within_its_wait() -> None:
    port = free_port()  # nothing listens there
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "releasegate", "load-worker", "--master", f"127.0.0.1:{port}", "--wait", "3"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert f"no master handed out a plan at 127.0.0.1:{port} within 3s" in done.stderr
    assert time.monotonic() - started < 60
