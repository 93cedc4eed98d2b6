"""The /metrics source's quantiles equal PromQL's ``histogram_quantile`` on the same buckets.

Each table row is handed to ``promtool test rules`` (shipped with Debian's prometheus) as
input series, with the value ``bucket_quantile`` computed as the expected sample: promtool
fails the file when the real PromQL engine answers differently.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import pytest

from releasegate.fixtures.promptlib.metrics import BUCKETS
from releasegate.layers._watch.quantile import bucket_quantile

PROMTOOL = shutil.which("promtool")
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(PROMTOOL is None, reason="promtool (Debian's prometheus package) is not installed"),
]

# cumulative counts per upper bound (promptlib's bounds), as bucket deltas of a watch interval
PROMPTLIB_BOUNDS = (*BUCKETS, math.inf)
TABLE: list[tuple[tuple[float, ...], tuple[int, ...]]] = [
    (PROMPTLIB_BOUNDS, (40, 90, 95, 97, 98, 98, 99, 100, 100, 100, 100, 100)),
    (PROMPTLIB_BOUNDS, (0, 0, 0, 0, 1, 3, 17, 20, 20, 20, 20, 20)),
    (PROMPTLIB_BOUNDS, (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4)),  # most in +Inf: the top bound
    ((0.1, 0.2, 1.0, math.inf), (5, 7, 11, 12)),
    ((-0.2, -0.1, 0.3, math.inf), (1, 2, 2, 3)),
]
QUANTILES = (0.0, 0.25, 0.5, 0.9, 0.95, 0.99, 1.0)


def _le(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else repr(bound)


def test_bucket_quantile_equals_promql_histogram_quantile(tmp_path: Path) -> None:
    series, tests = [], []
    for row, (bounds, counts) in enumerate(TABLE):
        for bound, count in zip(bounds, counts, strict=True):
            name = f'h_bucket{{row="{row}",le="{_le(bound)}"}}'
            series.append(f"      - series: '{name}'\n        values: '{count}x5'")
        for q in QUANTILES:
            expected = bucket_quantile(q, list(zip(bounds, map(float, counts), strict=True)))
            labels = f'{{row="{row}"}}'
            expr = f"histogram_quantile({q}, h_bucket{labels})"
            if expected is None:  # PromQL's NaN: NaN == NaN is false, so the comparison is absent
                expr, labels, value = f"absent({expr} == {expr})", "{}", "1"
            else:
                value = repr(expected)
            tests.append(
                f"      - expr: {expr}\n        eval_time: 2m\n"
                f"        exp_samples:\n          - labels: '{labels}'\n            value: {value}"
            )
    text = (
        "rule_files: []\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n"
        + "\n".join(series)
        + "\n    promql_expr_test:\n"
        + "\n".join(tests)
        + "\n"
    )
    path = tmp_path / "quantiles.yml"
    path.write_text(text, encoding="utf-8")
    assert PROMTOOL is not None
    done = subprocess.run(
        [PROMTOOL, "test", "rules", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_notices_a_wrong_expectation(tmp_path: Path) -> None:
    """The check above can fail: a value off by 1 % is refused."""
    value = bucket_quantile(0.8, [(0.1, 5.0), (0.2, 7.0), (1.0, 11.0), (math.inf, 12.0)])
    assert value is not None
    path = tmp_path / "wrong.yml"
    path.write_text(
        "rule_files: []\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n"
        "      - series: 'h_bucket{le=\"0.1\"}'\n        values: '5x5'\n"
        "      - series: 'h_bucket{le=\"0.2\"}'\n        values: '7x5'\n"
        "      - series: 'h_bucket{le=\"1\"}'\n        values: '11x5'\n"
        "      - series: 'h_bucket{le=\"+Inf\"}'\n        values: '12x5'\n"
        "    promql_expr_test:\n      - expr: histogram_quantile(0.8, h_bucket)\n        eval_time: 2m\n"
        f"        exp_samples:\n          - labels: '{{}}'\n            value: {value * 1.01!r}\n",
        encoding="utf-8",
    )
    assert PROMTOOL is not None
    done = subprocess.run(
        [PROMTOOL, "test", "rules", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode != 0
