"""The post-deploy path: a wrong deployed commit is NO-GO and runs the --on-no-go hook."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from tests.pipelines.conftest import CliResult, CliRunner

pytestmark = pytest.mark.integration

DEPLOYED = "1111111aaaaaaabbbbbbbcccccccdddddddeeee"
EXPECTED = "2222222aaaaaaabbbbbbbcccccccdddddddeeee"

HOOK = (
    "import json, os, sys; p = os.environ['RELEASEGATE_VERDICT']; "
    "open(sys.argv[1], 'w').write(json.dumps({'path': p, 'verdict': json.load(open(p))['verdict']}))"
)


def hook_command(marker: Path) -> str:
    return shlex.join([sys.executable, "-c", HOOK, str(marker)])


def post_deploy(cli: CliRunner, url: str, expect: str, marker: Path, reports: Path) -> CliResult:
    return cli(
        "run",
        "--base-url",
        url,
        "--stage",
        "post-deploy",
        "--layers",
        "smoke",
        "--expect-version",
        expect,
        "--on-no-go",
        hook_command(marker),
        "--report-dir",
        str(reports),
        "--no-history",
    )


def test_wrong_commit_is_no_go_and_the_hook_gets_the_verdict(
    cli: CliRunner, start_promptlib, tmp_path: Path
) -> None:
    app = start_promptlib(commit=DEPLOYED)
    marker = tmp_path / "rolled-back.json"
    reports = tmp_path / "reports"
    result = post_deploy(cli, app.url, EXPECTED, marker, reports)
    assert result.code == 1, result.out + result.err
    assert marker.exists(), "the --on-no-go hook did not run"
    seen = json.loads(marker.read_text())
    assert Path(seen["path"]) == (reports / "latest" / "verdict.json").resolve()
    assert seen["verdict"] == "NO_GO"
    failing = [b for b in json.loads(Path(seen["path"]).read_text())["budgets"] if b["status"] == "fail"]
    assert failing, "NO-GO without a failing budget"


def test_right_commit_is_go_and_the_hook_stays_quiet(cli: CliRunner, start_promptlib, tmp_path: Path) -> None:
    app = start_promptlib(commit=DEPLOYED)
    marker = tmp_path / "rolled-back.json"
    result = post_deploy(cli, app.url, DEPLOYED, marker, tmp_path / "reports")
    assert result.code == 0, result.out + result.err
    assert not marker.exists()
