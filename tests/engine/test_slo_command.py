"""`releasegate slo` over a history filled by real smoke runs against the embedded target."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasegate.cli import main
from releasegate.exitcodes import ExitCode

pytestmark = pytest.mark.integration

CONFIG = """
[history]
path = "{history}"

[budgets]
"smoke.checks_failed" = "count == 0"
"smoke.availability" = "rate >= 99.5%"
"""


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "releasegate.toml"
    config.write_text(CONFIG.format(history=(tmp_path / "history.sqlite").as_posix()))
    return config


def _smoke(config: Path, tmp_path: Path, *faults: str) -> ExitCode:
    args = ["run", "--config", str(config), "--stage", "post-deploy", "--layers", "smoke"]
    args += ["--report-dir", str(tmp_path / "reports"), "--plain"]
    if faults:
        args += ["--demo-faults", ",".join(faults)]
    return main(args)


def test_no_history_is_inconclusive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slo", "--config", str(_config(tmp_path)), "--env", "demo"]) == ExitCode.INCONCLUSIVE


def test_healthy_history_is_within_budget_and_an_outage_burns_fast(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)
    assert _smoke(config, tmp_path) == ExitCode.GO
    capsys.readouterr()
    assert main(["slo", "--config", str(config), "--env", "demo"]) == ExitCode.GO
    healthy = capsys.readouterr().out
    assert "demo" in healthy
    assert "100" in healthy  # availability of the healthy window

    assert _smoke(config, tmp_path, "unhealthy") == ExitCode.NO_GO
    assert _smoke(config, tmp_path, "unhealthy") == ExitCode.NO_GO
    capsys.readouterr()
    assert main(["slo", "--config", str(config), "--env", "demo", "--objective", "99.9%"]) == ExitCode.NO_GO
    assert "burn" in capsys.readouterr().out.lower()


@pytest.mark.parametrize("objective", ["abc", "100%", "0"])
def test_a_bad_objective_is_a_usage_error(tmp_path: Path, objective: str) -> None:
    args = ["slo", "--config", str(_config(tmp_path)), "--objective", objective]
    assert main(args) == ExitCode.USAGE
