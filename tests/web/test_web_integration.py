"""The web layer with real Lighthouse and Chromium against the real promptlib (1 run per page: ~15 s each)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from releasegate.config import AuthConfig, Environment, LoginFlow
from releasegate.fixtures.promptlib import DEMO_USERS
from releasegate.gates import Decision
from releasegate.results import LayerStatus, Status
from tests.web.support import judge, run_layer, statuses

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PLANTED_COOKIE = "rgPlantedCookie-7f3a9c"
PLANTED_HEADER = "rgPlantedHeader-52e1b8"
USER = DEMO_USERS[2]


@pytest.fixture(scope="module")
def clean(promptlib, tmp_path_factory, monkeypatch_module):
    """Clean promptlib: two public pages and a signed-in page, with planted secrets and a lighthouserc."""
    run_dir = tmp_path_factory.mktemp("web-clean")
    rc = run_dir.parent / "lighthouserc.json"
    rc.write_text(
        json.dumps(
            {
                "ci": {
                    "assert": {
                        "assertions": {
                            "categories:seo": ["error", {"minScore": 0.5}],
                            "resource-summary:document:size": ["warn", {"maxNumericValue": 100}],
                            "uses-long-cache-ttl": "off",
                        }
                    }
                }
            }
        )
    )
    monkeypatch_module.setenv("RG_TEST_COOKIE", f"rg_probe={PLANTED_COOKIE}")
    monkeypatch_module.setenv("RG_TEST_HEADER", PLANTED_HEADER)
    monkeypatch_module.setenv("RG_TEST_EMAIL", USER.email)
    monkeypatch_module.setenv("RG_TEST_PASSWORD", USER.password)
    env = Environment(
        name="test",
        headers_from_env={"X-Probe-Key": "RG_TEST_HEADER"},
        auth=AuthConfig(login=LoginFlow(username_env="RG_TEST_EMAIL", password_env="RG_TEST_PASSWORD")),
    )
    pages = ["/explore", "/login", {"path": "/me/prompts", "auth": True}]
    result = run_layer(
        promptlib.url, run_dir, environment=env, runs=1, pages=pages,
        cookie_env="RG_TEST_COOKIE", session_cookie="promptlib_session", lighthouserc=str(rc),
    )  # fmt: skip
    return result, run_dir


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_clean_pages_pass_the_shipped_budgets(clean):
    result, _ = clean
    assert result.status is LayerStatus.OK, result.error
    verdict = judge(result, ["/explore", "/login", "/me/prompts"])
    seen = statuses(verdict)
    assert seen["web.largest_contentful_paint{page:/explore}"] == "pass"
    assert seen["web.resource_size{page:/explore,type:image}"] == "pass"
    assert all(status == "pass" for status in seen.values()), seen
    assert verdict.decision is Decision.GO, verdict.reason


def test_every_run_is_linked_and_kept_in_the_run_directory(clean):
    result, run_dir = clean
    lcp = [r for r in result.records if r.check == "desktop /explore largest_contentful_paint"]
    assert len(lcp) == 1
    assert sorted(Path(a).suffix for a in lcp[0].artifacts) == [".html", ".json"]
    for artifact in result.artifacts:
        assert (run_dir / artifact).is_file()
    measured = {m.name: m.value for m in lcp[0].measurements}
    assert measured["median"] == measured["run 1"] > 0
    assert result.meta["lighthouse"].startswith("12.")


def test_signed_in_page_is_measured_with_the_persona_session(clean):
    result, run_dir = clean
    report = next(a for a in result.artifacts if "me-prompts" in a and a.endswith(".json"))
    lhr = json.loads((run_dir / report).read_text())
    assert lhr["finalDisplayedUrl"].endswith("/me/prompts")
    assert any(
        s.metric == "largest_contentful_paint" and s.tags["page"] == "/me/prompts" for s in result.samples
    )


def test_no_secret_reaches_any_file_of_the_run(clean):
    result, run_dir = clean
    token_like = [PLANTED_COOKIE, PLANTED_HEADER, USER.password]
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert len(files) >= 6
    for path in files:
        data = path.read_bytes()
        for secret in token_like:
            assert secret.encode() not in data, f"{secret} leaked into {path}"
    lhr = json.loads(next(run_dir.rglob("desktop/me-prompts/run-1.report.json")).read_text())
    headers = lhr["configSettings"]["extraHeaders"]
    assert headers["X-Probe-Key"] == "[redacted]"
    assert "[redacted]" in headers["Cookie"]
    assert "promptlib_session=" in headers["Cookie"]
    assert "eyJ" not in headers["Cookie"]  # the session token (a JWT) is gone too
    dumped = result.model_dump_json()
    assert all(secret not in dumped for secret in token_like)


def test_lighthouserc_assertions_become_records_and_a_counter(clean):
    result, _ = clean
    rc = [r for r in result.records if "lighthouserc" in r.check and r.tags["page"] == "/explore"]
    by_key = {r.tags["assertion"]: r for r in rc}
    assert set(by_key) == {"categories:seo", "resource-summary:document:size"}
    assert by_key["categories:seo"].status is Status.PASS
    assert "failed (warning)" in by_key["resource-summary:document:size"].message
    counts = {
        s.tags["level"]: s.values
        for s in result.samples
        if s.metric == "lighthouserc_failures" and s.tags["page"] == "/explore"
    }
    assert counts == {"error": [0.0], "warn": [1.0]}


def test_heavy_page_fails_lcp_and_page_weight_budgets(start_promptlib, tmp_path):
    app = start_promptlib("heavy-page")
    result = run_layer(app.url, tmp_path / "run", runs=1, pages=["/explore"])
    assert result.status is LayerStatus.OK, result.error
    seen = statuses(judge(result, ["/explore"]))
    for key in (
        "web.largest_contentful_paint{page:/explore}",
        "web.resource_size{page:/explore,type:total}",
        "web.resource_size{page:/explore,type:image}",
        "web.resource_size{page:/explore,type:script}",
        "web.score{page:/explore,category:performance}",
    ):
        assert seen[key] == "fail", (key, seen)
    perf = next(r for r in result.records if r.check == "desktop /explore score performance")
    assert "Lighthouse points at" in perf.message


def test_layout_shift_fails_the_cls_budget(start_promptlib, tmp_path):
    app = start_promptlib("layout-shift")
    result = run_layer(app.url, tmp_path / "run", runs=1, pages=["/", "/login"], preset="mobile")
    assert result.status is LayerStatus.OK, result.error
    verdict = judge(result, ["/", "/login"])
    seen = statuses(verdict)
    cls = {k: v for k, v in seen.items() if "cumulative_layout_shift" in k}
    assert "fail" in cls.values(), seen
    assert seen["web.largest_contentful_paint{page:/}"] == "pass"
    assert verdict.decision is Decision.NO_GO


def test_missing_page_and_login_redirect_are_errors_never_a_pass(promptlib, tmp_path):
    result = run_layer(promptlib.url, tmp_path / "run", runs=2, pages=["/no-such-page", "/me/prompts"])
    assert result.status is LayerStatus.ERROR
    errors = {r.tags["page"]: r for r in result.records if r.status is Status.ERROR}
    assert "HTTP 404" in errors["/no-such-page"].message
    assert "redirected to /login" in errors["/me/prompts"].message
    assert "auth = true" in errors["/me/prompts"].message
    assert not [s for s in result.samples if "page" in s.tags and s.metric != "lighthouserc_failures"]
    verdict = judge(result, [])
    assert verdict.decision is Decision.INCONCLUSIVE


def test_a_lighthouse_timeout_kills_lighthouse_and_its_browser(promptlib, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    result = run_layer(promptlib.url, tmp_path / "run", runs=1, pages=["/"], run_timeout_s=3, retries=0)
    assert result.status is LayerStatus.ERROR
    assert "did not finish within 3s" in (result.error or "")
    assert _processes_naming(str(scratch)) == set()


def _processes_naming(marker: str) -> set[int]:
    found = set()
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmd:
            found.add(int(entry.name))
    return found
