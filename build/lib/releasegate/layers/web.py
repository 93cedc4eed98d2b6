"""The web layer: Lighthouse runs on the environment's pages, judged by budgets on Core Web Vitals,
category scores and page weight.

Each page is measured ``runs`` times per preset (desktop, mobile) by the pinned Lighthouse
(``npm ci`` installs it under ``node_modules/``), driving the Chromium that
:func:`releasegate.browser.find_chromium` finds: one resident Node runner
(``_web/runner.mjs``, Lighthouse's Node API) launches Chrome once and measures every run on it,
each run in a fresh browser context (``lighthouse = ...`` in the settings runs that CLI once per
run instead). Nothing is uploaded: every run's JSON and
HTML report stays under ``<run-dir>/web/<preset>/<page>/``. Samples carry one value per run,
so a budget picks the aggregation (``median`` by default, ``max`` to be pessimistic). A page
that cannot be measured (HTTP error, redirect to a login page, browser crash, timeout)
makes the layer's result an error: the verdict is inconclusive, never a pass.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from releasegate.layers._web.settings import Page, WebSettings
from releasegate.results import LayerResult, MetricKind, utcnow
from releasegate.spec import Chart, LayerContext, LayerSpec, MetricSpec

__all__ = ["SPEC", "WebSettings", "run"]

_PAGE = ("page", "preset")


def _per_run(kind: MetricKind, unit: str, description: str, tags: tuple[str, ...]) -> MetricSpec:
    """Samples hold one value per Lighthouse run: charted as bars against the budget."""
    return MetricSpec(kind, unit, description, tags, chart=Chart.BARS)


METRICS: dict[str, MetricSpec] = {
    "largest_contentful_paint": _per_run(MetricKind.TREND, "s", "Largest Contentful Paint, per run.", _PAGE),
    "cumulative_layout_shift": _per_run(MetricKind.TREND, "", "Cumulative Layout Shift, per run.", _PAGE),
    "total_blocking_time": _per_run(
        MetricKind.TREND, "s", "Total Blocking Time (lab stand-in for INP).", _PAGE
    ),
    "first_contentful_paint": _per_run(MetricKind.TREND, "s", "First Contentful Paint, per run.", _PAGE),
    "speed_index": _per_run(MetricKind.TREND, "s", "Speed Index, per run.", _PAGE),
    "score": _per_run(
        MetricKind.TREND, "ratio", "Lighthouse category score 0..1, per run.", (*_PAGE, "category")
    ),
    "resource_size": _per_run(
        MetricKind.TREND,
        "B",
        "Bytes transferred by resource type (total, script, image, ...).",
        (*_PAGE, "type"),
    ),
    "resource_count": _per_run(
        MetricKind.TREND, "", "Requests by resource type (total, script, image, ...).", (*_PAGE, "type")
    ),
    "unstable_pages": _per_run(
        MetricKind.COUNTER, "", "Pages whose runs disagree beyond unstable_spread.", ("preset",)
    ),
    "lighthouserc_failures": _per_run(
        MetricKind.COUNTER, "", "Failed assertions of the user's lighthouserc.", (*_PAGE, "level")
    ),
}


def run(ctx: LayerContext) -> LayerResult:
    from releasegate.layers._web import session

    settings = ctx.settings_as(WebSettings)
    started = utcnow()
    prepared = session.prepare(ctx, settings)
    jobs = [(preset, page) for preset in settings.presets for page in settings.pages]
    ctx.progress(
        f"Lighthouse {prepared.version} on {len(settings.pages)} page(s) x {settings.runs} run(s), "
        f"{'/'.join(settings.presets)}; {prepared.browser}; {prepared.mode}"
    )

    with session.launchers(prepared, settings.parallel) as launchers:

        def measure(job: tuple[str, Page]) -> session.PageOutcome:
            with launchers.lend() as run_one:
                return session.measure_page(ctx, settings, prepared, job[0], job[1], run=run_one)

        if settings.parallel == 1:
            # in this thread: an interrupt raised here stops the runner before another run starts
            outcomes = [measure(job) for job in jobs]
        else:
            pool = ThreadPoolExecutor(max_workers=settings.parallel)
            try:
                outcomes = list(pool.map(measure, jobs))
            finally:
                launchers.close()  # first, so pages still queued launch nothing
                pool.shutdown(wait=True, cancel_futures=True)
        runner_meta = launchers.meta
    result = session.judge(ctx, settings, prepared, outcomes)
    result.meta.update(runner_meta)
    result.started_at = started
    result.finished_at = utcnow()
    return result


SPEC = LayerSpec(
    name="web",
    summary="Lighthouse on the environment's pages: Core Web Vitals, category scores, page weight.",
    settings_model=WebSettings,
    metrics=METRICS,
    run=run,
)
