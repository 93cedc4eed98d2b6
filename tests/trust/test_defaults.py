"""Without a config a run is still judged: the shipped default budgets apply to each layer without budgets."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from releasegate.commands.judging import checked_budgets
from releasegate.config import Config
from releasegate.defaults import DEFAULT_BUDGETS, DEFAULT_DESCRIPTION, with_defaults
from releasegate.exitcodes import ExitCode
from tests.trust.conftest import budget, releasegate, verdict_of


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_with_defaults_fills_only_the_layers_without_budgets() -> None:
    mine = {"load.http_req_failed": "rate < 1%"}
    merged = with_defaults(mine, ["smoke", "load"])
    assert merged["load.http_req_failed"] == "rate < 1%"
    assert "load.http_req_duration" not in merged  # the layer has a budget of the user's: no defaults
    assert set(DEFAULT_BUDGETS["smoke"]) <= set(merged)
    assert with_defaults({}, []) == {}


@pytest.mark.parametrize("layer", sorted(DEFAULT_BUDGETS))
def test_every_default_budget_is_valid_against_the_layers_metrics(layer: str) -> None:
    budgets = checked_budgets(Config(), run_layers=[layer])
    assert {b.pattern_key or b.key for b in budgets} == set(DEFAULT_BUDGETS[layer])
    assert {b.description for b in budgets} == {DEFAULT_DESCRIPTION}


def test_no_config_and_a_refused_connection_is_no_go_not_nothing_judged(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    done = releasegate(tmp_path, "run", "--base-url", url, "--layers", "smoke", "--plain", "--no-history")
    output = done.stdout + done.stderr
    assert "no budget applies" not in output
    assert done.returncode == ExitCode.NO_GO, output
    verdict = verdict_of(tmp_path / "reports")
    failed = budget(verdict, "smoke.checks_failed")
    assert failed["status"] == "fail"
    assert failed["description"] == DEFAULT_DESCRIPTION
    assert "[default budget" in failed["message"]


def test_no_config_and_an_unhealthy_demo_is_no_go(tmp_path: Path) -> None:
    done = releasegate(
        tmp_path, "run", "--layers", "smoke", "--demo-faults", "unhealthy", "--plain", "--no-history"
    )
    assert done.returncode == ExitCode.NO_GO, done.stdout + done.stderr
    assert budget(verdict_of(tmp_path / "reports"), "smoke.checks_failed")["status"] == "fail"


def test_no_config_and_a_healthy_demo_is_go(tmp_path: Path) -> None:
    done = releasegate(tmp_path, "run", "--layers", "smoke", "--plain", "--no-history")
    assert done.returncode == ExitCode.GO, done.stdout + done.stderr
