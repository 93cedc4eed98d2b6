"""The Lighthouse subprocess runner: failure mapping, hard timeout, secret scrubbing.

A stand-in CLI is used here where Lighthouse itself is not the point (how exits and hangs are
handled); the real tool is exercised in test_web_integration.py.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

from releasegate.layers._web.runner import (
    RunRequest,
    Tool,
    _kill_browsers,
    _pids_with_arg,
    leaks,
    run_lighthouse,
    scrub,
)
from releasegate.redact import secret_forms

FAKE = """#!{python}
import os, subprocess, sys, time
args = sys.argv[1:]
mode = os.environ["FAKE_LH_MODE"]
flags = next(a for a in args if a.startswith("--chrome-flags=")).split("=", 1)[1]
profile = next(f for f in flags.split() if f.startswith("--user-data-dir="))
if mode == "hang":
    browser = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", profile],
                               start_new_session=True)
    open(os.environ["FAKE_LH_PID"], "w").write(str(browser.pid))
    time.sleep(120)
if mode == "404":
    sys.stderr.write("Runtime error encountered: unable to reliably load the page (Status code: 404)\\n")
    sys.exit(1)
if mode == "nochrome":
    sys.stderr.write("Unable to connect to Chrome\\n")
    sys.exit(1)
"""


def fake_tool(tmp_path: Path) -> Tool:
    path = tmp_path / "lighthouse"
    path.write_text(FAKE.format(python=sys.executable))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return Tool(str(path), "/nonexistent/chromium", ("--headless=new", "--no-sandbox"))


def request(tmp_path: Path, timeout: float = 20.0) -> RunRequest:
    return RunRequest("http://127.0.0.1:9/x", "desktop", tmp_path / "out" / "run-1", {}, timeout)


def test_http_error_and_browser_failure_are_classified(tmp_path, monkeypatch):
    tool = fake_tool(tmp_path)
    monkeypatch.setenv("FAKE_LH_MODE", "404")
    out = run_lighthouse(tool, request(tmp_path), [])
    assert (out.failure, out.status_code, out.retryable) == ("http", 404, False)
    monkeypatch.setenv("FAKE_LH_MODE", "nochrome")
    out = run_lighthouse(tool, request(tmp_path), [])
    assert out.failure == "browser"
    assert out.retryable
    assert "connect to Chrome" in out.message


def test_a_hanging_run_is_killed_with_its_detached_browser(tmp_path, monkeypatch):
    pid_file = tmp_path / "browser.pid"
    monkeypatch.setenv("FAKE_LH_MODE", "hang")
    monkeypatch.setenv("FAKE_LH_PID", str(pid_file))
    started = time.monotonic()
    out = run_lighthouse(fake_tool(tmp_path), request(tmp_path, timeout=3), [])
    assert out.failure == "timeout"
    assert time.monotonic() - started < 20
    browser = int(pid_file.read_text())
    time.sleep(0.2)
    assert not _alive(browser)


SPAWNER = """
import subprocess, sys, time
for _ in range(300):
    helper = [sys.executable, "-c", "import time; time.sleep(60)", sys.argv[1]]
    subprocess.Popen(helper, start_new_session=True)
    time.sleep(0.01)
"""


def test_the_browser_sweep_also_catches_helpers_started_while_it_runs(tmp_path):
    marker = f"--user-data-dir={tmp_path / 'profile'}"
    parent = subprocess.Popen([sys.executable, "-c", SPAWNER, marker], start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while len(_pids_with_arg(marker.encode())) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_pids_with_arg(marker.encode())) >= 5
        _kill_browsers(tmp_path / "profile")
        assert _pids_with_arg(marker.encode()) == []
    finally:
        parent.kill()
        parent.wait(5)
        _kill_browsers(tmp_path / "profile")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_scrub_removes_raw_and_escaped_secrets(tmp_path):
    secret = 'a/b<c"d'
    report = tmp_path / "r.report.json"
    report.write_text(json.dumps({"extraHeaders": {"Cookie": secret}}))
    html = tmp_path / "r.report.html"
    html.write_text(
        "window.__LIGHTHOUSE_JSON__ = " + json.dumps(secret).replace("<", "\\u003c").replace("/", "\\/")
    )
    assert set(leaks(tmp_path, [secret])) == {report, html}
    scrub([report, html], [secret])
    assert leaks(tmp_path, [secret]) == []
    assert json.loads(report.read_text())["extraHeaders"]["Cookie"] == "[redacted]"
    assert os.access(report, os.R_OK)


def test_leaks_finds_every_form_reading_each_file_once(tmp_path, monkeypatch):
    secret = 'a/b<c"d-\u00e9'
    forms = secret_forms(secret)
    holding = [tmp_path / f"form-{i}.txt" for i in range(len(forms))]
    for path, form in zip(holding, forms, strict=True):
        path.write_text(f"x {form} y", encoding="utf-8")
    (tmp_path / "clean.txt").write_text("nothing here")
    reads: list[str] = []
    read_bytes = Path.read_bytes

    def counted(path: Path) -> bytes:
        reads.append(path.name)
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", counted)
    assert leaks(tmp_path, [secret, ""]) == sorted(holding)
    assert sorted(reads) == sorted(p.name for p in tmp_path.iterdir())
    assert leaks(tmp_path, [""]) == []
