"""Wall time of the web layer vs `lhci autorun` by hand: 3 pages x 3 runs of the clean promptlib.

Both sides use the same pinned Lighthouse major, the same Chromium, flags and preset, one
Lighthouse run at a time. Prints the median of each side over --rounds and the ratio
(layer / lhci; below 1 means the layer is faster), the load average, and a metric agreement
table: per page, the medians of LCP, CLS, TBT and the performance score on each side with each
side's spread (min..max of its runs), and whether the medians agree within the runs' own spread
(|difference| <= the larger of the two spreads).

    python bench/web_wall_time.py [--rounds 1] [--preset desktop]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from releasegate.browser import HEADLESS_FLAGS, find_chromium  # noqa: E402
from releasegate.config import Environment  # noqa: E402
from releasegate.fixtures.promptlib.launcher import start  # noqa: E402
from releasegate.layers.web import SPEC  # noqa: E402
from releasegate.spec import LayerContext  # noqa: E402

PAGES = ["/", "/explore", "/login"]
RUNS = 3
# metric -> (how to read it from an LHR, unit shown)
METRICS = {
    "LCP": (lambda lhr: lhr["audits"]["largest-contentful-paint"]["numericValue"], "ms"),
    "CLS": (lambda lhr: lhr["audits"]["cumulative-layout-shift"]["numericValue"], ""),
    "TBT": (lambda lhr: lhr["audits"]["total-blocking-time"]["numericValue"], "ms"),
    "perf": (lambda lhr: lhr["categories"]["performance"]["score"], ""),
}
Runs = dict[str, list[dict[str, object]]]  # page path -> LHRs


def _page_of(url: str, base_url: str) -> str:
    path = url.removeprefix(base_url) or "/"
    return path if path in PAGES else path.rstrip("/") or "/"


def _collect(paths: list[Path], base_url: str, into: Runs) -> None:
    for path in paths:
        lhr = json.loads(path.read_text("utf-8"))
        if (lhr.get("runtimeError") or {}).get("code", "NO_ERROR") != "NO_ERROR":
            continue  # a failed run (retried by the layer): it measured nothing
        into.setdefault(_page_of(lhr["requestedUrl"], base_url), []).append(lhr)


def time_layer(base_url: str, work: Path, preset: str, runs: Runs) -> float:
    run_dir = work / "layer"
    (run_dir / "web").mkdir(parents=True)
    settings = SPEC.settings_model.model_validate({"pages": PAGES, "runs": RUNS, "preset": preset})
    ctx = LayerContext(
        run_id="bench", stage="pre-deploy", environment=Environment(name="bench"), base_url=base_url,
        settings=settings, run_dir=run_dir, artifact_dir=run_dir / "web", progress=lambda _m: None,
        deadline=time.monotonic() + settings.timeout_s,
    )  # fmt: skip
    started = time.monotonic()
    result = SPEC.run(ctx)
    elapsed = time.monotonic() - started
    if result.status.value != "ok":
        raise SystemExit(f"layer failed: {result.error}")
    _collect(sorted((run_dir / "web").rglob("*.report.json")), base_url, runs)
    return elapsed


def time_lhci(base_url: str, work: Path, preset: str, runs: Runs) -> float:
    folder = work / "lhci"
    folder.mkdir()
    browser = find_chromium()
    settings: dict[str, object] = {"chromeFlags": " ".join(HEADLESS_FLAGS)}
    if preset == "desktop":
        settings["preset"] = "desktop"
    rc = {
        "ci": {
            "collect": {
                "url": [base_url + p for p in PAGES],
                "numberOfRuns": RUNS,
                "chromePath": browser.path,
                "settings": settings,
            },
            "assert": {
                "assertions": {
                    "largest-contentful-paint": [
                        "error",
                        {"maxNumericValue": 2500, "aggregationMethod": "median"},
                    ],
                    "cumulative-layout-shift": [
                        "error",
                        {"maxNumericValue": 0.1, "aggregationMethod": "median"},
                    ],
                    "total-blocking-time": ["error", {"maxNumericValue": 200, "aggregationMethod": "median"}],
                    "categories:performance": ["error", {"minScore": 0.9, "aggregationMethod": "median"}],
                    "resource-summary:total:size": ["error", {"maxNumericValue": 1_000_000}],
                }
            },
            "upload": {"target": "filesystem", "outputDir": str(folder / "reports")},
        }
    }
    config = folder / "lighthouserc.json"
    config.write_text(json.dumps(rc, indent=2))
    started = time.monotonic()
    done = subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "lhci"), "autorun", f"--config={config}"],
        cwd=folder, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(
            f"lhci autorun exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    _collect(sorted((folder / ".lighthouseci").glob("lhr-*.json")), base_url, runs)
    return elapsed


def _fmt(value: float, unit: str) -> str:
    return f"{value:.0f}" if unit == "ms" else f"{value:.3f}"


def agreement(layer: Runs, lhci: Runs) -> list[str]:
    """The metric agreement table, one line per page and metric."""
    lines = [
        f"{'page':<9} {'metric':<6} {'layer median [spread]':>26} {'lhci median [spread]':>26} "
        f"{'diff':>8}  agree"
    ]
    for page in PAGES:
        for name, (read, unit) in METRICS.items():
            ours = [float(read(lhr)) for lhr in layer.get(page, [])]
            theirs = [float(read(lhr)) for lhr in lhci.get(page, [])]
            if not ours or not theirs:
                lines.append(f"{page:<9} {name:<6} no data ({len(ours)} layer, {len(theirs)} lhci runs)")
                continue
            m1, m2 = statistics.median(ours), statistics.median(theirs)
            spread = max(max(ours) - min(ours), max(theirs) - min(theirs))
            agree = abs(m1 - m2) <= spread
            cell1 = f"{_fmt(m1, unit)} [{_fmt(min(ours), unit)}..{_fmt(max(ours), unit)}]"
            cell2 = f"{_fmt(m2, unit)} [{_fmt(min(theirs), unit)}..{_fmt(max(theirs), unit)}]"
            lines.append(
                f"{page:<9} {name:<6} {cell1:>26} {cell2:>26} {_fmt(m1 - m2, unit):>8}  "
                f"{'yes' if agree else 'NO'}"
            )
    return lines


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--preset", choices=["desktop", "mobile"], default="desktop")
    args = parser.parse_args()
    layer_s: list[float] = []
    lhci_s: list[float] = []
    layer_runs: Runs = {}
    lhci_runs: Runs = {}
    loads = [_load()]
    with start() as app:
        for round_no in range(1, args.rounds + 1):
            with tempfile.TemporaryDirectory(prefix="rg-web-bench-") as tmp:
                work = Path(tmp)
                # alternate the order so neither side always runs on a warmer machine
                if round_no % 2:
                    layer_s.append(time_layer(app.url, work, args.preset, layer_runs))
                    lhci_s.append(time_lhci(app.url, work, args.preset, lhci_runs))
                else:
                    lhci_s.append(time_lhci(app.url, work, args.preset, lhci_runs))
                    layer_s.append(time_layer(app.url, work, args.preset, layer_runs))
            loads.append(_load())
            print(
                f"round {round_no}: layer {layer_s[-1]:.1f} s, lhci autorun {lhci_s[-1]:.1f} s "
                f"(load average {loads[-1]})",
                flush=True,
            )
    layer_med, lhci_med = statistics.median(layer_s), statistics.median(lhci_s)
    print(f"{len(PAGES)} pages x {RUNS} runs, preset {args.preset}, {args.rounds} round(s)")
    print(f"web layer     median {layer_med:.1f} s  ({layer_med / (len(PAGES) * RUNS):.1f} s per run)")
    print(f"lhci autorun  median {lhci_med:.1f} s  ({lhci_med / (len(PAGES) * RUNS):.1f} s per run)")
    print(f"ratio layer/lhci = {layer_med / lhci_med:.2f}")
    print(
        f"load average (1/5/15 min), start and after each round: {' | '.join(loads)}; {os.cpu_count()} cores"
    )
    print()
    print("metric agreement (medians of every run of every round; agree: |diff| <= the larger spread)")
    for line in agreement(layer_runs, lhci_runs):
        print("  " + line)


if __name__ == "__main__":
    main()
