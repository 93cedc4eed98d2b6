"""``report.html``: one self-contained page (inline CSS and SVG, nothing fetched; one inline
script, for the copy buttons of the reproduction commands).

Order: the verdict in large type with its one-line reason; a row per layer; the budgets
that failed, warned or could not be judged, each with the findings behind it (grouped by
where they happened: cause, count, one reproduction command per block, evidence links);
charts; every raw tool report the layers wrote; then everything that passed, folded. Every
link is relative to the run directory, where the page lives.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from releasegate.redact import MASK
from releasegate.results import Finding, MetricKind, RunResult, Samples, shareable

from releasegate.gates import aggregate as agg
from releasegate.gates.catalog import parse_key
from releasegate.gates.model import BudgetStatus, BudgetVerdict, Verdict
from releasegate.gates.reports import charts
from releasegate.gates.units import fmt_delta, fmt_value, fmt_vs_baseline

CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#111827;background:#f9fafb}
main{max-width:1100px;margin:0 auto;padding:0 20px 40px}
#verdict{padding:26px 20px;color:#fff}#verdict h1{font-size:56px;margin:0;letter-spacing:1px}
#verdict .reason{font-size:20px;margin:6px 0 4px}#verdict .meta{opacity:.9;font-size:13px}
#verdict code{background:rgba(255,255,255,.18);color:#fff}
.GO{background:#047857}.GO_WITH_WARNINGS{background:#b45309}.NO_GO{background:#b91c1c}.INCONCLUSIVE{background:#4b5563}
h2{font-size:19px;margin:26px 0 8px}table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #e5e7eb;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6;font-weight:600}td.num{text-align:right;white-space:nowrap}
.st{font-weight:700;text-transform:uppercase;font-size:12px;white-space:nowrap}
.fail .st,.error .st,.missing .st,.aborted .st{color:#b91c1c}.warn .st{color:#b45309}
.inconclusive .st{color:#4b5563}.pass .st,.ok .st{color:#047857}.off .st,.skipped .st{color:#9ca3af}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f3f4f6;padding:1px 4px;border-radius:3px}
ul.ev{margin:4px 0 0;padding-left:18px;font-size:13px}details{margin-top:14px}summary{cursor:pointer;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{background:#fff;border:1px solid #e5e7eb}
.chart text{font:11px system-ui,sans-serif;fill:#374151}.chart .ct{font-weight:600;font-size:12px}
.chart .yl{text-anchor:end}.chart .end{text-anchor:end}.chart .mid{text-anchor:middle}
.chart .ax{stroke:#9ca3af}.chart .grid{stroke:#f3f4f6}.chart .limit{stroke:#dc2626;stroke-dasharray:5 3}
.chart .ll{fill:#dc2626}.msg{font-size:13px;color:#374151}
.scroll{overflow-x:auto;max-width:100%;-webkit-overflow-scrolling:touch}.scroll table{min-width:640px}
.findings{margin-top:8px;font-size:13px}.finding{border-left:3px solid #fca5a5;padding:2px 0 4px 8px;margin:6px 0}
.finding .where{font-weight:600}.finding .kind{color:#6b7280;font-weight:400}.finding ul{margin:2px 0;padding-left:18px}
.finding .n{color:#b91c1c;font-weight:700;white-space:nowrap}
.cmd{position:relative;margin:4px 0}.cmd pre{margin:0;padding:6px 64px 6px 8px;background:#111827;color:#f9fafb;
overflow-x:auto;border-radius:4px;white-space:pre}.cmd pre code{background:none;color:inherit;padding:0}
.cmd button{position:absolute;top:4px;right:4px;font-size:12px;cursor:pointer}
td.budget-cell{min-width:0;max-width:560px}.thumbs{display:flex;flex-wrap:wrap;gap:6px;margin-top:4px}
.thumb img{display:block;max-width:160px;height:auto;border:1px solid #e5e7eb;background:#fff}ul.raw{font-size:13px;columns:2 320px}
@media (max-width:640px){#verdict{padding:16px 14px}#verdict h1{font-size:40px}main{padding:0 10px 30px}
td.budget-cell{max-width:78vw}}
"""
COPY_JS = (
    "document.querySelectorAll('.cmd button').forEach(function(b){b.addEventListener('click',function(){"
    "var t=b.parentNode.querySelector('code').textContent;var done=function(){b.textContent='copied'};"
    "var fallback=function(){var a=document.createElement('textarea');a.value=t;document.body.appendChild(a);"
    "a.select();try{document.execCommand('copy');done()}catch(e){}a.remove()};"
    "if(navigator.clipboard){navigator.clipboard.writeText(t).then(done,fallback)}else{fallback()}})});"
)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
RAW_SUFFIXES = (".html", ".json", ".xml", ".csv", ".ndjson", ".har", ".yaml", ".txt", ".log", ".zip", ".png", ".jpg")
MAX_RAW_PER_LAYER = 40
MAX_LINE_CHARTS = 4
MAX_WINDOW_CHARTS = 6


def render_html(verdict: Verdict, run: RunResult, *, availability: Sequence[tuple[datetime, float]] = ()) -> str:
    d = verdict.decision
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>{escape(d.label)} · releasegate {escape(run.info.run_id)}</title><style>{CSS}</style></head><body>",
        _header(verdict, run),
        "<main>",
        _layers(verdict),
        _problems(verdict.problems),
        _charts(verdict, run, availability),
        _raw_reports(verdict),
        _notes(verdict),
        _passed(verdict),
        f"</main><script>{COPY_JS}</script></body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _header(verdict: Verdict, run: RunResult) -> str:
    info = run.info
    facts = [f"environment <b>{escape(info.environment)}</b>", f"stage <b>{escape(info.stage)}</b>",
             f"run <code>{escape(info.run_id)}</code>", escape(info.base_url)]
    if info.commit:
        facts.append(f"commit <code>{escape(info.commit)}</code>")
    if verdict.baseline_run:
        facts.append(f"baseline {escape(verdict.baseline_run)}")
    facts.append(info.started_at.isoformat(timespec="seconds"))
    return (f'<header id="verdict" class="{verdict.decision.value}" data-decision="{verdict.decision.value}">'
            f'<h1>{escape(verdict.decision.label)}</h1><p class="reason">{escape(verdict.reason)}</p>'
            f'<p class="meta">{" · ".join(facts)}</p></header>')


def _layers(verdict: Verdict) -> str:
    if not verdict.layers:
        return ""
    rows = []
    for la in verdict.layers:
        note = la.aborted or la.error or ""
        duration = fmt_value(la.duration_s, "s") if la.duration_s is not None else ""
        status, css = la.status, la.status
        if la.status == "ok" and la.failed_budgets:
            status, css = f"failed budgets: {la.failed_budgets}", "fail"
        rows.append(f'<tr class="{escape(css)}"><td>{escape(la.name)}</td><td class="st">{escape(status)}</td>'
                    f'<td class="num">{la.records}</td><td class="num">{la.failed_records}</td>'
                    f'<td class="num">{duration}</td><td class="msg">{escape(note)}</td></tr>')
    return ('<section id="layers"><h2>Layers</h2><div class="scroll"><table><tr><th>layer</th><th>status</th>'
            f'<th>checks</th><th>failed</th><th>time</th><th></th></tr>{"".join(rows)}</table></div></section>')


def _budget_table(items: Sequence[BudgetVerdict], *, evidence: bool) -> str:
    rows = []
    for b in items:
        limit = f"{b.operator} {fmt_value(b.limit, b.unit)}" if b.limit is not None else "n/a"
        base = ""
        if b.baseline is not None:
            base = fmt_vs_baseline(b.baseline, b.baseline_delta, b.unit)
        extra = (_findings(b.findings) + _evidence(b.evidence, b.findings)) if evidence else ""
        rows.append(
            f'<tr class="budget {b.status.value}" data-key="{escape(b.key)}"><td class="st">{b.status.value}'
            f'<br><small>{escape(b.level)}</small></td><td class="budget-cell"><code>{escape(b.key)}</code><br><code>{escape(b.expr)}</code>'
            f'<div class="msg">{escape(b.message)}</div>{extra}</td>'
            f'<td class="num">{escape(fmt_value(b.observed, b.unit))}</td><td class="num">{escape(limit)}</td>'
            f'<td class="num">{fmt_delta(b.delta)}</td><td class="num">{escape(base)}</td>'
            f'<td class="num">{b.samples}</td></tr>'
        )
    return ('<div class="scroll"><table><tr><th>status</th><th>budget</th><th>observed</th><th>limit</th>'
            f"<th>Δ vs limit</th><th>vs baseline</th><th>samples</th></tr>{''.join(rows)}</table></div>")


def _command(text: str) -> str:
    """One command in its own block with a copy button; masked values as a ``$SECRET`` placeholder."""
    shown = text.replace(MASK, "$SECRET")
    return f'<div class="cmd"><pre><code>{escape(shown)}</code></pre><button type="button">copy</button></div>'


def _link(path: str) -> str:
    return f'<a href="{escape(path)}">{escape(path)}</a>'


def _thumb(path: str) -> str:
    """A screenshot as a small picture linking to the full one."""
    return (f'<a class="thumb" href="{escape(path)}"><img src="{escape(path)}" alt="{escape(path)}" '
            'loading="lazy" width="160"></a>')


def _findings(findings: Sequence[Finding]) -> str:
    """The findings behind a budget, grouped by where they happened."""
    if not findings:
        return ""
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.layer, f.where), []).append(f)
    out = []
    for (layer, where), items in groups.items():
        kinds = ", ".join(dict.fromkeys(f.kind for f in items))
        causes = "".join(
            f'<li>{escape(f.what)} <span class="n">×{f.count}</span></li>' for f in items
        )
        repro = next((f.commands for f in items if f.commands), [])
        paths = shareable(p for f in items for p in f.evidence)
        links = f'<ul class="ev">{"".join(f"<li>{_link(p)}</li>" for p in paths)}</ul>' if paths else ""
        thumbs = "".join(_thumb(p) for p in paths if p.lower().endswith(IMAGE_SUFFIXES))
        links += f'<div class="thumbs">{thumbs}</div>' if thumbs else ""
        out.append(
            f'<div class="finding" data-where="{escape(where)}"><div class="where"><code>{escape(where)}</code> '
            f'<span class="kind">{escape(layer)} · {escape(kinds)}</span></div><ul>{causes}</ul>'
            f'{"".join(_command(c) for c in repro)}{links}</div>'
        )
    return f'<div class="findings">{"".join(out)}</div>'


def _evidence(items: Sequence[str], findings: Sequence[Finding] = ()) -> str:
    """Evidence not already shown with a finding: paths as links, reproductions as commands."""
    shown = {p for f in findings for p in f.evidence}
    out, commands = [], []
    for item in items:
        if item in shown:
            continue
        if _is_path(item):
            out.append(f"<li>{_link(item)}</li>")
        elif not findings:
            commands += [line for line in item.splitlines() if line.strip()]
    links = f'<ul class="ev">{"".join(out)}</ul>' if out else ""
    return links + "".join(_command(c) for c in dict.fromkeys(commands))


def _raw_reports(verdict: Verdict) -> str:
    """Every raw report the tools wrote, per layer: on a GO as on a NO-GO."""
    rows = []
    for la in verdict.layers:
        paths = [p for p in shareable(la.artifacts) if p.lower().endswith(RAW_SUFFIXES)][:MAX_RAW_PER_LAYER]
        if paths:
            rows.append(f'<li><b>{escape(la.name)}</b>: {" · ".join(_link(p) for p in paths)}</li>')
    if not rows:
        return ""
    return f'<section id="raw"><h2>Raw reports</h2><ul class="raw">{"".join(rows)}</ul></section>'


def _notes(verdict: Verdict) -> str:
    if not verdict.notes:
        return ""
    items = "".join(f"<li>{escape(n)}</li>" for n in verdict.notes)
    return f'<section id="notes"><h2>Notes</h2><ul class="msg">{items}</ul></section>'


def _is_path(item: str) -> bool:
    return not any(c.isspace() for c in item) and "://" not in item and not item.startswith(("/", ".."))


def _problems(problems: Sequence[BudgetVerdict]) -> str:
    if not problems:
        return ""
    return (f'<section id="problems"><h2>Needs attention ({len(problems)})</h2>'
            f"{_budget_table(problems, evidence=True)}</section>")


def _passed(verdict: Verdict) -> str:
    passed = [b for b in verdict.passed if b.status is BudgetStatus.PASS]
    off = [b for b in verdict.passed if b.status in (BudgetStatus.OFF, BudgetStatus.INCONCLUSIVE)]
    out = []
    if passed:
        out.append(f'<details id="passed"><summary>{len(passed)} budgets passed</summary>'
                   f"{_budget_table(passed, evidence=False)}</details>")
    if off:
        out.append(f'<details id="off"><summary>{len(off)} not judged</summary>'
                   f"{_budget_table(off, evidence=False)}</details>")
    return "".join(out)


def _charts(verdict: Verdict, run: RunResult, availability: Sequence[tuple[datetime, float]]) -> str:
    svgs = _window_charts(verdict, run) + _latency_charts(verdict, run)
    svgs += [_vitals(verdict), _availability(availability)]
    svgs = [s for s in svgs if s]
    if not svgs:
        return ""
    return f'<section id="charts"><h2>Charts</h2><div class="charts">{"".join(svgs)}</div></section>'


def _latency_charts(verdict: Verdict, run: RunResult) -> list[str]:
    """Percentiles over time against the budget line, and a histogram, for duration budgets."""
    candidates = [b for b in verdict.problems + verdict.passed
                  if b.unit == "s" and b.observed is not None and b.chart == "timeline"]
    out: list[str] = []
    seen: set[str] = set()
    histogram_done = False
    for b in candidates:
        key = parse_key(b.pattern_key or b.key)
        layer = run.layer(key.layer)
        if layer is None:
            continue
        series = [s for s in agg.select(layer, key.metric, key.tags) if s.kind is MetricKind.TREND
                  and all(s.tags.get(tag) == value for tag, value in b.expanded.items())]
        if not series:
            continue
        if b.key not in seen and len(seen) < MAX_LINE_CHARTS and any(s.timeline for s in series):
            seen.add(b.key)
            lines = {f"p{p}": agg.per_second("p", float(p), series, MetricKind.TREND) for p in (50, 95, 99)}
            out.append(charts.line_chart(f"{b.key} over time", lines, unit="s", limit=b.limit,
                                         x_labels=("0 s", "seconds since start")))
        if not histogram_done:
            pairs = agg.weighted([v for s in series for v in s.values], [bk for s in series for bk in s.buckets])
            out.append(charts.histogram(f"{b.key} histogram", pairs, unit="s", limit=b.limit))
            histogram_done = True
    return out


def _aggregation(b: BudgetVerdict) -> tuple[str, float | None]:
    """The budget's aggregation (``p(95)`` -> ``("p", 95.0)``), the deciding comparison's first."""
    text = b.comparisons[0].aggregation if b.comparisons else ""
    name, _, arg = text.partition("(")
    try:
        return name or "avg", float(arg.rstrip(")")) if arg else None
    except ValueError:
        return name, None


def _window_charts(verdict: Verdict, run: RunResult) -> list[str]:
    """Per budget key charted as ``windows``: the aggregation per interval in the layer's own
    baseline window and in the window after the change, with the budgets' limits drawn."""
    keys: dict[str, list[BudgetVerdict]] = {}
    for b in verdict.problems + verdict.passed:
        if b.chart == "windows":
            keys.setdefault(b.key, []).append(b)
    out: list[str] = []
    for key, items in keys.items():
        if len(out) >= MAX_WINDOW_CHARTS:
            break
        b = items[0]
        parsed = parse_key(b.pattern_key or b.key)
        layer = run.layer(parsed.layer)
        if layer is None:
            continue

        def pick(samples: Sequence[Samples], b: BudgetVerdict = b) -> list[Samples]:
            return [s for s in samples if s.metric == parsed.metric and agg.matches(s.tags, parsed.tags)
                    and all(s.tags.get(tag) == value for tag, value in b.expanded.items())]

        now, before = pick(layer.samples), pick(layer.baseline_samples)
        if not now and not before:
            continue
        kind = (now or before)[0].kind
        name, arg = _aggregation(b)
        label = f"{name}({arg:g})" if arg is not None else name
        limits = [(f"{x.level} {x.operator}", x.limit) for x in items if x.limit is not None]
        out.append(charts.windows_chart(
            f"{key}: {label} per interval, baseline | after",
            agg.per_second(name, arg, before, kind), agg.per_second(name, arg, now, kind),
            unit=b.unit, limits=limits))
    return [s for s in out if s]


VITAL_NAMES = {
    "largest_contentful_paint": "LCP",
    "cumulative_layout_shift": "CLS",
    "total_blocking_time": "TBT",
    "first_contentful_paint": "FCP",
    "speed_index": "Speed index",
    "resource_size": "size",
    "resource_count": "requests",
}


def vital_label(key: str) -> str:
    """A short bar label for a web budget key: ``web.largest_contentful_paint{page:/}`` -> ``LCP /``."""
    metric, _, selector = key.split(".", 1)[1].partition("{")
    values = [part.split(":", 1)[-1] for part in selector.rstrip("}").split(",") if part]
    return " ".join([VITAL_NAMES.get(metric, metric), *values])


def _vitals(verdict: Verdict) -> str:
    items = [(vital_label(b.key), b.observed, b.limit, b.unit, b.status is BudgetStatus.PASS)
             for b in verdict.budgets
             if b.chart == "bars" and b.observed is not None and b.limit and b.operator in ("<", "<=")]
    return charts.budget_bars("Web vitals against their budgets", items)


def _availability(points: Sequence[tuple[datetime, float]]) -> str:
    if len(points) < 2:
        return ""
    start = points[0][0]
    series = {"availability": [((at - start).total_seconds() / 3600, value) for at, value in points]}
    return charts.line_chart("Availability over time (smoke)", series, unit="ratio",
                             x_labels=(start.strftime("%Y-%m-%d %H:%M"), points[-1][0].strftime("%Y-%m-%d %H:%M")))

