"""Whether a fixed seed reproduced: the same generated cases against a stateful target may not.

A layer that draws its cases from a seed records it (``meta["seed"]``) and whether the seed was
fixed by the config (``meta["seed_fixed"]``). With a fixed seed the cases are the same every run,
so when the failing checks differ from the last run in the history with the same seed, the
difference came from the target's state (data an earlier run or another layer wrote), not from
the cases: the report says so, so nobody takes "seed 7 reproduces this" at its word.
"""

from __future__ import annotations

from releasegate.gates.history import History
from releasegate.results import LayerResult, MetricKind, RunResult

__all__ = ["seed_notes"]

LOOK_BACK = 10


def _failing(layer: LayerResult) -> set[str]:
    """What failed, as the counters that counted something (the history keeps samples, not records)."""
    out = set()
    for s in layer.samples:
        if s.kind is MetricKind.COUNTER and (sum(s.values) + sum(v * c for v, c in s.buckets)) > 0:
            tags = ",".join(f"{k}:{v}" for k, v in sorted(s.tags.items()))
            out.add(f"{s.metric}{{{tags}}}" if tags else s.metric)
    return out


def seed_notes(run: RunResult, history: History) -> list[str]:
    notes: list[str] = []
    fixed = [lr for lr in run.layers if lr.meta.get("seed_fixed") and lr.meta.get("seed") is not None]
    if not fixed:
        return notes
    earlier = [
        r
        for r in history.runs(environment=run.info.environment, stage=run.info.stage, limit=LOOK_BACK)
        if r.run_id != run.info.run_id
    ]
    for layer in fixed:
        for stored in earlier:
            before = history.load(stored.run_id).layer(layer.layer)
            if before is None or before.meta.get("seed") != layer.meta["seed"]:
                continue
            now, then = _failing(layer), _failing(before)
            if now != then:
                gone, new = sorted(then - now), sorted(now - then)
                notes.append(
                    f"{layer.layer}: seed {layer.meta['seed']} did not reproduce run {stored.run_id} "
                    f"(failing now: {', '.join(new[:3]) or 'none'}; then: {', '.join(gone[:3]) or 'none'}): "
                    "the same generated cases met a target in another state (data written by earlier "
                    "runs or layers); reset the target between runs ([environments.X] reset) to reproduce"
                )
            break
    return notes
