"""`releasegate sla` over a history filled by real smoke runs against the embedded target."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from releasegate.cli import main
from releasegate.exitcodes import ExitCode
from tests.engine.test_slo_command import _config, _smoke

pytestmark = pytest.mark.integration


def test_a_month_with_an_unhealthy_probe_run_has_an_incident(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)
    sla = ["sla", "--config", str(config), "--env", "demo", "--interval", "10m", "--format", "json"]
    assert main(sla) == ExitCode.INCONCLUSIVE  # nothing observed yet: never a pass
    capsys.readouterr()
    assert _smoke(config, tmp_path) == ExitCode.GO
    assert _smoke(config, tmp_path, "unhealthy") == ExitCode.NO_GO
    assert _smoke(config, tmp_path) == ExitCode.GO
    capsys.readouterr()
    code = main([*sla, "--objective", "99.9%"])
    doc = json.loads(capsys.readouterr().out)
    assert code == ExitCode.NO_GO, doc
    assert doc["probes"] == 3
    assert 0 < doc["availability"] < 1
    assert doc["downtime_minutes"] > 0
    assert doc["error_budget"]["used_minutes"] == doc["downtime_minutes"]
    (incident,) = doc["incidents"]
    assert "health" in incident["failing"]
    assert incident["duration_minutes"] > 0
    assert doc["met"] is False
    # availability is of the observed time (seconds here, so its value depends on how long each
    # smoke run took): an objective just under it is met, and it only grows as the last healthy
    # run goes on covering until now
    lax = f"{max(doc['availability'] * 100 - 1, 0.1):.1f}%"
    assert main([*sla[:-2], "--format", "md", "--objective", lax]) == ExitCode.GO
    out = capsys.readouterr().out
    assert "objective met" in out
    assert "health" in out
