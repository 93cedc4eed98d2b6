"""The engine: planning, running layers, keeping results, failing closed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from releasegate import engine
from releasegate import layers as registry
from releasegate.config import Config, Environment
from releasegate.errors import ConfigError, UsageError
from releasegate.events import LayerFinished, LayerMessage, LayerStarted, RunFinished, RunStarted
from releasegate.results import LayerStatus, RunResult
from releasegate.spec import Policy, RunOptions
from tests.engine import fakes

ENV = Environment(name="staging", base_url="http://127.0.0.1:9")


def _config(**layers: dict[str, object]) -> Config:
    return Config(layers=dict(layers))


def _plan(monkeypatch, tmp_path, specs, names, **kw) -> engine.Plan:
    monkeypatch.setattr(registry, "get", lambda n: specs[n] if n in specs else fakes._missing(n))
    return engine.plan(
        kw.pop("config", _config()),
        kw.pop("env", ENV),
        stage="pre-deploy",
        layers=names,
        report_dir=tmp_path / "reports",
        **kw,
    )


def test_results_survive_a_later_crash(monkeypatch, tmp_path: Path) -> None:
    specs = {"smoke": fakes.spec("smoke", fakes.passing), "contract": fakes.spec("contract", fakes.crashing)}
    seen_after_first: list[dict[str, Any]] = []

    def on_event(event):
        if isinstance(event, LayerFinished) and event.layer == "smoke":
            run_dir = next((tmp_path / "reports").glob("2*"))
            seen_after_first.append(json.loads((run_dir / "results.json").read_text()))

    the_plan = _plan(monkeypatch, tmp_path, specs, ["smoke", "contract"])
    outcome = engine.execute(the_plan, "http://127.0.0.1:9", on_event=on_event)
    assert [lr["layer"] for lr in seen_after_first[0]["layers"]] == ["smoke"]
    stored = RunResult.model_validate_json((outcome.run_dir / "results.json").read_text())
    assert [lr.status for lr in stored.layers] == [LayerStatus.OK, LayerStatus.ERROR]
    assert stored.layers[1].error == "crashed: RuntimeError: tool exploded"
    assert stored.info.finished_at is not None


def test_a_layer_without_data_is_an_error(monkeypatch, tmp_path: Path) -> None:
    outcome = engine.execute(
        _plan(monkeypatch, tmp_path, {"web": fakes.spec("web", fakes.empty)}, ["web"]), "http://x"
    )
    assert outcome.result.layers[0].status == LayerStatus.ERROR
    assert "no data" in (outcome.result.layers[0].error or "")


def test_a_layer_past_its_deadline_is_an_error(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(engine, "TIMEOUT_GRACE_S", 0.0)
    config = _config(smoke={"timeout_s": 0.2})
    the_plan = _plan(
        monkeypatch, tmp_path, {"smoke": fakes.spec("smoke", fakes.slow)}, ["smoke"], config=config
    )
    result = engine.execute(the_plan, "http://x").result.layers[0]
    assert result.status == LayerStatus.ERROR
    assert "timed out" in (result.error or "")


def test_events_and_latest_link(monkeypatch, tmp_path: Path) -> None:
    events: list[object] = []
    the_plan = _plan(monkeypatch, tmp_path, {"smoke": fakes.spec("smoke", fakes.passing)}, ["smoke"])
    outcome = engine.execute(the_plan, "http://x", on_event=events.append, run_id="run-1")
    kinds = [type(e) for e in events]
    assert kinds == [RunStarted, LayerStarted, LayerMessage, LayerFinished, RunFinished]
    latest = tmp_path / "reports" / "latest"
    assert latest.is_symlink()
    assert latest.resolve() == outcome.run_dir.resolve()
    assert (outcome.run_dir / "smoke").is_dir()


def test_layers_get_the_runs_config(monkeypatch, tmp_path: Path) -> None:
    seen: list[Config | None] = []

    def remembering(ctx):
        seen.append(ctx.config)
        return fakes.passing(ctx)

    config = _config(smoke={"knob": 2})
    the_plan = _plan(
        monkeypatch, tmp_path, {"smoke": fakes.spec("smoke", remembering)}, ["smoke"], config=config
    )
    engine.execute(the_plan, "http://x")
    assert len(seen) == 1
    assert seen[0] is config


def test_secrets_never_reach_records_or_progress(monkeypatch, tmp_path: Path) -> None:
    env = Environment(name="staging", base_url="http://x", headers_from_env={"X-Key": "RG_TEST_KEY"})
    events: list[object] = []
    the_plan = _plan(
        monkeypatch,
        tmp_path,
        {"smoke": fakes.spec("smoke", fakes.leaky)},
        ["smoke"],
        env=env,
        environ={"RG_TEST_KEY": "s3cr3t-value"},
    )
    outcome = engine.execute(
        the_plan, "http://x", on_event=events.append, environ={"RG_TEST_KEY": "s3cr3t-value"}
    )
    text = (outcome.run_dir / "results.json").read_text()
    assert "s3cr3t-value" not in text
    assert "[redacted]" in text
    messages = [e.message for e in events if isinstance(e, LayerMessage)]
    assert messages[0] == "using token [redacted]"


def test_production_refuses_writing_layers(monkeypatch, tmp_path: Path) -> None:
    prod = Environment(name="production", base_url="https://www.example.com", production=True)
    specs = {"contract": fakes.spec("contract", fakes.passing, policy=Policy.WRITES)}
    with pytest.raises(UsageError, match="production") as info:
        _plan(monkeypatch, tmp_path, specs, ["contract"], env=prod)
    assert "--allow-production" in (info.value.hint or "")
    allowed = _plan(
        monkeypatch, tmp_path, specs, ["contract"], env=prod, options=RunOptions(allow_production=True)
    )
    assert allowed.layers[0].name == "contract"


def test_production_load_needs_its_own_flag(monkeypatch, tmp_path: Path) -> None:
    prod = Environment(name="production", base_url="https://www.example.com", production=True)
    specs = {"load": fakes.spec("load", fakes.passing, policy=Policy.LOADS)}
    with pytest.raises(UsageError, match="--allow-production-load"):
        _plan(monkeypatch, tmp_path, specs, ["load"], env=prod)
    with pytest.raises(UsageError, match="--max-rate"):
        _plan(monkeypatch, tmp_path, specs, ["load"], env=prod, options=RunOptions(allow_production=True))
    ok = _plan(
        monkeypatch,
        tmp_path,
        specs,
        ["load"],
        env=prod,
        options=RunOptions(allow_production_load=True, max_rate=5.0),
    )
    assert ok.layers[0].name == "load"


def test_invalid_layer_settings_name_the_key(monkeypatch, tmp_path: Path) -> None:
    config = _config(smoke={"knb": 3})
    with pytest.raises(ConfigError) as info:
        _plan(monkeypatch, tmp_path, {"smoke": fakes.spec("smoke", fakes.passing)}, ["smoke"], config=config)
    assert info.value.key == "layers.smoke.knb"
    assert "did you mean 'knob'" in (info.value.hint or "")


def test_unknown_and_missing_layers(monkeypatch, tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        _plan(monkeypatch, tmp_path, {}, ["smok"])
    assert "did you mean 'smoke'" in (info.value.hint or "")
    monkeypatch.setattr(registry, "get", fakes._missing)
    with pytest.raises(UsageError, match="not installed"):
        engine.plan(_config(), ENV, stage="pre-deploy", layers=["web"])


def test_unknown_stage(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        engine.plan(_config(), ENV, stage="post-deplyo", report_dir=tmp_path)
    assert "did you mean 'post-deploy'" in (info.value.hint or "")


def test_read_only_and_load_layers_run_before_the_layers_that_write(monkeypatch, tmp_path: Path) -> None:
    """Declared per layer (its policy), not by name: a later verdict never depends on earlier writes."""
    specs = {
        "contract": fakes.spec("contract", fakes.passing, policy=Policy.WRITES),
        "e2e": fakes.spec("e2e", fakes.passing, policy=Policy.WRITES),
        "load": fakes.spec("load", fakes.passing, policy=Policy.LOADS),
        "smoke": fakes.spec("smoke", fakes.passing),
        "web": fakes.spec("web", fakes.passing),
    }
    the_plan = _plan(monkeypatch, tmp_path, specs, ["smoke", "contract", "e2e", "load", "web"])
    assert [s.name for s in the_plan.layers] == ["smoke", "web", "load", "contract", "e2e"]


def test_the_environments_reset_runs_after_each_writing_layer(monkeypatch, tmp_path: Path) -> None:
    marker = tmp_path / "resets"
    env = ENV.model_copy(update={"reset": f"echo reset >> {marker}"})
    specs = {
        "contract": fakes.spec("contract", fakes.passing, policy=Policy.WRITES),
        "e2e": fakes.spec("e2e", fakes.passing, policy=Policy.WRITES),
        "smoke": fakes.spec("smoke", fakes.passing),
    }
    outcome = engine.execute(
        _plan(monkeypatch, tmp_path, specs, ["contract", "e2e", "smoke"], env=env), "http://x"
    )
    assert [lr.status for lr in outcome.result.layers] == [LayerStatus.OK] * 3
    assert marker.read_text().splitlines() == ["reset"]  # after contract; e2e is the last writer
    assert (outcome.run_dir / "reset-after-contract.log").is_file()


def test_a_failing_reset_makes_the_next_layers_untrusted(monkeypatch, tmp_path: Path) -> None:
    env = ENV.model_copy(update={"reset": "echo cannot restore >&2; exit 4"})
    specs = {
        "contract": fakes.spec("contract", fakes.passing, policy=Policy.WRITES),
        "e2e": fakes.spec("e2e", fakes.passing, policy=Policy.WRITES),
    }
    outcome = engine.execute(_plan(monkeypatch, tmp_path, specs, ["contract", "e2e"], env=env), "http://x")
    assert [lr.status for lr in outcome.result.layers] == [LayerStatus.OK, LayerStatus.ERROR]
    assert outcome.result.layers[1].layer == "e2e"
    assert "reset command exited with 4" in (outcome.result.layers[1].error or "")
    assert "cannot restore" in (outcome.run_dir / "reset-after-contract.log").read_text()
