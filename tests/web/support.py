"""Helpers for the web layer's tests: run the layer like the engine does, judge with the shipped budgets."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from releasegate import gates
from releasegate.config import Config, Environment
from releasegate.configfile import load
from releasegate.layers.web import SPEC
from releasegate.results import LayerResult, RunInfo, RunResult
from releasegate.spec import LayerContext

ROOT = Path(__file__).resolve().parents[2]


def run_layer(
    base_url: str,
    run_dir: Path,
    *,
    environment: Environment | None = None,
    secrets: list[str] | None = None,
    **settings: Any,
) -> LayerResult:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "web").mkdir(exist_ok=True)
    model = SPEC.settings_model.model_validate(settings)
    ctx = LayerContext(
        run_id="test",
        stage="pre-deploy",
        environment=environment or Environment(name="test"),
        base_url=base_url,
        settings=model,
        run_dir=run_dir,
        artifact_dir=run_dir / "web",
        secrets=secrets or [],
        progress=lambda _msg: None,
        deadline=time.monotonic() + model.timeout_s,
    )
    return SPEC.run(ctx)


def shipped_config() -> Config:
    return load(ROOT / "releasegate.toml")


def judge(result: LayerResult, pages: list[str], config: Config | None = None) -> gates.Verdict:
    """The shipped web budgets (those of the measured pages, and the page-less ones) judged on a run."""
    config = config or shipped_config()
    kept = {
        key: value
        for key, value in config.budgets.items()
        if key.startswith("web.")
        and (
            "page:" not in key
            or "page:*" in key
            or any(f"page:{p}," in key or f"page:{p}}}" in key for p in pages)
        )
    }
    scoped = config.model_copy(update={"budgets": kept})
    budgets = gates.validate_budgets(scoped, {"web": SPEC})
    run = RunResult(
        info=RunInfo(run_id="test", environment="test", stage="pre-deploy", base_url="", layers=["web"]),
        layers=[result],
    )
    return gates.judge(run, budgets)


def statuses(verdict: gates.Verdict) -> dict[str, str]:
    return {b.key: b.status.value for b in verdict.budgets if b.key.startswith("web.")}
