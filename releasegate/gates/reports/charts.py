"""Small inline SVG charts drawn by hand: no scripts, no fonts or files from the network."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from releasegate.gates.units import fmt_value

W, H = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 26, 30
COLORS = ("#2563eb", "#d97706", "#7c3aed", "#059669", "#0891b2")
LEGEND_CHAR, LEGEND_GAP = 7, 18  # legend text width per character and space between entries (px)


def _frame(title: str, body: list[str]) -> str:
    return (f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {W} {H}" '
            f'width="{W}" height="{H}" xmlns="http://www.w3.org/2000/svg">'
            f'<title>{escape(title)}</title><text x="{LEFT}" y="16" class="ct">{escape(title)}</text>'
            + "".join(body) + "</svg>")


def _scale(lo: float, hi: float, a: float, b: float) -> tuple[float, float]:
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    k = (b - a) / (hi - lo)
    return k, a - lo * k


def _axes(y_lo: float, y_hi: float, unit: str, x_labels: tuple[str, str]) -> list[str]:
    out = [f'<line x1="{LEFT}" y1="{H - BOTTOM}" x2="{W - RIGHT}" y2="{H - BOTTOM}" class="ax"/>',
           f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{H - BOTTOM}" class="ax"/>']
    ky, cy = _scale(y_lo, y_hi, H - BOTTOM, TOP)
    for i in range(5):
        value = y_lo + (y_hi - y_lo) * i / 4
        y = ky * value + cy
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" class="grid"/>'
                   f'<text x="{LEFT - 4}" y="{y + 4:.1f}" class="yl">{escape(fmt_value(value, unit))}</text>')
    out.append(f'<text x="{LEFT}" y="{H - 10}" class="xl">{escape(x_labels[0])}</text>'
               f'<text x="{W - RIGHT}" y="{H - 10}" class="xl end">{escape(x_labels[1])}</text>')
    return out


def _hline(value: float, label: str, ky: float, cy: float) -> str:
    y = ky * value + cy
    return (f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" class="limit"/>'
            f'<text x="{W - RIGHT - 2}" y="{y - 4:.1f}" class="ll end">{escape(label)}</text>')


def line_chart(title: str, series: Mapping[str, Sequence[tuple[float, float]]], *, unit: str,
               limit: float | None = None, limit_label: str = "budget",
               x_labels: tuple[str, str] = ("", "")) -> str:
    """Lines over x (e.g. seconds since start) with an optional horizontal budget line."""
    points = [p for s in series.values() for p in s]
    if not points:
        return ""
    xs = [x for x, _ in points]
    ys = [y for _, y in points] + ([limit] if limit is not None else [])
    y_lo, y_hi = min(0.0, min(ys)), max(ys) * 1.1 or 1.0
    kx, cx = _scale(min(xs), max(xs), LEFT, W - RIGHT)
    ky, cy = _scale(y_lo, y_hi, H - BOTTOM, TOP)
    body = _axes(y_lo, y_hi, unit, x_labels)
    legend_x = LEFT + 8
    for i, (name, pts) in enumerate(series.items()):
        color = COLORS[i % len(COLORS)]
        path = " ".join(f"{kx * x + cx:.1f},{ky * y + cy:.1f}" for x, y in sorted(pts))
        body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.6"/>')
        body.append(f'<text x="{legend_x}" y="{TOP + 10}" class="lg" fill="{color}">{escape(name)}</text>')
        legend_x += LEGEND_GAP + LEGEND_CHAR * len(name)
    if limit is not None:
        body.append(_hline(limit, f"{limit_label} {fmt_value(limit, unit)}", ky, cy))
    return _frame(title, body)


def histogram(title: str, pairs: Sequence[tuple[float, float]], *, unit: str, limit: float | None = None,
              bins: int = 30) -> str:
    """Counts of weighted observations in equal-width bins up to the 99.9th percentile."""
    if not pairs:
        return ""
    total = sum(w for _, w in pairs)
    lo = pairs[0][0]
    cutoff, seen = pairs[-1][0], 0.0
    for value, weight in pairs:
        seen += weight
        if seen >= 0.999 * total:
            cutoff = value
            break
    hi = max(cutoff, limit or cutoff)
    width = (hi - lo) / bins if hi > lo else 1.0
    counts = [0.0] * bins
    for value, weight in pairs:
        counts[min(bins - 1, max(0, int((value - lo) / width)))] += weight
    kx, cx = _scale(lo, lo + width * bins, LEFT, W - RIGHT)
    ky, cy = _scale(0.0, max(counts) * 1.1 or 1.0, H - BOTTOM, TOP)
    body = [f'<line x1="{LEFT}" y1="{H - BOTTOM}" x2="{W - RIGHT}" y2="{H - BOTTOM}" class="ax"/>',
            f'<text x="{LEFT}" y="{H - 10}" class="xl">{escape(fmt_value(lo, unit))}</text>',
            f'<text x="{W - RIGHT}" y="{H - 10}" class="xl end">{escape(fmt_value(lo + width * bins, unit))}</text>',
            f'<text x="{LEFT - 4}" y="{TOP + 4}" class="yl">{_count(max(counts))}</text>']
    for i, count in enumerate(counts):
        x0, x1 = kx * (lo + i * width) + cx, kx * (lo + (i + 1) * width) + cx
        y = ky * count + cy
        body.append(f'<rect x="{x0:.1f}" y="{y:.1f}" width="{max(0.5, x1 - x0 - 1):.1f}" '
                    f'height="{H - BOTTOM - y:.1f}" fill="{COLORS[0]}"/>')
    if limit is not None:
        x = kx * limit + cx
        body.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{H - BOTTOM}" class="limit"/>'
                    f'<text x="{x + 3:.1f}" y="{TOP + 10}" class="ll">budget {escape(fmt_value(limit, unit))}</text>')
    return _frame(title, body)


def fit(label: str, width: int = 34) -> str:
    """``label`` in at most ``width`` characters, eliding the middle so both ends stay readable."""
    if len(label) <= width:
        return label
    head = (width - 1) // 2
    return label[:head] + "…" + label[len(label) - (width - 1 - head):]


def _count(n: float) -> str:
    return str(int(n)) if n == int(n) else f"{n:.1f}"


def budget_bars(title: str, items: Sequence[tuple[str, float, float, str, bool]]) -> str:
    """One bar per (label, observed, limit, unit, passed): observed as a share of its limit."""
    if not items:
        return ""
    height = TOP + 22 * len(items) + 30
    top = max(1.5, max(o / lim for _, o, lim, _, _ in items if lim) * 1.1) if any(i[2] for i in items) else 1.5
    kx = (W - 230 - RIGHT) / top
    body = []
    for i, (label, observed, lim, unit, passed) in enumerate(items):
        y = TOP + 22 * i
        share = observed / lim if lim else 0.0
        color = "#059669" if passed else "#dc2626"
        body.append(f'<text x="4" y="{y + 13}" class="bl"><title>{escape(label)}</title>{escape(fit(label))}</text>'
                    f'<rect x="220" y="{y + 2}" width="{max(1.0, kx * min(share, top)):.1f}" height="14" fill="{color}"/>'
                    f'<text x="{224 + kx * min(share, top):.1f}" y="{y + 13}" class="bv">'
                    f'{escape(fmt_value(observed, unit))} / {escape(fmt_value(lim, unit))}</text>')
    x = 220 + kx * 1.0
    body.append(f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{height - 24}" class="limit"/>'
                f'<text x="{x:.1f}" y="{height - 10}" class="ll mid">budget</text>')
    svg = _frame(title, body)
    return svg.replace(f'viewBox="0 0 {W} {H}"', f'viewBox="0 0 {W} {height}"').replace(
        f'height="{H}"', f'height="{height}"', 1)



WINDOW_GAP = 10  # px between the baseline panel and the panel after the change
BASELINE_SHARE = 0.3  # of the plot's width for the baseline panel


def _panel_path(points: Sequence[tuple[float, float]], x0: float, x1: float, ky: float, cy: float) -> str:
    """Points scaled into the panel [x0, x1]; a single point becomes a level across the panel."""
    pts = sorted(points)
    if len(pts) == 1:
        y = ky * pts[0][1] + cy
        return f"{x0 + 4:.1f},{y:.1f} {x1 - 4:.1f},{y:.1f}"
    kx, cx = _scale(pts[0][0], pts[-1][0], x0 + 4, x1 - 4)
    return " ".join(f"{kx * x + cx:.1f},{ky * y + cy:.1f}" for x, y in pts)


def windows_chart(title: str, baseline: Sequence[tuple[float, float]], after: Sequence[tuple[float, float]], *,
                  unit: str, limits: Sequence[tuple[str, float]] = ()) -> str:
    """The window before a change (shaded, left) and after it (right) on one value axis, with
    every budget line across both. ``t`` is seconds relative to the start of the window after the change."""
    if not after and not baseline:
        return ""
    ys = [y for _, y in baseline] + [y for _, y in after] + [v for _, v in limits]
    y_lo, y_hi = min(0.0, min(ys)), max(ys) * 1.1 or 1.0
    ky, cy = _scale(y_lo, y_hi, H - BOTTOM, TOP + 12)
    split = LEFT + (W - RIGHT - LEFT) * BASELINE_SHARE
    body = _axes(y_lo, y_hi, unit, ("", ""))[:-1]  # the x labels are per panel
    body.append(f'<rect x="{LEFT + 1}" y="{TOP}" width="{split - LEFT - 1:.1f}" height="{H - BOTTOM - TOP}" '
                'class="band" fill="#e5e7eb" fill-opacity="0.6"/>')
    body.append(f'<line x1="{split + WINDOW_GAP / 2:.1f}" y1="{TOP}" x2="{split + WINDOW_GAP / 2:.1f}" '
                f'y2="{H - BOTTOM}" class="ax"/>')
    panels = (("baseline", baseline, LEFT, split, "#6b7280"), ("after", after, split + WINDOW_GAP, W - RIGHT, COLORS[0]))
    for name, points, x0, x1, color in panels:
        body.append(f'<text x="{x0 + 4:.1f}" y="{TOP + 10}" class="lg" fill="{color}">{name}</text>')
        if points:
            first, last = min(t for t, _ in points), max(t for t, _ in points)
            span = (f"{first:+.0f} s", f"{last:+.0f} s") if len(points) > 1 else (f"{first:+.0f} s", "")
            body.append(f'<polyline data-window="{name}" points="{_panel_path(points, x0, x1, ky, cy)}" '
                        f'fill="none" stroke="{color}" stroke-width="1.6"/>')
        else:
            span = ("none", "")
            body.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{(TOP + H - BOTTOM) / 2:.1f}" class="mid">no data</text>')
        body.append(f'<text x="{x0 + 2:.1f}" y="{H - 10}" class="xl">{escape(span[0])}</text>'
                    f'<text x="{x1:.1f}" y="{H - 10}" class="xl end">{escape(span[1])}</text>')
    for label, value in limits:
        body.append(_hline(value, f"{label} {fmt_value(value, unit)}", ky, cy))
    return _frame(title, body)
