"""Fixtures for promptlib's own tests: one clean app per session."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from releasegate.fixtures.promptlib.launcher import RunningApp, start


@pytest.fixture(scope="session")
def clean_app() -> Iterator[RunningApp]:
    with start() as app:
        yield app


@pytest.fixture
def client(clean_app: RunningApp) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=clean_app.url, timeout=10) as client:
        yield client
