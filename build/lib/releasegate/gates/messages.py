"""Sentences a release manager can read, built from verdict values."""

from __future__ import annotations

from collections.abc import Mapping

from releasegate.gates.nodes import Aggregation
from releasegate.gates.units import fmt_delta, fmt_value

_LIMIT_WORDS = {
    "<": "against a budget of",
    "<=": "against a budget of",
    ">": "against a minimum of",
    ">=": "against a minimum of",
}
_PASS_WORDS = {"against a budget of": "within the budget of", "against a minimum of": "above the minimum of"}


def subject(layer: str, metric: str, selector: Mapping[str, str]) -> str:
    """What was measured: the selector's values when there is one, else ``layer.metric``."""
    if selector:
        return ", ".join(selector.values())
    return f"{layer}.{metric}"


def observation(
    aggregation: Aggregation,
    what: str,
    *,
    observed: float | None,
    op: str,
    limit: float | None,
    unit: str,
    passed: bool | None,
    baseline: float | None = None,
    relative_to_baseline: bool = False,
) -> str:
    """``p95 of GET /api/prompts was 912 ms against a budget of 800 ms (+14 %)``."""
    head = f"{aggregation.label} of {what} was {fmt_value(observed, unit)}"
    if limit is None:
        if relative_to_baseline:
            return f"{head}; there is no baseline to compare with"
        return head
    if op == "==":
        text = f"{head}, as required" if passed else f"{head}, expected {fmt_value(limit, unit)}"
    elif op == "!=":
        text = (
            f"{head}, not the forbidden {fmt_value(limit, unit)}" if passed else f"{head}, which is forbidden"
        )
    else:
        words = _LIMIT_WORDS[op]
        if passed:
            words = _PASS_WORDS.get(words, words)
        text = f"{head} {words} {fmt_value(limit, unit)}"
    if relative_to_baseline and baseline is not None:
        text += f" (baseline {fmt_value(baseline, unit)})"
    delta = relative(observed, limit)
    if delta is not None and op not in ("==", "!="):
        text += f" ({fmt_delta(delta)})"
    return text


def relative(observed: float | None, reference: float | None) -> float | None:
    if observed is None or reference is None or reference == 0:
        return None
    return (observed - reference) / abs(reference)


def count_phrase(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
