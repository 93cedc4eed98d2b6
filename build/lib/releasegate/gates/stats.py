"""Is the new run slower than the baseline? A test that is both significant and large enough.

As in automated canary analysis, a latency regression is reported only when

* a one-sided Mann-Whitney U test (``scipy.stats.mannwhitneyu``, alternative "greater")
  says the current observations tend to be larger with ``p < alpha`` (0.001), and
* the effect is large enough: the median grew by at least ``min_relative`` (10 %) and by at
  least ``min_absolute`` (5 ms by default, in the metric's base unit).

Either alone is noise: with thousands of samples a 1 % shift is "significant", and with a
handful a 30 % jump can be chance. Both series are reduced to at most ``max_points``
representative values (evenly spaced quantiles of the weighted distribution), which keeps
the test fast and the history small.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from releasegate.gates.aggregate import Weighted, percentile


@dataclass(frozen=True)
class RegressionPolicy:
    alpha: float = 0.001
    min_relative: float = 0.10
    min_absolute: float = 0.005
    min_samples: int = 20
    max_points: int = 2000


@dataclass(frozen=True)
class Comparison:
    p_value: float
    median: float
    baseline_median: float
    relative_change: float
    absolute_change: float
    samples: int
    baseline_samples: int
    significant: bool
    large_enough: bool

    @property
    def detected(self) -> bool:
        return self.significant and self.large_enough


def representative(pairs: Weighted, max_points: int = 2000) -> list[float]:
    """Up to ``max_points`` values standing for a weighted distribution (all of it when small)."""
    total = sum(w for _, w in pairs)
    if total <= 0:
        return []
    if total <= max_points and all(float(w).is_integer() for _, w in pairs):
        return [v for v, w in pairs for _ in range(int(w))]
    points = min(max_points, math.ceil(total))
    out = []
    for i in range(points):
        value = percentile(pairs, 100.0 * (i + 0.5) / points)
        if value is not None:
            out.append(value)
    return out


def compare(
    current: Sequence[float], baseline: Sequence[float], policy: RegressionPolicy | None = None
) -> Comparison | None:
    """Mann-Whitney U plus effect size; None when either side has too few samples."""
    from scipy.stats import mannwhitneyu

    policy = policy or RegressionPolicy()
    if len(current) < policy.min_samples or len(baseline) < policy.min_samples:
        return None
    med = _median(current)
    base_med = _median(baseline)
    result = mannwhitneyu(current, baseline, alternative="greater", method="asymptotic")
    p_value = float(result.pvalue)
    if math.isnan(p_value):
        p_value = 1.0
    absolute = med - base_med
    relative = absolute / abs(base_med) if base_med else (math.inf if absolute > 0 else 0.0)
    return Comparison(
        p_value=p_value,
        median=med,
        baseline_median=base_med,
        relative_change=relative,
        absolute_change=absolute,
        samples=len(current),
        baseline_samples=len(baseline),
        significant=p_value < policy.alpha,
        large_enough=relative >= policy.min_relative and absolute >= policy.min_absolute,
    )


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2
