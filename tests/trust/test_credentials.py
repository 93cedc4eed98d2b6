"""Credentials named in the config must exist: an unset variable is a config error before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasegate import engine
from releasegate.config import AuthConfig, Config, Environment, LoginFlow
from releasegate.errors import ConfigError, UsageError
from releasegate.exitcodes import ExitCode
from tests.trust.conftest import releasegate

LOGIN = LoginFlow(username_env="RG_T_USER", password_env="RG_T_PASS")


@pytest.mark.parametrize(
    ("environment", "layers", "key", "var"),
    [
        (
            Environment(name="staging", headers_from_env={"X-Api-Key": "RG_T_KEY"}),
            {},
            'environments.staging.headers_from_env."X-Api-Key"',
            "RG_T_KEY",
        ),
        (
            Environment(name="staging", auth=AuthConfig(token_env="RG_T_TOKEN")),
            {},
            "environments.staging.auth.token_env",
            "RG_T_TOKEN",
        ),
        (
            Environment(name="staging", auth=AuthConfig(login=LOGIN)),
            {},
            "environments.staging.auth.login.username_env",
            "RG_T_USER",
        ),
        (
            Environment(name="staging"),
            {"web": {"cookie_env": "RG_T_COOKIE"}},
            "layers.web.cookie_env",
            "RG_T_COOKIE",
        ),
    ],
)
def test_an_unset_credential_variable_is_a_config_error_naming_key_and_variable(
    tmp_path: Path, environment: Environment, layers: dict[str, dict[str, str]], key: str, var: str
) -> None:
    env = environment.model_copy(update={"base_url": "http://127.0.0.1:9"})
    config = Config(layers=layers)
    names = ["web"] if layers else ["smoke"]
    with pytest.raises(ConfigError) as info:
        engine.plan(config, env, stage="pre-deploy", layers=names, report_dir=tmp_path, environ={})
    assert key in str(info.value)
    assert var in str(info.value)
    everything = {"RG_T_KEY": "k", "RG_T_TOKEN": "t", "RG_T_USER": "u", "RG_T_PASS": "p", "RG_T_COOKIE": "c"}
    planned = engine.plan(
        config, env, stage="pre-deploy", layers=names, report_dir=tmp_path, environ=everything
    )
    assert [s.name for s in planned.layers] == names


def test_an_empty_variable_counts_as_unset(tmp_path: Path) -> None:
    env = Environment(name="staging", base_url="http://127.0.0.1:9", auth=AuthConfig(token_env="RG_T_TOKEN"))
    with pytest.raises(ConfigError, match="RG_T_TOKEN"):
        engine.plan(
            Config(),
            env,
            stage="pre-deploy",
            layers=["smoke"],
            report_dir=tmp_path,
            environ={"RG_T_TOKEN": ""},
        )


def test_the_cli_exits_2_before_the_target_is_touched(tmp_path: Path) -> None:
    (tmp_path / "releasegate.toml").write_text(
        '[environments.staging]\nbase_url = "http://127.0.0.1:9"\n'
        'headers_from_env = { "X-Api-Key" = "RG_T_UNSET_KEY" }\n',
        encoding="utf-8",
    )
    done = releasegate(tmp_path, "run", "--env", "staging", "--layers", "smoke", "--plain", "--no-history")
    assert done.returncode == ExitCode.USAGE, done.stdout + done.stderr
    assert "RG_T_UNSET_KEY" in done.stderr
    assert 'headers_from_env."X-Api-Key"' in done.stderr
    assert not (tmp_path / "reports" / "latest").exists()


def test_an_unwritable_report_dir_is_a_usage_error_before_the_target_starts(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    with pytest.raises(UsageError, match="cannot write reports to"):
        engine.plan(
            Config(),
            Environment(name="x", base_url="http://127.0.0.1:9"),
            stage="pre-deploy",
            layers=["smoke"],
            report_dir=blocker / "reports",
            environ={},
        )
    done = releasegate(
        tmp_path,
        "run",
        "--base-url",
        "http://127.0.0.1:9",
        "--layers",
        "smoke",
        "--report-dir",
        str(blocker / "r"),
    )
    assert done.returncode == ExitCode.USAGE, done.stdout + done.stderr
    assert "cannot write reports to" in done.stderr


def test_a_production_refusal_is_exit_2_before_the_target_is_touched(tmp_path: Path) -> None:
    (tmp_path / "releasegate.toml").write_text(
        '[environments.prod]\nbase_url = "http://127.0.0.1:9"\nproduction = true\n', encoding="utf-8"
    )
    done = releasegate(tmp_path, "run", "--env", "prod", "--layers", "load", "--plain", "--no-history")
    assert done.returncode == ExitCode.USAGE, done.stdout + done.stderr
    assert "production" in done.stderr
    assert not (tmp_path / "reports").exists()
