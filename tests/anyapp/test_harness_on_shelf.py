"""Every layer against an app unlike promptlib, with a releasegate.toml alone.

Shelf (fixtures/shelf): an API under /v2/api with its spec there, no /health, a nested JSON
login answering ``{"user": {"token"}}`` with the ``Token`` scheme, an OAuth2 password form
login, a single-page frontend on its own origin keeping its token in localStorage. The
personas are the guide's example suite (docs/examples/shelf). One environment, two origins,
one stage, one verdict; the seeded faults block on the right budget.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from releasegate.fixtures.shelf.launcher import Running, start

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "docs" / "examples" / "shelf"
EMAIL, PASSWORD = "noor-ci@shelf.test", "shelf-PLANTED-pw-3c9e1a"
CLIENT = ("shelf-ci", "client-PLANTED-secret-77")

ENVIRONMENT = """\
[environments.{name}]
base_url = "{api}"
web_url = "{web}"
openapi = "/v2/api/openapi.json"
health_path = "/v2/status"
pages = [{{ path = "/", contains = "Shelf" }}]
endpoints = [{{ path = "/v2/api/books", contains = "books" }}]
"""

JSON_LOGIN = """\
[environments.{name}.auth]
scheme = "Token"
[environments.{name}.auth.login]
path = "/v2/api/users/login"
body = {{ user = {{ email = "${{SHELF_EMAIL}}", password = "${{SHELF_PASSWORD}}" }} }}
token = "user.token"
[environments.{name}.auth.signup]
path = "/v2/api/users"
email_env = "SHELF_EMAIL"
password_env = "SHELF_PASSWORD"
delete = {{ method = "DELETE", path = "/v2/api/user" }}
[environments.{name}.auth.signup.body.user]
email = "${{SHELF_EMAIL}}"
username = "${{RELEASEGATE_ACCOUNT_NAME}}"
password = "${{SHELF_PASSWORD}}"
"""

FORM_LOGIN = """\
[environments.{name}.auth.login]
path = "/v2/oauth/token"
format = "form"
body = {{ grant_type = "password", username = "${{SHELF_EMAIL}}", password = "${{SHELF_PASSWORD}}" }}
token = "access_token"
"""

SETTINGS = f"""\
[stages.pre-deploy]
layers = ["smoke", "contract", "e2e", "load", "web"]
[layers.contract]
max_examples = 5
seed = 7
# the contract run acts as a throwaway account (JSON login: [auth.signup]) and deletes the books
# it added, so the public list the browser persona reads is as it was; deleting its own account
# mid-run would turn the rest of the run into 401s
exclude_operations = ["DELETE /user"]
[layers.e2e]
suite = "{SUITE}"
personas = "{SUITE / "personas.yaml"}"
[layers.load]
profile = "quick"
endpoints = [
  {{ method = "GET", path = "/v2/api/user/books", name = "GET /user/books", weight = 3 }},
  {{ method = "GET", path = "/v2/api/books?q=tolkien%23", name = "GET /books?q", weight = 1 }},
]
[layers.load.profiles.quick]
users = 2
spawn_rate = 2
duration_s = 6
max_duration_s = 30
max_requests = 3000
[layers.web]
pages = ["/"]
runs = 1

[budgets]
"smoke.checks_failed" = "count == 0"
"smoke.availability" = "rate >= 99.5%"
"contract.server_errors" = "count == 0"
"contract.failures{{level:error}}" = "count == 0"
"e2e.failed" = "count == 0"
"load.http_req_failed" = "rate < 0.5%"
"load.http_req_duration" = "avg < 2s"
"web.largest_contentful_paint{{page:*}}" = "median <= 2.5s"
"web.cumulative_layout_shift{{page:*}}" = "median <= 0.1"
"""


@pytest.fixture
def shelf_env() -> dict[str, str]:
    return {**os.environ, "SHELF_EMAIL": EMAIL, "SHELF_PASSWORD": PASSWORD}


@pytest.fixture
def clean() -> Iterator[Running]:
    with start(seed_user=(EMAIL, PASSWORD), oauth_client=CLIENT) as running:
        yield running


def _config(tmp: Path, running: Running, *, name: str = "shelf", login: str = JSON_LOGIN) -> Path:
    path = tmp / "releasegate.toml"
    env = ENVIRONMENT.format(name=name, api=running.api_url, web=running.web_url)
    path.write_text(env + login.format(name=name) + SETTINGS)
    return path


def _run(config: Path, env: dict[str, str], *args: str) -> tuple[int, dict[str, object], Path, str]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "releasegate",
            "run",
            "--config",
            str(config),
            "--plain",
            "--no-history",
            *args,
        ],
        cwd=config.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    run_dir = next(p for p in (config.parent / "reports").iterdir() if p.is_dir() and not p.is_symlink())
    verdict = json.loads((run_dir / "verdict.json").read_text())
    return done.returncode, verdict, run_dir, done.stdout + done.stderr


def _failing(verdict: dict[str, object]) -> set[str]:
    budgets = verdict["budgets"]
    assert isinstance(budgets, list)
    return {str(b["key"]) for b in budgets if b["status"] == "fail"}


def _no_credential_in(run_dir: Path) -> None:
    for path in (p for p in run_dir.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for secret in (PASSWORD, CLIENT[1]):
            assert secret.encode() not in data, f"{secret} in {path}"


def test_the_whole_pre_deploy_stage_on_two_origins_with_a_json_login_is_go(
    clean: Running, shelf_env: dict[str, str], tmp_path: Path
) -> None:
    code, verdict, run_dir, output = _run(_config(tmp_path, clean), shelf_env, "--env", "shelf")
    assert code == 0, output
    assert verdict["verdict"] in ("GO", "GO_WITH_WARNINGS"), output
    results = json.loads((run_dir / "results.json").read_text())
    layers = {lr["layer"]: lr for lr in results["layers"]}
    assert set(layers) == {"smoke", "contract", "e2e", "load", "web"}
    # the requests carried the token: the authenticated endpoint answered without failures
    samples = [s for s in layers["load"]["samples"] if s["metric"] == "http_req_failed"]
    user_books = [s for s in samples if s["tags"].get("endpoint") == "GET /user/books"]
    assert user_books
    assert sum(sum(s["values"]) + sum(v * c for v, c in s["buckets"]) for s in user_books) == 0
    assert any(r["check"].startswith("cors") and r["status"] == "pass" for r in layers["smoke"]["records"])
    assert layers["contract"]["meta"]["account"] == "generated"
    cleanup = json.loads((run_dir / "contract" / "cleanup.json").read_text())
    assert cleanup["account"]["outcome"] == "deleted", cleanup["account"]
    assert all(r["outcome"] != "remains" for r in cleanup["resources"]), cleanup["resources"]
    _no_credential_in(run_dir)


def test_an_oauth2_form_login_and_a_seeded_server_error_block_on_the_load_budget(
    shelf_env: dict[str, str], tmp_path: Path
) -> None:
    with start(seed_user=(EMAIL, PASSWORD), faults=["server-error"]) as faulty:
        config = _config(tmp_path, faulty, name="shelf-oauth", login=FORM_LOGIN)
        args = ("--env", "shelf-oauth", "--layers", "smoke,contract,load")
        code, verdict, run_dir, output = _run(config, shelf_env, *args)
    assert code == 1, output
    assert "load.http_req_failed" in _failing(verdict), output
    assert "smoke.checks_failed" not in _failing(verdict)
    results = json.loads((run_dir / "results.json").read_text())
    layers = {lr["layer"]: lr for lr in results["layers"]}
    assert layers["contract"]["status"] == "ok", layers["contract"].get("error")
    # the OAuth token was sent: the endpoint that needs it answered without one failure
    failed = [s for s in layers["load"]["samples"] if s["metric"] == "http_req_failed"]
    mine = [s for s in failed if s["tags"].get("endpoint") == "GET /user/books"]
    assert mine
    assert sum(sum(s["values"]) + sum(v * c for v, c in s["buckets"]) for s in mine) == 0
    _no_credential_in(run_dir)


def test_a_broken_frontend_step_blocks_on_the_e2e_budget(shelf_env: dict[str, str], tmp_path: Path) -> None:
    with start(seed_user=(EMAIL, PASSWORD), faults=["broken-save"]) as faulty:
        code, verdict, _, output = _run(
            _config(tmp_path, faulty), shelf_env, "--env", "shelf", "--layers", "e2e"
        )
    assert code == 1, output
    assert _failing(verdict) == {"e2e.failed"}, output
