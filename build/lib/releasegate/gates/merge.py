"""Shards -> one run: the results of the same stage and environment, run as several jobs
(load from several generators, e2e shards of a CI matrix, any layer split across machines),
merged into one RunResult that ``releasegate judge`` gives one verdict on.

Merging is exact: for each metric and tag set, raw values are concatenated and HDR buckets
summed per value, so every aggregate (count, rate, percentiles) is that of the union of the
observations. Timelines are aligned on the wall clock, to the second, from each shard's layer
start. A layer whose data cannot be trusted in one shard cannot be trusted merged (error);
records keep a ``shard`` tag naming their run, and artifact paths point into
``shards/<run-id>/`` where the command copies each shard's directory.

Runs that are not parts of one run are refused (UsageError, exit 2): another environment,
stage, target version, load profile, tool version or layer setting.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from releasegate.errors import UsageError
from releasegate.gates.fingerprint import fingerprint
from releasegate.results import (
    Finding,
    LayerResult,
    LayerStatus,
    Record,
    RunInfo,
    RunResult,
    Samples,
    TimePoint,
)

__all__ = ["SHARDS_DIR", "conflicts", "merge_layers", "merge_runs", "merge_samples", "shard_path"]

SHARDS_DIR = "shards"
SampleKey = tuple[str, str, str, tuple[tuple[str, str], ...]]


def shard_path(run_id: str, path: str) -> str:
    """Where a shard's artifact (a path relative to its run directory) lives in the merged one."""
    return f"{SHARDS_DIR}/{run_id}/{path}"


def merge_runs(shards: Sequence[RunResult], *, run_id: str) -> RunResult:
    """One run from the runs of every shard (at least two, each once); UsageError on conflicts."""
    if len(shards) < 2:
        raise UsageError("merging needs the results of two runs or more")
    ids = [s.info.run_id for s in shards]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise UsageError(f"run {twice[0]} is given twice", hint="pass each shard's run directory once")
    problems = conflicts(shards)
    if problems:
        raise UsageError(
            "these runs are not shards of one run: " + "; ".join(problems),
            hint="merge only runs of the same environment, stage, target version and settings",
        )
    names: list[str] = []
    for s in shards:
        for name in [*s.info.layers, *(lr.layer for lr in s.layers)]:
            if name not in names:
                names.append(name)
    layers = []
    for name in names:
        parts = [(s.info.run_id, lr) for s in shards for lr in s.layers if lr.layer == name]
        if parts:
            layers.append(merge_layers(parts))
    return RunResult(info=_merged_info(shards, run_id, names), layers=layers)


def conflicts(shards: Sequence[RunResult]) -> list[str]:
    """Why ``shards`` cannot be one run (empty when they can), each shard compared with the first."""
    first = shards[0]
    fp0 = fingerprint(first)
    out: list[str] = []
    for other in shards[1:]:
        a, b = first.info, other.info
        where = f"{b.run_id} vs {a.run_id}"
        for label, x, y in (("environment", a.environment, b.environment), ("stage", a.stage, b.stage)):
            if x != y:
                out.append(f"{label} {y!r} vs {x!r} ({where})")
        if a.commit and b.commit and a.commit != b.commit:
            out.append(f"target version {b.commit!r} vs {a.commit!r} ({where})")
        fp = fingerprint(other)
        if fp0["load_profile"] and fp["load_profile"] and fp0["load_profile"] != fp["load_profile"]:
            out.append(f"load profile {fp['load_profile']!r} vs {fp0['load_profile']!r} ({where})")
        for tool in sorted(set(a.tool_versions) & set(b.tool_versions)):
            if a.tool_versions[tool] != b.tool_versions[tool]:
                out.append(f"{tool} {b.tool_versions[tool]} vs {a.tool_versions[tool]} ({where})")
        mine, theirs = fp0["layer_settings"], fp["layer_settings"]
        for layer in sorted(set(mine) & set(theirs)):
            for key in sorted(set(mine[layer]) | set(theirs[layer])):
                if mine[layer].get(key) != theirs[layer].get(key):
                    out.append(
                        f"{layer} {key} {theirs[layer].get(key)!r} vs {mine[layer].get(key)!r} ({where})"
                    )
    return out


def merge_layers(parts: Sequence[tuple[str, LayerResult]]) -> LayerResult:
    """One layer from its result in each shard, ``(shard label, result)`` pairs; the label tags
    the records and prefixes the artifact paths (``shards/<label>/...``)."""
    if not parts:
        raise ValueError("nothing to merge")
    results = [lr for _, lr in parts]
    start = min(lr.started_at for lr in results)
    bag: dict[SampleKey, list[tuple[float, Samples]]] = {}
    for _, lr in parts:
        offset = round((lr.started_at - start).total_seconds())
        for s in lr.samples:
            key = (s.metric, s.kind.value, s.unit, tuple(sorted(s.tags.items())))
            bag.setdefault(key, []).append((offset, s))
    errors = [
        f"shard {label}: {lr.error or 'failed'}" for label, lr in parts if lr.status is LayerStatus.ERROR
    ]
    statuses = {lr.status for lr in results}
    status = (
        LayerStatus.ERROR
        if errors
        else LayerStatus.SKIPPED
        if statuses == {LayerStatus.SKIPPED}
        else LayerStatus.OK
    )
    finished = [lr.finished_at for lr in results if lr.finished_at is not None]
    aborted = [f"shard {label}: {lr.aborted}" for label, lr in parts if lr.aborted]
    return LayerResult(
        layer=results[0].layer,
        status=status,
        started_at=start,
        finished_at=max(finished) if len(finished) == len(results) else None,
        records=[_tagged(rec, label) for label, lr in parts for rec in lr.records],
        samples=[merge_samples(group) for group in bag.values()],
        findings=[_tagged_finding(f, label) for label, lr in parts for f in lr.findings],
        error="; ".join(errors) or None,
        aborted="; ".join(aborted) or None,
        meta=_merged_meta(parts),
        artifacts=[shard_path(label, a) for label, lr in parts for a in lr.artifacts],
    )


def merge_samples(group: Sequence[tuple[float, Samples]]) -> Samples:
    """One series from the same metric and tags of several shards, ``(offset_s, samples)`` pairs
    (``offset_s``: the shard's layer start after the earliest one, in whole seconds)."""
    first = group[0][1]
    values = [v for _, s in group for v in s.values]
    points: dict[float, tuple[list[float], dict[float, int]]] = {}
    for offset, s in group:
        for point in s.timeline:
            vals, bucks = points.setdefault(point.t + offset, ([], {}))
            vals += point.values
            _add(bucks, point.buckets)
    spans = [offset + s.duration_s for offset, s in group if s.duration_s is not None]
    buckets: dict[float, int] = {}
    for _, s in group:
        _add(buckets, s.buckets)
    return Samples(
        metric=first.metric,
        kind=first.kind,
        unit=first.unit,
        tags=dict(first.tags),
        values=values,
        buckets=sorted(buckets.items()),
        timeline=[
            TimePoint(t=t, values=vals, buckets=sorted(bucks.items()))
            for t, (vals, bucks) in sorted(points.items())
        ],
        duration_s=max(spans) if spans else None,  # generators running side by side: the span
    )


def _add(into: dict[float, int], pairs: Sequence[tuple[float, int]]) -> None:
    for value, count in pairs:
        into[value] = into.get(value, 0) + count


def _tagged(record: Record, label: str) -> Record:
    return record.model_copy(
        update={
            "tags": {**record.tags, "shard": label},
            "artifacts": [shard_path(label, a) for a in record.artifacts],
        }
    )


def _tagged_finding(finding: Finding, label: str) -> Finding:
    return finding.model_copy(
        update={
            "tags": {**finding.tags, "shard": label},
            "evidence": [shard_path(label, p) for p in finding.evidence],
        }
    )


def _merged_meta(parts: Sequence[tuple[str, LayerResult]]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for _, lr in reversed(parts):
        meta.update(lr.meta)
    meta.pop("shard", None)
    meta["shards"] = [
        {"run_id": label, **({"shard": lr.meta["shard"]} if "shard" in lr.meta else {})}
        for label, lr in parts
    ]
    return meta


def _merged_info(shards: Sequence[RunResult], run_id: str, layers: list[str]) -> RunInfo:
    first = shards[0].info
    finished: list[datetime] = [s.info.finished_at or s.info.started_at for s in shards]
    tools: dict[str, str] = {}
    for s in shards:
        tools.update(s.info.tool_versions)
    options = {**first.options, "merged_from": [s.info.run_id for s in shards]}
    options.pop("shard", None)
    return first.model_copy(
        update={
            "run_id": run_id,
            "layers": layers,
            "commit": next((s.info.commit for s in shards if s.info.commit), None),
            "started_at": min(s.info.started_at for s in shards),
            "finished_at": max(finished),
            "tool_versions": dict(sorted(tools.items())),
            "options": options,
        }
    )
