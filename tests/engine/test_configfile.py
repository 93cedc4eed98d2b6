"""Config discovery, validation messages and the precedence of settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasegate.config import Config
from releasegate.configfile import PRECEDENCE, choose, find_config, layered, load, load_config
from releasegate.errors import ConfigError

# --- precedence: one test per rule -------------------------------------------------------


def test_precedence_order_is_explicit() -> None:
    assert PRECEDENCE == ("cli", "env", "file", "default")


def test_flag_beats_environment_variable() -> None:
    got = layered(
        "stage", cli="post-deploy", file="x", default="d", environ={"RELEASEGATE_STAGE": "from-env"}
    )
    assert (got.value, got.source) == ("post-deploy", "cli")


def test_environment_variable_beats_file() -> None:
    got = layered("stage", cli=None, file="from-file", default="d", environ={"RELEASEGATE_STAGE": "from-env"})
    assert (got.value, got.source) == ("from-env", "env")


def test_file_beats_default() -> None:
    got = layered("stage", file="from-file", default="d", environ={})
    assert (got.value, got.source) == ("from-file", "file")


def test_default_when_nothing_is_given() -> None:
    got = layered("report_dir", cli="", default="reports", environ={"RELEASEGATE_REPORT_DIR": ""})
    assert (got.value, got.source) == ("reports", "default")


def test_environment_variable_name_and_conversion() -> None:
    nothing: list[str] = []
    got = layered(
        "demo-faults",
        default=nothing,
        environ={"RELEASEGATE_DEMO_FAULTS": "a,b"},
        convert=lambda s: s.split(","),
    )
    assert got.value == ["a", "b"]


# --- discovery ---------------------------------------------------------------------------


def test_found_from_a_subdirectory(tmp_path: Path) -> None:
    (tmp_path / "releasegate.toml").write_text('default_stage = "post-deploy"\n')
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_config(start=nested) == tmp_path / "releasegate.toml"


def test_no_file_means_built_in_defaults(tmp_path: Path) -> None:
    found = find_config(start=tmp_path)
    assert found is None or tmp_path not in found.parents  # only a file above the test directory
    assert load(None).environments["demo"].embedded


def test_explicit_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        find_config(tmp_path / "nope.toml")


def test_config_variable_points_at_the_file(tmp_path: Path) -> None:
    path = tmp_path / "rg.toml"
    path.write_text('default_stage = "post-deploy"\n')
    assert load_config(None, environ={"RELEASEGATE_CONFIG": str(path)}).default_stage == "post-deploy"


# --- validation messages -----------------------------------------------------------------


def _error(tmp_path: Path, text: str) -> ConfigError:
    path = tmp_path / "releasegate.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load(path)
    return info.value


def test_misspelt_top_level_key(tmp_path: Path) -> None:
    err = _error(tmp_path, 'default_stag = "pre-deploy"\n')
    assert "releasegate.toml:default_stag" in err.message
    assert "did you mean 'default_stage'" in (err.hint or "")


def test_misspelt_environment_key_names_the_dotted_path(tmp_path: Path) -> None:
    err = _error(tmp_path, '[environments.staging]\nbase_url = "https://x"\nhealth_pth = "/h"\n')
    assert err.key == "environments.staging.health_pth"
    assert "did you mean 'health_path'" in (err.hint or "")


def test_wrong_type_says_what_was_expected(tmp_path: Path) -> None:
    err = _error(tmp_path, '[environments.staging]\nbase_url = "https://x"\nproduction = "maybe"\n')
    assert err.key == "environments.staging.production"
    assert "bool" in err.message
    assert "'maybe'" in err.message


def test_page_list_entries_are_indexed(tmp_path: Path) -> None:
    err = _error(
        tmp_path, '[environments.s]\nbase_url = "https://x"\npages = [{ path = "/" }, { status = 200 }]\n'
    )
    assert err.key == "environments.s.pages[1].path"
    assert "missing" in err.message


def test_misspelt_layer_in_a_stage(tmp_path: Path) -> None:
    err = _error(tmp_path, '[stages.quick]\nlayers = ["smok"]\n')
    assert err.key == "stages.quick.layers"
    assert "did you mean 'smoke'" in (err.hint or "")


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    err = _error(tmp_path, "this is = = not toml\n")
    assert "not valid TOML" in err.message
    assert "releasegate.toml" in err.message


def test_default_environment_must_exist(tmp_path: Path) -> None:
    err = _error(tmp_path, 'default_environment = "stagin"\n[environments.staging]\nbase_url = "https://x"\n')
    assert err.key == "default_environment"
    assert "did you mean 'staging'" in (err.hint or "")


def test_choose_suggests_a_close_name() -> None:
    with pytest.raises(ConfigError) as info:
        choose("environment", "dmo", {"demo": 1}, Config(), key="--env")
    assert "did you mean 'demo'" in (info.value.hint or "")


def test_repo_config_is_valid() -> None:
    root = Path(__file__).resolve().parents[2]
    config = load(root / "releasegate.toml")
    assert config.environments["demo"].embedded
    assert config.environments["production"].production
    assert "smoke.checks_failed" in config.budgets
