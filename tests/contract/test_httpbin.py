"""Against an API nobody on the team wrote: httpbin, with its Swagger 2.0 spec and its oddities.

httpbin echoes request headers back in response bodies, so a planted token would reach the
cassettes, NDJSON events (base64) and crash files unless the layer scrubs them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest

from releasegate.config import AuthConfig, Environment
from releasegate.layers import contract
from releasegate.results import LayerStatus, Status
from releasegate.spec import LayerContext

pytestmark = pytest.mark.integration

PLANTED = "rg-PLANTED-token-7f3a9c1e5b"


def test_httpbin_runs_to_completion_with_config_alone(
    httpbin_url: str, ctx_factory: Callable[..., LayerContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPBIN_TOKEN", PLANTED)
    env = Environment(
        name="httpbin", base_url=httpbin_url, openapi="/spec.json", auth=AuthConfig(token_env="HTTPBIN_TOKEN")
    )
    ctx = ctx_factory(
        httpbin_url,
        env=env,
        max_examples=2,
        phases=["examples", "coverage", "fuzzing"],
        include_operations=["GET /headers", "GET /get", "POST /anything", "GET /status/{codes}", "GET /uuid"],
    )
    result = contract.run(ctx)
    assert result.status is LayerStatus.OK, result.error
    assert result.meta["spec_version"] == "2.0"
    assert result.meta["operations_selected"] == 5
    assert result.meta["test_cases"] > 0
    tested = next(s for s in result.samples if s.metric == "operations_tested")
    assert tested.values[0] > 0
    exercised = [
        r for r in result.records if r.tags.get("kind") == "operation" and r.status is not Status.SKIPPED
    ]
    assert exercised

    # the planted token was sent (httpbin echoed it) and scrubbed from every file
    for path in (p for p in ctx.run_dir.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace")
        assert PLANTED not in text, f"token in {path}"
        if path.suffix == ".ndjson":
            for line in text.splitlines():
                for blob in _base64_blobs(json.loads(line)):
                    assert PLANTED.encode() not in base64.b64decode(blob), f"token in base64 in {path}"
    assert PLANTED not in result.model_dump_json()
    cassette = next(ctx.artifact_dir.rglob("vcr-*.yaml")).read_text()
    assert "/headers" in cassette
    assert "[redacted]" in cassette  # echoed, then scrubbed
    assert "HTTPBIN_TOKEN" in (ctx.artifact_dir / "schemathesis.toml").read_text()


def _base64_blobs(node: object) -> list[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$base64"), str):
            return [node["$base64"]]
        return [b for v in node.values() for b in _base64_blobs(v)]
    if isinstance(node, list):
        return [b for v in node for b in _base64_blobs(v)]
    return []


def test_the_users_schemathesis_toml_is_the_base_and_its_header_reaches_the_target(
    httpbin_url: str, ctx_factory: Callable[..., LayerContext], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A team's own schemathesis.toml is honoured; where releasegate's settings win, it says so."""
    own = tmp_path_factory.mktemp("project") / "schemathesis.toml"
    own.write_text('headers = { X-Team = "reference-team-42" }\n[cache]\ndirectory = "/elsewhere"\n')
    env = Environment(name="httpbin", base_url=httpbin_url, openapi="/spec.json")
    ctx = ctx_factory(
        httpbin_url,
        env=env,
        max_examples=2,
        phases=["coverage"],
        include_operations=["GET /headers"],
        config=str(own),
    )
    result = contract.run(ctx)
    assert result.status is LayerStatus.OK, result.error
    cassette = next(ctx.artifact_dir.rglob("vcr-*.yaml")).read_text()
    assert "reference-team-42" in cassette  # sent, and httpbin echoed it back
    assert result.meta["schemathesis_config"] == str(own)
    assert result.meta["schemathesis_config_overridden"] == ["cache.directory"]
    note = next(r for r in result.records if r.check == "schemathesis.toml")
    assert "cache.directory" in note.message
