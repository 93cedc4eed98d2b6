"""The command line: output, exit codes, and errors without tracebacks."""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path

import pytest

from releasegate import cli
from releasegate.commands import run as run_cmd
from releasegate.config import Config
from releasegate.exitcodes import ExitCode
from tests.engine import fakes

CONFIG = """\
[environments.staging]
base_url = "http://127.0.0.1:9"
[stages.pre-deploy]
layers = ["smoke"]
[budgets]
"smoke.checks_failed" = "count == 0"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "releasegate.toml"
    path.write_text(CONFIG)
    return path


def _run(capsys, *argv: str) -> tuple[ExitCode, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_shows_the_commands(capsys) -> None:
    code, out, _ = _run(capsys, "--help")
    assert code == ExitCode.GO
    for command in ("run", "envs", "layers", "preflight", "slo", "sla", "judge", "merge", "load-worker"):
        assert re.search(rf"^\s+{command}\s", out, re.MULTILINE), command


def test_run_help_has_examples_and_exit_codes(capsys) -> None:
    code, out, _ = _run(capsys, "run", "--help")
    assert code == ExitCode.GO
    assert "releasegate run --demo-faults unhealthy" in out
    assert "exit codes: 0 GO (warnings allowed), 1 NO-GO, 2 usage/config error, 3 inconclusive" in out
    for flag in ("--base-url", "--env", "--stage", "--layers", "--expect-version", "--on-no-go", "--shard"):
        assert flag in out


def test_unknown_flag_is_a_usage_error(capsys) -> None:
    code, _, err = _run(capsys, "run", "--no-such-flag")
    assert code == ExitCode.USAGE
    assert "unrecognized arguments" in err


def test_broken_config_exits_2_naming_the_key(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[environments.staging]\nbase_url = "http://x"\nhealth_pth = "/h"\n')
    code, out, err = _run(capsys, "run", "--config", str(bad))
    assert code == ExitCode.USAGE
    assert f"releasegate: error: {bad}:environments.staging.health_pth: unknown key" in err
    assert "did you mean 'health_path'?" in err
    assert "Traceback" not in err + out


def test_unknown_environment_suggests_one(capsys, config_file: Path) -> None:
    code, _, err = _run(capsys, "run", "--config", str(config_file), "--env", "stagign")
    assert code == ExitCode.USAGE
    assert "unknown environment 'stagign'" in err
    assert "did you mean 'staging'?" in err


def test_demo_faults_need_the_embedded_target(capsys, monkeypatch, config_file: Path, tmp_path: Path) -> None:
    with fakes.fake_layers(monkeypatch, {"smoke": fakes.spec("smoke", fakes.passing)}):
        code, _, err = _run(
            capsys,
            "run",
            "--config",
            str(config_file),
            "--env",
            "staging",
            "--demo-faults",
            "unhealthy",
            "--report-dir",
            str(tmp_path / "r"),
        )
    assert code == ExitCode.USAGE
    assert "--demo-faults only applies to the embedded demo" in err


@pytest.mark.parametrize(
    ("layer", "expected", "decision"),
    [
        (fakes.passing, ExitCode.GO, "GO"),
        (fakes.failing_smoke, ExitCode.NO_GO, "NO-GO"),
        (fakes.crashing, ExitCode.INCONCLUSIVE, "INCONCLUSIVE"),
    ],
)
def test_exit_code_follows_the_verdict(  # noqa: PLR0917
    capsys, monkeypatch, config_file, tmp_path, layer, expected, decision
) -> None:
    with fakes.fake_layers(monkeypatch, {"smoke": fakes.spec("smoke", layer)}):
        code, out, err = _run(
            capsys,
            "run",
            "--config",
            str(config_file),
            "--env",
            "staging",
            "--report-dir",
            str(tmp_path / "r"),
            "--no-history",
        )
    assert code == expected
    lines = out.splitlines()
    assert lines[0].startswith(f"verdict: {decision}")
    assert lines[1].startswith("reason: ")
    assert lines[-1].startswith("report: ")
    assert str(tmp_path / "r") in lines[-1]
    if expected == ExitCode.NO_GO:
        assert lines[2] == "  failed: [smoke] health: expected 2xx, saw 503"
    if expected == ExitCode.INCONCLUSIVE:
        assert lines[2] == "  layer smoke: crashed: RuntimeError: tool exploded"
    assert "Traceback" not in out + err


def test_on_no_go_runs_the_command_with_the_verdict(capsys, monkeypatch, config_file, tmp_path) -> None:
    marker = tmp_path / "hook.txt"
    hook = f'echo "$RELEASEGATE_VERDICT" > {marker}'
    with fakes.fake_layers(monkeypatch, {"smoke": fakes.spec("smoke", fakes.failing_smoke)}):
        code, _, _ = _run(
            capsys,
            "run",
            "--config",
            str(config_file),
            "--env",
            "staging",
            "--report-dir",
            str(tmp_path / "r"),
            "--no-history",
            "--on-no-go",
            hook,
        )
    assert code == ExitCode.NO_GO
    verdict_path = Path(marker.read_text().strip())
    assert verdict_path.name == "verdict.json"
    assert verdict_path.exists()


def test_envs_lists_environments_and_stages(capsys, config_file: Path) -> None:
    code, out, _ = _run(capsys, "envs", "--config", str(config_file))
    assert code == ExitCode.GO
    assert "demo     embedded promptlib (started on a free port)  [default]" in out
    assert "staging  http://127.0.0.1:9" in out
    assert "pre-deploy: smoke" in out


def test_layers_lists_the_metrics(capsys, config_file: Path) -> None:
    code, out, _ = _run(capsys, "layers", "--config", str(config_file))
    assert code == ExitCode.GO
    assert "smoke.availability  rate [ratio]" in out
    assert "smoke.checks_failed  counter" in out


def test_internal_errors_are_one_line(capsys, monkeypatch) -> None:
    def boom(_args):
        raise ValueError("unexpected")

    monkeypatch.setattr(cli, "_dispatch", boom)
    monkeypatch.delenv("RELEASEGATE_DEBUG", raising=False)
    code, _out, err = _run(capsys, "envs")
    assert code == ExitCode.INCONCLUSIVE
    assert "internal error: ValueError: unexpected" in err
    assert "Traceback" not in err


def test_interrupt_is_inconclusive(capsys, monkeypatch) -> None:
    def interrupted(_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_dispatch", interrupted)
    code, _, err = _run(capsys, "run")
    assert code == ExitCode.INCONCLUSIVE
    assert "interrupted" in err


def _args(**over: object) -> argparse.Namespace:
    parser = cli.build_parser()
    args = parser.parse_args(["run"])
    for key, value in over.items():
        setattr(args, key, value)
    return args


def test_run_settings_follow_the_precedence() -> None:
    config = Config.model_validate({"default_stage": "post-deploy", "report_dir": "out"})
    s = run_cmd.resolve_settings(_args(), config, {})
    assert (s.stage.value, s.stage.source) == ("post-deploy", "file")
    assert (s.report_dir.value, s.report_dir.source) == ("out", "file")
    s = run_cmd.resolve_settings(
        _args(), config, {"RELEASEGATE_STAGE": "pre-deploy", "RELEASEGATE_LAYERS": "smoke"}
    )
    assert (s.stage.value, s.stage.source) == ("pre-deploy", "env")
    assert s.layers is not None
    assert s.layers.value == ["smoke"]
    s = run_cmd.resolve_settings(_args(stage="post-deploy"), config, {"RELEASEGATE_STAGE": "pre-deploy"})
    assert s.stage.source == "cli"
    s = run_cmd.resolve_settings(_args(), Config(), {})
    assert (s.stage.value, s.stage.source) == ("pre-deploy", "default")
    assert s.environment.name == "demo"
    assert s.environment.embedded


def test_expect_version_precedence() -> None:
    config = Config.model_validate(
        {"environments": {"demo": {"embedded": True, "expect_version": "fromfile"}}}
    )
    assert run_cmd.resolve_settings(_args(), config, {}).expect_version.value == "fromfile"
    env = {"RELEASEGATE_EXPECT_VERSION": "fromenv"}
    assert run_cmd.resolve_settings(_args(), config, env).expect_version.value == "fromenv"
    assert run_cmd.resolve_settings(_args(expect_version="cli"), config, env).expect_version.value == "cli"


def test_options_carry_the_layer_flags() -> None:
    args = _args(
        shard="2/4",
        workers=3,
        headed=True,
        slow_mo=50,
        profile="spike",
        max_rate=20.0,
        allow_production=True,
        baseline="last-pass",
    )
    options = run_cmd.options_from_args(args, run_cmd.resolve_settings(args, Config(), {}))
    assert options.shard == (2, 4)
    assert options.workers == 3
    assert options.headed
    assert options.slow_mo_ms == 50
    assert options.load_profile == "spike"
    assert options.max_rate == 20.0
    assert options.allow_production
    assert options.extra["baseline"] == "last-pass"
    with pytest.raises(Exception, match="--shard"):
        run_cmd.options_from_args(_args(shard="5/4"), run_cmd.resolve_settings(_args(), Config(), {}))


def test_results_json_is_valid_after_a_run(capsys, monkeypatch, config_file, tmp_path) -> None:
    with fakes.fake_layers(monkeypatch, {"smoke": fakes.spec("smoke", fakes.passing)}):
        _run(
            capsys,
            "run",
            "--config",
            str(config_file),
            "--env",
            "staging",
            "--report-dir",
            str(tmp_path / "r"),
            "--no-history",
        )
    data = json.loads((tmp_path / "r" / "latest" / "results.json").read_text())
    assert data["info"]["environment"] == "staging"
    assert data["layers"][0]["layer"] == "smoke"
    assert os.path.islink(tmp_path / "r" / "latest")


def _no_target(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    started: list[str] = []

    def refuse(*_a: object, **_k: object) -> None:
        started.append("resolve")
        raise AssertionError("the target must not be started")

    monkeypatch.setattr(run_cmd, "resolve", refuse)
    return started


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--layers", "load", "--profile", "nope"], "unknown load profile 'nope'"),
        (["--layers", "load", "--profile", "averag"], "did you mean 'average'"),
        (["--layers", "smoke", "--baseline", "medain:3"], "did you mean 'median:3'"),
        (["--layers", "smok"], "did you mean 'smoke'"),
    ],
)
def test_bad_input_known_up_front_exits_2_before_the_target_starts(
    capsys, monkeypatch, tmp_path: Path, argv: list[str], expected: str
) -> None:
    started = _no_target(monkeypatch)
    code, _, err = _run(capsys, "run", "--report-dir", str(tmp_path / "r"), *argv)
    assert code == ExitCode.USAGE, err
    assert expected in err
    assert started == []
    assert not (tmp_path / "r").exists()


def test_a_layer_setting_of_the_wrong_type_exits_2_before_the_target_starts(
    capsys, monkeypatch, tmp_path: Path
) -> None:
    started = _no_target(monkeypatch)
    path = tmp_path / "releasegate.toml"
    path.write_text(CONFIG + '[layers.smoke]\nrepeats = "often"\n')
    code, _, err = _run(capsys, "run", "--config", str(path), "--env", "staging")
    assert code == ExitCode.USAGE
    assert "layers.smoke.repeats" in err
    assert started == []
