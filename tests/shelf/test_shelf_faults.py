"""Each seeded fault does what `--list-faults` says, and only when switched on."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from releasegate.fixtures.shelf import FAULTS
from releasegate.fixtures.shelf.faults import FaultError, parse_faults
from releasegate.fixtures.shelf.launcher import Running, start
from tests.shelf.conftest import new_user, token_auth


@pytest.mark.parametrize(
    ("raw", "flags", "slow"),
    [
        (None, set(), 0.0),
        ("", set(), 0.0),
        ("server-error", {"server-error"}, 0.0),
        ("slow", {"slow"}, 0.5),
        ("slow=300ms, broken-save", {"slow", "broken-save"}, 0.3),
        ("SLOW=1.5s", {"slow"}, 1.5),
        (["server-error", "slow=20"], {"server-error", "slow"}, 0.02),
    ],
)
def test_fault_specs_parse(raw: str | list[str] | None, flags: set[str], slow: float) -> None:
    faults = parse_faults(raw)
    assert set(faults.names) == flags
    assert faults.slow_seconds == pytest.approx(slow)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("server-eror", "Did you mean 'server-error'?"),
        ("slow=fast", "300ms or 1.5s"),
        ("broken-save=1", "takes no parameter"),
    ],
)
def test_bad_fault_specs_say_why(raw: str, message: str) -> None:
    with pytest.raises(FaultError, match=message):
        parse_faults(raw)


def test_list_faults_names_every_fault() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "releasegate.fixtures.shelf", "--list-faults"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    for name in FAULTS:
        assert name in out


@pytest.fixture(scope="module")
def faulty() -> Iterator[Running]:
    with start(faults="server-error,slow=300ms") as running:
        yield running


def _add(running: Running, title: str) -> int:
    with httpx.Client(base_url=f"{running.api_url}/v2/api", timeout=10) as client:
        auth = token_auth(new_user(client)[2])
        return client.post("/books", json={"title": title, "author": "A. Writer"}, headers=auth).status_code


@pytest.mark.integration
def test_server_error_on_a_hash_in_a_title_or_a_search(faulty: Running, shelf: Running) -> None:
    assert _add(faulty, "Book #2") == 500
    assert _add(faulty, "Book two") == 201
    search = httpx.get(f"{faulty.api_url}/v2/api/books", params={"q": "#1"}, timeout=10)
    assert search.status_code == 500
    assert search.json()["error"]["code"] == "server_error"
    assert _add(shelf, "Book #2") == 201
    assert httpx.get(f"{shelf.api_url}/v2/api/books", params={"q": "#1"}, timeout=10).status_code == 200


@pytest.mark.integration
def test_slow_delays_the_api_but_not_the_status(faulty: Running, shelf: Running) -> None:
    def elapsed(url: str) -> float:
        started = time.perf_counter()
        httpx.get(url, timeout=10).raise_for_status()
        return time.perf_counter() - started

    assert elapsed(f"{faulty.api_url}/v2/api/books?limit=1") >= 0.3
    assert elapsed(f"{shelf.api_url}/v2/api/books?limit=1") < 0.3
    assert elapsed(faulty.status_url) < 0.3
