"""Bad input never passes: each case is a ConfigError (exit 2) or an error result (exit 3)."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from releasegate.config import Config, Environment
from releasegate.errors import ConfigError
from releasegate.exitcodes import ExitCode
from releasegate.fixtures.promptlib.launcher import RunningApp
from releasegate.layers import contract
from releasegate.layers._contract.parse import FailureExample
from releasegate.layers._contract.records import curl_for
from releasegate.layers._contract.spec import check_base_path, load_spec
from releasegate.results import LayerStatus
from releasegate.scrub import scrub_tree
from releasegate.spec import LayerContext

MINIMAL = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {"/a": {"get": {"responses": {}}}},
}


def _write(tmp_path: Path, name: str, content: str) -> str:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("broken.json", "{not json", "not valid JSON"),
        ("other.json", json.dumps({"hello": "world"}), "not an OpenAPI document"),
        ("page.html", "<!doctype html><html><body>docs</body></html>", "HTML page"),
        ("empty.json", json.dumps({**MINIMAL, "paths": {}}), "declares no operations"),
        ("list.yaml", "- a\n- b\n", "not an OpenAPI document"),
    ],
)
def test_bad_spec_files_are_config_errors(tmp_path: Path, name: str, content: str, words: str) -> None:
    location = _write(tmp_path, name, content)
    with pytest.raises(ConfigError) as info:
        load_spec(location, "http://127.0.0.1:9", headers={})
    assert words in str(info.value)
    assert location in str(info.value)
    assert info.value.exit_code == ExitCode.USAGE


def test_missing_spec_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"does not exist"):
        load_spec(str(tmp_path / "nope.json"), "http://127.0.0.1:9", headers={})


def test_yaml_and_swagger2_specs_load(tmp_path: Path) -> None:
    yaml_spec = "swagger: '2.0'\nbasePath: /v1\npaths:\n  /pets:\n    get:\n      responses: {}\n"
    spec = load_spec(_write(tmp_path, "s.yaml", yaml_spec), "http://h", headers={})
    assert spec.operations == ("GET /pets",)
    assert spec.is_swagger2
    assert check_base_path(spec, "http://h") == "http://h/v1"
    assert check_base_path(spec, "http://h/v1/") == "http://h/v1"
    with pytest.raises(ConfigError, match=r"declares base path '/v1'"):
        check_base_path(spec, "http://h/api")


def _with_staging(ctx: LayerContext, spec_file: str) -> LayerContext:
    staging = Environment(base_url="http://127.0.0.1:9", openapi=spec_file)
    return dataclasses.replace(ctx, config=Config(environments={"staging": staging}))


def test_env_baseline_reads_the_other_environment_from_the_runs_config(
    tmp_path: Path, ctx_factory: Callable[..., LayerContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_disk(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the contract layer must not read the configuration file again")

    monkeypatch.setattr("releasegate.configfile.load_config", no_disk)
    spec_file = _write(tmp_path, "staging.json", json.dumps(MINIMAL))
    ctx = _with_staging(ctx_factory("http://127.0.0.1:9"), spec_file)
    assert contract._baseline_document(ctx, "env:staging") == (spec_file, MINIMAL)


def test_env_baseline_naming_an_unknown_environment_suggests_one(
    tmp_path: Path, ctx_factory: Callable[..., LayerContext]
) -> None:
    ctx = _with_staging(ctx_factory("http://127.0.0.1:9"), _write(tmp_path, "s.json", json.dumps(MINIMAL)))
    with pytest.raises(ConfigError, match=r"unknown environment 'stagng'") as info:
        contract._baseline_document(ctx, "env:stagng")
    assert "did you mean 'staging'?" in str(info.value)
    assert "layers.contract.baseline_spec" in str(info.value)
    assert info.value.exit_code == ExitCode.USAGE


def test_env_baseline_without_the_runs_config_is_a_config_error(
    ctx_factory: Callable[..., LayerContext],
) -> None:
    with pytest.raises(ConfigError, match=r"baseline_spec 'env:staging' names another environment"):
        contract._baseline_document(ctx_factory("http://127.0.0.1:9"), "env:staging")


def test_unknown_check_suggests_the_right_one() -> None:
    with pytest.raises(ValidationError, match=r"did you mean 'not_a_server_error'"):
        contract.ContractSettings(checks=["not_a_server_eror"])


def test_unreachable_spec_url_is_an_error_result(ctx_factory: Callable[..., LayerContext]) -> None:
    ctx = ctx_factory("http://127.0.0.1:9", env=Environment(name="x", base_url="http://127.0.0.1:9"))
    result = contract.run(ctx)
    assert result.status is LayerStatus.ERROR
    assert "http://127.0.0.1:9/openapi.json" in (result.error or "")
    assert not result.samples


@pytest.mark.integration
def test_spec_served_as_html_is_an_error_result(
    promptlib: RunningApp, ctx_factory: Callable[..., LayerContext]
) -> None:
    env = Environment(name="x", base_url=promptlib.url, openapi="/explore")
    result = contract.run(ctx_factory(promptlib.url, env=env))
    assert result.status is LayerStatus.ERROR
    assert "HTML page" in (result.error or "")
    assert "/explore" in (result.error or "")


def test_curl_uses_variable_references_for_secret_headers() -> None:
    example = FailureExample(
        check="c",
        operation="GET /a",
        title="t",
        message="m",
        code="X",
        case_id="abc",
        status_code=500,
        phase="fuzzing",
        method="GET",
        url="http://h/a?q=1",
    )
    sample = "curl -X GET -H 'Authorization: [Filtered]' 'http://h/a?q=1'"
    curl = curl_for(example, sample, {"Authorization": "Bearer ${TOKEN_VAR}"})
    assert curl == "curl -X GET -H \"Authorization: Bearer ${TOKEN_VAR}\" 'http://h/a?q=1'"
    assert curl_for(example, None, {}) == "curl -X GET 'http://h/a?q=1'"
    # a filtered value no template names becomes a placeholder, never the tool's mask
    assert (
        curl_for(example, sample, {}) == "curl -X GET -H \"Authorization: ${AUTHORIZATION}\" 'http://h/a?q=1'"
    )


def test_scrub_removes_plain_escaped_and_base64_secrets(tmp_path: Path) -> None:
    secret = 'tok-"PLANTED"-0123456789'
    body = base64.b64encode(f'{{"headers": {{"Authorization": "Bearer {secret}"}}}}'.encode()).decode()
    (tmp_path / "events.ndjson").write_text(json.dumps({"E": {"content": {"$base64": body}}}) + "\n")
    (tmp_path / "cassette.yaml").write_text(f"string: 'Bearer {secret}'\n")
    (tmp_path / "report.json").write_text(json.dumps({"h": secret}))
    changed = scrub_tree(tmp_path, [secret])
    assert len(changed) == 3
    for path in tmp_path.iterdir():
        text = path.read_text()
        assert secret not in text
        assert json.dumps(secret)[1:-1] not in text
    decoded = base64.b64decode(
        json.loads((tmp_path / "events.ndjson").read_text())["E"]["content"]["$base64"]
    )
    assert b"PLANTED" not in decoded
    assert b"[redacted]" in decoded


def test_schemathesis_masks_secrets_but_not_a_parameter_named_author(tmp_path: Path) -> None:
    """The run's config narrows schemathesis's own markers: ``author`` is no secret."""
    import tomllib

    from schemathesis.config._output import SanitizationConfig
    from schemathesis.core.output.sanitization import sanitize_url

    from releasegate.layers._contract.runner import RunPlan, write_config

    plan = RunPlan(
        spec_file=tmp_path / "spec.json", api_url="http://x", work_dir=tmp_path, seed=1, phases=["examples"],
        max_examples=1, workers=1, request_timeout_s=1.0,
    )  # fmt: skip
    write_config(plan)
    data = tomllib.loads(plan.config_file.read_text())
    config = SanitizationConfig.from_dict(data["output"]["sanitization"])
    url = sanitize_url("http://x/api/prompts?author=kim&access_token=abc&password=pw", config=config)
    assert "author=kim" in url
    assert "abc" not in url
    assert "pw" not in url.split("?", 1)[1].replace("password", "")
    own = RunPlan(
        **{**plan.__dict__, "base_settings": {"output": {"sanitization": {"sensitive-markers": ["x"]}}}}
    )
    assert write_config(own) == []  # the user's own markers win and are no conflict
    assert tomllib.loads(own.config_file.read_text())["output"]["sanitization"]["sensitive-markers"] == ["x"]
