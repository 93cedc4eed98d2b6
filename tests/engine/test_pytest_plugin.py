"""The pytest plugin: base_url via pytest-base-url, the environment, and the httpx clients."""

from __future__ import annotations

import pytest

from releasegate.fixtures.promptlib import DEMO_USERS

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "-p", "no:playwright", "-p", "no:locust", "-p", "no:cacheprovider", *args
    )


def _config(pytester: pytest.Pytester, url: str, auth: str = "") -> None:
    pytester.makefile(
        ".toml",
        releasegate=f"""
[environments.staging]
base_url = "{url}"
headers_from_env = {{ "X-Test" = "RG_PLUGIN_HEADER" }}
{auth}
""",
    )


def test_base_url_and_environment_from_rg_env(pytester: pytest.Pytester) -> None:
    _config(pytester, "http://127.0.0.1:9")
    pytester.makepyfile(
        """
        def test_it(base_url, rg_environment, rg_config):
            assert base_url == "http://127.0.0.1:9"
            assert rg_environment.name == "staging"
            assert "demo" in rg_config.environments
        """
    )
    run(pytester, "--rg-env", "staging").assert_outcomes(passed=1)


def test_base_url_flag_and_variable_win(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    _config(pytester, "http://127.0.0.1:9")
    pytester.makepyfile("def test_it(base_url):\n    assert base_url == 'http://from-flag'\n")
    run(pytester, "--rg-env", "staging", "--base-url", "http://from-flag").assert_outcomes(passed=1)
    monkeypatch.setenv("RELEASEGATE_BASE_URL", "http://from-env")
    pytester.makepyfile("def test_it(base_url):\n    assert base_url == 'http://from-env'\n")
    run(pytester, "--rg-env", "staging").assert_outcomes(passed=1)


def test_unknown_environment_is_a_usage_error(pytester: pytest.Pytester) -> None:
    _config(pytester, "http://127.0.0.1:9")
    pytester.makepyfile("def test_it():\n    pass\n")
    result = run(pytester, "--rg-env", "stagin")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown environment 'stagin'*", "*did you mean 'staging'?*"])


@pytest.mark.integration
def test_clients_against_the_reference_target(pytester: pytest.Pytester, monkeypatch, promptlib) -> None:
    user = DEMO_USERS[2]
    login = '[environments.staging.auth.login]\nusername_env = "RG_USER"\npassword_env = "RG_PASS"\n'
    _config(pytester, promptlib.url, login)
    monkeypatch.setenv("RG_PLUGIN_HEADER", "hello")
    monkeypatch.setenv("RG_USER", user.email)
    monkeypatch.setenv("RG_PASS", user.password)
    pytester.makepyfile(
        f"""
        def test_http(http_client):
            assert http_client.headers["X-Test"] == "hello"
            assert http_client.get("/health").status_code == 200

        def test_auth(auth_client):
            me = auth_client.get("/api/me")
            assert me.status_code == 200
            assert me.json()["email"] == "{user.email}"
        """
    )
    run(pytester, "--rg-env", "staging").assert_outcomes(passed=2)


def test_auth_client_skips_without_credentials(pytester: pytest.Pytester) -> None:
    _config(pytester, "http://127.0.0.1:9")
    pytester.makepyfile("def test_it(auth_client):\n    pass\n")
    run(pytester, "--rg-env", "staging").assert_outcomes(skipped=1)


@pytest.mark.integration
def test_auth_client_fails_with_the_reason_when_the_login_is_refused(
    pytester: pytest.Pytester, monkeypatch, promptlib
) -> None:
    login = '[environments.staging.auth.login]\nusername_env = "RG_USER"\npassword_env = "RG_PASS"\n'
    _config(pytester, promptlib.url, login)
    monkeypatch.setenv("RG_USER", DEMO_USERS[2].email)
    monkeypatch.setenv("RG_PASS", "not-the-password-1")
    pytester.makepyfile("def test_it(auth_client):\n    pass\n")
    result = run(pytester, "--rg-env", "staging")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*login at */api/auth/login answered HTTP 401*"])
    assert "not-the-password-1" not in result.stdout.str()
