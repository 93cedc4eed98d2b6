"""Contract layer throughput vs the plain schemathesis CLI: test cases per second, same spec and seed.

    python bench/contract_throughput.py [--rounds 3] [--max-examples 10] [--seed 1]

Starts the clean reference target once, then alternates runs of the plain
``schemathesis run URL --seed S -n N`` and of the contract layer (spec fetch, reports,
scrubbing and parsing included). Both counts come from schemathesis's own JSON report
(``test_cases.generated``). Prints per-run figures, the medians and the ratio layer/plain.
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

from releasegate.config import Environment  # noqa: E402
from releasegate.fixtures.promptlib.launcher import start  # noqa: E402
from releasegate.layers._contract.runner import st_command  # noqa: E402
from releasegate.layers.contract import ContractSettings, run  # noqa: E402
from releasegate.spec import LayerContext  # noqa: E402


def _generated(report_dir: Path) -> int:
    report = json.loads(next(report_dir.rglob("json-*.json")).read_text())
    return int(report["test_cases"]["generated"])


def plain(url: str, seed: int, n: int, work: Path) -> tuple[int, float]:
    cmd = [
        *st_command(),
        "--no-color",
        "run",
        f"{url}/openapi.json",
        "--seed",
        str(seed),
        "-n",
        str(n),
        "--workers",
        "1",
        "--report",
        "json",
        "--report-dir",
        str(work),
    ]
    started = time.perf_counter()
    subprocess.run(
        cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600, check=False
    )
    return _generated(work), time.perf_counter() - started


def layer(url: str, seed: int, n: int, work: Path) -> tuple[int, float]:
    env = Environment(name="bench", base_url=url)
    ctx = LayerContext(
        run_id="bench",
        stage="bench",
        environment=env,
        base_url=url,
        settings=ContractSettings(seed=seed, max_examples=n, workers=1, timeout_s=600),
        run_dir=work,
        artifact_dir=work / "contract",
        progress=lambda _m: None,
    )
    started = time.perf_counter()
    result = run(ctx)
    elapsed = time.perf_counter() - started
    if result.error:
        raise SystemExit(f"layer run failed: {result.error}")
    return _generated(work / "contract" / "reports"), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rates: dict[str, list[float]] = {"plain": [], "layer": []}
    with start() as app, tempfile.TemporaryDirectory() as tmp:
        for i in range(args.rounds):
            for name, fn in (("plain", plain), ("layer", layer)):
                work = Path(tmp) / f"{name}-{i}"
                work.mkdir()
                cases, seconds = fn(app.url, args.seed, args.max_examples, work)
                rates[name].append(cases / seconds)
                print(
                    f"round {i + 1} {name:5s}: {cases:5d} cases in {seconds:6.2f}s = {cases / seconds:7.1f}/s"
                )
    paired = [lay / pla for lay, pla in zip(rates["layer"], rates["plain"], strict=True)]
    plain_med, layer_med = statistics.median(rates["plain"]), statistics.median(rates["layer"])
    print(f"median plain CLI: {plain_med:.1f} cases/s")
    print(f"median layer:     {layer_med:.1f} cases/s")
    print(f"ratio layer/plain: {layer_med / plain_med:.2f} (aim >= 0.90)")
    print(f"median of per-round ratios: {statistics.median(paired):.2f}")


if __name__ == "__main__":
    main()
