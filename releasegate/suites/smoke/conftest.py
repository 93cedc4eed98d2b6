"""Fixtures for running the smoke checks under pytest: the parameters come from the plugin's environment."""

from __future__ import annotations

import pytest

from releasegate.config import Environment
from releasegate.smoke import PageSpec, SmokeParams, SmokeRun, run_checks


@pytest.fixture(scope="session")
def smoke_run(base_url: str | None, rg_environment: Environment) -> SmokeRun:
    if not base_url:
        pytest.skip("no base URL: pass --base-url URL or --rg-env NAME")
    pages = [
        PageSpec(p.check_id, "page", p.method, p.path, p.status, p.contains) for p in rg_environment.pages
    ]
    pages += [
        PageSpec(p.check_id, "endpoint", p.method, p.path, p.status, p.contains)
        for p in rg_environment.endpoints
    ]
    health = rg_environment.health_check
    params = SmokeParams(
        base_url=base_url,
        health_path=health.path if health else None,
        health_status=health.status if health else None,
        health_contains=health.contains if health else None,
        health_field=health.field if health else "status",
        version_path=rg_environment.version_path,
        expect_version=rg_environment.expect_version,
        pages=pages,
        production=rg_environment.production,
        headers=rg_environment.resolved_headers(),
    )
    return run_checks(params)
