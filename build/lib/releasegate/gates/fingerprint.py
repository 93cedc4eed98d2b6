"""What makes two runs comparable: the same environment, stage, load profile and tool versions.

The commit is recorded with every run but is not part of the fingerprint: comparing
commits is the point of a baseline.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from releasegate.results import RunResult

COMPARABLE_META = (
    "profile",
    "load_profile",
    "users",
    "spawn_rate",
    "run_time",
    "preset",
    "form_factor",
    "throttling",
    "tool_version",
)


def fingerprint(run: RunResult) -> dict[str, Any]:
    info = run.info
    profile = info.options.get("load_profile") or next(
        (lr.meta["profile"] for lr in run.layers if lr.meta.get("profile")), None
    )
    meta = {
        lr.layer: {k: lr.meta[k] for k in COMPARABLE_META if k in lr.meta and k != "profile"}
        for lr in run.layers
    }
    return {
        "environment": info.environment,
        "stage": info.stage,
        "load_profile": profile,
        "tool_versions": dict(sorted(info.tool_versions.items())),
        "layer_settings": {k: v for k, v in sorted(meta.items()) if v},
    }


def digest(fp: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fp, sort_keys=True, default=str).encode()).hexdigest()[:16]


def differences(current: dict[str, Any], other: dict[str, Any]) -> list[str]:
    """Sentences naming what differs between two fingerprints (empty when comparable)."""
    out = []
    for name in ("environment", "stage", "load_profile"):
        if current.get(name) != other.get(name):
            out.append(f"{name.replace('_', ' ')} {other.get(name)!r} vs {current.get(name)!r} now")
    tools_now, tools_then = current.get("tool_versions", {}), other.get("tool_versions", {})
    for tool in sorted(set(tools_now) | set(tools_then)):
        if tools_now.get(tool) != tools_then.get(tool):
            out.append(f"{tool} {tools_then.get(tool, 'absent')} vs {tools_now.get(tool, 'absent')} now")
    meta_now, meta_then = current.get("layer_settings", {}), other.get("layer_settings", {})
    for layer in sorted(set(meta_now) & set(meta_then)):
        for key in sorted(set(meta_now[layer]) | set(meta_then[layer])):
            a, b = meta_then[layer].get(key), meta_now[layer].get(key)
            if a != b:
                out.append(f"{layer} {key} {a!r} vs {b!r} now")
    if not out and digest(current) != digest(other):
        out.append("the recorded settings differ")
    return out
