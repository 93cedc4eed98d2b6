"""A user's own Lighthouse CI config, judged by Lighthouse CI's own assertion engine.

The lighthouserc is found as ``lhci`` finds it (``.lighthouserc.json|.yml|.yaml|.js`` or
``lighthouserc.*`` in the working directory and its parents) or named by ``[layers.web]
lighthouserc``, and read by ``lhci``'s own loader. Its ``ci.assert`` block (``assertions``,
``assertMatrix``, ``preset`` such as ``lighthouse:recommended`` / ``no-pwa`` / ``all``,
``aggregationMethod``, ``budgetsFile``) is evaluated over the layer's Lighthouse reports by
the pinned ``@lhci/cli``'s assertion engine, run in Node: releasegate re-implements none of it.
Its ``ci.collect`` settings (``url``, ``numberOfRuns``, ``settings.preset``) fill the web
layer's settings that ``[layers.web]`` leaves unset; where both set one, releasegate's wins and
a note says so.

Each assertion result is a record per page; failures count in
``web.lighthouserc_failures{level:error|warn}`` (a ``warn`` failure is a warning, never a pass
stored as one).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from releasegate.errors import ConfigError, LayerError
from releasegate.nodetools import ensure_web_tools
from releasegate.results import Record, Status

__all__ = ["RC_NAMES", "RcFile", "check", "find", "load"]

RC_NAMES = (
    ".lighthouserc.json",
    ".lighthouserc.yml",
    ".lighthouserc.yaml",
    ".lighthouserc.js",
    ".lighthouserc.cjs",
    "lighthouserc.json",
    "lighthouserc.yml",
    "lighthouserc.yaml",
    "lighthouserc.js",
    "lighthouserc.cjs",
)
_SCRIPT = Path(__file__).with_name("lhci_assert.cjs")
_TIMEOUT_S = 120.0
_OPS = {">=": ">=", "<=": "<=", "==": "=="}


@dataclass(frozen=True)
class RcFile:
    path: str
    assert_options: Mapping[str, Any]
    collect: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def ignored(self) -> tuple[str, ...]:
        return self.notes


def find(start: Path | None = None) -> Path | None:
    """A lighthouserc where ``lhci`` looks for one: the working directory, then its parents."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in RC_NAMES:
            if (folder / name).is_file():
                return folder / name
        if (folder / ".git").exists():
            return None
    return None


def _node(request: Mapping[str, Any]) -> Any:
    utils = ensure_web_tools() / "node_modules" / "@lhci" / "utils"
    if not (utils / "src" / "assertions.js").is_file():
        raise LayerError("web", f"Lighthouse CI's assertion engine is missing ({utils})", hint="npm ci")
    try:
        done = subprocess.run(
            ["node", str(_SCRIPT)],
            input=json.dumps({**request, "utils": str(utils)}),
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LayerError("web", f"Lighthouse CI's assertion engine did not run: {exc}") from None
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise LayerError("web", f"Lighthouse CI's assertion engine failed: {tail[0]}")
    return json.loads(done.stdout)


def load(path: Path) -> RcFile:
    """Read a lighthouserc with lhci's loader; ConfigError naming the file when it is unusable."""
    name = str(path)
    if not path.is_file():
        raise ConfigError("lighthouserc file not found", file=name, hint="fix [layers.web] lighthouserc")
    try:
        data = _node({"load": str(path.resolve())})
    except LayerError as exc:
        raise ConfigError(f"not a readable lighthouserc: {exc.message}", file=name) from None
    ci = data.get("ci", {}) if isinstance(data, dict) else {}
    block = ci.get("assert") or {}
    if not isinstance(block, dict):
        raise ConfigError("ci.assert must be a table", file=name, key="ci.assert")
    if block.get("assertMatrix") and (block.get("assertions") or block.get("preset")):
        raise ConfigError(
            "assertMatrix cannot be combined with assertions or preset", file=name, key="ci.assert"
        )
    groups = [
        block.get("assertions") or {},
        *((m or {}).get("assertions") or {} for m in block.get("assertMatrix") or ()),
    ]
    for group in groups:
        for key, value in group.items():
            _check_assertion(key, value, name)
    collect = ci.get("collect") or {}
    return RcFile(name, block, collect if isinstance(collect, dict) else {})


_LEVELS = ("off", "warn", "error")
_METHODS = ("optimistic", "pessimistic", "median", "median-run")


def _check_assertion(key: str, value: Any, file: str) -> None:
    """The shape lhci accepts, checked up front so a typo names its key (lhci would throw later)."""
    where = f"ci.assert.assertions.{key}"
    level, options = (value, {}) if isinstance(value, str) else (value[0], value[1] if len(value) > 1 else {})
    if level not in _LEVELS or not isinstance(options, dict):
        raise ConfigError("expected 'off', 'warn', 'error' or [level, {options}]", file=file, key=where)
    method = options.get("aggregationMethod", "optimistic")
    if method not in _METHODS:
        raise ConfigError(f"aggregationMethod must be one of {list(_METHODS)}", file=file, key=where)


def check(
    rc: RcFile, reports: Sequence[Path], tags: Mapping[str, str]
) -> tuple[list[Record], dict[str, int]]:
    """Records for every assertion lhci evaluates on this page's reports, failures by level."""
    records: list[Record] = []
    failures = {"error": 0, "warn": 0}
    if not rc.assert_options or not reports:
        return records, failures
    results = _node({"assert": dict(rc.assert_options), "lhrs": [str(p) for p in reports]})
    for result in results:
        level = str(result.get("level", "error"))
        passed = bool(result.get("passed"))
        if not passed and level in failures:
            failures[level] += 1
        # the assertion's key as the lighthouserc writes it: categories:seo, resource-summary:script:size
        prop = str(result.get("auditProperty") or "").replace(".", ":")
        audit = str(result.get("auditId", "?")) + (f":{prop}" if prop else "")
        kind = str(result.get("name", ""))
        op = _OPS.get(str(result.get("operator", "")), str(result.get("operator", "")))
        verdict = "passed" if passed else ("FAILED" if level == "error" else "failed (warning)")
        records.append(
            Record(
                layer="web",
                check=f"{tags.get('preset', '')} {tags.get('page', '')} lighthouserc {audit} {kind}",
                status=Status.PASS if passed else (Status.FAIL if level == "error" else Status.WARN),
                message=(
                    f"lighthouserc {level} assertion {audit} {kind} {op} {result.get('expected')} on "
                    f"{tags.get('page', '')}: {verdict}, actual {result.get('actual')}"
                ),
                tags={**tags, "assertion": audit, "level": level},
            )
        )
    return records, failures
