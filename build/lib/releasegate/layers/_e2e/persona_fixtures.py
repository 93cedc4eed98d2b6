"""Fixtures of the persona machinery, registered by the plugin after pytest-playwright's
so that these overrides win (a suite's conftest can still override any of them)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from releasegate.browser import HEADLESS_FLAGS, find_chromium
from releasegate.errors import ConfigError
from releasegate.layers._e2e.adapter import AppAdapter
from releasegate.layers._e2e.journey import Journey, short_reason
from releasegate.layers._e2e.personas import Account, Persona, resolve_account
from releasegate.layers._e2e.runner import HEADERS_ENV
from releasegate.layers._e2e.sessions import SessionStore
from releasegate.layers._e2e.state import (
    BROWSER_VERSION,
    JOURNEY,
    OUTPUT_PATH,
    PERSONAS,
    SETTINGS,
    adapter_for,
    persona_of,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Playwright

Cleanup = Callable[[str, Callable[[], object]], None]  # the public alias is releasegate.e2e.Cleanup


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], pytestconfig: pytest.Config
) -> dict[str, Any]:
    """Playwright's Chromium when installed, else the system one, with offline-machine flags."""
    args = dict(browser_type_launch_args)
    chosen = pytestconfig.getoption("rg_chromium")
    path = None if chosen == "bundled" else chosen or find_chromium().path
    if path:
        args["executable_path"] = path
    flags = [f for f in HEADLESS_FLAGS if not f.startswith("--headless") and f != "--no-sandbox"]
    args["args"] = [*args.get("args", []), *flags]
    return args


@pytest.fixture(scope="session")
def rg_personas(pytestconfig: pytest.Config) -> dict[str, Persona]:
    return pytestconfig.stash[PERSONAS]


@pytest.fixture(scope="session")
def rg_store(pytestconfig: pytest.Config) -> SessionStore:
    return SessionStore(pytestconfig.stash[SETTINGS].state_dir)


@pytest.fixture(scope="session")
def rg_adapter(pytestconfig: pytest.Config) -> AppAdapter:
    adapter = adapter_for(pytestconfig)
    if adapter is None:
        raise pytest.UsageError("the suite's conftest.py implements no pytest_releasegate_adapter hook")
    return adapter


@pytest.fixture(scope="session")
def run_id(pytestconfig: pytest.Config) -> str:
    """The run's id: put it in the names of everything a scenario creates."""
    return pytestconfig.stash[SETTINGS].run_id


@pytest.fixture
def persona(request: pytest.FixtureRequest, rg_personas: dict[str, Persona]) -> Persona:
    key = persona_of(request.node)
    if key is None:
        raise pytest.UsageError(f"{request.node.nodeid}: mark it with @pytest.mark.persona('<key>')")
    return rg_personas[key]


@pytest.fixture
def journey(request: pytest.FixtureRequest, persona: Persona, output_path: str) -> Journey:
    found = Journey(
        persona=persona.key,
        role=persona.role,
        scenario=getattr(request.node, "originalname", request.node.name),
    )
    request.node.stash[JOURNEY] = found
    request.node.stash[OUTPUT_PATH] = output_path
    return found


@pytest.fixture
def step(journey: Journey) -> Callable[[str], Any]:
    """``with step("sign up"):`` times a thing the persona does and names it when it fails."""
    return journey.step


def _signs_up(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("persona")
    return bool(marker and marker.kwargs.get("signs_up", False))


def _starts_logged_in(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("persona")
    return not _signs_up(request) and bool(marker is None or marker.kwargs.get("logged_in", True))


@pytest.fixture
def account(
    request: pytest.FixtureRequest,
    pytestconfig: pytest.Config,
    persona: Persona,
    rg_store: SessionStore,
    journey: Journey,
) -> Account | None:
    """The persona's account for this run (None when anonymous); created once per run."""
    settings = pytestconfig.stash[SETTINGS]
    try:
        found = resolve_account(
            persona,
            run_id=settings.run_id,
            secret=settings.secret,
            domain=pytestconfig.getoption("rg_email_domain"),
        )
    except ConfigError as exc:
        pytest.skip(f"{persona.key}: {exc.message} ({exc.hint})")
    if found is None:
        return None
    if _signs_up(request):
        rg_store.record(found)
        return found
    adapter = request.getfixturevalue("rg_adapter")
    with journey.step("get an account (once per run)"):
        rg_store.ensure_account(found, adapter.create_account)
    return found


@pytest.fixture
def persona_context_args(playwright: Playwright, persona: Persona) -> dict[str, Any]:
    """Device emulation and locale of the persona."""
    args: dict[str, Any] = {}
    if not persona.desktop:
        if persona.device not in playwright.devices:
            raise pytest.UsageError(f"persona {persona.key!r}: unknown Playwright device {persona.device!r}")
        args.update(playwright.devices[persona.device])
        args.pop("default_browser_type", None)
    args["locale"] = persona.locale
    headers = os.environ.get(HEADERS_ENV)
    if headers:  # the environment's headers_from_env (a gateway key), sent with every request
        args["extra_http_headers"] = {str(k): str(v) for k, v in json.loads(headers).items()}
    return args


@pytest.fixture
def context(
    request: pytest.FixtureRequest,
    *,
    pytestconfig: pytest.Config,
    new_context: Callable[..., BrowserContext],
    browser: Browser,
    persona_context_args: dict[str, Any],
    account: Account | None,
    journey: Journey,
    rg_store: SessionStore,
    base_url: str | None,
) -> Iterator[BrowserContext]:
    """The persona's browser context: logged in (state made once per run) unless anonymous
    or the scenario signs up itself; console errors and web vitals watched."""
    request.node.stash[BROWSER_VERSION] = browser.version
    timeout = pytestconfig.getoption("rg_timeout_ms")
    storage_state: Path | None = None
    if account is not None and _starts_logged_in(request):
        adapter: AppAdapter = request.getfixturevalue("rg_adapter")

        def make(path: Path) -> None:
            fresh = browser.new_context(**persona_context_args, base_url=base_url)
            fresh.set_default_timeout(timeout)
            try:
                adapter.log_in(fresh.new_page(), account)
                fresh.storage_state(path=path)
            finally:
                fresh.close()

        with journey.step("log in (session reused for the run)"):
            storage_state = rg_store.storage_state(account, make)
    ctx = new_context(**persona_context_args, storage_state=storage_state)
    ctx.set_default_timeout(timeout)
    journey.watch(ctx)
    yield ctx
    journey.flush(ctx)


@pytest.fixture
def cleanup(journey: Journey) -> Iterator[Cleanup]:
    """``cleanup("unlike prompt 3", fn)``: undo what the scenario changed, even when it fails."""
    actions: list[tuple[str, Callable[[], object]]] = []
    yield lambda what, fn: actions.append((what, fn))
    for what, fn in reversed(actions):
        try:
            fn()
        except Exception as exc:
            journey.cleanup_errors.append(f"{what}: {short_reason(exc)}")
