"""Fixtures shared by the harness's own tests: the reference target, started once per set of faults."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from releasegate.fixtures.promptlib.launcher import RunningApp, start
from tests.pgserver import PgServer

ALONE = ("watch",)
"""Folders whose tests judge the target's latency against its own baseline minutes earlier: on a
two-core machine another test process's browser can slow every route several-fold, so `make test`
runs these by themselves after the parallel part (marker ``alone``)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        parts = item.path.relative_to(here).parts if item.path.is_relative_to(here) else ()
        if parts and parts[0] in ALONE:
            item.add_marker(pytest.mark.alone)


@pytest.fixture(scope="session")
def start_promptlib() -> Iterator[Callable[..., RunningApp]]:
    """A factory: ``start_promptlib("latency=300ms", commit="abc")``. One instance per argument set
    per session (do not mutate shared seeded data in ways other tests depend on)."""
    running: dict[tuple[str, str | None], RunningApp] = {}

    def _start(faults: str = "", *, commit: str | None = None) -> RunningApp:
        key = (faults, commit)
        if key not in running:
            running[key] = start(faults=faults or None, commit=commit)
        return running[key]

    yield _start
    for app in running.values():
        app.stop()


@pytest.fixture(scope="session")
def promptlib(start_promptlib: Callable[..., RunningApp]) -> RunningApp:
    """The clean reference target, shared by the whole session."""
    return start_promptlib()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A throwaway PostgreSQL server for the session, removed afterwards (see tests/pgserver.py)."""
    with PgServer() as server:
        yield server


@pytest.fixture
def postgres_url(pg_server: PgServer) -> str:
    """The URL of a fresh database on the session's PostgreSQL server, with a password in it
    (the server trusts local connections, so only masking sees it)."""
    return pg_server.url(pg_server.new_database(), password=PG_PASSWORD)


PG_PASSWORD = "hunter2-never-shown"
