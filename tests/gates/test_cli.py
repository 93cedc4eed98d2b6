"""``releasegate judge RUN_DIR`` (and its alias ``python -m releasegate.gates``): one test per exit code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from releasegate.cli import main as cli_main
from releasegate.results import LayerStatus
from tests.gates.factories import layer, run, trend

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    return int(cli_main(["judge", *argv]))


def stored(
    tmp_path: Path,
    values: list[float],
    *,
    budget: str = "p(95) < 800ms",
    status: LayerStatus = LayerStatus.OK,
) -> tuple[Path, Path]:
    run_dir = tmp_path / "reports" / "run-1"
    run_dir.mkdir(parents=True)
    r = run(
        layer(
            "load",
            trend("http_req_duration", values, endpoint="GET /"),
            status=status,
            error="locust crashed" if status is LayerStatus.ERROR else None,
        )
    )
    (run_dir / "results.json").write_text(r.model_dump_json(), encoding="utf-8")
    config = tmp_path / "releasegate.toml"
    config.write_text(
        f'[budgets]\n"load.http_req_duration" = "{budget}"\n'
        f'[history]\npath = "{tmp_path / "history.sqlite"}"\n',
        encoding="utf-8",
    )
    return run_dir, config


def test_exit_0_go(tmp_path, capsys):
    run_dir, config = stored(tmp_path, [0.1] * 20)
    assert main([str(run_dir), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "verdict: GO" in out
    assert {p.name for p in run_dir.iterdir()} >= {"report.html", "summary.md", "junit.xml", "verdict.json"}
    assert (tmp_path / "history.sqlite").exists()


def test_exit_1_no_go(tmp_path, capsys):
    run_dir, config = stored(tmp_path, [0.9] * 20)
    assert main([str(run_dir), "--config", str(config), "--no-history"]) == 1
    assert "p95 of load.http_req_duration was 900 ms against a budget of 800 ms" in capsys.readouterr().out
    assert not (tmp_path / "history.sqlite").exists()


def test_exit_2_config_error(tmp_path, capsys):
    run_dir, config = stored(tmp_path, [0.1], budget="p(95) < 800 mss")
    assert main([str(run_dir), "--config", str(config)]) == 2
    assert "unknown unit 'mss'" in capsys.readouterr().err


def test_exit_2_missing_run(tmp_path, capsys):
    _, config = stored(tmp_path, [0.1])
    assert main([str(tmp_path / "nope"), "--config", str(config)]) == 2
    assert "results.json does not exist" in capsys.readouterr().err


def test_exit_2_baseline_refused(tmp_path, capsys):
    run_dir, config = stored(tmp_path, [0.1] * 20)
    assert main([str(run_dir), "--config", str(config), "--baseline", "last-pass"]) == 2
    assert "no passing run of demo/pre-deploy" in capsys.readouterr().err


def test_exit_3_inconclusive(tmp_path, capsys):
    run_dir, config = stored(tmp_path, [0.1], status=LayerStatus.ERROR)
    assert main([str(run_dir), "--config", str(config)]) == 3
    assert "locust crashed" in capsys.readouterr().out


def test_github_actions_annotations_and_step_summary(tmp_path, capsys, monkeypatch):
    run_dir, config = stored(tmp_path, [0.9] * 20)
    summary = tmp_path / "step_summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main([str(run_dir), "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "::error title=releasegate fail%3A load.http_req_duration::p95 of" in out
    assert summary.read_text(encoding="utf-8").startswith("## ❌ NO-GO")


def test_a_misspelt_baseline_is_refused_before_judging(tmp_path, capsys):
    run_dir, config = stored(tmp_path, [0.1] * 20)
    assert main([str(run_dir), "--config", str(config), "--baseline", "medain:3"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'median:3'" in err
    assert not (run_dir / "verdict.json").exists()


@pytest.mark.parametrize("command", [["-m", "releasegate", "judge"], ["-m", "gates"]])
def test_entry_points_in_a_subprocess(tmp_path, command):
    run_dir, config = stored(tmp_path, [0.9] * 20)
    done = subprocess.run(
        [sys.executable, *command, str(run_dir), "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "verdict: NO-GO" in done.stdout
