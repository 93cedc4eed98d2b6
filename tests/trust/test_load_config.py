"""An explicit empty endpoint list is a config error, found before the target starts."""

from __future__ import annotations

from pathlib import Path

from releasegate.exitcodes import ExitCode
from tests.trust.conftest import releasegate


def _run(tmp_path: Path, load: str) -> tuple[int, str]:
    (tmp_path / "releasegate.toml").write_text(f"[layers.load]\n{load}\n", encoding="utf-8")
    # the embedded demo would start if the plan passed: the error must come first, without it
    done = releasegate(tmp_path, "run", "--layers", "load", "--plain", "--no-history", timeout_s=60)
    return done.returncode, done.stdout + done.stderr


def test_endpoints_empty_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    code, output = _run(tmp_path, "endpoints = []")
    assert code == ExitCode.USAGE, output
    assert "layers.load.endpoints" in output
    assert "empty list" in output
    assert "releasegate run " not in output
    assert not (tmp_path / "reports").exists()


def test_endpoints_listed_pass_the_plan(tmp_path: Path) -> None:
    code, output = _run(tmp_path, 'endpoints = [{ path = "/health" }]\nprofile = "nope"')
    # the plan got past the endpoints: the next problem reported is the unknown profile
    assert "endpoints" not in output, output
    assert code == ExitCode.USAGE, output
