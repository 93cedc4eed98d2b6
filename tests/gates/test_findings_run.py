"""A real run (smoke + contract against promptlib with a seeded 500): every report says why."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OPERATION = "GET /api/prompts"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reports = tmp_path_factory.mktemp("reports")
    done = subprocess.run(
        [sys.executable, "-m", "releasegate", "run", "--layers", "smoke,contract", "--plain",
         "--demo-faults", "server-error-on-input", "--report-dir", str(reports)],
        cwd=ROOT, capture_output=True, text=True, timeout=400, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr  # NO-GO
    report = re.search(r"^report: (.+)$", done.stdout, re.M)
    assert report is not None, done.stdout
    return Path(report.group(1).strip()).parent


@pytest.mark.integration
def test_every_report_names_the_operation_and_the_cause(run_dir: Path) -> None:
    for name in ("report.html", "summary.md", "junit.xml", "verdict.json"):
        text = (run_dir / name).read_text(encoding="utf-8")
        assert OPERATION in text, name
        assert "500" in text, name
        assert "Server error" in text, name
        assert ".hypothesis" not in text, name
        assert str(run_dir) not in text, name


@pytest.mark.integration
def test_the_server_error_budget_shows_only_the_500s(run_dir: Path) -> None:
    doc = json.loads((run_dir / "verdict.json").read_text(encoding="utf-8"))
    server = next(b for b in doc["budgets"] if b["key"] == "contract.server_errors")
    assert server["status"] == "fail"
    assert server["findings"]
    assert all(
        f["kind"] == "server_error" and f["tags"]["status_code"].startswith("5") for f in server["findings"]
    )
    assert {f["where"] for f in server["findings"]} == {OPERATION}
    commands = server["findings"][0]["reproduce"].splitlines()
    assert [c.split()[0] for c in commands] == ["curl", "schemathesis"]
    assert all(not e.startswith("/") and (run_dir / e).is_file() for e in server["evidence"])
    contract = next(la for la in doc["layers"] if la["name"] == "contract")
    assert (contract["status"], contract["failed_budgets"]) == ("ok", 2)


@pytest.mark.integration
def test_no_href_is_absolute_and_every_link_resolves(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs
    for href in hrefs:
        assert not href.startswith(("/", "http:", "https:", "file:")), href
        assert (run_dir / href).is_file(), href
    assert "failed budgets: 2" in html
    assert '<section id="raw">' in html
    root = ET.fromstring((run_dir / "junit.xml").read_text(encoding="utf-8"))
    sources = [c for c in root.iter("testcase") if c.get("classname") == "releasegate.contract.findings"]
    assert [c.get("name") for c in sources] == [OPERATION]
    failure = sources[0].find("failure")
    assert failure is not None
    assert "500" in (failure.get("message") or "")
