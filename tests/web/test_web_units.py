"""Pure parts of the web layer: report parsing, aggregation and variance, lighthouserc, settings,
credentials."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from releasegate.auth import Login, LoginFailed
from releasegate.config import AuthConfig, Environment, LoginFlow
from releasegate.errors import ConfigError, LayerError
from releasegate.layers._web import auth, lhcirc
from releasegate.layers._web.aggregate import PageOutcome, records_for, samples_for, spread, unstable_metrics
from releasegate.layers._web.parse import ReportError, parse
from releasegate.layers._web.session import page_slug
from releasegate.layers._web.settings import WebSettings
from releasegate.results import Status
from releasegate.spec import LayerContext


def lhr(
    lcp_ms: float = 1200.0, cls: float = 0.05, url: str = "http://h/x", final: str | None = None, **extra: Any
) -> dict[str, Any]:
    audits = {
        "largest-contentful-paint": {"numericValue": lcp_ms, "score": 0.9},
        "cumulative-layout-shift": {"numericValue": cls, "score": 1},
        "total-blocking-time": {"numericValue": 30.0, "score": 1},
        "first-contentful-paint": {"numericValue": 800.0, "score": 1},
        "speed-index": {"numericValue": 900.0, "score": 1},
        "resource-summary": {
            "details": {
                "items": [
                    {"resourceType": "total", "transferSize": 5000, "requestCount": 3},
                    {"resourceType": "image", "transferSize": 4000, "requestCount": 1},
                ]
            }
        },
        "uses-long-cache-ttl": {"score": 0.4, "numericValue": 10.0, "details": {"items": [1, 2]}},
    }
    cats = {c: {"score": 0.95} for c in ("performance", "accessibility", "best-practices", "seo")}
    return {
        "lighthouseVersion": "12.8.2",
        "requestedUrl": url,
        "finalDisplayedUrl": final or url,
        "configSettings": {"formFactor": "desktop"},
        "audits": audits,
        "categories": cats,
        **extra,
    }


def test_parse_converts_milliseconds_to_seconds_and_reads_page_weight():
    run = parse(lhr(lcp_ms=2500))
    assert run.vitals["largest_contentful_paint"] == pytest.approx(2.5)
    assert run.vitals["cumulative_layout_shift"] == pytest.approx(0.05)
    assert run.sizes["image"] == 4000
    assert run.counts["total"] == 3
    assert run.sizes["script"] == 0
    assert run.scores["seo"] == 0.95


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"runtimeError": {"code": "NO_FCP", "message": "no paint"}}, "NO_FCP"),
        ({"final": "http://h/login?next=/x"}, "redirected to /login"),
        ({"categories": {"performance": {"score": None}}}, "no score"),
    ],
)
def test_untrustworthy_reports_are_refused(change, message):
    data = lhr(final=change.pop("final", None), **change)
    with pytest.raises(ReportError, match=message):
        parse(data)


def test_a_metric_without_value_is_refused():
    data = lhr()
    data["audits"]["largest-contentful-paint"] = {"score": None, "errorMessage": "NO_LCP"}
    with pytest.raises(ReportError, match="NO_LCP"):
        parse(data)


def outcome(lcps: list[float], page: str = "/x") -> PageOutcome:
    out = PageOutcome(page=page, preset="desktop", url="http://h" + page)
    out.runs = [parse(lhr(lcp_ms=v * 1000)) for v in lcps]
    out.artifacts = ["web/desktop/x/run-1.report.json", "web/desktop/x/run-1.report.html"]
    return out


def test_samples_hold_one_value_per_run_and_records_link_reports():
    o = outcome([1.0, 1.1, 1.2])
    lcp = next(s for s in samples_for(o) if s.metric == "largest_contentful_paint")
    assert lcp.values == pytest.approx([1.0, 1.1, 1.2])
    assert lcp.tags == {"page": "/x", "preset": "desktop"}
    sizes = {s.tags["type"]: s.values for s in samples_for(o) if s.metric == "resource_size"}
    assert sizes["image"] == [4000.0] * 3
    recs = records_for(o, WebSettings())
    assert recs
    assert all(r.artifacts == o.artifacts for r in recs)
    assert all(r.status is Status.PASS for r in recs)


def test_disagreeing_runs_flag_the_page_unstable():
    settings = WebSettings()
    o = outcome([1.0, 1.0, 2.0])
    assert set(unstable_metrics(o, settings)) == {"largest_contentful_paint"}
    flagged = [r for r in records_for(o, settings) if r.status is Status.FLAKY]
    assert len(flagged) == 1
    assert "UNSTABLE" in flagged[0].message
    assert unstable_metrics(outcome([1.0, 1.05, 1.1]), settings) == {}
    # a tiny absolute spread is noise, not instability
    assert unstable_metrics(outcome([0.10, 0.12, 0.15]), settings) == {}


def test_a_failed_page_has_an_error_record_and_no_samples():
    o = outcome([1.0])
    o.errors.append("run 2: Lighthouse did not finish")
    assert samples_for(o) == []
    (record,) = records_for(o, WebSettings())
    assert record.status is Status.ERROR
    assert "did not finish" in record.message


@given(st.lists(st.floats(min_value=0, max_value=1e4, allow_nan=False), min_size=1, max_size=20))
def test_spread_bounds_the_median(values):
    s = spread(values)
    assert s.low <= s.median <= s.high
    assert s.relative >= 0


def write_rc(tmp_path: Path, assertions: dict[str, Any], **extra: Any) -> lhcirc.RcFile:
    path = tmp_path / "lighthouserc.json"
    path.write_text(json.dumps({"ci": {"assert": {"assertions": assertions, **extra}}}))
    return lhcirc.load(path)


def write_lhrs(tmp_path: Path, *reports: dict[str, Any]) -> list[Path]:
    paths = []
    for i, report in enumerate(reports):
        path = tmp_path / f"run-{i}.json"
        path.write_text(json.dumps(report))
        paths.append(path)
    return paths


def test_lighthouserc_aggregation_methods_are_lighthouse_cis_own(tmp_path):
    """Judged by the pinned @lhci/cli's assertion engine, not a re-implementation."""
    reports = write_lhrs(tmp_path, *(lhr(lcp_ms=v) for v in (1000, 2000, 3000)))
    tags = {"page": "/x", "preset": "desktop"}
    for method, passes in (("optimistic", True), ("median", False), ("pessimistic", False)):
        rc = write_rc(
            tmp_path,
            {"largest-contentful-paint": ["error", {"maxNumericValue": 1500, "aggregationMethod": method}]},
        )
        records, failures = lhcirc.check(rc, reports, tags)
        assert (records[0].status is Status.PASS) is passes, method
        assert failures["error"] == (0 if passes else 1)


def test_a_preset_is_expanded_and_a_failed_warn_assertion_is_a_warning(tmp_path):
    reports = write_lhrs(tmp_path, lhr())
    rc = write_rc(
        tmp_path,
        {"uses-long-cache-ttl": "warn", "resource-summary:image:size": ["error", {"maxNumericValue": 3000}]},
        preset="lighthouse:recommended",
    )
    records, failures = lhcirc.check(rc, reports, {"page": "/x"})
    assert len({r.tags["assertion"] for r in records}) > 20  # the preset's assertions, expanded by lhci
    image = next(r for r in records if r.tags["assertion"] == "resource-summary:image:size")
    assert image.status is Status.FAIL
    warned = [r for r in records if r.tags["level"] == "warn" and r.status is not Status.PASS]
    assert warned
    assert all(r.status is Status.WARN for r in warned)  # a failed warn is a warning, never a pass
    assert failures["error"] >= 1
    assert failures["warn"] == len(warned)


@pytest.mark.parametrize("bad", [{"x": "loud"}, {"x": ["error", {"aggregationMethod": "mean"}]}])
def test_lighthouserc_errors_name_the_key(tmp_path, bad):
    with pytest.raises(ConfigError, match=r"ci\.assert\.assertions\.x"):
        write_rc(tmp_path, bad)


def test_the_lighthouserc_collect_settings_fill_what_releasegate_leaves_unset(tmp_path):
    from releasegate.layers._web.session import with_collect

    path = tmp_path / ".lighthouserc.json"
    collect = {"url": ["http://h/", "http://h/explore"], "numberOfRuns": 2, "settings": {"preset": "desktop"}}
    path.write_text(json.dumps({"ci": {"collect": collect, "assert": {}}}))
    rc = lhcirc.load(path)
    settings, notes = with_collect(WebSettings(), rc, "http://h")
    assert [p.path for p in settings.pages] == ["/", "/explore"]
    assert settings.runs == 2
    assert notes == []
    mine, notes = with_collect(WebSettings(runs=3), rc, "http://h")
    assert mine.runs == 3
    assert notes == [f"[layers.web] runs wins over the lighthouserc's ci.collect ({path})"]
    assert lhcirc.find(tmp_path) == path


def test_settings_accept_paths_and_tables_and_refuse_nonsense():
    s = WebSettings.model_validate(
        {"pages": ["/", {"path": "/me", "auth": True}], "preset": ["mobile", "desktop"]}
    )
    assert [p.auth for p in s.pages] == [False, True]
    assert s.presets == ("desktop", "mobile")
    for bad in ({"pages": ["explore"]}, {"pages": ["/", "/"]}, {"runs": 0}, {"cookie_env": "not a var"}):
        with pytest.raises(ValidationError):
            WebSettings.model_validate(bad)


@pytest.mark.parametrize(
    ("path", "slug"), [("/", "root"), ("/explore", "explore"), ("/prompts/1?x=y", "prompts-1-x-y")]
)
def test_page_slug(path, slug):
    assert page_slug(path) == slug


LOGIN = AuthConfig(login=LoginFlow(username_env="RG_WEB_USER", password_env="RG_WEB_PASSWORD"))
SIGNED_IN = {"RG_WEB_USER": "pro@promptlib.test", "RG_WEB_PASSWORD": "correct-horse-1"}


def web_ctx(tmp_path: Path, auth_config: AuthConfig | None, base_url: str = "http://h") -> LayerContext:
    env = Environment(name="t", base_url=base_url, auth=auth_config)
    return LayerContext(
        run_id="r",
        stage="pre-deploy",
        environment=env,
        base_url=base_url,
        settings=WebSettings(),
        run_dir=tmp_path,
        artifact_dir=tmp_path / "web",
    )


def test_a_login_token_becomes_the_session_cookie_and_every_credential_a_secret(tmp_path, monkeypatch):
    calls: list[tuple[str, str]] = []

    def fake_login(flow: LoginFlow, base_url: str, environ: dict[str, str]) -> Login:
        calls.append((flow.path, base_url))
        return Login("tok-0123456789", environ[flow.username_env], environ[flow.password_env])

    monkeypatch.setattr(auth, "login", fake_login)
    creds = auth.resolve(web_ctx(tmp_path, LOGIN), WebSettings(session_cookie="sid"), SIGNED_IN)
    assert calls == [("/api/auth/login", "http://h")]
    assert creds.missing is None
    assert creds.headers_for(True) == {"Cookie": "sid=tok-0123456789"}
    assert creds.headers_for(False) == {}
    assert {"tok-0123456789", "pro@promptlib.test", "correct-horse-1"} <= set(creds.secrets)


def test_a_token_from_the_environment_needs_no_login(tmp_path, monkeypatch):
    monkeypatch.setattr(auth, "login", lambda *_a, **_k: pytest.fail("no login expected"))
    config = AuthConfig(token_env="RG_WEB_TOKEN", login=LOGIN.login)
    creds = auth.resolve(
        web_ctx(tmp_path, config), WebSettings(session_cookie="sid"), {"RG_WEB_TOKEN": "tok-from-env"}
    )
    assert creds.headers_for(True) == {"Cookie": "sid=tok-from-env"}
    assert "tok-from-env" in creds.secrets


@pytest.mark.parametrize(
    ("failure", "message", "hint"),
    [
        (
            LoginFailed("refused", kind="refused", url="http://h/api/auth/login", status=401),
            "web: sign-in at POST /api/auth/login answered HTTP 401",
            "check the credentials in RG_WEB_USER / RG_WEB_PASSWORD",
        ),
        (
            LoginFailed("no token", kind="no_token", url="http://h/api/auth/login"),
            "web: sign-in response has no 'access_token' field",
            None,
        ),
    ],
    ids=["refused", "no-token"],
)
def test_a_failed_sign_in_is_a_layer_error(tmp_path, monkeypatch, failure, message, hint):
    def refuse(*_args: object, **_kwargs: object) -> Login:
        raise failure

    monkeypatch.setattr(auth, "login", refuse)
    with pytest.raises(LayerError) as info:
        auth.resolve(web_ctx(tmp_path, LOGIN), WebSettings(session_cookie="sid"), SIGNED_IN)
    assert (info.value.message, info.value.hint) == (message, hint)
    assert info.value.__cause__ is None


def test_unset_credentials_and_an_unreachable_target_are_layer_errors(tmp_path):
    settings = WebSettings(session_cookie="sid")
    with pytest.raises(LayerError, match="RG_WEB_USER / RG_WEB_PASSWORD are not set"):
        auth.resolve(web_ctx(tmp_path, LOGIN), settings, {"RG_WEB_USER": "pro@promptlib.test"})
    with pytest.raises(LayerError) as info:
        auth.resolve(web_ctx(tmp_path, LOGIN, "http://127.0.0.1:9"), settings, SIGNED_IN)
    assert info.value.message == "web: sign-in at http://127.0.0.1:9/api/auth/login failed: ConnectError"
