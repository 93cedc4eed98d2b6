"""`releasegate slo` over a history filled by real smoke runs against the embedded target."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasegate.cli import main
from releasegate.exitcodes import ExitCode
from tests.conftest import PG_PASSWORD

pytestmark = pytest.mark.integration

CONFIG = """
[history]
{history}

[budgets]
"smoke.checks_failed" = "count == 0"
"smoke.availability" = "rate >= 99.5%"
"""


@pytest.fixture(params=["sqlite", "postgres"])
def history_line(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The ``[history]`` line of the config: a SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        return f'path = "{(tmp_path / "history.sqlite").as_posix()}"'
    return f'url = "{request.getfixturevalue("postgres_url")}"'


def _config(tmp_path: Path, history: str = "") -> Path:
    config = tmp_path / "releasegate.toml"
    config.write_text(CONFIG.format(history=history or f'path = "{(tmp_path / "h.sqlite").as_posix()}"'))
    return config


def _smoke(config: Path, tmp_path: Path, *faults: str) -> ExitCode:
    args = ["run", "--config", str(config), "--stage", "post-deploy", "--layers", "smoke"]
    args += ["--report-dir", str(tmp_path / "reports"), "--plain"]
    if faults:
        args += ["--demo-faults", ",".join(faults)]
    return main(args)


def test_no_history_is_inconclusive(tmp_path: Path, history_line: str) -> None:
    config = str(_config(tmp_path, history_line))
    assert main(["slo", "--config", config, "--env", "demo"]) == ExitCode.INCONCLUSIVE


def test_healthy_history_is_within_budget_and_an_outage_burns_fast(
    tmp_path: Path, history_line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, history_line)
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
    if history_line.startswith("url"):  # the same database named on the command line instead
        url = history_line.split('"')[1]
        (tmp_path / "other").mkdir()
        other = _config(tmp_path / "other")
        assert (
            main(["slo", "--config", str(other), "--history", url, "--objective", "99.9%"]) == ExitCode.NO_GO
        )
        written = [p.read_text(errors="replace") for p in (tmp_path / "reports").rglob("*") if p.is_file()]
        assert PG_PASSWORD not in "".join(written) + "".join(capsys.readouterr())


@pytest.mark.parametrize("objective", ["abc", "100%", "0"])
def test_a_bad_objective_is_a_usage_error(tmp_path: Path, objective: str) -> None:
    args = ["slo", "--config", str(_config(tmp_path)), "--objective", objective]
    assert main(args) == ExitCode.USAGE
