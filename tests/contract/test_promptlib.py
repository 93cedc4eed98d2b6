"""The contract layer against the real reference target, with real schemathesis.

Each seeded fault must be found, named (operation and check) and reproducible: the curl of
the record is run and must show the fault again, and ``st replay`` must reproduce it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from releasegate.config import Environment
from releasegate.fixtures.promptlib.launcher import RunningApp, start
from releasegate.layers import contract
from releasegate.layers._contract.auth import TOKEN_VAR
from releasegate.results import LayerResult, LayerStatus, Record, Status
from releasegate.spec import LayerContext
from tests.contract.conftest import PRO, login_env, login_token

pytestmark = pytest.mark.integration


def _failures(result: LayerResult) -> list[Record]:
    return [
        r for r in result.records if r.status is Status.FAIL and "check" in r.tags and r.tags.get("case_id")
    ]


def _count(result: LayerResult, metric: str, **tags: str) -> float:
    return sum(
        sum(s.values)
        for s in result.samples
        if s.metric == metric and all(s.tags.get(k) == v for k, v in tags.items())
    )


def _curl(record: Record, token: str) -> subprocess.CompletedProcess[str]:
    assert record.reproduction is not None
    curl = next(line for line in record.reproduction.splitlines() if line.startswith("curl "))
    assert token not in curl
    return subprocess.run(
        ["bash", "-c", curl + " -s -o /dev/null -w '%{http_code}' --max-time 10"],
        env={**os.environ, TOKEN_VAR: token},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def _replay(record: Record, token: str, run_dir: Path) -> subprocess.CompletedProcess[str]:
    """The replay command as a reader runs it: from the run directory, ``schemathesis`` on PATH."""
    assert record.reproduction is not None
    replay = record.reproduction.splitlines()[-1]
    assert " replay " in replay
    assert record.tags["case_id"] in replay
    assert str(run_dir) not in replay
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(
        ["bash", "-c", replay],
        cwd=run_dir,
        env={**os.environ, TOKEN_VAR: token, "PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LayerContext, LayerResult]]:
    """One full run on clean promptlib with a login flow, shared by the clean-run assertions.

    It gets its own instance: logged in as a seeded user, the stateful phase edits and deletes
    that user's prompts, which the session's shared instance must keep."""
    from tests.contract.conftest import make_ctx

    with start() as app, pytest.MonkeyPatch.context() as mp:
        env = Environment(name="demo", base_url=app.url, auth=login_env(mp))
        ctx = make_ctx(tmp_path_factory.mktemp("clean"), app.url, env=env)
        yield ctx, contract.run(ctx)


def test_clean_promptlib_has_no_failure(clean_run: tuple[LayerContext, LayerResult]) -> None:
    _, result = clean_run
    assert result.status is LayerStatus.OK, result.error
    assert _failures(result) == []
    assert _count(result, "failures") == 0
    assert _count(result, "server_errors") == 0
    tested = next(s for s in result.samples if s.metric == "operations_tested")
    assert tested.values == [1.0]
    assert result.meta["seed"] == 1
    assert result.meta["operations_total"] == result.meta["operations_exercised"]
    ops = [r for r in result.records if r.tags.get("kind") == "operation"]
    assert ops
    assert all(r.status is Status.PASS for r in ops)
    assert any(s.metric == "response_time" and s.values for s in result.samples)
    assert not any(s.metric == "breaking_changes" for s in result.samples)  # no baseline, no data


def test_no_secret_in_any_file_of_the_run(clean_run: tuple[LayerContext, LayerResult]) -> None:
    ctx, result = clean_run
    tokens = [s for s in ctx.secrets if s.count(".") == 2]  # the JWT the login flow obtained
    assert tokens, "the login token must be registered as a secret"
    planted = [PRO.password, *tokens]
    files = [p for p in ctx.run_dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".yaml" for p in files)
    assert any(p.suffix == ".ndjson" for p in files)
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for secret in planted:
            assert secret not in text, f"secret found in {path}"
    dumped = result.model_dump_json()
    assert all(secret not in dumped for secret in planted)


FAULTS = [
    # fault, check that must fail, operation it fails on (glob-free), HTTP code the curl must show
    ("server-error-on-input", "not_a_server_error", "GET /api/prompts", "500"),
    ("schema-drift", "response_schema_conformance", None, None),
    ("undocumented-status", "status_code_conformance", None, None),
    ("ignored-auth", "ignored_auth", "GET /api/me", "200"),
]


@pytest.mark.parametrize("case", FAULTS, ids=[f[0] for f in FAULTS])
def test_seeded_fault_is_found_and_reproduced(
    case: tuple[str, str, str | None, str | None],
    start_promptlib: Callable[..., RunningApp],
    ctx_factory: Callable[..., LayerContext],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fault, check, operation, code = case
    app = start_promptlib(fault)
    env = Environment(name="demo", base_url=app.url, auth=login_env(monkeypatch))
    ctx = ctx_factory(app.url, env=env)
    result = contract.run(ctx)
    assert result.status is LayerStatus.OK, result.error
    found = [r for r in _failures(result) if r.tags["check"] == check]
    assert found, f"{fault}: no {check} failure in {[r.check for r in _failures(result)]}"
    record = next((r for r in found if operation is None or r.tags["operation"] == operation), None)
    assert record is not None, [r.tags["operation"] for r in found]
    assert record.tags["operation"] in record.message
    assert check in record.check
    assert _count(result, "failures", check=check, operation=record.tags["operation"]) >= 1
    assert record.artifacts
    assert all(not Path(a).is_absolute() for a in record.artifacts)
    token = login_token(app.url)
    expected = code or record.tags["status_code"]
    assert _curl(record, token).stdout == expected
    finding = next(
        f
        for f in result.findings
        if f.kind == "check_failed" and f.tags["check"] == check and f.where == record.tags["operation"]
    )
    assert [c.split()[0] for c in finding.commands] == ["curl", "schemathesis"]
    assert finding.evidence
    assert not any(".hypothesis" in e or e.startswith("/") for e in finding.evidence)
    replay = _replay(record, token, ctx.run_dir)
    assert replay.returncode == 1, replay.stdout + replay.stderr  # 1: the failure reproduced


def test_breaking_change_against_the_clean_spec(
    promptlib: RunningApp,
    start_promptlib: Callable[..., RunningApp],
    ctx_factory: Callable[..., LayerContext],
    tmp_path: Path,
) -> None:
    import httpx

    baseline = tmp_path / "baseline-openapi.json"
    baseline.write_text(httpx.get(f"{promptlib.url}/openapi.json", timeout=10).text)
    app = start_promptlib("breaking-change")
    ctx = ctx_factory(app.url, baseline_spec=str(baseline), phases=["examples"], max_examples=1)
    result = contract.run(ctx)
    changes = [r for r in result.records if r.tags.get("check") == "breaking_change"]
    kinds = {r.tags["kind"] for r in changes}
    assert {"removed_operation", "removed_response_field"} <= kinds, [r.message for r in changes]
    assert all(r.tags["operation"] in r.message for r in changes)
    assert _count(result, "breaking_changes") == len(changes)
    assert _count(result, "breaking_changes", kind="removed_operation") >= 1


def test_no_breaking_change_reports_a_zero_count(
    promptlib: RunningApp, ctx_factory: Callable[..., LayerContext], tmp_path: Path
) -> None:
    import httpx

    baseline = tmp_path / "baseline-openapi.json"
    baseline.write_text(httpx.get(f"{promptlib.url}/openapi.json", timeout=10).text)
    ctx = ctx_factory(promptlib.url, baseline_spec=str(baseline), phases=["examples"], max_examples=1)
    result = contract.run(ctx)
    series = [s for s in result.samples if s.metric == "breaking_changes"]
    assert len(series) == 1
    assert series[0].values == [0.0]


def test_production_sends_only_safe_methods(
    promptlib: RunningApp, ctx_factory: Callable[..., LayerContext]
) -> None:
    env = Environment(name="prod", base_url=promptlib.url, production=True)
    ctx = ctx_factory(promptlib.url, env=env)
    result = contract.run(ctx)
    assert result.status is LayerStatus.OK, result.error
    assert result.meta["safe_methods_only"] is True
    assert 0 < result.meta["operations_selected"] < result.meta["operations_total"]
    cassette = next(ctx.artifact_dir.rglob("vcr-*.yaml")).read_text()
    methods = {
        line.split(":", 1)[1].strip().strip("'\"")
        for line in cassette.splitlines()
        if line.strip().startswith("method:")
    }
    assert methods, methods
    assert methods <= {"GET", "HEAD", "OPTIONS"}, methods


def test_a_slow_target_is_stopped_at_the_time_limit(
    start_promptlib: Callable[..., RunningApp], ctx_factory: Callable[..., LayerContext]
) -> None:
    import time

    app = start_promptlib("latency=2s")
    ctx = ctx_factory(app.url, timeout_s=6, max_examples=50)
    started = time.monotonic()
    result = contract.run(ctx)
    assert time.monotonic() - started < 6 + 15  # hard limit + SIGINT/SIGKILL grace + spec fetch
    assert result.status is LayerStatus.ERROR
    assert "did not finish within 6s" in (result.error or "")
