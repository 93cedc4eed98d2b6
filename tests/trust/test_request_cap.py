"""max_requests holds: at most one request per user beyond the cap (the documented margin)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.trust.conftest import releasegate
from tests.trust.servers import seen, trust_app

USERS = 4
CAP = 400
CONFIG = f"""
[layers.load]
profile = "flat"
endpoints = [{{ path = "/api/items" }}]
server_metrics = {{ enabled = false }}
[layers.load.profiles.flat]
users = {USERS}
spawn_rate = {USERS}
duration_s = 30
max_duration_s = 30
max_requests = {CAP}
"""


@pytest.mark.parametrize("workers", [0, 2])
def test_the_request_cap_holds_within_one_request_per_user(tmp_path: Path, workers: int) -> None:
    (tmp_path / "releasegate.toml").write_text(CONFIG, encoding="utf-8")
    args = ["--workers", str(workers)] if workers else []
    with trust_app() as (url, _proc):
        done = releasegate(
            tmp_path,
            "run",
            "--base-url",
            url,
            "--layers",
            "load",
            "--plain",
            "--no-history",
            "--report-dir",
            str(tmp_path / "reports"),
            *args,
        )
        sent = seen(url)
    run_dir = (tmp_path / "reports" / "latest").resolve()
    results = json.loads((run_dir / "load" / "results.json").read_text(encoding="utf-8"))
    assert results["stop_reason"] == "max_requests", done.stdout + done.stderr
    recorded = sum(cell[2] + cell[3] for cell in results["cells"]) if "cells" in results else None
    print(f"cap {CAP}, users {USERS}, workers {workers}: sent {sent}, recorded {recorded}")
    assert CAP <= sent <= CAP + USERS, (sent, recorded)
