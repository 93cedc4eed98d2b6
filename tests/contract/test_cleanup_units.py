"""Which answers of a contract run created something, and which DELETE removes it (table tests)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from releasegate.layers._contract.cleanup import Created, created_resources

SPEC: dict[str, Any] = {
    "paths": {
        "/api/prompts": {"get": {}, "post": {}},
        "/api/prompts/{prompt_id}": {"get": {}, "put": {}, "delete": {}},
        "/api/prompts/{prompt_id}/like": {"post": {}, "delete": {}},
        "/api/tags": {"post": {}},
        "/api/files/{name}": {"put": {}, "delete": {}},
        "/api/auth/signup": {"post": {}},
        "/api/shelves": {"post": {}},
        "/api/shelves/{id}": {"delete": {}},
    }
}
API = "http://h:1"


def _interaction(method: str, path: str, status: int, body: Any = None, **headers: str) -> dict[str, Any]:
    response: dict[str, Any] = {"status_code": status, "headers": {k: [v] for k, v in headers.items()}}
    if body is not None:
        response["content"] = {"$base64": base64.b64encode(json.dumps(body).encode()).decode()}
    return {"request": {"method": method, "uri": API + path}, "response": response}


def _found(tmp_path: Path, *interactions: dict[str, Any], api_url: str = API) -> list[Created]:
    recorder = {"interactions": {str(i): x for i, x in enumerate(interactions)}}
    path = tmp_path / "events.ndjson"
    lines = [json.dumps({"Initialize": {}}), json.dumps({"ScenarioFinished": {"recorder": recorder}}), "{cut"]
    path.write_text("\n".join(lines), encoding="utf-8")
    return created_resources(path, SPEC, api_url)


CASES = [
    # (interaction, the resource's URL to DELETE ("" when none), the DELETE operation)
    (_interaction("POST", "/api/prompts", 201, {"id": 7}), f"{API}/api/prompts/7",
     "DELETE /api/prompts/{prompt_id}"),
    (_interaction("POST", "/api/prompts", 201, None, Location="/api/prompts/9"), f"{API}/api/prompts/9",
     "DELETE /api/prompts/{prompt_id}"),
    (_interaction("POST", "/api/shelves", 200, {"shelf": {"id": "ab"}}), f"{API}/api/shelves/ab",
     "DELETE /api/shelves/{id}"),
    (_interaction("PUT", "/api/files/a.txt", 201), f"{API}/api/files/a.txt", "DELETE /api/files/{name}"),
    (_interaction("POST", "/api/tags", 201, {"id": 3}), "", None),  # the spec cannot delete a tag
]  # fmt: skip


@pytest.mark.parametrize(("interaction", "url", "delete"), CASES)
def test_created_and_how_to_delete_it(
    tmp_path: Path, interaction: dict[str, Any], url: str, delete: str | None
) -> None:
    [found] = _found(tmp_path, interaction)
    assert (found.url, found.delete) == (url, delete)


NOT_CREATED = [
    _interaction("PUT", "/api/prompts/1", 200, {"id": 1}),  # replaced a resource from before the run
    _interaction("POST", "/api/prompts", 422, {"id": 1}),  # refused
    _interaction("GET", "/api/prompts", 200, {"id": 1}),
    _interaction("POST", "/api/prompts/3/like", 200, {"prompt_id": 3, "liked": True}),  # names none
    _interaction("POST", "/elsewhere", 201, {"id": 1}),  # not an operation of the spec
]


@pytest.mark.parametrize("interaction", NOT_CREATED)
def test_not_a_creation(tmp_path: Path, interaction: dict[str, Any]) -> None:
    assert _found(tmp_path, interaction) == []


def test_unnamed_creations_are_counted_and_duplicates_listed_once(tmp_path: Path) -> None:
    signup = _interaction("POST", "/api/auth/signup", 201, {"access_token": "t", "user": {"id": 4}})
    same = _interaction("POST", "/api/prompts", 201, None, location="/api/prompts/5")
    found = _found(tmp_path, signup, signup, same, same)
    assert [(f.created_by, f.delete, f.count) for f in found] == [
        ("POST /api/auth/signup", None, 2),
        ("POST /api/prompts", "DELETE /api/prompts/{prompt_id}", 1),
    ]


def test_under_a_base_path(tmp_path: Path) -> None:
    """The spec's paths are relative to the API's base path (Shelf: /v2/api)."""
    interaction = _interaction("POST", "/v2/api/api/prompts", 201, {"id": 2})
    [found] = _found(tmp_path, interaction, api_url=f"{API}/v2/api")
    assert found.url == f"{API}/v2/api/api/prompts/2"
    assert found.resource == "/v2/api/api/prompts/2"


def test_no_events_no_resources(tmp_path: Path) -> None:
    assert created_resources(None, SPEC, API) == []
    assert created_resources(tmp_path / "missing.ndjson", SPEC, API) == []


def test_the_clean_up_is_bounded_in_time() -> None:
    """An interrupted run must still stop soon: past its time budget nothing more is sent."""
    from releasegate.layers._contract.cleanup import delete_resources

    created = [
        Created(f"http://127.0.0.1:9/api/prompts/{i}", "POST /api/prompts", f"/api/prompts/{i}", "DELETE x")
        for i in range(3)
    ] + [Created("", "POST /api/tags", "/api/tags/1", None)]
    rows = delete_resources(created, {}, timeout_s=1.0, budget_s=-1.0)
    assert [r["outcome"] for r in rows] == ["remains", "remains", "remains", "not deletable"]
    assert all("ran out" in r["problem"] for r in rows[:3])
    assert rows[3]["problem"] == "the spec has no DELETE operation for it"
