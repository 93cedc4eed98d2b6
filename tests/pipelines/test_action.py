"""action.yml, the composite action: its metadata, its shell, and its steps run here for real.

The run steps are extracted, their ``${{ ... }}`` expressions (only in ``env:`` blocks: never
in the shell) substituted with test values, and run with the runner's bash options against
the embedded demo with ``--layers smoke``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.pipelines.test_workflows import lint

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")
RUNNER_BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]  # GitHub's `shell: bash`


def action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text())
    assert isinstance(data, dict)
    return data


def step(name: str) -> dict[str, Any]:
    found = [s for s in action()["runs"]["steps"] if s.get("name") == name]
    assert len(found) == 1, f"no single step named {name!r}"
    return found[0]


def run_steps() -> list[dict[str, Any]]:
    return [s for s in action()["runs"]["steps"] if "run" in s]


def test_the_action_is_composite_with_the_documented_interface() -> None:
    data = action()
    assert data["runs"]["using"] == "composite"
    for name in ("base-url", "env", "stage", "layers", "config", "expect-version", "args"):
        assert name in data["inputs"], name
        assert data["inputs"][name]["required"] is False
    assert set(data["outputs"]) == {"verdict", "exit-code", "report-dir"}
    for output in data["outputs"].values():
        assert output["value"].startswith("${{ steps.outputs.outputs.")


@pytest.mark.parametrize("name", [s["name"] for s in run_steps()])
def test_every_run_step_is_bash_that_parses_and_holds_no_expression(name: str) -> None:
    script = step(name)
    assert script["shell"] == "bash"
    assert "${{" not in script["run"], "expressions go through env:, never into the shell (injection)"
    proc = subprocess.run(["bash", "-n"], input=script["run"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_the_report_is_uploaded_also_on_failure_and_the_step_ends_with_releasegates_code() -> None:
    upload = next(
        s for s in action()["runs"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact")
    )
    assert upload["if"].startswith("always()")
    assert upload["with"]["path"] == "${{ steps.outputs.outputs.report-dir }}"
    last = action()["runs"]["steps"][-1]
    assert last["if"] == "always()"
    assert last["env"]["CODE"] == "${{ steps.outputs.outputs.exit-code }}"
    assert (
        'pip install --quiet --disable-pip-version-check "${ACTION_PATH}"'
        in step("Install releasegate")["run"]
    )
    assert step("Install releasegate")["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert "apt-get install -y -q chromium" in step("Browser and Lighthouse for the layers asked for")["run"]


def three_line_workflow(directory: Path, with_: str) -> Path:
    (directory / ".git").mkdir(parents=True)  # actionlint finds the project (and ./) by it
    (directory / "action.yml").write_text(ACTION.read_text())
    workflow = directory / ".github" / "workflows" / "gate.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(
        "on: pull_request\n"
        "jobs:\n"
        "  gate:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - uses: ./\n"
        f"        with:\n{with_}"
    )
    return workflow


def test_actionlint_checks_a_workflow_using_the_action_against_its_inputs(tmp_path: Path) -> None:
    good = three_line_workflow(tmp_path / "good", "          base-url: https://staging.example.com\n")
    proc = lint(good)
    assert proc.returncode == 0, proc.stdout
    bad = three_line_workflow(tmp_path / "bad", "          base_url: https://staging.example.com\n")
    proc = lint(bad)
    assert proc.returncode == 1
    assert 'input "base_url" is not defined' in proc.stdout


class Runner:
    """Runs the action's steps the way a runner would, with this checkout as the action."""

    def __init__(self, tmp: Path, inputs: dict[str, str]) -> None:
        self.work = tmp / "workspace"
        self.temp = tmp / "runner-temp"
        self.work.mkdir(parents=True)
        self.temp.mkdir(parents=True)
        self.summary = tmp / "summary.md"
        self.outputs: dict[str, dict[str, str]] = {}
        defaults = {name: str(spec.get("default", "")) for name, spec in action()["inputs"].items()}
        self.inputs = {**defaults, **inputs}

    def value(self, expression: str) -> str:
        if expression.startswith("inputs."):
            return self.inputs[expression.removeprefix("inputs.")]
        if expression == "github.action_path":
            return str(ROOT)
        found = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
        if found:
            return self.outputs.get(found[1], {}).get(found[2], "")
        raise AssertionError(f"the test does not know the expression {expression!r}: teach it")

    def run(self, name: str) -> subprocess.CompletedProcess[str]:
        spec = step(name)
        output = self.temp / f"output-{len(self.outputs)}"
        output.write_text("")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("RELEASEGATE_", "GITHUB_", "CHROME_PATH"))
        }
        env.update(
            {
                key: EXPRESSION.sub(lambda m: self.value(m[1]), str(val))
                for key, val in spec.get("env", {}).items()
            }
        )
        env.update(
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}",
            RUNNER_TEMP=str(self.temp),
            RUNNER_OS="Linux",
            GITHUB_ACTIONS="true",
            GITHUB_OUTPUT=str(output),
            GITHUB_ENV=str(self.temp / "github-env"),
            GITHUB_PATH=str(self.temp / "github-path"),
            GITHUB_STEP_SUMMARY=str(self.summary),
            CI="1",
        )
        proc = subprocess.run(
            [*RUNNER_BASH, "-c", spec["run"]],
            cwd=self.work,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if "id" in spec:
            pairs = [line.split("=", 1) for line in output.read_text().splitlines() if "=" in line]
            self.outputs[spec["id"]] = dict(pairs)
        return proc


def run_action(tmp_path: Path, **inputs: str) -> tuple[Runner, int]:
    runner = Runner(tmp_path, inputs)
    ran = runner.run("Run releasegate")
    assert ran.returncode == 0, "the run step never fails by itself: " + ran.stderr
    shown = runner.run("Outputs")
    assert shown.returncode == 0, shown.stderr
    final = runner.run("Exit with releasegate's code")
    return runner, final.returncode


@pytest.mark.integration
def test_the_action_runs_the_demo_and_sets_its_outputs(tmp_path: Path) -> None:
    runner, code = run_action(tmp_path, layers="smoke", config=str(ROOT / "releasegate.toml"))
    out = runner.outputs["outputs"]
    assert out["verdict"] == "GO"
    assert out["exit-code"] == "0"
    run_dir = Path(out["report-dir"])
    assert run_dir.is_absolute()
    assert run_dir.parent == (runner.work / "reports").resolve()
    assert (run_dir / "verdict.json").is_file()
    assert out["run-id"] == run_dir.name
    assert code == 0
    assert "GO" in runner.summary.read_text(), "releasegate writes the step summary under GitHub Actions"


@pytest.mark.integration
def test_a_seeded_fault_gives_no_go_and_the_step_fails(tmp_path: Path) -> None:
    args = "--demo-faults unhealthy --no-history --on-no-go 'echo rolled back'"
    runner, code = run_action(tmp_path, layers="smoke", config=str(ROOT / "releasegate.toml"), args=args)
    out = runner.outputs["outputs"]
    assert "rolled back" in (runner.temp / "releasegate-action" / "output.txt").read_text()
    assert out["verdict"] == "NO_GO"
    assert out["exit-code"] == "1"
    assert Path(out["report-dir"], "verdict.json").is_file()
    assert code == 1


@pytest.mark.integration
def test_without_budgets_the_shipped_default_budgets_judge_the_run(tmp_path: Path) -> None:
    runner, code = run_action(tmp_path, layers="smoke")  # no releasegate.toml: built-in defaults
    out = runner.outputs["outputs"]
    assert out["verdict"] == "GO"
    assert (out["exit-code"], code) == ("0", 0)
    verdict = Path(out["report-dir"], "verdict.json").read_text(encoding="utf-8")
    assert "default budget" in verdict


def test_a_config_error_is_exit_2_with_the_reason_in_the_summary(tmp_path: Path) -> None:
    runner, code = run_action(tmp_path, layers="smoke", config="missing.toml")
    out = runner.outputs["outputs"]
    assert (out["verdict"], out["exit-code"], out["report-dir"]) == ("ERROR", "2", "")
    summary = runner.summary.read_text()
    assert "no report written" in summary
    assert "missing.toml" in summary
    assert code == 2


def test_unknown_flags_and_bad_quoting_in_args_are_usage_errors(tmp_path: Path) -> None:
    runner, code = run_action(tmp_path / "a", layers="smoke", args="--nosuchflag")
    assert "--nosuchflag" in (runner.temp / "releasegate-action" / "output.txt").read_text()
    assert (runner.outputs["outputs"]["exit-code"], code) == ("2", 2)
    runner, code = run_action(tmp_path / "b", args="--on-no-go 'unbalanced")
    assert (runner.outputs["outputs"]["exit-code"], code) == ("2", 2)


@pytest.mark.parametrize(
    ("inputs", "browser"),
    [
        ({"layers": "smoke"}, False),
        ({"layers": "smoke,e2e"}, True),
        ({"config": str(ROOT / "releasegate.toml"), "stage": "post-deploy"}, True),  # smoke, e2e
        ({"config": str(ROOT / "releasegate.toml"), "stage": "nosuchstage"}, False),
        ({"layers": "web", "command": "preflight"}, False),
    ],
)
def test_a_browser_only_when_the_e2e_or_web_layer_runs(
    tmp_path: Path, inputs: dict[str, str], browser: bool
) -> None:
    runner = Runner(tmp_path, inputs)
    proc = runner.run("Browser and Lighthouse for the layers asked for")
    assert proc.returncode == 0, proc.stderr
    exported = runner.temp / "github-env"
    lines = exported.read_text().splitlines() if exported.exists() else []
    chrome = [line for line in lines if line.startswith("CHROME_PATH=")]
    assert bool(chrome) is browser, proc.stdout
    if browser:  # this machine has a chromium: nothing is installed
        assert Path(chrome[0].removeprefix("CHROME_PATH=")).is_file()
        assert "apt-get" not in proc.stdout + proc.stderr
