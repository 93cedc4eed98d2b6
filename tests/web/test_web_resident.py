"""The resident Lighthouse runner (one Node process, one Chrome) with the real tools: runs reuse
the browser, a crashed Chrome is relaunched once and then refused, an interrupt stops everything."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from releasegate import proc
from releasegate.browser import HEADLESS_FLAGS, find_chromium
from releasegate.layers._web.resident import Resident, ResidentTool
from releasegate.layers._web.runner import RunRequest
from releasegate.proc import pids_with as _pids_naming
from tests.web.support import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def tool() -> ResidentTool:
    package = ROOT / "node_modules" / "lighthouse"
    if not (package / "core" / "index.js").is_file():
        pytest.skip("npm ci has not installed lighthouse")
    chrome = find_chromium().path
    assert chrome is not None
    return ResidentTool("node", package, chrome, HEADLESS_FLAGS)


def _request(base: str, out: Path, name: str, timeout: float = 90.0) -> RunRequest:
    return RunRequest(base + "/login", "desktop", out / name, {"X-Probe": "rgResidentSecret-1"}, timeout)


def _kill_chrome(resident: Resident) -> None:
    current = resident._proc
    assert current is not None
    for pid in _pids_naming(f"--user-data-dir={current.profile}".encode()):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_runs_share_one_runner_and_a_crashed_chrome_is_relaunched_once(promptlib, tmp_path, tool):
    with Resident(tool, ["rgResidentSecret-1"]) as resident:
        first = resident.run(_request(promptlib.url, tmp_path, "a"))
        second = resident.run(_request(promptlib.url, tmp_path, "b"))
        assert (first.failure, second.failure) == (None, None)
        assert resident.launches == 1
        assert first.json_path is not None
        assert "rgResidentSecret-1" not in first.json_path.read_text()
        _kill_chrome(resident)
        time.sleep(1)
        relaunched = resident.run(_request(promptlib.url, tmp_path, "c"))
        assert relaunched.failure is None, relaunched.message
        assert (resident.launches, resident.relaunches) == (2, 1)
        _kill_chrome(resident)
        time.sleep(1)
        refused = resident.run(_request(promptlib.url, tmp_path, "d"))
        assert refused.failure == "browser"
        assert "after 1 relaunch" in refused.message
        assert resident.run(_request(promptlib.url, tmp_path, "e")).failure == "browser"
        assert resident.launches == 2


def test_an_interrupt_stops_the_run_and_launches_nothing_more(promptlib, tmp_path, tool):
    resident = Resident(tool, [])
    errors: list[BaseException] = []

    def work() -> None:
        try:
            resident.run(_request(promptlib.url, tmp_path, "a"))
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    deadline = time.monotonic() + 30
    while resident._proc is None or not resident._proc.ready:
        assert time.monotonic() < deadline, "the runner did not come up"
        time.sleep(0.05)
    scratch = resident._proc.scratch
    proc.interrupted()  # what the engine says on Ctrl-C / SIGTERM
    worker.join(15)
    assert not worker.is_alive()
    assert errors
    assert isinstance(errors[0], KeyboardInterrupt)
    assert _pids_naming(str(scratch).encode()) == []
    with pytest.raises(KeyboardInterrupt):
        resident.run(_request(promptlib.url, tmp_path, "b"))
    assert resident.launches == 1
