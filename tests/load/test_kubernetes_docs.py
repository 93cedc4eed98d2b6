"""The Kubernetes manifests of docs/load.md hold together: valid YAML, commands releasegate's own
parser accepts, and a Service that reaches the master's port from the workers' ``--master``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from releasegate.cli import build_parser

DOC = Path(__file__).resolve().parents[2] / "docs" / "load.md"


def _manifests() -> dict[str, dict[str, Any]]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("#### On Kubernetes") :]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block, "docs/load.md: the Kubernetes section has no ```yaml block"
    return {doc["kind"]: doc for doc in yaml.safe_load_all(block.group(1))}


def _container(manifest: dict[str, Any]) -> dict[str, Any]:
    (container,) = manifest["spec"]["template"]["spec"]["containers"]
    return container


def _argv(container: dict[str, Any]) -> list[str]:
    env = {e["name"]: e.get("value", f"<{e['name']}>") for e in container.get("env", [])}
    command = [re.sub(r"\$\((\w+)\)", lambda m: env[m.group(1)], part) for part in container["command"]]
    assert command[0] == "releasegate"
    return command[1:]


def _parse(argv: list[str]) -> Any:
    try:
        return build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse's way of refusing
        pytest.fail(f"docs/load.md: releasegate refuses {' '.join(argv)} (exit {exc.code})")


def test_the_master_job_and_the_worker_deployment_meet_on_the_services_port() -> None:
    manifests = _manifests()
    assert set(manifests) == {"Service", "Job", "Deployment"}
    service, job, workers = manifests["Service"], manifests["Job"], manifests["Deployment"]

    master = _parse(_argv(_container(job)))
    assert master.command == "run"
    assert master.expect_workers == int(workers["spec"]["replicas"])
    bind_port = int(master.master_bind.rsplit(":", 1)[1])

    worker = _parse(_argv(_container(workers)))
    assert worker.command == "load-worker"
    host, port = worker.master.rsplit(":", 1)
    (service_port,) = service["spec"]["ports"]
    assert host == service["metadata"]["name"]
    assert int(port) == service_port["port"]
    assert service_port["targetPort"] == bind_port
    assert service["spec"]["selector"].items() <= job["spec"]["template"]["metadata"]["labels"].items()
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
