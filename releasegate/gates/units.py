"""Units of budget quantities and how values are shown to people.

Every metric stores values in a base unit (see ``releasegate.results``): seconds ``"s"``,
bytes ``"B"``, fractions ``"ratio"`` or plain numbers ``""``. A quantity in a budget carries
one of the units below and is converted to the base unit when parsed.
"""

from __future__ import annotations

import math

# unit in a budget -> (dimension, factor to the base unit)
UNITS: dict[str, tuple[str, float]] = {
    "ms": ("s", 0.001),
    "s": ("s", 1.0),
    "m": ("s", 60.0),
    "h": ("s", 3600.0),
    "%": ("ratio", 0.01),
    "B": ("B", 1.0),
    "KB": ("B", 1000.0),
    "MB": ("B", 1000.0**2),
    "GB": ("B", 1000.0**3),
    "KiB": ("B", 1024.0),
    "MiB": ("B", 1024.0**2),
    "GiB": ("B", 1024.0**3),
}

DIMENSION_NAMES = {"s": "a duration", "B": "a size", "ratio": "a share", "": "a plain number"}


def to_base(value: float, unit: str | None) -> float:
    """``value`` expressed in ``unit`` converted to its base unit."""
    if not unit:
        return value
    return value * UNITS[unit][1]


def dimension(unit: str | None) -> str:
    """The base unit a budget unit converts to (``""`` for a plain number)."""
    return UNITS[unit][0] if unit else ""


def fmt_value(value: float | None, unit: str) -> str:
    """A value in base unit ``unit`` as people read it: ``912 ms``, ``0.42 %``, ``1.2 MB``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if unit == "s":
        if abs(value) < 1.0:
            return f"{_num(value * 1000)} ms"
        return f"{_num(value)} s"
    if unit == "ratio":
        return f"{_num(value * 100)} %"
    if unit == "B":
        for name, factor in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
            if abs(value) >= factor:
                return f"{_num(value / factor)} {name}"
        return f"{_num(value)} B"
    return _num(value)


def _num(value: float) -> str:
    """Up to three significant figures for small numbers, no trailing zeros."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        text = f"{value:.1f}"
    elif magnitude >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3g}"
    return text.rstrip("0").rstrip(".") if "." in text and "e" not in text else text


def fmt_vs_baseline(baseline: float, delta: float | None, unit: str) -> str:
    """``24.6 ms (+1731 %)``; without a finite change (a zero baseline) just the baseline's value."""
    shown = fmt_delta(delta)
    return f"{fmt_value(baseline, unit)} ({shown})" if shown else fmt_value(baseline, unit)


def fmt_delta(delta: float | None) -> str:
    """A relative difference as ``+14 %`` / ``-3.5 %``."""
    if delta is None or math.isnan(delta) or math.isinf(delta):
        return ""
    pct = delta * 100
    sign = "+" if pct >= 0 else "-"
    return f"{sign}{_num(abs(pct))} %"
