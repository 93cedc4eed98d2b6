"""Lighthouse on a signed-in page of a single-page app that keeps its token in localStorage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from releasegate.fixtures.shelf.launcher import start

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EMAIL, PASSWORD = "lh-reader@shelf.test", "lh-PLANTED-pw-5b1"

CONFIG = """\
[environments.shelf]
base_url = "{api}"
web_url = "{web}"
health_path = "/v2/status"
[environments.shelf.auth]
scheme = "Token"
[environments.shelf.auth.login]
path = "/v2/api/users/login"
body = {{ user = {{ email = "${{SHELF_EMAIL}}", password = "${{SHELF_PASSWORD}}" }} }}
token = "user.token"
[layers.web]
pages = [{{ path = "/shelf", auth = true }}]
runs = 1
{storage}
[budgets]
"web.largest_contentful_paint{{page:*}}" = "median <= 2.5s"
"""
STORAGE = 'storage = { localStorage = { key = "shelf.token", value = "${token}" } }'


def _run(tmp_path: Path, storage: str) -> tuple[int, dict[str, object], Path]:
    with start(seed_user=(EMAIL, PASSWORD)) as shelf:
        config = tmp_path / "releasegate.toml"
        config.write_text(CONFIG.format(api=shelf.api_url, web=shelf.web_url, storage=storage))
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "releasegate",
                "run",
                "--config",
                str(config),
                "--env",
                "shelf",
                "--layers",
                "web",
                "--plain",
                "--no-history",
            ],
            cwd=tmp_path,
            env={**os.environ, "SHELF_EMAIL": EMAIL, "SHELF_PASSWORD": PASSWORD},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    run_dir = next(p for p in (tmp_path / "reports").iterdir() if p.is_dir() and not p.is_symlink())
    web = next(
        lr for lr in json.loads((run_dir / "results.json").read_text())["layers"] if lr["layer"] == "web"
    )
    return done.returncode, web, run_dir


def test_a_localstorage_token_signs_the_page_in(tmp_path: Path) -> None:
    code, web, run_dir = _run(tmp_path, STORAGE)
    assert code == 0, web.get("error")
    assert web["status"] == "ok"
    report = next(run_dir.rglob("*.report.json"))
    lhr = json.loads(report.read_text())
    assert lhr["finalDisplayedUrl"].endswith("/shelf")  # no redirect to /login: signed in
    assert any(s["metric"] == "largest_contentful_paint" for s in web["samples"])
    for path in (p for p in run_dir.rglob("*") if p.is_file()):
        assert PASSWORD.encode() not in path.read_bytes(), path


def test_without_the_token_the_page_redirects_to_login_and_is_an_error(tmp_path: Path) -> None:
    code, web, _ = _run(
        tmp_path, 'storage = { localStorage = { key = "shelf.token", value = "not-a-token" } }'
    )
    assert code == 3
    assert web["status"] == "error"
    assert "login" in str(web["error"]).lower() or "redirect" in str(web["error"]).lower(), web["error"]
