"""The e2e layer end to end: real Chromium, real promptlib, the real pytest subprocess."""

from __future__ import annotations

import re
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from releasegate.fixtures.promptlib.launcher import RunningApp, start
from releasegate.layers.e2e import run
from releasegate.results import LayerResult, LayerStatus, Status
from releasegate.spec import LayerContext, RunOptions

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PERSONAS = {"marketer", "developer", "visitor", "mobile", "returning"}
_PASSWORD = re.compile(rb"Rg-[0-9a-f]{24}")


def _snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


@pytest.fixture(scope="module")
def own_promptlib(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningApp, Path]]:
    """A clean promptlib whose SQLite file this test can read (to prove the run leaves no rows)."""
    db = tmp_path_factory.mktemp("promptlib-db") / "promptlib.sqlite3"
    with start(database_url=f"sqlite:///{db}") as app:
        yield app, db


def _samples(result: LayerResult, metric: str) -> list[Any]:
    return [s for s in result.samples if s.metric == metric]


def test_every_persona_passes_on_clean_promptlib_and_leaves_no_rows(
    own_promptlib: tuple[RunningApp, Path], e2e_context: Callable[..., LayerContext]
) -> None:
    app, db = own_promptlib
    before = _snapshot(db)
    ctx = e2e_context(app.url, options=RunOptions(workers=2))
    result = run(ctx)
    after = _snapshot(db)

    scenarios = [r for r in result.records if not r.check.startswith("clean-up")]
    assert {r.tags["persona"] for r in scenarios} == PERSONAS, result.error
    assert all(r.status is Status.PASS for r in scenarios), [(r.check, r.message) for r in scenarios]
    assert "chromium from" in result.meta["browser"]
    assert sum(v for s in _samples(result, "failed") for v in s.values) == 0
    assert {s.tags["persona"] for s in _samples(result, "passed") if s.values == [1.0]} == PERSONAS
    steps = {(s.tags["persona"], s.tags["step"]) for s in _samples(result, "step_duration")}
    assert ("marketer", "subscribe to Pro through the sandbox checkout") in steps
    assert any(s.tags["page"] == "/explore" and s.values for s in _samples(result, "lcp"))
    assert _samples(result, "cls"), "CLS is captured per page"
    assert sum(v for s in _samples(result, "console_errors") for v in s.values) == 0

    cleanup = next(r for r in result.records if r.check.startswith("clean-up"))
    assert cleanup.status is Status.PASS, cleanup.message
    assert _samples(result, "residue")[0].values == [0.0]
    assert result.status is LayerStatus.OK, result.error
    assert after == before, {t: (len(before[t]), len(after[t])) for t in before if before[t] != after.get(t)}
    assert result.findings == []


def test_broken_signup_fails_the_marketer_at_sign_up_with_evidence(
    start_promptlib: Callable[..., RunningApp], e2e_context: Callable[..., LayerContext]
) -> None:
    app = start_promptlib("broken-signup")
    ctx = e2e_context(app.url, select=["marketer"], retries=0, action_timeout_ms=5000)
    result = run(ctx)

    (record,) = [r for r in result.records if r.tags.get("persona") == "marketer"]
    assert record.status is Status.FAIL
    assert record.message.startswith("marketer failed at: sign up — button did not submit"), record.message
    assert record.tags["failed_step"] == "sign up"
    assert any(a.endswith(".png") for a in record.artifacts), record.artifacts
    traces = [a for a in record.artifacts if a.endswith("trace.zip")]
    assert traces, record.artifacts
    for artifact in record.artifacts:
        assert (ctx.run_dir / artifact).is_file()
    with zipfile.ZipFile(ctx.run_dir / traces[0]) as trace:
        assert not any(_PASSWORD.search(trace.read(n)) for n in trace.namelist()), (
            "password left in the trace"
        )
    assert [s.values for s in _samples(result, "failed")] == [[1.0]]
    (finding,) = [f for f in result.findings if f.kind == "step_failed"]
    assert finding.where == "marketer: sign up"
    assert finding.what.startswith("marketer failed at: sign up — button did not submit")
    assert finding.evidence == record.artifacts
    assert finding.metric == "failed"


def test_post_deploy_runs_only_read_only_scenarios_and_reports_console_errors(
    start_promptlib: Callable[..., RunningApp], e2e_context: Callable[..., LayerContext]
) -> None:
    app = start_promptlib("js-error")
    ctx = e2e_context(app.url, stage="post-deploy", retries=0)
    result = run(ctx)

    assert {r.tags["persona"] for r in result.records} == {"visitor"}, [r.check for r in result.records]
    assert "post-deploy" in (result.meta["smoke_only"] or "")
    (record,) = result.records
    assert "console error" in record.message, record.message
    assert "fault js-error" in record.message, record.message
    errors = _samples(result, "console_errors")
    assert sum(v for s in errors for v in s.values) >= 1
    assert any(s.tags["page"] == "/explore" and sum(s.values) >= 1 for s in errors)
    console = [a for a in record.artifacts if a.endswith("console-errors.json")]
    assert console
    assert "fault js-error" in (ctx.run_dir / console[0]).read_text()
