"""HDR histograms of latencies: creation, exact merging, encoding and exports.

Latencies are recorded as integer microseconds with 3 significant figures, so every
reported value is within 0.1 % of the true one. Histograms merge exactly (counts add),
which is what makes a distributed run report the same percentiles as a single process.
Percentiles are always read from a (merged) histogram, never averaged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 3_600 * 1_000_000  # one hour
SIGNIFICANT_FIGURES = 3
PERCENTILES: tuple[float, ...] = (50.0, 90.0, 95.0, 99.0)


def new() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_FIGURES)


def record_ms(hist: HdrHistogram, millis: float) -> None:
    """Record a latency given in milliseconds (Locust's unit), clamped into the trackable range."""
    micros = round(millis * 1000.0)
    hist.record_value(min(max(micros, LOWEST_US), HIGHEST_US))


def encode(hist: HdrHistogram) -> str:
    encoded = hist.encode()
    return encoded.decode("ascii") if isinstance(encoded, bytes) else str(encoded)


def decode(text: str) -> HdrHistogram:
    return HdrHistogram.decode(text.encode("ascii"))


def merge(parts: Iterable[HdrHistogram | str]) -> HdrHistogram:
    """One histogram holding every count of ``parts`` (encoded or live); exact."""
    total = new()
    for part in parts:
        total.add(decode(part) if isinstance(part, str) else part)
    return total


def count(hist: HdrHistogram) -> int:
    return int(hist.get_total_count())


def percentile_s(hist: HdrHistogram, pct: float) -> float:
    """The value at ``pct`` (0..100) in seconds; 0.0 for an empty histogram."""
    if count(hist) == 0:
        return 0.0
    return float(hist.get_value_at_percentile(pct)) / 1e6


def summary(hist: HdrHistogram) -> dict[str, float]:
    """count, avg, min, max and the standard percentiles, in seconds."""
    n = count(hist)
    if n == 0:
        return {"count": 0.0}
    out = {
        "count": float(n),
        "avg": float(hist.get_mean_value()) / 1e6,
        "min": float(hist.get_min_value()) / 1e6,
        "max": float(hist.get_max_value()) / 1e6,
    }
    for pct in PERCENTILES:
        out[f"p{pct:g}"] = percentile_s(hist, pct)
    return out


def buckets_s(hist: HdrHistogram) -> list[tuple[float, int]]:
    """(value_seconds, count) pairs: each recorded bucket at its highest equivalent value.

    Percentiles computed from these pairs by cumulative count equal the histogram's own
    ``get_value_at_percentile`` (same bucket, same representative value).
    """
    pairs: list[tuple[float, int]] = []
    for item in hist.get_recorded_iterator():
        pairs.append((item.value_iterated_to / 1e6, int(item.count_at_value_iterated_to)))
    return pairs


def percentile_of_buckets(pairs: Sequence[tuple[float, int]], pct: float) -> float:
    """The value at ``pct`` (0..100) of ``(value, count)`` pairs, HDR's rule (nearest rank)."""
    total = sum(c for _, c in pairs)
    if total == 0:
        return 0.0
    target = max(1, int(pct / 100.0 * total + 0.5))
    seen = 0
    for value, c in sorted(pairs):
        seen += c
        if seen >= target:
            return value
    return max(v for v, _ in pairs)
