"""Table tests for the breaking-change detector (pure function over two documents)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from releasegate.layers._contract.breaking import breaking_changes


def oas3() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/items": {
                "get": {
                    "parameters": [
                        {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["new", "top"]}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Item"},
                                    }
                                }
                            },
                        },
                        "404": {"description": "missing"},
                    },
                },
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewItem"}}},
                    },
                    "responses": {"201": {"description": "created"}},
                },
            },
            "/items/{id}": {
                "delete": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                    ],
                    "responses": {"204": {"description": "gone"}},
                }
            },
        },
        "components": {
            "schemas": {
                "Item": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "score": {"anyOf": [{"type": "number"}, {"type": "null"}]},
                    },
                },
                "NewItem": {
                    "type": "object",
                    "required": ["title"],
                    "properties": {
                        "title": {"type": "string"},
                        "kind": {"type": "string", "enum": ["a", "b"]},
                        "note": {"type": "string"},
                    },
                },
            }
        },
    }


def _mutate(path: list[str | int], value: Any = None, *, delete: bool = False) -> dict[str, Any]:
    doc = copy.deepcopy(oas3())
    node: Any = doc
    for part in path[:-1]:
        node = node[part]
    if delete:
        del node[path[-1]]
    elif isinstance(node, list) and path[-1] == len(node):
        node.append(value)
    else:
        node[path[-1]] = value
    return doc


ITEM = ["components", "schemas", "Item", "properties"]
NEW = ["components", "schemas", "NewItem"]
GET_PARAMS = ["paths", "/items", "get", "parameters"]

CASES = [
    # (id, mutated document, expected (kind, operation, location) triples)
    ("identical", oas3(), []),
    (
        "removed operation",
        _mutate(["paths", "/items/{id}"], delete=True),
        [("removed_operation", "DELETE /items/{id}", "operation")],
    ),
    (
        "removed response field",
        _mutate([*ITEM, "title"], delete=True),
        [("removed_response_field", "GET /items", "response 200 body[].title")],
    ),
    (
        "response field changed type",
        _mutate([*ITEM, "id"], {"type": "string"}),
        [("changed_type", "GET /items", "response 200 body[].id")],
    ),
    ("response integer stays within number", _mutate([*ITEM, "score"], {"type": "integer"}), []),
    (
        "new required request field",
        _mutate([*NEW, "required"], ["title", "note"]),
        [("new_required_field", "POST /items", "request body.note")],
    ),
    (
        "narrowed request enum",
        _mutate([*NEW, "properties", "kind"], {"type": "string", "enum": ["a"]}),
        [("narrowed_enum", "POST /items", "request body.kind")],
    ),
    (
        "widened request enum",
        _mutate([*NEW, "properties", "kind"], {"type": "string", "enum": ["a", "b", "c"]}),
        [],
    ),
    (
        "narrowed query enum",
        _mutate([*GET_PARAMS, 0, "schema", "enum"], ["new"]),
        [("narrowed_enum", "GET /items", "query parameter sort")],
    ),
    (
        "parameter became required",
        _mutate([*GET_PARAMS, 1, "required"], True),
        [("new_required_parameter", "GET /items", "query parameter limit")],
    ),
    (
        "new required parameter",
        _mutate(
            [*GET_PARAMS, 2],
            {"name": "X-Key", "in": "header", "required": True, "schema": {"type": "string"}},
        ),
        [("new_required_parameter", "GET /items", "header parameter X-Key")],
    ),
    (
        "new optional parameter",
        _mutate([*GET_PARAMS, 2], {"name": "q", "in": "query", "schema": {"type": "string"}}),
        [],
    ),
    (
        "request parameter changed type",
        _mutate([*GET_PARAMS, 1, "schema"], {"type": "boolean"}),
        [("changed_type", "GET /items", "query parameter limit")],
    ),
    ("request integer widened to number", _mutate([*GET_PARAMS, 1, "schema"], {"type": "number"}), []),
    (
        "removed status code",
        _mutate(["paths", "/items", "get", "responses", "404"], delete=True),
        [("removed_status", "GET /items", "response 404")],
    ),
    ("new response field", _mutate([*ITEM, "extra"], {"type": "string"}), []),
    (
        "new operation",
        _mutate(["paths", "/other"], {"get": {"responses": {"200": {"description": "ok"}}}}),
        [],
    ),
]


@pytest.mark.parametrize(("new", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_breaking_changes_table(new: dict[str, Any], expected: list[tuple[str, str, str]]) -> None:
    found = [(c.kind, c.operation, c.location) for c in breaking_changes(oas3(), new)]
    assert found == expected


def test_swagger2_body_and_response_fields() -> None:
    old: dict[str, Any] = {
        "swagger": "2.0",
        "paths": {
            "/pets": {
                "post": {
                    "parameters": [{"in": "body", "name": "b", "schema": {"$ref": "#/definitions/Pet"}}],
                    "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}}},
                }
            }
        },
        "definitions": {
            "Pet": {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}}
        },
    }
    new = copy.deepcopy(old)
    del new["definitions"]["Pet"]["properties"]["age"]
    new["definitions"]["Pet"]["required"] = ["name"]
    found = {(c.kind, c.location) for c in breaking_changes(old, new)}
    assert found == {
        ("removed_response_field", "response 200 body.age"),
        ("new_required_field", "request body.name"),
    }


def test_recursive_schemas_terminate() -> None:
    doc = oas3()
    doc["components"]["schemas"]["Item"]["properties"]["parent"] = {"$ref": "#/components/schemas/Item"}
    assert breaking_changes(doc, copy.deepcopy(doc)) == []
