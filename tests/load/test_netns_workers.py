"""Load across real hosts: network namespaces stand in for machines.

The target (promptlib) and the master run in host 0, one ``releasegate load-worker`` in each
of hosts 1 and 2; the locustfile and the plan travel from the master. The test checks that
requests came from both worker hosts (the master's per-worker counts by address, and each
host's own raw samples), and that the master's merged percentiles equal those of the samples.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from releasegate.layers._load import hdr
from tests.load.hosts import RELEASEGATE, Host, load_config, namespaces, start, stop, wait_for

pytestmark = pytest.mark.integration
LOCUSTFILE = Path(__file__).with_name("samples_locustfile.py")
ENDPOINTS = """endpoints = [
  { path = "/api/prompts?limit=5", name = "GET /api/prompts", weight = 2 },
  { path = "/api/tags", weight = 1 },
  { path = "/health", weight = 1 },
]"""


@pytest.fixture
def hosts() -> Any:
    with namespaces(3) as made:
        yield made


def _serving(target: Host, url: str) -> bool:
    import subprocess

    done = subprocess.run(
        target.wrap(["curl", "-sf", "-m", "2", "-o", "/dev/null", f"{url}/health"]),
        capture_output=True,
        timeout=10,
        check=False,
    )
    return done.returncode == 0


def label(method: str, name: str) -> str:
    """The recorder's endpoint name (its module imports Locust, which this process must not)."""
    return name if name.startswith(f"{method} ") else f"{method} {name}"


def _samples(folder: Path) -> list[tuple[str, float]]:
    rows = []
    for part in folder.glob("*.tsv"):
        for line in part.read_text(encoding="utf-8").splitlines():
            method, name, millis, auth = line.split("\t")
            assert auth == "auth", "a request left without the token of the master's plan"
            rows.append((label(method, name), float(millis)))
    return rows


def _files_holding(secret: str, *roots: Path) -> list[Path]:
    found = []
    for root in roots:
        for path in [root] if root.is_file() else root.rglob("*"):
            if path.is_file() and secret.encode() in path.read_bytes():
                found.append(path)
    return found


def test_requests_come_from_every_worker_host_and_merge_exactly(tmp_path: Path, hosts: list[Host]) -> None:
    h0, h1, h2 = hosts
    url = f"http://{h0.address}:8000"
    token = f"ns-token-{secrets.token_hex(8)}"  # the master's only: workers get it with the plan
    env = (
        f'[environments.ns]\nbase_url = "{url}"\n'
        '[environments.ns.auth]\nheader = "X-Load-Token"\ntoken_env = "RG_NS_TOKEN"\n'
    )
    config = load_config(
        tmp_path / "releasegate.toml", duration_s=4, locustfile=str(LOCUSTFILE), extra=ENDPOINTS + "\n" + env
    )
    target_cmd = ["-m", "releasegate.fixtures.promptlib", "--host", h0.address, "--port", "8000"]
    target = start(h0.wrap([RELEASEGATE[0], *target_cmd]), tmp_path / "target.log")
    procs = [target]
    try:
        wait_for(lambda: _serving(h0, url), 60, f"promptlib on {url}")
        master_cmd = [
            *RELEASEGATE,
            "run",
            "--env",
            "ns",
            "--config",
            str(config),
            "--layers",
            "load",
            "--expect-workers",
            "2",
            "--master-bind",
            f"{h0.address}:5557",
            "--worker-wait",
            "40",
            "--no-history",
            "--plain",
            "--report-dir",
            str(tmp_path / "reports"),
        ]
        master = start(h0.wrap(master_cmd), tmp_path / "master.log", env={"RG_NS_TOKEN": token})
        procs.append(master)
        for i, host in ((1, h1), (2, h2)):
            (tmp_path / f"samples-{i}").mkdir()
            worker_cmd = [*RELEASEGATE, "load-worker", "--master", f"{h0.address}:5557", "--max-run", "90"]
            procs.append(
                start(
                    host.wrap([*worker_cmd, "--name", f"host-{i}"]),
                    tmp_path / f"worker-{i}.log",
                    env={"RG_TEST_SAMPLES": str(tmp_path / f"samples-{i}")},
                )
            )
        assert master.wait(timeout=120) == 0, (tmp_path / "master.log").read_text()
        for i, worker in ((1, procs[2]), (2, procs[3])):
            assert worker.wait(timeout=30) == 0, (tmp_path / f"worker-{i}.log").read_text()
    finally:
        stop(procs)
    (run_dir,) = (tmp_path / "reports").glob("2*/")
    results = json.loads((run_dir / "load" / "results.json").read_text(encoding="utf-8"))
    roster = results["workers"]["roster"]
    by_address = {e["address"]: e for e in roster.values()}
    assert set(by_address) == {h1.address, h2.address}, roster
    per_host = {h1.address: _samples(tmp_path / "samples-1"), h2.address: _samples(tmp_path / "samples-2")}
    for address, samples in per_host.items():
        assert samples, f"no request came from {address}"
        assert by_address[address]["requests"] == len(samples)
        assert by_address[address]["final"] is True
    merged: dict[str, list[str]] = defaultdict(list)
    for _t, name, _ok, _failed, h, _lag, _corr in results["cells"]:
        merged[name].append(h)
    raw: dict[str, Any] = defaultdict(hdr.new)
    for name, millis in [*per_host[h1.address], *per_host[h2.address]]:
        hdr.record_ms(raw[name], millis)
    assert set(merged) == set(raw) == {"GET /api/prompts", "GET /api/tags", "GET /health"}
    for name, parts in merged.items():
        assert hdr.summary(hdr.merge(parts)) == hdr.summary(raw[name]), name
    verdict = json.loads((run_dir / "verdict.json").read_text(encoding="utf-8"))
    assert verdict["verdict"] == "GO", verdict["reason"]
    assert "releasegate load-worker --master 10.250.0.1:5557" in (tmp_path / "master.log").read_text()
    assert _files_holding(token, tmp_path, Path(tempfile.gettempdir()) / LOCUSTFILE.name) == []


def test_the_namespaces_are_removed_also_when_the_test_fails() -> None:
    import subprocess

    made: list[str] = []

    def failing_test() -> None:
        with namespaces(2) as hosts:
            made.extend(h.netns for h in hosts)
            raise RuntimeError("seeded failure inside the hosts")

    with pytest.raises(RuntimeError, match="seeded"):
        failing_test()
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10, check=False)
    assert made
    assert not set(listed.stdout.split()) & set(made)
    assert not any(name.startswith(made[0][:8]) for name in listed.stdout.split())
