"""Fixtures of the gates tests: the history's location on each backend."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", "postgres"])
def history_location(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty history: a SQLite file, then a fresh database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "h" / "history.sqlite")
    return str(request.getfixturevalue("postgres_url"))
