"""A user's own Lighthouse CI config: its assertions checked against the layer's runs.

Only the assertions are read (``ci.assert.assertions`` and ``ci.assert.assertMatrix``), with
Lighthouse CI's meaning: ``"off" | "warn" | "error"`` or ``[level, {minScore | maxNumericValue
| maxLength, aggregationMethod}]`` on an audit id, ``categories:<id>`` or
``resource-summary:<type>:size|count``; a level without options means ``minScore 0.9``;
``aggregationMethod`` defaults to ``optimistic`` (the best run). Numbers are in Lighthouse's
units (milliseconds, bytes). Presets (``lighthouse:recommended``) are not expanded.

Each assertion becomes a record per page; failures are counted in the
``web.lighthouserc_failures{level:error|warn}`` counter that budgets gate.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from releasegate.errors import ConfigError
from releasegate.layers._web.parse import PageRun
from releasegate.results import Record, Status

_TYPES = {"minScore": ">=", "maxNumericValue": "<=", "maxLength": "<="}
_METHODS = ("optimistic", "pessimistic", "median", "median-run")


@dataclass(frozen=True)
class Assertion:
    key: str
    level: str  # "warn" | "error"
    kind: str  # one of _TYPES
    expected: float
    method: str = "optimistic"
    url_pattern: str | None = None


@dataclass(frozen=True)
class RcFile:
    path: str
    assertions: tuple[Assertion, ...]
    ignored: tuple[str, ...] = field(default_factory=tuple)


def load(path: Path) -> RcFile:
    """Read a lighthouserc (.json, .yml, .yaml); ConfigError naming the file and key when invalid."""
    name = str(path)
    if not path.is_file():
        raise ConfigError("lighthouserc file not found", file=name, hint="fix [layers.web] lighthouserc")
    try:
        text = path.read_text("utf-8")
        data = yaml.safe_load(text) if path.suffix in (".yml", ".yaml") else json.loads(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"not valid JSON/YAML: {exc}", file=name) from None
    ci = (data or {}).get("ci", {}) if isinstance(data, dict) else {}
    block = ci.get("assert") or {}
    ignored = tuple(
        f"preset {block['preset']!r} (presets are not expanded)" for _ in [0] if block.get("preset")
    )
    groups: list[tuple[str | None, Mapping[str, Any]]] = [(None, block.get("assertions") or {})]
    for item in block.get("assertMatrix") or ():
        groups.append((item.get("matchingUrlPattern"), item.get("assertions") or {}))
    out: list[Assertion] = []
    for pattern, assertions in groups:
        for key, value in assertions.items():
            out += _assertions(key, value, pattern, name)
    return RcFile(name, tuple(out), ignored)


def _assertions(key: str, value: Any, pattern: str | None, file: str) -> list[Assertion]:
    where = f"ci.assert.assertions.{key}"
    level, options = (value, {}) if isinstance(value, str) else (value[0], value[1] if len(value) > 1 else {})
    if level == "off":
        return []
    if level not in ("warn", "error") or not isinstance(options, dict):
        raise ConfigError("expected 'off', 'warn', 'error' or [level, {options}]", file=file, key=where)
    method = options.get("aggregationMethod", "optimistic")
    if method not in _METHODS:
        raise ConfigError(f"aggregationMethod must be one of {list(_METHODS)}", file=file, key=where)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"matchingUrlPattern is not a regex: {exc}", file=file, key=where) from None
    kinds = {k: float(options[k]) for k in _TYPES if k in options}
    if not kinds:
        kinds = {"minScore": 0.9}
    return [Assertion(key, level, kind, expected, method, pattern) for kind, expected in kinds.items()]


def _values(assertion: Assertion, runs: Sequence[PageRun]) -> list[float]:
    head, _, rest = assertion.key.partition(":")
    out: list[float] = []
    for run in runs:
        value: float | None
        if head == "categories":
            value = run.scores.get(rest)
        elif head == "resource-summary" and rest:
            kind, _, prop = rest.partition(":")
            value = (run.sizes if prop == "size" else run.counts).get(kind)
        else:
            audit = run.audits.get(assertion.key)
            if audit is None:
                value = None
            elif assertion.kind == "minScore":
                value = audit.score
            elif assertion.kind == "maxNumericValue":
                value = audit.numeric
            else:
                value = float(audit.items) if audit.items is not None else None
        if value is not None:
            out.append(value)
    return out


def _aggregate(values: list[float], assertion: Assertion) -> float:
    if assertion.method in ("median", "median-run"):
        return float(statistics.median(values))
    best_is_low = assertion.kind != "minScore"
    optimistic = assertion.method == "optimistic"
    return min(values) if best_is_low == optimistic else max(values)


def check(
    rc: RcFile, runs: Sequence[PageRun], tags: Mapping[str, str]
) -> tuple[list[Record], dict[str, int]]:
    """Records for every assertion that applies to this page, and failures counted by level."""
    records: list[Record] = []
    failures = {"error": 0, "warn": 0}
    for a in rc.assertions:
        if a.url_pattern and not (runs and re.search(a.url_pattern, runs[0].final_url)):
            continue
        values = _values(a, runs)
        op = _TYPES[a.kind]
        if not values:
            passed, actual, shown = False, None, "no value (the audit did not run or was not applicable)"
        else:
            actual = _aggregate(values, a)
            passed = actual >= a.expected if op == ">=" else actual <= a.expected
            shown = f"{actual:g}"
        if not passed:
            failures[a.level] += 1
        verdict = "passed" if passed else ("FAILED" if a.level == "error" else "failed (warning)")
        records.append(
            Record(
                layer="web",
                check=f"{tags.get('preset', '')} {tags.get('page', '')} lighthouserc {a.key} {a.kind}",
                status=Status.PASS if passed or a.level == "warn" else Status.FAIL,
                message=(
                    f"lighthouserc {a.level} assertion {a.key} {a.kind} {op} {a.expected:g} on "
                    f"{tags.get('page', '')}: {verdict}, {a.method} of {len(values)} run(s) is {shown}"
                ),
                tags={**tags, "assertion": a.key, "level": a.level},
            )
        )
    return records, failures
