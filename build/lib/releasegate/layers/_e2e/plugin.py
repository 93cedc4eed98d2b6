"""The pytest plugin behind the e2e layer (``-p releasegate.layers._e2e.plugin``).

App-neutral: it knows personas, steps, sessions, evidence and clean-up; the suite's
``conftest.py`` brings the application through the ``pytest_releasegate_adapter`` hook, page objects and
scenarios. Scenarios name their persona with ``@pytest.mark.persona("marketer")``.

Per worker it appends one JSON line per scenario to ``<results-dir>/results-<worker>.jsonl``;
the controlling process removes the accounts the run created and writes ``cleanup.json``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from releasegate.errors import ConfigError
from releasegate.layers._e2e import persona_fixtures
from releasegate.layers._e2e.adapter import AdapterHooks
from releasegate.layers._e2e.journey import Journey
from releasegate.layers._e2e.personas import Account, generated_password, load_personas
from releasegate.layers._e2e.selection import ShardError, parse_shard, shard_items
from releasegate.layers._e2e.sessions import SessionStore
from releasegate.layers._e2e.state import (
    BROWSER_VERSION,
    JOURNEY,
    OUTPUT_PATH,
    PERSONAS,
    PHASES,
    SETTINGS,
    RunSettings,
    adapter_for,
    persona_of,
)

SECRET_ENV = "RG_E2E_SECRET"


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(AdapterHooks)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("releasegate-e2e", "releasegate persona scenarios")
    group.addoption("--rg-personas", default=None, help="persona file (default: fixtures/personas.yaml)")
    group.addoption("--rg-run-id", default=None, help="run id used in the names of what the run creates")
    group.addoption("--rg-results-dir", default=None, help="where to write one JSON line per scenario")
    group.addoption("--rg-state-dir", default=None, help="shared directory for per-run sessions")
    group.addoption(
        "--rg-only-tag", action="append", default=[], help="run only scenarios whose persona has this tag"
    )
    group.addoption("--rg-persona", action="append", default=[], help="run only this persona's scenarios")
    group.addoption("--shard", default=None, help="run shard i of n (1-based), e.g. 2/3")
    group.addoption("--rg-email-domain", default="example.com", help="domain of generated accounts' emails")
    group.addoption("--rg-chromium", default=None, help="Chromium binary ('bundled' = Playwright's own)")
    group.addoption("--rg-timeout-ms", type=int, default=15000, help="default timeout of page actions")


def _default_personas(config: pytest.Config) -> Path:
    return Path(__file__).resolve().parents[2] / "fixtures" / "personas.yaml"  # releasegate/fixtures


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "persona(key, logged_in=True, signs_up=False): the persona a scenario acts as "
        "(fixtures/personas.yaml); signs_up: the scenario creates the account itself",
    )
    config.addinivalue_line("markers", "smoke: read-only persona scenarios, safe against production")
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is not None and "rg_state_dir" in workerinput:
        settings = RunSettings(
            workerinput["rg_run_id"], Path(workerinput["rg_state_dir"]), workerinput["rg_secret"], False
        )
    else:
        given = config.getoption("rg_state_dir")
        state_dir = Path(given) if given else Path(tempfile.mkdtemp(prefix="rg-e2e-state-"))
        settings = RunSettings(
            run_id=config.getoption("rg_run_id") or f"local{time.strftime('%H%M%S')}{secrets.token_hex(2)}",
            state_dir=state_dir,
            secret=os.environ.get(SECRET_ENV) or secrets.token_hex(16),
            owns_state_dir=not given,
        )
    config.stash[SETTINGS] = settings
    path = Path(config.getoption("rg_personas") or _default_personas(config))
    try:
        config.stash[PERSONAS] = load_personas(path)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from exc
    try:
        parse_shard(config.getoption("shard"))
    except ShardError as exc:
        raise pytest.UsageError(str(exc)) from exc
    if not config.pluginmanager.is_registered(persona_fixtures):
        config.pluginmanager.register(persona_fixtures, "releasegate-e2e-fixtures")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    settings: RunSettings = node.config.stash[SETTINGS]
    node.workerinput.update(
        rg_run_id=settings.run_id, rg_state_dir=str(settings.state_dir), rg_secret=settings.secret
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    personas = config.stash[PERSONAS]
    only = set(config.getoption("rg_only_tag"))
    chosen_personas = set(config.getoption("rg_persona"))
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        key = persona_of(item)
        if key is None or key not in personas:
            known = ", ".join(sorted(personas))
            raise pytest.UsageError(
                f"{item.nodeid}: scenario names persona {key!r}, which is not in the persona file "
                f"(known: {known}); mark it with @pytest.mark.persona('<key>')"
            )
        persona = personas[key]
        if persona.smoke:
            item.add_marker(pytest.mark.smoke)
        wanted = only <= set(persona.tags) and (not chosen_personas or key in chosen_personas)
        (keep if wanted else dropped).append(item)
    shard = parse_shard(config.getoption("shard"))
    if shard is not None:
        chosen = set(id(i) for i in shard_items(keep, shard, key=lambda i: i.nodeid))
        dropped += [i for i in keep if id(i) not in chosen]
        keep = [i for i in keep if id(i) in chosen]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    phases = item.stash.setdefault(PHASES, {})
    phases[report.when] = report
    if report.when == "teardown":
        _write_entry(item, phases)


def _outcome(phases: dict[str, pytest.TestReport], journey: Journey | None) -> str:
    setup, call, teardown = phases.get("setup"), phases.get("call"), phases.get("teardown")
    if setup is not None and setup.skipped:
        return "skipped"
    if setup is not None and setup.failed:
        return "failed" if journey is not None and journey.failed_step else "error"
    if call is not None and call.failed:
        return "failed"
    if call is not None and call.skipped:
        return "skipped"
    if teardown is not None and teardown.failed:
        return "error"
    return "passed"


def _error_text(phases: dict[str, pytest.TestReport]) -> str | None:
    for when in ("setup", "call", "teardown"):
        rep = phases.get(when)
        if rep is not None and (rep.failed or rep.skipped) and rep.longrepr is not None:
            if rep.skipped and isinstance(rep.longrepr, tuple):
                return str(rep.longrepr[2]).removeprefix("Skipped: ")
            text = getattr(rep.longrepr, "reprcrash", None)
            message = getattr(text, "message", None) or str(rep.longrepr)
            return f"{when}: {message}"[:4000]
    return None


def _write_entry(item: pytest.Item, phases: dict[str, pytest.TestReport]) -> None:
    results_dir = item.config.getoption("rg_results_dir")
    if not results_dir:
        return
    journey = item.stash.get(JOURNEY, None)
    artifacts: list[dict[str, str]] = []
    base = Path(item.config.invocation_params.dir)
    for rep in phases.values():
        for name, value in rep.user_properties:
            if isinstance(name, str) and name.startswith("playwright_"):
                artifacts.append({"kind": name.removeprefix("playwright_"), "path": str(base / str(value))})
    outcome = _outcome(phases, journey)
    output_path = item.stash.get(OUTPUT_PATH, None)
    if journey is not None and journey.console_errors and output_path:
        out = Path(output_path) / "console-errors.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(journey.console_errors, indent=2), encoding="utf-8")
        artifacts.append({"kind": "console", "path": str(out)})
    personas = item.config.stash[PERSONAS]
    key = persona_of(item) or ""
    browser_version: str | None = item.stash.get(BROWSER_VERSION, None)
    entry = {
        "nodeid": item.nodeid,
        "select": f"{item.path}::{item.name}",
        "scenario": getattr(item, "originalname", item.name),
        "persona": key,
        "role": personas[key].role if key in personas else key,
        "smoke": key in personas and personas[key].smoke,
        "outcome": outcome,
        "error": _error_text(phases) if outcome != "passed" else None,
        "duration_s": sum(rep.duration for rep in phases.values()),
        "journey": journey.to_json() if journey is not None else None,
        "artifacts": artifacts,
        "browser": browser_version,
        "worker": os.environ.get("PYTEST_XDIST_WORKER", "main"),
    }
    path = Path(results_dir) / f"results-{entry['worker']}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out_file:
        out_file.write(json.dumps(entry) + "\n")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if hasattr(config, "workerinput"):
        return
    settings = config.stash.get(SETTINGS, None)
    if settings is None:
        return
    store = SessionStore(settings.state_dir)
    report: list[dict[str, Any]] = []
    ledger = store.ledger()
    adapter = adapter_for(config) if ledger else None
    for row in ledger:
        account = Account(
            row["persona"],
            row["email"],
            generated_password(settings.secret, settings.run_id, row["persona"]),
            True,
        )
        if adapter is None:
            problem: str | None = "no pytest_releasegate_adapter hook: cannot remove the account"
        else:
            try:
                problem = adapter.delete_account(account)
            except Exception as exc:
                problem = f"{type(exc).__name__}: {exc}"
        report.append(
            {
                "persona": account.persona,
                "email": account.email,
                "removed": problem is None,
                "problem": problem,
            }
        )
    for state in settings.state_dir.glob("*.state.json"):
        state.unlink(missing_ok=True)
    if settings.owns_state_dir:
        shutil.rmtree(settings.state_dir, ignore_errors=True)
    results_dir = config.getoption("rg_results_dir")
    if results_dir:
        Path(results_dir).mkdir(parents=True, exist_ok=True)
        (Path(results_dir) / "cleanup.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
