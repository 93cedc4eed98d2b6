"""Shelf on PostgreSQL (`--database-url postgresql://...`): a throwaway server per module.

Skipped where PostgreSQL's server binaries (Debian's `postgresql` package) or psycopg
(`pip install -e '.[postgres]'`) are missing: SQLite stays the default everywhere else.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from releasegate.fixtures.shelf.launcher import start
from tests.shelf.conftest import READER, login, new_user, token_auth

pytestmark = [pytest.mark.integration, pytest.mark.slow]

_BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_postgres(command: str) -> None:
    runner = ["su", "postgres", "-c", command] if os.geteuid() == 0 else ["sh", "-c", command]
    subprocess.run(runner, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    if not _BINARIES or importlib.util.find_spec("psycopg") is None:
        pytest.skip("PostgreSQL server binaries or psycopg not installed")
    bin_dir = Path(_BINARIES[-1]).parent
    workdir = Path(tempfile.mkdtemp(prefix="shelf-pg-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
    port = _free_port()
    data = workdir / "data"
    _as_postgres(f"{bin_dir}/initdb -D {data} -A trust -U postgres")
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1"
    _as_postgres(f"{bin_dir}/pg_ctl -D {data} -o '{options}' -l {workdir}/log -w start")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        _as_postgres(f"{bin_dir}/pg_ctl -D {data} -m fast -w stop")
        shutil.rmtree(workdir, ignore_errors=True)


def test_the_app_runs_on_postgresql(postgres_url: str) -> None:
    with start(database_url=postgres_url, seed_user=READER) as running:
        status = httpx.get(running.status_url, timeout=10).json()
        assert status["checks"]["database"]["status"] == "ok"
        with httpx.Client(base_url=f"{running.api_url}/v2/api", timeout=10) as api:
            assert login(api, *READER)
            _, _, token = new_user(api)
            auth = token_auth(token)
            book = api.post("/books", json={"title": "Kallocain", "author": "Karin Boye"}, headers=auth)
            assert book.status_code == 201, book.text
            found = api.get("/books", params={"q": "boye"}).json()
            assert [b["title"] for b in found["books"]] == ["Kallocain"]
            assert api.delete("/user", headers=auth).status_code == 204
            assert api.get(f"/books/{book.json()['id']}").status_code == 404
