"""The contract layer's verdict when the target dies mid-run or every answer is a refusal."""

from __future__ import annotations

import json
from pathlib import Path

from releasegate.exitcodes import ExitCode
from tests.trust.conftest import releasegate, verdict_of
from tests.trust.servers import trust_app

CONFIG = """
[layers.contract]
phases = ["examples", "coverage", "fuzzing"]
max_examples = 30
seed = 1
timeout_s = 120
hooks = ""

[budgets]
"contract.server_errors" = "count == 0"
"""


def _run(tmp_path: Path, url: str, config: str = CONFIG) -> tuple[int, str, Path]:
    (tmp_path / "releasegate.toml").write_text(config, encoding="utf-8")
    reports = tmp_path / "reports"
    done = releasegate(
        tmp_path,
        "run",
        "--base-url",
        url,
        "--layers",
        "contract",
        "--report-dir",
        str(reports),
        "--plain",
        "--no-history",
    )
    return done.returncode, done.stdout + done.stderr, reports


def _contract(reports: Path) -> dict[str, object]:
    results = json.loads((reports / "latest" / "results.json").read_text(encoding="utf-8"))
    layer: dict[str, object] = next(lr for lr in results["layers"] if lr["layer"] == "contract")
    return layer


def test_a_target_that_dies_mid_run_is_inconclusive_and_says_so(tmp_path: Path) -> None:
    with trust_app(die_after="20") as (url, _proc):
        code, output, reports = _run(tmp_path, url)
    layer = _contract(reports)
    assert layer["status"] == "error", output
    assert "unavailable" in str(layer["error"]) or "network" in str(layer["error"]), layer["error"]
    assert code == ExitCode.INCONCLUSIVE, output
    assert verdict_of(reports)["verdict"] == "INCONCLUSIVE"


def test_a_target_that_stays_up_is_judged(tmp_path: Path) -> None:
    with trust_app() as (url, _proc):
        code, output, reports = _run(tmp_path, url)
    layer = _contract(reports)
    assert layer["status"] == "ok", (layer["error"], output)
    assert code in (ExitCode.GO, ExitCode.NO_GO), output


def test_credentials_refused_everywhere_is_inconclusive_not_go(tmp_path: Path) -> None:
    with trust_app(status="401") as (url, _proc):
        code, output, reports = _run(tmp_path, url)
    layer = _contract(reports)
    assert layer["status"] == "error", output
    assert "authentication failed" in str(layer["error"])
    assert code == ExitCode.INCONCLUSIVE, output


def test_an_api_the_requests_never_reach_says_the_url_and_the_servers(tmp_path: Path) -> None:
    with trust_app(prefix="/v9", servers="/api") as (url, _proc):
        code, output, reports = _run(tmp_path, url)
    layer = _contract(reports)
    assert layer["status"] == "error", output
    error = str(layer["error"])
    assert f"{url}/api" in error, error
    assert "servers: /api" in error, error
    assert code == ExitCode.INCONCLUSIVE, output


def test_a_contract_timeout_is_inconclusive_and_never_runs_the_no_go_hook(tmp_path: Path) -> None:
    slow = CONFIG.replace("max_examples = 30", "max_examples = 100000").replace(
        "timeout_s = 120", "timeout_s = 3"
    )
    marker = tmp_path / "rolled-back"
    (tmp_path / "releasegate.toml").write_text(slow, encoding="utf-8")
    with trust_app() as (url, _proc):
        done = releasegate(
            tmp_path,
            "run",
            "--base-url",
            url,
            "--layers",
            "contract",
            "--report-dir",
            str(tmp_path / "reports"),
            "--plain",
            "--no-history",
            "--on-no-go",
            f"touch {marker}",
        )
    layer = _contract(tmp_path / "reports")
    assert "timeout_s" in str(layer["error"]), layer["error"]
    assert not layer.get("aborted"), layer["aborted"]
    assert done.returncode == ExitCode.INCONCLUSIVE, done.stdout + done.stderr
    assert not marker.exists()
