"""Breaking changes between two OpenAPI 3.x / Swagger 2.0 documents, from a client's point of view.

What breaks a client that was written against the baseline:

* ``removed_operation``         an operation it calls is gone;
* ``removed_status``            a documented response status it handles is gone;
* ``removed_response_field``    a field it reads from a JSON response is gone;
* ``changed_type``              a field or parameter changed type (a response now returns a type the
                                client does not expect, or a request no longer accepts what it sends);
* ``new_required_field``        a JSON request body field it does not send became required;
* ``new_required_parameter``    a parameter it does not send became required;
* ``narrowed_enum``             a value it may send in a request is no longer allowed.

Additions (new operations, optional fields, new response fields, wider enums) are not breaking.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from releasegate.layers._contract.spec import HTTP_METHODS

__all__ = ["Change", "breaking_changes"]

JSON_TYPES = ("application/json",)
_MAX_DEPTH = 12


@dataclass(frozen=True, order=True)
class Change:
    kind: str
    operation: str
    location: str  # "response 200 body.items[].title", "query parameter tag", ...
    detail: str

    @property
    def message(self) -> str:
        return f"{self.operation}: {self.detail}"


class _Doc:
    def __init__(self, document: dict[str, Any]) -> None:
        self.doc = document
        self.swagger2 = "swagger" in document

    def deref(self, node: Any, seen: frozenset[str] = frozenset()) -> Any:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                return {}
            seen = seen | {ref}
            target: Any = self.doc
            for part in ref[2:].split("/"):
                target = (
                    target.get(part.replace("~1", "/").replace("~0", "~"), {})
                    if isinstance(target, dict)
                    else {}
                )
            node = target
        return node if isinstance(node, dict) else {}

    def operations(self) -> dict[str, tuple[dict[str, Any], list[Any]]]:
        found: dict[str, tuple[dict[str, Any], list[Any]]] = {}
        for path, raw_item in (self.doc.get("paths") or {}).items():
            item = self.deref(raw_item)
            shared = list(item.get("parameters") or [])
            for method in HTTP_METHODS:
                op = item.get(method)
                if isinstance(op, dict):
                    found[f"{method.upper()} {path}"] = (op, shared + list(op.get("parameters") or []))
        return found

    def parameters(self, params: list[Any]) -> dict[tuple[str, str], dict[str, Any]]:
        out: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in params:
            param = self.deref(raw)
            if param.get("in") != "body" and param.get("name"):
                out[(str(param["in"]), str(param["name"]))] = param
        return out

    def request_body(self, op: dict[str, Any], params: list[Any]) -> tuple[dict[str, Any], bool] | None:
        if self.swagger2:
            for raw in params:
                param = self.deref(raw)
                if param.get("in") == "body":
                    return self.deref(param.get("schema") or {}), bool(param.get("required"))
            return None
        body = self.deref(op.get("requestBody") or {})
        content = body.get("content") or {}
        for media in JSON_TYPES:
            if media in content:
                return self.deref((content[media] or {}).get("schema") or {}), bool(body.get("required"))
        return None

    def responses(self, op: dict[str, Any]) -> dict[str, dict[str, Any] | None]:
        out: dict[str, dict[str, Any] | None] = {}
        for status, raw in (op.get("responses") or {}).items():
            response = self.deref(raw)
            schema: Any = None
            if self.swagger2:
                schema = response.get("schema")
            else:
                content = response.get("content") or {}
                media = next((m for m in JSON_TYPES if m in content), None)
                schema = (content[media] or {}).get("schema") if media else None
            out[str(status)] = self.deref(schema) if schema is not None else None
        return out

    def flatten(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Merge ``allOf`` members so properties and required lists can be compared."""
        schema = self.deref(schema)
        if "allOf" not in schema:
            return schema
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        props = dict(merged.get("properties") or {})
        required = list(merged.get("required") or [])
        for member in schema["allOf"]:
            part = self.flatten(member)
            props.update(part.get("properties") or {})
            required += part.get("required") or []
            for key in ("type", "enum", "items"):
                if key in part:
                    merged.setdefault(key, part[key])
        merged["properties"], merged["required"] = props, required
        return merged

    def types(self, schema: dict[str, Any]) -> frozenset[str] | None:
        schema = self.flatten(schema)
        if "type" in schema:
            t = schema["type"]
            return frozenset(t if isinstance(t, list) else [t])
        members = schema.get("anyOf") or schema.get("oneOf")
        if members:
            out: set[str] = set()
            for member in members:
                sub = self.types(member)
                if sub is None:
                    return None
                out |= sub
            return frozenset(out)
        return None


def _widen(types: frozenset[str]) -> frozenset[str]:
    return types | {"integer"} if "number" in types else types


class _Differ:
    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = _Doc(old), _Doc(new)

    def run(self) -> list[Change]:
        old_ops, new_ops = self.old.operations(), self.new.operations()
        changes = [
            Change("removed_operation", op, "operation", f"operation {op} was removed")
            for op in old_ops
            if op not in new_ops
        ]
        for op, (old_op, old_params) in old_ops.items():
            if op in new_ops:
                new_op, new_params = new_ops[op]
                changes += self._parameters(op, old_params, new_params)
                changes += self._request(op, old_op, old_params, new_op, new_params)
                changes += self._responses(op, old_op, new_op)
        return sorted(set(changes))

    def _parameters(self, op: str, old_raw: list[Any], new_raw: list[Any]) -> Iterator[Change]:
        old, new = self.old.parameters(old_raw), self.new.parameters(new_raw)
        for key, param in new.items():
            where = f"{key[0]} parameter {key[1]}"
            before = old.get(key)
            if param.get("required") and not (before and before.get("required")):
                yield Change("new_required_parameter", op, where, f"{where} is now required")
            if before is not None:
                old_s, new_s = before.get("schema", before), param.get("schema", param)
                yield from self._request_schema(op, where, old_s, new_s, 0)

    def _request(
        self, op: str, old_op: dict[str, Any], old_p: list[Any], new_op: dict[str, Any], new_p: list[Any]
    ) -> Iterator[Change]:
        old, new = self.old.request_body(old_op, old_p), self.new.request_body(new_op, new_p)
        if new is None:
            return
        if new[1] and not (old and old[1]):
            yield Change("new_required_parameter", op, "request body", "a request body is now required")
        if old is not None:
            yield from self._request_schema(op, "request body", old[0], new[0], 0)

    def _request_schema(self, op: str, where: str, old_s: Any, new_s: Any, depth: int) -> Iterator[Change]:
        if depth > _MAX_DEPTH or not isinstance(old_s, dict) or not isinstance(new_s, dict):
            return
        old, new = self.old.flatten(old_s), self.new.flatten(new_s)
        old_t, new_t = self.old.types(old), self.new.types(new)
        if old_t is not None and new_t is not None and old_t - _widen(new_t):
            yield Change(
                "changed_type", op, where, f"{where} changed type from {_fmt(old_t)} to {_fmt(new_t)}"
            )
        if isinstance(old.get("enum"), list) and isinstance(new.get("enum"), list):
            removed = [v for v in old["enum"] if v not in new["enum"]]
            if removed:
                yield Change("narrowed_enum", op, where, f"{where} no longer accepts {removed}")
        old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
        old_req = set(old.get("required") or [])
        for name in new.get("required") or []:
            if name not in old_req:
                field = f"{where}.{name}"
                yield Change("new_required_field", op, field, f"{field} is now a required field")
        for name, sub in new_props.items():
            if name in old_props:
                yield from self._request_schema(op, f"{where}.{name}", old_props[name], sub, depth + 1)
        if "items" in old and "items" in new:
            yield from self._request_schema(op, f"{where}[]", old["items"], new["items"], depth + 1)

    def _responses(self, op: str, old_op: dict[str, Any], new_op: dict[str, Any]) -> Iterator[Change]:
        old, new = self.old.responses(old_op), self.new.responses(new_op)
        for status, old_schema in old.items():
            if status not in new:
                if status != "default":
                    yield Change("removed_status", op, f"response {status}", f"response {status} was removed")
                continue
            new_schema = new[status]
            if old_schema is not None and new_schema is not None:
                yield from self._response_schema(op, f"response {status} body", old_schema, new_schema, 0)

    def _response_schema(self, op: str, where: str, old_s: Any, new_s: Any, depth: int) -> Iterator[Change]:
        if depth > _MAX_DEPTH or not isinstance(old_s, dict) or not isinstance(new_s, dict):
            return
        old, new = self.old.flatten(old_s), self.new.flatten(new_s)
        old_t, new_t = self.old.types(old), self.new.types(new)
        if old_t is not None and new_t is not None and new_t - _widen(old_t):
            yield Change(
                "changed_type", op, where, f"{where} changed type from {_fmt(old_t)} to {_fmt(new_t)}"
            )
        old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
        for name, sub in old_props.items():
            field = f"{where}.{name}"
            if name not in new_props:
                yield Change("removed_response_field", op, field, f"{field} was removed from the response")
            else:
                yield from self._response_schema(op, field, sub, new_props[name], depth + 1)
        if "items" in old and "items" in new:
            yield from self._response_schema(op, f"{where}[]", old["items"], new["items"], depth + 1)


def _fmt(types: frozenset[str]) -> str:
    return "|".join(sorted(types))


def breaking_changes(baseline: dict[str, Any], current: dict[str, Any]) -> list[Change]:
    """The changes in ``current`` that break clients of ``baseline``, sorted and de-duplicated."""
    return _Differ(baseline, current).run()
