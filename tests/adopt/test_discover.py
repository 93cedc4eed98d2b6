"""Discovery rules and the rendered files, against in-memory servers (httpx.MockTransport).

The real servers are in test_init.py; here the point is the rules: what is accepted, what is
not, how many requests at most, and that a config rendered from nothing still validates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest
import yaml

from releasegate import scaffold
from releasegate.cli import main
from releasegate.commands.judging import checked_budgets
from releasegate.configfile import load
from releasegate.discover import MAX_REQUESTS, Discovery, discover
from releasegate.errors import TargetError, UsageError

SPEC = {"openapi": "3.1.0", "info": {"title": "shop"}, "paths": {"/items": {"get": {}}}}
Routes = Mapping[str, tuple[int, str, str]]  # path -> (status, content type, body)


def server(routes: Routes, seen: list[str] | None = None) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request.url.path)
        status, kind, body = routes.get(request.url.path, (404, "application/json", '{"detail": "nope"}'))
        return httpx.Response(status, headers={"content-type": kind}, text=body)

    return httpx.Client(transport=httpx.MockTransport(handle), follow_redirects=True)


def html(*links: str) -> tuple[int, str, str]:
    return (
        200,
        "text/html",
        "<html><body>" + "".join(f'<a href="{link}">x</a>' for link in links) + "</body></html>",
    )


def js(value: object, status: int = 200) -> tuple[int, str, str]:
    return status, "application/json", json.dumps(value)


def found_at(routes: Routes, **kwargs: object) -> Discovery:
    with server(routes) as client:
        return discover("https://shop.example.com", client=client, **kwargs)  # type: ignore[arg-type]


def test_the_root_pages_spec_link_wins_over_the_usual_places() -> None:
    found = found_at(
        {"/": html("/static/openapi-v3.json"), "/static/openapi-v3.json": js(SPEC), "/openapi.json": js(SPEC)}
    )
    assert found.openapi is not None
    assert found.openapi.path == "/static/openapi-v3.json"
    assert found.openapi.detail == "OpenAPI 3.1.0 'shop', 1 paths"


def test_json_that_is_not_a_spec_is_refused_and_yaml_specs_are_read() -> None:
    found = found_at(
        {
            "/": html(),
            "/openapi.json": js({"detail": "moved"}),
            "/openapi.yaml": (200, "application/yaml", yaml.safe_dump(SPEC)),
        }
    )
    assert found.openapi is not None
    assert found.openapi.path == "/openapi.yaml"
    assert found.tried["openapi"][:2] == ["/openapi.json", "/swagger.json"]


def test_a_json_root_lists_the_prefix_of_the_api() -> None:
    found = found_at(
        {
            "/": js({"links": {"docs": "/api/v1/docs"}}),
            "/api/v1/openapi.json": js(SPEC),
            "/api/v1/health": js({"status": "pass"}),
        }
    )
    assert "/api/v1" in found.prefixes
    assert found.openapi is not None
    assert found.openapi.path == "/api/v1/openapi.json"
    assert found.health is not None
    assert found.health.path == "/api/v1/health"


@pytest.mark.parametrize(
    ("answer", "accepted"),
    [
        (js({"status": "pass"}), True),
        (js([{"name": "db", "status": "up"}]), True),
        ((200, "text/plain", "ok"), False),
        ((200, "text/html", "<p>fine</p>"), False),
        (js({"status": "fail"}, status=503), False),
        ((200, "application/json", "{not json"), False),
    ],
)
def test_health_is_only_a_2xx_json_answer(answer: tuple[int, str, str], accepted: bool) -> None:
    found = found_at({"/": html(), "/health": answer})
    assert (found.health is not None) is accepted


def test_the_spec_names_the_health_endpoint_first() -> None:
    spec = {
        "openapi": "3.0.3",
        "servers": [{"url": "/svc"}],
        "paths": {"/ping": {"get": {}}, "/items": {"get": {}}},
    }
    found = found_at(
        {"/": html(), "/openapi.json": js(spec), "/svc/ping": js({"status": "ok"}), "/health": js({})}
    )
    assert found.health is not None
    assert found.health.path == "/svc/ping"
    assert [e.path for e in found.endpoints] == []  # /svc/items answered 404: not an endpoint


@pytest.mark.parametrize(
    ("base", "servers", "health"),
    [
        ("https://shop.example.com", [{"url": "https://shop.example.com/svc"}], "/svc/ping"),
        ("https://shop.example.com/svc", [{"url": "https://shop.example.com/svc"}], "/ping"),
        ("https://shop.example.com/svc", [{"url": "/svc/v1"}], "/v1/ping"),
    ],
)
def test_the_spec_servers_prefix_is_taken_relative_to_the_base_url(
    base: str, servers: list[dict[str, str]], health: str
) -> None:
    spec = {"openapi": "3.0.3", "servers": servers, "paths": {"/ping": {"get": {}}}}
    root = "/svc" if base.endswith("/svc") else ""
    routes = {f"{root}/": html(), f"{root}/openapi.json": js(spec), f"{root}{health}": js({"status": "ok"})}
    with server(routes) as client:
        found = discover(base, client=client)
    assert found.health is not None
    assert found.health.path == health


def test_a_malformed_spec_is_read_as_far_as_it_goes() -> None:
    spec = {
        "openapi": "3.0.3",
        "servers": "nonsense",
        "paths": {
            "/items": {"get": {"parameters": None}},
            "/odd": "x",
            "no-slash": {"get": {}},
            "/ping": {"get": None},
        },
    }
    found = found_at({"/": html(), "/openapi.json": js(spec), "/items": js([])})
    assert found.openapi is not None
    assert [e.path for e in found.endpoints] == ["/items"]


def test_endpoints_are_parameterless_gets_that_answer_2xx() -> None:
    spec = {
        "openapi": "3.1.0",
        "paths": {
            "/items": {"get": {}},
            "/items/{id}": {"get": {}},
            "/search": {"get": {"parameters": [{"name": "q", "in": "query", "required": True}]}},
            "/auth/login": {"get": {}},
            "/orders": {"post": {}},
        },
    }
    found = found_at({"/": html(), "/openapi.json": js(spec), "/items": js([]), "/auth/login": js({})})
    assert [e.path for e in found.endpoints] == ["/items"]


def test_pages_are_same_origin_html_and_never_log_out() -> None:
    routes = {
        "/": html(
            "/pricing",
            "https://other.example.com/x",
            "/logout",
            "/app.js",
            "/pricing#plans",
            "/gone",
            "/data",
        ),
        "/pricing": html(),
        "/gone": (404, "text/html", ""),
        "/data": js({}),
    }
    found = found_at(routes)
    assert found.pages == ["/", "/pricing"]


def test_discovery_stops_at_its_request_budget() -> None:
    seen: list[str] = []
    links = [f"/v{i}/page{i}" for i in range(50)] + [f"/p{i}" for i in range(100)]
    with server({"/": html(*links), **{p: html() for p in links}}, seen) as client:
        found = discover("https://shop.example.com", client=client, max_requests=12)
    assert len(seen) <= 12
    assert found.requests == len(seen)
    assert any("stopped probing after" in note for note in found.notes)


def test_the_default_budget_bounds_a_server_that_answers_everything() -> None:
    seen: list[str] = []
    links = [f"/v{i}/api/x" for i in range(30)] + [f"/p{i}" for i in range(200)]
    with server({"/": html(*links), **{p: html(*links) for p in links}}, seen) as client:
        discover("https://shop.example.com", client=client)
    assert len(seen) <= MAX_REQUESTS


def test_unreachable_and_bad_urls() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with httpx.Client(transport=httpx.MockTransport(refuse)) as client, pytest.raises(TargetError) as caught:
        discover("https://down.example.com", client=client)
    assert "cannot reach https://down.example.com/ (--base-url): connection refused" in caught.value.message
    for bad in ("ftp://x.example.com", "/just/a/path", "https://x.example.com/?q=1"):
        with pytest.raises(UsageError):
            discover(bad)


def write(found: Discovery, directory: Path) -> Path:
    for name, text in scaffold.render(found).items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text)
    return directory / scaffold.CONFIG


def test_a_config_rendered_from_nothing_found_still_validates(tmp_path: Path) -> None:
    found = found_at({"/": (404, "text/html", "")})
    assert (found.openapi, found.health, found.version, found.pages) == (None, None, None, [])
    toml = write(found, tmp_path)
    text = toml.read_text()
    assert '# openapi = "/openapi.json"' in text
    assert "not found (tried /openapi.json, /swagger.json" in text
    assert '# health_path = "/health"' in text
    config = load(toml)
    assert config.stages["pre-deploy"].layers == ["smoke", "load"]
    assert config.stages["post-deploy"].layers == ["smoke"]
    checked_budgets(config)
    assert main(["envs", "--config", str(toml)]) == 0
    assert main(["layers", "--config", str(toml)]) == 0


def test_pages_of_another_origin_go_to_web_url(tmp_path: Path) -> None:
    api = {"/": js({}), "/openapi.json": js(SPEC), "/health": js({"status": "pass"})}
    web = {"/": html("/about", "https://api.example.com/openapi.json"), "/about": html()}

    def handle(request: httpx.Request) -> httpx.Response:
        routes = web if request.url.host == "www.example.com" else api
        status, kind, body = routes.get(request.url.path, (404, "text/plain", ""))
        return httpx.Response(status, headers={"content-type": kind}, text=body)

    with httpx.Client(transport=httpx.MockTransport(handle)) as client:
        found = discover("https://api.example.com", "https://www.example.com", client=client)
    assert found.pages == ["/", "/about"]
    config = load(write(found, tmp_path))
    env = config.environments["staging"]
    assert (env.base_url, env.web_url) == ("https://api.example.com", "https://www.example.com")
    assert [p.path for p in env.pages] == ["/", "/about"]
    assert config.stages["pre-deploy"].layers == ["smoke", "contract", "e2e", "load", "web"]
    assert config.layers["web"]["pages"] == ["/", "/about"]
    checked_budgets(config)


def test_every_budget_written_names_a_metric_a_layer_publishes() -> None:
    from releasegate.commands.judging import specs

    published = {f"{layer}.{metric}" for layer, spec in specs().items() for metric in spec.metrics}
    for key, _expr, _what in scaffold.BUDGETS:
        assert key.split("{")[0] in published, key


def test_the_written_workflow_passes_actionlint(tmp_path: Path) -> None:
    from tests.pipelines.test_workflows import lint

    write(found_at({"/": html()}), tmp_path)
    proc = lint(tmp_path / scaffold.WORKFLOW)
    assert proc.returncode == 0, proc.stdout


def test_a_single_page_apps_scripts_name_the_api_prefix() -> None:
    seen: list[str] = []
    page = (
        '<html><head><script src="https://cdn.example.net/lib.js"></script><script src="/a.js"></script>'
        '<script src="/b.js"></script><script src="/c.js"></script></head><body></body></html>'
    )
    routes = {
        "/": (200, "text/html", page),
        "/a.js": (200, "text/javascript", "const API = '';"),
        "/b.js": (200, "text/javascript", "fetch(`${API}/v7/api${path}`)"),
        "/c.js": (200, "text/javascript", "fetch('/v9/api/x')"),
        "/v7/api/openapi.json": js(SPEC),
    }
    with server(routes, seen) as client:
        found = discover("https://shop.example.com", client=client)
    assert found.prefixes[:2] == ["/v7", "/v7/api"]
    assert found.openapi is not None
    assert found.openapi.path == "/v7/api/openapi.json"
    assert "/c.js" not in seen, "at most two scripts are read"
    assert "/lib.js" not in seen, "scripts of other origins are not read"


def test_the_health_answer_can_be_the_version_endpoint() -> None:
    found = found_at({"/": html(), "/health": js({"status": "pass", "version": "1.2.3"})})
    assert found.version is not None
    assert found.version.path == "/health"


def test_past_the_deadline_nothing_more_is_sent_and_the_config_still_validates(tmp_path: Path) -> None:
    seen: list[str] = []
    with server({"/": html("/about"), "/openapi.json": js(SPEC)}, seen) as client:
        found = discover("https://shop.example.com", client=client, deadline_s=0)
    assert seen == ["/"]
    assert found.openapi is None
    assert any("stopped probing after 1 requests" in note for note in found.notes)
    checked_budgets(load(write(found, tmp_path)))
