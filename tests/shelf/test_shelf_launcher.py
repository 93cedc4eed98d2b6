"""The launcher and the command line: both processes start, answer and stop; bad flags exit 2."""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import tempfile

import httpx
import pytest

from releasegate.fixtures.shelf.launcher import ShelfStartError, start

pytestmark = pytest.mark.integration


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0): count it as gone
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().split(") ", 1)[1][0] != "Z"


def _data_dirs() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "shelf-*")))


def test_start_serves_both_origins_on_loopback_and_stop_ends_both() -> None:
    before = _data_dirs()
    running = start()
    try:
        assert running.api_url.startswith("http://127.0.0.1:")
        assert running.web_url.startswith("http://127.0.0.1:")
        assert running.api_url != running.web_url
        assert running.spec_url == f"{running.api_url}/v2/api/openapi.json"
        assert httpx.get(running.status_url, timeout=10).status_code == 200
        assert httpx.get(running.web_url, timeout=10).status_code == 200
        pids = running.pids
        assert all(_alive(pid) for pid in pids)
    finally:
        running.stop()
    assert not any(_alive(pid) for pid in pids)
    assert not running.alive()
    assert _data_dirs() <= before, "the API's SQLite directory outlived it"


def test_the_context_manager_stops_both_on_an_error() -> None:
    pids: tuple[int, int] = (0, 0)

    def crash() -> None:
        nonlocal pids
        with start(seed_books=False) as running:
            pids = running.pids
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        crash()
    assert pids != (0, 0)
    assert not any(_alive(pid) for pid in pids)


def test_one_process_serves_both_roles_and_stops_on_sigterm() -> None:
    command = [
        sys.executable,
        "-m",
        "releasegate.fixtures.shelf",
        "--port",
        "0",
        "--web-port",
        "0",
        "--no-seed-books",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().split() for _ in range(2)]
        if not all(lines):
            process.kill()
            stderr = process.communicate(timeout=5)[1]
            pytest.fail(f"the server did not announce both URLs: {lines}\n{stderr}")
        urls = {words[1]: words[-1] for words in lines}
        assert set(urls) == {"api", "web"}
        assert httpx.get(f"{urls['api']}/v2/status", timeout=10).json()["status"] == "ok"
        page = httpx.get(f"{urls['web']}/shelf", timeout=10).text
        assert f'content="{urls["api"]}"' in page
        cors = httpx.get(f"{urls['api']}/v2/api/books", headers={"Origin": urls["web"]}, timeout=10)
        assert cors.headers["access-control-allow-origin"] == urls["web"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


def test_a_server_that_cannot_start_raises_with_its_stderr() -> None:
    with pytest.raises(ShelfStartError, match="rate limit must look like"):
        start(rate_limit="lots")


@pytest.mark.parametrize(
    "argv",
    [["--faults", "nope"], ["--rate-limit", "5/hour"], ["--oauth-client", "no-secret"], ["--token-ttl", "0"]],
)
def test_bad_flags_exit_2_with_a_message(argv: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "releasegate.fixtures.shelf", *argv],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("shelf: error:")


def test_help_documents_every_flag() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "releasegate.fixtures.shelf", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    for flag in ("--role", "--faults", "--list-faults", "--rate-limit", "--token-ttl", "--oauth-client",
                 "--seed-user", "--database-url", "--web-port", "--api-url", "--web-origin"):  # fmt: skip
        assert flag in out
