"""Target resolution: a URL, a named environment, or the embedded demo started and stopped."""

from __future__ import annotations

import httpx
import pytest

from releasegate.config import Config, Environment
from releasegate.errors import ConfigError, TargetError, UsageError
from releasegate.target import Target, check_url, resolve, select_environment

CONFIG = Config.model_validate(
    {
        "environments": {
            "demo": {"embedded": True},
            "staging": {"base_url": "https://staging.example.com/", "pages": [{"path": "/x"}]},
            "broken": {},
        }
    }
)


def test_base_url_alone_is_an_ad_hoc_environment() -> None:
    env = select_environment(CONFIG, env_name=None, base_url="http://127.0.0.1:8000/")
    assert (env.name, env.base_url, env.embedded, env.pages) == ("url", "http://127.0.0.1:8000", False, [])


def test_env_with_base_url_keeps_the_environment_checks() -> None:
    env = select_environment(CONFIG, env_name="staging", base_url="http://127.0.0.1:9", openapi="/spec.json")
    assert env.name == "staging"
    assert env.base_url == "http://127.0.0.1:9"
    assert env.pages[0].path == "/x"
    assert env.openapi == "/spec.json"


def test_neither_means_the_default_embedded_demo() -> None:
    env = select_environment(CONFIG, env_name=None, base_url=None)
    assert env.name == "demo"
    assert env.embedded


def test_unknown_environment_and_missing_url() -> None:
    with pytest.raises(ConfigError, match="unknown environment 'stagin'"):
        select_environment(CONFIG, env_name="stagin", base_url=None)
    with pytest.raises(UsageError, match="has no base_url"):
        select_environment(CONFIG, env_name="broken", base_url=None)


@pytest.mark.parametrize("url", ["staging.example.com", "ftp://x", "http://", "http://host:99999999"])
def test_bad_urls_are_usage_errors(url: str) -> None:
    with pytest.raises(UsageError):
        check_url(url)


def test_a_given_url_is_not_started() -> None:
    env = Environment(name="staging", base_url="https://staging.example.com")
    with resolve(env) as target:
        assert target.base_url == "https://staging.example.com"
        assert not target.embedded
    with pytest.raises(UsageError, match="--demo-faults"), resolve(env, faults=["unhealthy"]):
        pass


def test_unknown_demo_fault_is_a_usage_error() -> None:
    demo = Environment(name="demo", embedded=True)
    with pytest.raises(UsageError, match="unknown fault 'unhealty'"), resolve(demo, faults=["unhealty"]):
        pass


@pytest.mark.integration
def test_embedded_demo_is_started_and_stopped_even_on_errors() -> None:
    env = Environment(name="demo", embedded=True)
    seen: dict[str, object] = {}

    def use(target: Target) -> None:
        seen.update(url=target.base_url, embedded=target.embedded, faults=target.faults)
        seen["status"] = httpx.get(f"{target.base_url}/health", timeout=10).status_code
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"), resolve(env, faults=["unhealthy"]) as target:
        use(target)
    assert seen["embedded"] is True
    assert seen["faults"] == ("unhealthy",)
    assert seen["status"] == 503
    url = seen["url"]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/health", timeout=2)


def test_a_target_that_cannot_start_is_a_target_error(monkeypatch) -> None:
    from releasegate.fixtures.promptlib import launcher

    def fail(**_kw: object) -> None:
        raise launcher.PromptlibStartError("port in use")

    monkeypatch.setattr(launcher, "start", fail)
    with (
        pytest.raises(TargetError, match="did not start: PromptlibStartError: port in use"),
        resolve(Environment(name="demo", embedded=True)),
    ):
        pass
