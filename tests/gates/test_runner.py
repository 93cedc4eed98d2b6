"""``run_gates``: budgets validated once, SLO events read once, the same verdict either way."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from releasegate import cli, gates
from releasegate.config import Config
from releasegate.gates import Decision, judge, run_gates, validate_budgets
from releasegate.gates.history import History
from releasegate.gates.slo import attach_slo, run_events
from releasegate.results import RunResult
from releasegate.spec import SloSource
from tests.engine import fakes
from tests.gates.factories import LAYERS, T0, layer, rate, run, trend

RAW = {
    "load.http_req_duration": "p(95) < 800ms",
    "load.http_req_failed": {"expr": "rate < 1%", "level": "warn"},
}
SLO = {"slo.burn_rate{window:1h}": {"expr": "value < 14.4", "objective": "99.5%"}}


def gate_config(tmp_path: Path, raw: dict[str, Any]) -> Config:
    return Config(budgets=raw, history={"path": str(tmp_path / "history.sqlite")})


def load_run(p95: float) -> RunResult:
    return run(
        layer(
            "load",
            trend("http_req_duration", [p95] * 20, endpoint="GET /"),
            rate("http_req_failed", 98, 2),
        )
    )


def smoke_run(run_id: str, hours: float, good: int, bad: int) -> RunResult:
    return run(
        layer("smoke", rate("availability", bad, good)), run_id=run_id, started=T0 + timedelta(hours=hours)
    )


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    """Wrap ``owner.name`` so each call appends to the returned list."""
    calls: list[int] = []
    original = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


@pytest.mark.parametrize("p95", [0.1, 0.9])
def test_validated_budgets_give_the_verdict_of_the_raw_ones(tmp_path, p95):
    config = gate_config(tmp_path, RAW)
    r = load_run(p95)
    from_raw = run_gates(tmp_path / "raw", r, config, layers=LAYERS, record_history=False)
    checked = validate_budgets(config, LAYERS)
    from_set = run_gates(tmp_path / "set", r, config, budgets=checked, record_history=False)
    assert from_set == from_raw
    assert from_set.decision is (Decision.GO_WITH_WARNINGS if p95 < 0.8 else Decision.NO_GO)
    for name in gates.runner.REPORTS:
        assert (tmp_path / "set" / name).read_text() == (tmp_path / "raw" / name).read_text()


def test_validated_budgets_are_not_validated_again(tmp_path, monkeypatch):
    config = gate_config(tmp_path, RAW)
    checked = validate_budgets(config, LAYERS)
    calls = count_calls(monkeypatch, gates.runner, "validate_budgets")
    run_gates(tmp_path / "run", load_run(0.1), config, budgets=checked, record_history=False)
    assert calls == []
    run_gates(tmp_path / "run", load_run(0.1), config, layers=LAYERS, record_history=False)
    assert calls == [1]


def test_slo_events_are_read_once_and_judged_as_attach_slo_does(tmp_path, monkeypatch):
    config = gate_config(tmp_path, SLO)
    checked = validate_budgets(config, LAYERS)
    with History(config.history.path) as h:
        for i in range(12):
            past = smoke_run(f"s{i}", i / 12, good=10, bad=0)
            h.record(past, judge(past, checked))
    now = smoke_run("now-down", 1.0, good=0, bad=10)
    with History(config.history.path) as h:
        expected = judge(attach_slo(now, run_events(now, h, SMOKE), 0.995), checked)
    reads = count_calls(monkeypatch, History, "series_over_time")
    verdict = run_gates(tmp_path / "run", now, config, budgets=checked, record_history=False)
    assert reads == [1]
    assert verdict.decision is Decision.NO_GO
    assert verdict.budgets == expected.budgets
    assert verdict.reason == expected.reason


def test_the_run_command_validates_the_budgets_once(capsys, monkeypatch, tmp_path):
    config = tmp_path / "releasegate.toml"
    config.write_text(
        '[environments.staging]\nbase_url = "http://127.0.0.1:9"\n'
        '[stages.pre-deploy]\nlayers = ["smoke"]\n'
        '[budgets]\n"smoke.checks_failed" = "count == 0"\n',
        encoding="utf-8",
    )
    in_cli = count_calls(monkeypatch, gates, "validate_budgets")
    in_runner = count_calls(monkeypatch, gates.runner, "validate_budgets")
    argv = ["run", "--config", str(config), "--env", "staging", "--report-dir", str(tmp_path / "r")]
    with fakes.fake_layers(monkeypatch, {"smoke": fakes.spec("smoke", fakes.passing)}):
        code = cli.main([*argv, "--no-history"])
    assert "verdict: GO" in capsys.readouterr().out
    assert code == 0
    assert (in_cli, in_runner) == ([1], [])


SMOKE = SloSource("smoke", "availability")
