"""Wall time of the web layer vs `lhci autorun` by hand: 3 pages x 3 runs of the clean promptlib.

Both sides use the same pinned Lighthouse major, the same Chromium, flags and preset, one
Lighthouse process at a time. Prints the median of each side over --rounds and the ratio
(layer / lhci; below 1 means the layer is faster).

    python bench/web_wall_time.py [--rounds 1] [--preset desktop]
"""

from __future__ import annotations

import argparse
import json
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


def time_layer(base_url: str, work: Path, preset: str) -> float:
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
    return elapsed


def time_lhci(base_url: str, work: Path, preset: str) -> float:
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
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--preset", choices=["desktop", "mobile"], default="desktop")
    args = parser.parse_args()
    layer_s: list[float] = []
    lhci_s: list[float] = []
    with start() as app:
        for round_no in range(1, args.rounds + 1):
            with tempfile.TemporaryDirectory(prefix="rg-web-bench-") as tmp:
                work = Path(tmp)
                # alternate the order so neither side always runs on a warmer machine
                if round_no % 2:
                    layer_s.append(time_layer(app.url, work, args.preset))
                    lhci_s.append(time_lhci(app.url, work, args.preset))
                else:
                    lhci_s.append(time_lhci(app.url, work, args.preset))
                    layer_s.append(time_layer(app.url, work, args.preset))
            print(f"round {round_no}: layer {layer_s[-1]:.1f} s, lhci autorun {lhci_s[-1]:.1f} s", flush=True)
    layer_med, lhci_med = statistics.median(layer_s), statistics.median(lhci_s)
    print(f"{len(PAGES)} pages x {RUNS} runs, preset {args.preset}, {args.rounds} round(s)")
    print(f"web layer     median {layer_med:.1f} s  ({layer_med / (len(PAGES) * RUNS):.1f} s per run)")
    print(f"lhci autorun  median {lhci_med:.1f} s  ({lhci_med / (len(PAGES) * RUNS):.1f} s per run)")
    print(f"ratio layer/lhci = {layer_med / lhci_med:.2f}")


if __name__ == "__main__":
    main()
