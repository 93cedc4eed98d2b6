"""Helpers for the load layer's tests: build a context, run the layer, judge with gates."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from releasegate.config import Environment
from releasegate.layers._load.profiles import Endpoint, LoadSettings, Profile
from releasegate.layers.load import SPEC
from releasegate.results import LayerResult, RunInfo, RunResult
from releasegate.spec import AbortRule, LayerContext, RunOptions
from tests.load.servers import delay_server, require_loopback

PROMPTLIB_ENDPOINTS = [
    Endpoint(method="GET", path="/api/prompts?limit=10", name="GET /api/prompts", weight=4),
    Endpoint(method="GET", path="/api/prompts/1", name="GET /api/prompts/{id}", weight=2),
    Endpoint(method="GET", path="/api/tags", weight=2),
    Endpoint(method="GET", path="/health", weight=1),
]


def make_ctx(
    tmp: Path,
    url: str,
    profile: Profile,
    *,
    endpoints: Sequence[Endpoint] = PROMPTLIB_ENDPOINTS,
    locustfile: str = "generic",
    options: RunOptions | None = None,
    abort_rules: Sequence[AbortRule] = (),
    production: bool = False,
) -> LayerContext:
    require_loopback(url)
    settings = LoadSettings(
        profile="test",
        profiles={"test": profile},
        endpoints=list(endpoints),
        locustfile=locustfile,
        timeout_s=120,
    )
    return LayerContext(
        run_id="t",
        stage="pre-deploy",
        environment=Environment(name="test", base_url=url, production=production),
        base_url=url,
        settings=settings,
        run_dir=tmp,
        artifact_dir=tmp / "load",
        options=options or RunOptions(),
        abort_rules=tuple(abort_rules),
        progress=lambda _m: None,
    )


def run_layer(ctx: LayerContext) -> LayerResult:
    result = SPEC.run(ctx)
    return result


def judge(result: LayerResult, budgets: Mapping[str, Any]) -> Any:
    from releasegate.gates.budgets import parse_budgets
    from releasegate.gates.catalog import build_catalog
    from releasegate.gates.evaluate import judge as gates_judge

    run = RunResult(
        info=RunInfo(
            run_id="t", environment="test", stage="pre-deploy", base_url="http://127.0.0.1", layers=["load"]
        ),
        layers=[result],
    )
    return gates_judge(run, parse_budgets(dict(budgets), build_catalog({"load": SPEC})))


def abort_rules_from(budgets: Mapping[str, Any]) -> tuple[AbortRule, ...]:
    from releasegate.gates.budgets import abort_rules, parse_budgets
    from releasegate.gates.catalog import build_catalog

    return abort_rules(parse_budgets(dict(budgets), build_catalog({"load": SPEC})), "load")


DEFAULT_BUDGETS: dict[str, Any] = {
    "load.http_req_duration": ["avg < 2s", "p(95) < 800ms"],
    "load.http_req_failed": "rate < 0.5%",
}


@pytest.fixture(scope="session")
def delay_url() -> Iterator[str]:
    with delay_server() as url:
        yield url


@pytest.fixture
def ctx_factory(tmp_path: Path) -> Callable[..., LayerContext]:
    def _make(url: str, profile: Profile, **kw: Any) -> LayerContext:
        return make_ctx(tmp_path, url, profile, **kw)

    return _make
